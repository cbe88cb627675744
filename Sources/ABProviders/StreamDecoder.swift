import ABCore
import Foundation

/// Turns a provider's stream (SSE, or AWS's binary event stream for Bedrock) into text, tool calls, usage and an
/// end, noticing streams that break or lie.
///
/// Decodes only the fields it needs from each chunk (streams carry thousands of events a second).
public struct StreamDecoder: Sendable {
    /// What one event meant.
    public enum Step: Sendable, Equatable {
        /// Nothing for the caller (role chunk, ping, usage).
        case none
        /// Content text; the first non-empty one is the first token.
        case content(String)
        /// A piece of a tool call (its first piece names it); counts as a token too.
        case toolCall(ToolCallDelta)
        /// The stream's terminal event (`[DONE]`, `message_stop`, Gemini's finish reason, Bedrock's metadata).
        case end
        case failure(ProviderError)

        /// Text or a tool call: what a client waits for.
        public var carriesContent: Bool {
            switch self {
            case .content, .toolCall: true
            default: false
            }
        }
    }

    enum Framing: Sendable {
        case sse(SSEParser)
        case eventStream(AWSEventStream.Parser)
    }

    public let dialect: WireFormat.Dialect
    public private(set) var result = ChatResult()
    public private(set) var finished = false
    /// Content chunks seen: where a provider sends no usage, a better estimate than characters.
    public private(set) var contentChunks = 0
    /// The answer text kept is cut at this many UTF-8 bytes (then the stream fails as `too_large`).
    public let maxAnswerBytes: Int
    /// A call of `WireFormat.structuredOutputTool` is the answer's text (Anthropic and Bedrock JSON answers).
    let structuredTool: Bool
    private var framing: Framing
    private var text: [String] = []
    private var textBytes = 0
    /// Stream block index → tool call index (nil: the structured answer's block, read as text).
    private var blockTools: [Int: Int?] = [:]
    /// Set once something passed a limit: the decoder reports it once and reads nothing more.
    public private(set) var cut: ProviderError?
    /// SSE events framed but not read yet (see `feed(_:stoppingAtContent:)`).
    private var waiting: [SSEEvent] = []

    public init(dialect: WireFormat.Dialect, limits: AbtopSettings.Limits = .init(), structuredTool: Bool = false) {
        self.dialect = dialect
        self.maxAnswerBytes = limits.answerBytes
        self.structuredTool = structuredTool
        self.framing =
            dialect == .bedrock
            ? .eventStream(AWSEventStream.Parser(maxMessageBytes: limits.eventBytes))
            : .sse(SSEParser(maxLineBytes: limits.lineBytes, maxEventBytes: limits.eventBytes))
    }

    /// Feeds raw bytes; returns the steps of every complete event in them. With `stoppingAtContent`, SSE events
    /// after the first one that carries content wait, framed but unread, for the next `feed` or `readWaiting()`:
    /// a relay sends its client's first token before the rest of a provider's burst is decoded.
    public mutating func feed(_ bytes: some Sequence<UInt8>, stoppingAtContent: Bool = false) -> [Step] {
        guard cut == nil else { return [] }
        var steps: [Step] = []
        switch framing {
        case .sse(var parser):
            var events = waiting + parser.feed(bytes)
            waiting = []
            framing = .sse(parser)
            // A line or event past its limit comes after every event framed: those are all read first.
            let mayStop = stoppingAtContent && parser.overflow == nil
            var next = 0
            while next < events.count {
                let more = consume(events[next])
                next += 1
                steps += more
                if mayStop, more.contains(where: \.carriesContent) { break }
            }
            if next < events.count {
                events.removeFirst(next)
                waiting = events
                return steps
            }
            if cut == nil, let overflow = parser.overflow {
                let what =
                    switch overflow {
                    case .line(let limit): "an SSE line passed \(limit) bytes without ending"
                    case .event(let limit): "an SSE event passed \(limit) bytes"
                    }
                cut = ProviderError(kind: .tooLarge, status: 200, message: "\(what): cut there (abtop.limits)")
            }
        case .eventStream(var parser):
            let messages = parser.feed(bytes)
            framing = .eventStream(parser)
            for message in messages { steps += consumeBedrock(message) }
            if cut == nil, let problem = parser.problem {
                let kind: ErrorKind = problem.contains("limit") ? .tooLarge : .malformed
                cut = ProviderError(kind: kind, status: 200, message: problem)
            }
        }
        // Reported once: the next feed returns nothing.
        if let cut { steps.append(.failure(cut)) }
        return steps
    }

