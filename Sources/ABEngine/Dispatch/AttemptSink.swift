import ABCore
import ABProviders

/// Collects one HTTP attempt's response on the transport thread: decodes a 2xx stream as it arrives (stamping the
/// first content token), or keeps the body for JSON and error responses. Read by the engine only after the
/// transfer completed, so the transport thread's writes happen before.
final class AttemptSink: TransferSink, @unchecked Sendable {
    let streaming: Bool
    private(set) var decoder: StreamDecoder
    private(set) var status = 0
    private(set) var body: [UInt8] = []
    private(set) var firstToken: UInt64?
    /// The first failure found inside a stream (a malformed event, an error event).
    private(set) var streamFailure: ProviderError?
    /// Where content goes as it arrives, and for which entity (serve mode).
    private let relay: (entity: Int, to: any ContentRelay)?
    /// Whether any content reached the relay.
    private(set) var relayed = false
    /// Relayed content passes the redactor as it goes (a secret split over chunks is held back until whole).
    private var redaction = SecretRedactor.Stream()
    /// Each tool call's id, name and arguments pass redactors of their own (they arrive a few characters at a time).
    private var callRedaction: [Int: ToolCallRedaction] = [:]

    /// Error bodies and JSON answers are read up to this size; past it the transfer is stopped.
    let maxBody: Int
    /// Why this sink stopped the transfer (a body, line, event or answer past its limit): the attempt's failure,
    /// whatever libcurl says of the stop.
    private(set) var cut: ProviderError?

    init(
        streaming: Bool, decoder: StreamDecoder, relay: (entity: Int, to: any ContentRelay)? = nil,
        maxBody: Int = AbtopSettings.Limits().bodyBytes
    ) {
        self.streaming = streaming
        self.decoder = decoder
        self.relay = relay
        self.maxBody = maxBody
    }

    var decodesStream: Bool { streaming && (200..<300).contains(status) }

    func receivedHead(status: Int, headers: [String: String]) {
        self.status = status
    }

    func receivedBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard decodesStream else {
            guard body.count + bytes.count <= maxBody else {
                cut = ProviderError(
                    kind: .tooLarge, status: status,
                    message: "the response body passed \(maxBody) bytes: stopped there (abtop.limits)")
                return false
            }
            body.append(contentsOf: bytes)
            return true
        }
        // Until the first token, a relay stops at it: it goes to the client before the rest of the burst is read.
        return handle(decoder.feed(bytes, stoppingAtContent: relay != nil && firstToken == nil))
    }

    /// Reads what `receivedBody` left waiting behind the first token; the engine calls it once the transfer ended,
    /// before it looks at the outcome (a cut may be in there).
    func readWaiting() {
        _ = handle(decoder.readWaiting())
    }

    /// Stamps, relays and checks a stream's steps; false stops the transfer.
    private func handle(_ steps: [StreamDecoder.Step]) -> Bool {
        for step in steps {
            switch step {
            case .content(let text):
                if firstToken == nil { firstToken = Monotonic.now() }
                // A failure earlier in the stream ends what the caller sees there.
                if let relay, streamFailure == nil {
                    let safe = redaction.push(text)
                    if !safe.isEmpty {
                        relay.to.content(safe, entity: relay.entity)
                        relayed = true
                    }
                }
            case .toolCall(let delta):
                if firstToken == nil { firstToken = Monotonic.now() }
                if let relay, streamFailure == nil {
                    // Text held back by the redactor goes first: the caller sees the answer in order.
                    if case let rest = redaction.finish(), !rest.isEmpty {
                        relay.to.content(rest, entity: relay.entity)
                        relayed = true
                    }
                    // Calls before this one that were still waiting for their arguments go out first.
                    for index in callRedaction.keys.sorted() where index != delta.index {
                        if let opened = callRedaction[index]!.open(index: index) {
                            relay.to.toolCall(opened, entity: relay.entity)
                            relayed = true
                        }
                    }
                    if let safe = callRedaction[delta.index, default: ToolCallRedaction()].push(delta) {
                        relay.to.toolCall(safe, entity: relay.entity)
                        relayed = true
                    }
                }
            case .end:
                if let relay, streamFailure == nil, case let rest = redaction.finish(), !rest.isEmpty {
                    relay.to.content(rest, entity: relay.entity)
                    relayed = true
                }
                if let relay, streamFailure == nil {
                    for index in callRedaction.keys.sorted() {
                        if let rest = callRedaction[index]!.finish(index: index) {
                            relay.to.toolCall(rest, entity: relay.entity)
                            relayed = true
                        }
                    }
                }
            case .failure(let error):
                if streamFailure == nil { streamFailure = error }
                if error.kind == .tooLarge {
                    cut = error
                    return false
                }
            case .none:
                break
            }
        }
        return true
    }

    /// The stream's result: its first failure, a broken end, or the answer.
    func finishStream() -> Result<ChatResult, ProviderError> {
        if let streamFailure { return .failure(streamFailure) }
        return decoder.finish()
    }

    /// The text decoded so far (what a broken stream delivered before it broke).
    var partialText: String {
        var copy = decoder
        _ = copy.finish()
        return copy.result.text
    }
}

/// One streamed tool call on its way to serve's client. Its id and name come from the provider like any text, so
/// they pass the redactor too: they are held until the call's arguments begin (by then they are whole, and a door
/// such as `/v1/messages` needs them whole to open the block), then redacted as a whole; pieces after that, and the
/// arguments, pass stream redactors that hold back what could be the start of a secret.
struct ToolCallRedaction {
    private var opened = false
    private var heldID: String?
    private var heldName: String?
    private var id = SecretRedactor.Stream()
    private var name = SecretRedactor.Stream()
    private var arguments = SecretRedactor.Stream()

    /// What to relay for `delta` now, if anything.
    mutating func push(_ delta: ToolCallDelta) -> ToolCallDelta? {
        guard opened else {
            // Joined as the decoder joins them: a piece that repeats the whole value so far is a resend.
            if let piece = delta.id { heldID = heldID.map { $0 == piece ? $0 : $0 + piece } ?? piece }
            if let piece = delta.name { heldName = heldName.map { $0 == piece ? $0 : $0 + piece } ?? piece }
            guard !delta.arguments.isEmpty else { return nil }
            var first = open(index: delta.index)!
            first.arguments = arguments.push(delta.arguments)
            return first
        }
        return ToolCallDelta(
            index: delta.index, id: delta.id.map { id.push($0) }, name: delta.name.map { name.push($0) },
            arguments: arguments.push(delta.arguments))
    }

    /// The call's whole id and name, redacted, if they have not gone out yet.
    mutating func open(index: Int) -> ToolCallDelta? {
        guard !opened else { return nil }
        opened = true
        return ToolCallDelta(
            index: index, id: heldID.map(SecretRedactor.redact), name: heldName.map(SecretRedactor.redact))
    }

    /// What is still held, at the end of the stream.
    mutating func finish(index: Int) -> ToolCallDelta? {
        if let first = open(index: index) {
            var first = first
            first.arguments = arguments.finish()
            return first
        }
        let (i, n, a) = (id.finish(), name.finish(), arguments.finish())
        guard !i.isEmpty || !n.isEmpty || !a.isEmpty else { return nil }
        return ToolCallDelta(index: index, id: i.isEmpty ? nil : i, name: n.isEmpty ? nil : n, arguments: a)
    }
}
