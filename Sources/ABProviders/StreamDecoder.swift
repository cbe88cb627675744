import ABCore
import Foundation

/// Turns a provider's SSE events into text, usage and an end, noticing streams that break or lie.
///
/// Decodes only the fields it needs from each chunk (streams carry thousands of events a second).
public struct StreamDecoder: Sendable {
    /// What one event meant.
    public enum Step: Sendable, Equatable {
        /// Nothing for the caller (role chunk, ping, usage).
        case none
        /// Content text; the first non-empty one is the first token.
        case content(String)
        /// The stream's terminal event (`[DONE]`, `message_stop`).
        case end
        case failure(ProviderError)
    }

    public let dialect: WireFormat.Dialect
    public private(set) var result = ChatResult()
    public private(set) var finished = false
    /// Content chunks seen: where a provider sends no usage, a better estimate than characters.
    public private(set) var contentChunks = 0
    /// The answer text kept is cut at this many UTF-8 bytes (then the stream fails as `too_large`).
    public let maxAnswerBytes: Int
    private var parser: SSEParser
    private var text: [String] = []
    private var textBytes = 0
    /// Set once something passed a limit: the decoder reports it once and reads nothing more.
    public private(set) var cut: ProviderError?

    public init(dialect: WireFormat.Dialect, limits: AbtopSettings.Limits = .init()) {
        self.dialect = dialect
        self.maxAnswerBytes = limits.answerBytes
        self.parser = SSEParser(maxLineBytes: limits.lineBytes, maxEventBytes: limits.eventBytes)
    }

    /// Feeds raw bytes; returns the steps of every complete event in them.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Step] {
        guard cut == nil else { return [] }
        var steps = parser.feed(bytes).map { consume($0) }
        if cut == nil, let overflow = parser.overflow {
            let what =
                switch overflow {
                case .line(let limit): "an SSE line passed \(limit) bytes without ending"
                case .event(let limit): "an SSE event passed \(limit) bytes"
                }
            cut = ProviderError(kind: .tooLarge, status: 200, message: "\(what): cut there (abtop.limits)")
        }
        // Reported once: the next feed returns nothing.
        if let cut { steps.append(.failure(cut)) }
        return steps
    }

    /// Keeps `content` unless the answer passed its limit; then keeps what fits and cuts the stream.
    private mutating func keep(_ content: String) -> Step {
        guard cut == nil else { return .none }
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

    /// The result once the transfer ended: an error unless the terminal event arrived.
    public mutating func finish() -> Result<ChatResult, ProviderError> {
        result.text = text.joined()
        if let cut { return .failure(cut) }
        guard finished else {
            return .failure(
                ProviderError(
                    kind: .streamBroken, status: 200,
                    message: "the stream ended without its final event after \(contentChunks) content chunks"))
        }
        return .success(result)
    }

    public mutating func consume(_ event: SSEEvent) -> Step {
        guard !finished, cut == nil else { return .none }
        switch dialect {
        case .openAI: return consumeOpenAI(event)
        case .anthropic: return consumeAnthropic(event)
        }
    }

    private mutating func consumeOpenAI(_ event: SSEEvent) -> Step {
        if event.data == "[DONE]" {
            finished = true
            return .end
        }
        guard let object = Self.object(event.data) else { return malformed(event) }
        if let error = object[key: "error"], error.objectValue != nil {
            return .failure(ProviderError(kind: .http5xx, status: 200, message: Self.message(error[key: "message"])))
        }
        if let usage = object[key: "usage"], usage.objectValue != nil {
            result.inputTokens = usage[key: "prompt_tokens"]?.intValue ?? result.inputTokens
            result.outputTokens = usage[key: "completion_tokens"]?.intValue ?? result.outputTokens
        }
        guard let choice = object[key: "choices"]?[index: 0] else { return .none }
        if let reason = choice[key: "finish_reason"]?.stringValue { result.finishReason = reason }
        guard let content = choice[key: "delta"]?[key: "content"]?.stringValue, !content.isEmpty else { return .none }
        return keep(content)
    }

    private mutating func consumeAnthropic(_ event: SSEEvent) -> Step {
        guard let object = Self.object(event.data) else { return malformed(event) }
        switch object[key: "type"]?.stringValue ?? event.event {
        case "message_start":
            result.inputTokens = object[key: "message"]?[key: "usage"]?[key: "input_tokens"]?.intValue
            return .none
        case "content_block_delta":
            guard let t = object[key: "delta"]?[key: "text"]?.stringValue, !t.isEmpty else { return .none }
            return keep(t)
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

    /// An error event's message, kept short (it is stored, shown and relayed).
    private static func message(_ value: JSONValue?) -> String {
        value?.stringValue.map {
            String(
                SecretRedactor.redact(String($0.prefix(4 * WireFormat.maxMessageCharacters))).prefix(
                    WireFormat.maxMessageCharacters))
        }
            ?? "error in stream"
    }

    private func malformed(_ event: SSEEvent) -> Step {
        .failure(
            ProviderError(
                kind: .malformed, status: 200,
                message:
                    "a stream event is not JSON: \(SecretRedactor.redact(String(event.data.prefix(4096))).prefix(80))"))
    }

    private static func object(_ data: String) -> JSONValue? {
        guard let value = try? JSONParser.parse(utf8: Array(data.utf8), keeping: WireFormat.answerKeys),
            value.objectValue != nil
        else { return nil }
        return value
    }
}