    /// The steps of the events `feed(_:stoppingAtContent:)` left waiting.
    public mutating func readWaiting() -> [Step] {
        waiting.isEmpty ? [] : feed([UInt8]())
    }

    /// Keeps `content` unless the answer passed its limit; then keeps what fits and cuts the stream.
    private mutating func keep(_ content: String) -> Step {
        guard cut == nil, !content.isEmpty else { return .none }
        let n = content.utf8.count
        if textBytes + n > maxAnswerBytes {
            let room = maxAnswerBytes - textBytes
            text.append(String(decoding: content.utf8.prefix(room), as: UTF8.self))
            textBytes = maxAnswerBytes
            cut = ProviderError(
                kind: .tooLarge, status: 200,
                message: "the answer passed \(maxAnswerBytes) bytes: cut there (abtop.limits)")
            return .none
        }
        text.append(content)
        textBytes += n
        contentChunks += 1
        return .content(content)
    }

    /// Adds a piece of tool call `index` (a new call when `index` is past the last).
    private mutating func call(_ delta: ToolCallDelta) -> Step {
        guard cut == nil else { return .none }
        while result.toolCalls.count <= delta.index {
            result.toolCalls.append(ToolCall(id: "", name: "", arguments: ""))
        }
        // Pieces of an id or a name are joined, as the OpenAI SDKs join them; a piece that repeats the whole value
        // so far (servers that resend the id with every delta) is not a continuation.
        if let id = delta.id { result.toolCalls[delta.index].id.appendPiece(id) }
        if let name = delta.name { result.toolCalls[delta.index].name.appendPiece(name) }
        result.toolCalls[delta.index].arguments += delta.arguments
        textBytes += delta.arguments.utf8.count + (delta.id?.utf8.count ?? 0) + (delta.name?.utf8.count ?? 0)
        if textBytes > maxAnswerBytes {
            cut = ProviderError(
                kind: .tooLarge, status: 200,
                message: "the answer passed \(maxAnswerBytes) bytes: cut there (abtop.limits)")
            return .none
        }
        contentChunks += 1
        return .toolCall(delta)
    }

    /// The result once the transfer ended: an error unless the terminal event arrived.
    public mutating func finish() -> Result<ChatResult, ProviderError> {
        _ = readWaiting()
        result.text = text.joined()
        // An index that skipped ahead leaves places no call filled: they are not calls.
        result.toolCalls.removeAll { $0.name.isEmpty }
        if let cut { return .failure(cut) }
        guard finished else {
            return .failure(
                ProviderError(
                    kind: .streamBroken, status: 200,
                    message: "the stream ended without its final event after \(contentChunks) content chunks"))
        }
        return .success(result)
    }

    public mutating func consume(_ event: SSEEvent) -> [Step] {
        guard !finished, cut == nil else { return [] }
        if dialect == .openAI, event.data == "[DONE]" {
            finished = true
            return [.end]
        }
        guard let object = Self.object(event.data) else { return [malformed(event.data)] }
        switch dialect {
        case .openAI: return consumeOpenAI(object)
        case .anthropic: return [consumeAnthropic(object, event: event.event)]
        case .gemini: return consumeGemini(object)
        case .cohere: return [consumeCohere(object, event: event.event)]
        case .bedrock: return []
        }
    }

    private mutating func consumeOpenAI(_ object: JSONValue) -> [Step] {
        if let error = object[key: "error"], error.objectValue != nil {
            return [.failure(ProviderError(kind: .http5xx, status: 200, message: Self.message(error[key: "message"])))]
        }
        if let usage = object[key: "usage"], usage.objectValue != nil {
            result.inputTokens = usage[key: "prompt_tokens"]?.intValue ?? result.inputTokens
            result.outputTokens = usage[key: "completion_tokens"]?.intValue ?? result.outputTokens
        }
        guard let choice = object[key: "choices"]?[index: 0] else { return [] }
        if let reason = choice[key: "finish_reason"]?.stringValue { result.finishReason = reason }
        var steps: [Step] = []
        if let content = choice[key: "delta"]?[key: "content"]?.stringValue, !content.isEmpty {
            steps.append(keep(content))
        } else if let text = choice[key: "text"]?.stringValue, !text.isEmpty {
            // A streamed completion (`/completions`).
            steps.append(keep(text))
        }
        for c in choice[key: "delta"]?[key: "tool_calls"]?.arrayValue ?? [] {
            let index = c[key: "index"]?.intValue ?? result.toolCalls.count
            guard (0...128).contains(index) else { continue }
            steps.append(
                call(
                    ToolCallDelta(
                        index: index, id: c[key: "id"]?.stringValue,
                        name: c[key: "function"]?[key: "name"]?.stringValue,
                        arguments: c[key: "function"]?[key: "arguments"]?.stringValue ?? "")))
        }
        return steps
    }

