import ABCore
import ABProviders
import Synchronization

/// One chat request to a served endpoint, as the HTTP side parsed it. Unset fields take the endpoint's
/// request defaults.
public struct Invocation: Sendable, Equatable {
    /// The completion id sent back (`chatcmpl-…`), also the prompt id in the journal.
    public var id: String
    public var messages: [ChatMessage]
    /// The request's own `max_tokens`, `temperature`, `stream`…
    public var parameters: RequestOverrides
    /// `x-abtop-session`: the same key goes to the same entity for the current split epoch.
    public var sessionKey: String?
    /// Embeddings go back as base64 of little-endian float32s (`encoding_format: "base64"`, the OpenAI SDK's
    /// default), else as lists of numbers.
    public var base64Embeddings = false

    public init(
        id: String, messages: [ChatMessage], parameters: RequestOverrides = RequestOverrides(stream: false),
        sessionKey: String? = nil
    ) {
        self.id = id
        self.messages = messages
        self.parameters = parameters
        self.sessionKey = sessionKey
    }

    /// The client asked for SSE.
    public var stream: Bool { parameters.stream == true }
}

/// How a served request ended, after retries and fallbacks.
public struct InvocationResult: Sendable, Equatable {
    /// The entity that answered (or failed last); nil when none could be tried.
    public var entity: Int?
    public var text: String
    public var toolCalls: [ToolCall]
    /// An embeddings answer's vectors.
    public var embeddings: [[Double]] = []
    public var finishReason: String?
    public var inputTokens: Int
    public var outputTokens: Int
    public var failure: ProviderError?

    public init(
        entity: Int?, text: String = "", finishReason: String? = nil, inputTokens: Int = 0,
        outputTokens: Int = 0, failure: ProviderError? = nil, toolCalls: [ToolCall] = []
    ) {
        self.entity = entity
        self.text = text
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.failure = failure
    }
}

/// What a served request reports as it runs: streamed content first (all from one entity), then the end.
public enum InvocationEvent: Sendable, Equatable {
    case content(entity: Int, text: String)
    case toolCall(entity: Int, ToolCallDelta)
    case finished(InvocationResult)
}

/// The events of one served request, from the engine's threads to the one HTTP handler that reads them: a
/// single-consumer queue that can be handed from the handler to its response body writer (an `AsyncStream`
/// iterator cannot cross that boundary).
public final class InvocationEvents: Sendable {
    private struct State {
        var buffer: [InvocationEvent] = []
        var head = 0
        var waiter: CheckedContinuation<InvocationEvent?, Never>?
        var finished = false
        /// What the waiting events will cost on the wire, framing included (see `cost`).
        var pendingBytes = 0
        var limit = Int.max
        /// Events were dropped because the client did not take them: the request was cancelled.
        var overflowed = false
        var cancel: (@Sendable () -> Void)?
        var cancelled = false
    }

    private let state = Mutex(State())

    public init() {}

    /// An event's size on the wire, about: its text plus an SSE chunk's framing (a 1-byte delta is a ~195-byte
    /// chunk), so a stream of tiny deltas is bounded by what it will really take.
    static func cost(_ event: InvocationEvent) -> Int {
        switch event {
        case .content(_, let text): text.utf8.count + 200
        case .toolCall(_, let d): d.arguments.utf8.count + (d.id?.utf8.count ?? 0) + (d.name?.utf8.count ?? 0) + 200
        case .finished: 0
        }
    }

    /// Bounds the bytes that may wait for the client: past `bytes` the request is cancelled (the relay then ends
    /// the stream with an error event).
    public func limitPending(to bytes: Int) {
        state.withLock { $0.limit = bytes }
    }

    /// How to stop the request upstream (the engine's task); run at once if a cancel was already asked for.
    public func onCancel(_ body: @escaping @Sendable () -> Void) {
        let now = state.withLock { s -> Bool in
            s.cancel = body
            return s.cancelled
        }
        if now { body() }
    }

    /// Stops the request upstream (the client left, or did not read): idempotent, harmless once it finished.
    public func cancel() {
        let body = state.withLock { s -> (@Sendable () -> Void)? in
            guard !s.cancelled else { return nil }
            s.cancelled = true
            return s.cancel
        }
        body?()
    }

    /// Whether events were dropped because the client did not take them.
    public var overflowed: Bool { state.withLock { $0.overflowed } }

    public func push(_ event: InvocationEvent) {
        var cancelNow = false
        let waiter = state.withLock { s -> CheckedContinuation<InvocationEvent?, Never>? in
            guard !s.finished else { return nil }
            let cost = Self.cost(event)
            // After an overflow only the end goes through: the client never sees text with a hole in it.
            if s.overflowed && cost > 0 { return nil }
            if case .finished = event { s.finished = true }
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            if s.pendingBytes + cost > s.limit {
                s.overflowed = true
                cancelNow = true
                return nil
            }
            s.pendingBytes += cost
            s.buffer.append(event)
            return nil
        }
        waiter?.resume(returning: event)
        if cancelNow { cancel() }
    }

    /// Every event that is waiting (at least one, waiting for it if need be); empty after `.finished` was read.
    /// A stream writer sends them in one write: a burst of chunks costs one syscall, not one each.
    public func nextBatch() async -> [InvocationEvent] {
        guard let first = await next() else { return [] }
        return [first] + available()
    }

    /// The events already waiting, without waiting for any: a relay that has its first piece sends these with it.
    public func available() -> [InvocationEvent] {
        state.withLock { s in
            defer {
                s.buffer.removeAll(keepingCapacity: true)
                s.head = 0
                s.pendingBytes = 0
            }
            return Array(s.buffer[s.head...])
        }
    }

    /// The next event; nil after `.finished` was read.
    public func next() async -> InvocationEvent? {
        await withCheckedContinuation { (c: CheckedContinuation<InvocationEvent?, Never>) in
            let ready = state.withLock { s -> InvocationEvent?? in
                if s.head < s.buffer.count {
                    defer {
                        s.pendingBytes -= Self.cost(s.buffer[s.head])
                        s.head += 1
                        if s.head == s.buffer.count {
                            s.buffer.removeAll(keepingCapacity: true)
                            s.head = 0
                        }
                    }
                    return .some(s.buffer[s.head])
                }
                if s.finished { return .some(nil) }
                s.waiter = c
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }
}