    private mutating func consumeAnthropic(_ object: JSONValue, event: String?) -> Step {
        switch object[key: "type"]?.stringValue ?? event {
        case "message_start":
            result.inputTokens = object[key: "message"]?[key: "usage"]?[key: "input_tokens"]?.intValue
            return .none
        case "content_block_start":
            let block = object[key: "content_block"]
            guard block?[key: "type"]?.stringValue == "tool_use", let index = object[key: "index"]?.intValue else {
                return .none
            }
            let name = block?[key: "name"]?.stringValue ?? ""
            return startTool(block: index, id: block?[key: "id"]?.stringValue ?? "", name: name)
        case "content_block_delta":
            let delta = object[key: "delta"]
            if let t = delta?[key: "text"]?.stringValue { return keep(t) }
            if let json = delta?[key: "partial_json"]?.stringValue, let index = object[key: "index"]?.intValue {
                return toolInput(block: index, json)
            }
            return .none
        case "message_delta":
            if let output = object[key: "usage"]?[key: "output_tokens"]?.intValue { result.outputTokens = output }
            if let reason = object[key: "delta"]?[key: "stop_reason"]?.stringValue { result.finishReason = reason }
            return .none
        case "message_stop":
            finished = true
            return .end
        case "error":
            let type = object[key: "error"]?[key: "type"]?.stringValue
            let kind: ErrorKind =
                type == "overloaded_error" ? .overloaded : type == "rate_limit_error" ? .rateLimited : .http5xx
            return .failure(
                ProviderError(kind: kind, status: 200, message: Self.message(object[key: "error"]?[key: "message"])))
        default:
            return .none
        }
    }

    /// A tool block opens (Anthropic, Bedrock): a new call, or the structured answer's text.
    private mutating func startTool(block: Int, id: String, name: String) -> Step {
        guard blockTools[block] == nil, blockTools.count < 128 else { return .none }
        if structuredTool && name == WireFormat.structuredOutputTool {
            blockTools[block] = .some(nil)
            return .none
        }
        let index = result.toolCalls.count
        blockTools[block] = index
        return call(ToolCallDelta(index: index, id: id, name: name))
    }

    private mutating func toolInput(block: Int, _ json: String) -> Step {
        switch blockTools[block] {
        case .some(.some(let index)): call(ToolCallDelta(index: index, arguments: json))
        case .some(.none): keep(json)
        case nil: .none
        }
    }

    private mutating func consumeGemini(_ object: JSONValue) -> [Step] {
        if let error = object[key: "error"], error.objectValue != nil {
            return [.failure(ProviderError(kind: .http5xx, status: 200, message: Self.message(error[key: "message"])))]
        }
        if let usage = object[key: "usageMetadata"] {
            result.inputTokens = usage[key: "promptTokenCount"]?.intValue ?? result.inputTokens
            result.outputTokens = WireFormat.geminiOutputTokens(usage) ?? result.outputTokens
        }
        guard let candidate = object[key: "candidates"]?[index: 0] else { return [] }
        var steps: [Step] = []
        for part in candidate[key: "content"]?[key: "parts"]?.arrayValue ?? [] {
            if let t = part[key: "text"]?.stringValue, !t.isEmpty { steps.append(keep(t)) }
            if let fc = part[key: "functionCall"] {
                let c = WireFormat.geminiCall(fc, index: result.toolCalls.count)
                steps.append(
                    call(ToolCallDelta(index: result.toolCalls.count, id: c.id, name: c.name, arguments: c.arguments)))
            }
        }
        // Gemini's stream has no end event: the chunk with a finish reason is the last.
        if let reason = candidate[key: "finishReason"]?.stringValue {
            result.finishReason = reason
            finished = true
            steps.append(.end)
        }
        return steps
    }

    private mutating func consumeCohere(_ object: JSONValue, event: String?) -> Step {
        let delta = object[key: "delta"]
        switch object[key: "type"]?.stringValue ?? event {
        case "content-delta":
            return keep(delta?[key: "message"]?[key: "content"]?[key: "text"]?.stringValue ?? "")
        case "tool-call-start":
            let c = delta?[key: "message"]?[key: "tool_calls"]
            let index = object[key: "index"]?.intValue ?? result.toolCalls.count
            guard (0...128).contains(index) else { return .none }
            return call(
                ToolCallDelta(
                    index: index, id: c?[key: "id"]?.stringValue, name: c?[key: "function"]?[key: "name"]?.stringValue,
                    arguments: c?[key: "function"]?[key: "arguments"]?.stringValue ?? ""))
        case "tool-call-delta":
            let index = object[key: "index"]?.intValue ?? max(0, result.toolCalls.count - 1)
            guard (0...128).contains(index) else { return .none }
            let args = delta?[key: "message"]?[key: "tool_calls"]?[key: "function"]?[key: "arguments"]?.stringValue
            return call(ToolCallDelta(index: index, arguments: args ?? ""))
        case "message-end":
            result.finishReason = delta?[key: "finish_reason"]?.stringValue
            let tokens = delta?[key: "usage"]?[key: "tokens"] ?? delta?[key: "usage"]?[key: "billed_units"]
            result.inputTokens = tokens?[key: "input_tokens"]?.intValue
            result.outputTokens = tokens?[key: "output_tokens"]?.intValue
            finished = true
            return .end
        default:
            return .none
        }
    }

    private mutating func consumeBedrock(_ message: AWSEventStream.Message) -> [Step] {
        guard !finished, cut == nil else { return [] }
        if let type = message.headers[":message-type"], type != "event" {
            let name = message.headers[":exception-type"] ?? message.headers[":error-code"] ?? "error"
            let payload = Self.object(String(decoding: message.payload, as: UTF8.self))
            let text = payload?[key: "message"]?.stringValue ?? message.headers[":error-message"]
            let kind: ErrorKind =
                name.hasPrefix("throttling")
                ? .rateLimited : name.hasPrefix("serviceUnavailable") ? .overloaded : .http5xx
            return [
                .failure(
                    ProviderError(
                        kind: kind, status: 200, message: "\(name): " + Self.message(text.map(JSONValue.string))))
            ]
        }
        let data = String(decoding: message.payload, as: UTF8.self)
        guard let object = Self.object(data) else { return [malformed(data)] }
        let index = object[key: "contentBlockIndex"]?.intValue ?? 0
        switch message.headers[":event-type"] {
        case "contentBlockStart":
            guard let tool = object[key: "start"]?[key: "toolUse"] else { return [] }
            return [
                startTool(
                    block: index, id: tool[key: "toolUseId"]?.stringValue ?? "",
                    name: tool[key: "name"]?.stringValue ?? "")
            ]
        case "contentBlockDelta":
            let delta = object[key: "delta"]
            if let t = delta?[key: "text"]?.stringValue { return [keep(t)] }
            if let input = delta?[key: "toolUse"]?[key: "input"]?.stringValue {
                return [toolInput(block: index, input)]
            }
            return []
        case "messageStop":
            result.finishReason = object[key: "stopReason"]?.stringValue
            return []
        case "metadata":
            result.inputTokens = object[key: "usage"]?[key: "inputTokens"]?.intValue
            result.outputTokens = object[key: "usage"]?[key: "outputTokens"]?.intValue
            finished = true
            return [.end]
        default:
            return []
        }
    }

    /// An error event's message, kept short (it is stored, shown and relayed).
    private static func message(_ value: JSONValue?) -> String {
        value?.stringValue.map {
            String(
                SecretRedactor.redact(String($0.prefix(4 * WireFormat.maxMessageCharacters))).prefix(
                    WireFormat.maxMessageCharacters))
        }
            ?? "error in stream"
    }

    private func malformed(_ data: String) -> Step {
        .failure(
            ProviderError(
                kind: .malformed, status: 200,
                message: "a stream event is not JSON: \(SecretRedactor.redact(String(data.prefix(4096))).prefix(80))"))
    }

    private static func object(_ data: String) -> JSONValue? {
        guard let value = try? JSONParser.parse(utf8: Array(data.utf8), keeping: WireFormat.answerKeys),
            value.objectValue != nil
        else { return nil }
        return value
    }
}

extension String {
    /// Appends a streamed piece unless it repeats the whole value so far.
    fileprivate mutating func appendPiece(_ piece: String) {
        if piece != self { self += piece }
    }
}
