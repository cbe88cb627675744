import ABCore
import Foundation
import Synchronization

extension WireFormat {
    /// Decodes a complete 2xx JSON body; `chat` tells whether a structured answer came as a tool call.
    public func decode(body: [UInt8], for chat: ChatRequest? = nil) -> Result<ChatResult, ProviderError> {
        guard let object = try? JSONParser.parse(utf8: body, keeping: Self.answerKeys), object.objectValue != nil else {
            return .failure(
                ProviderError(
                    kind: .malformed, status: 200, message: "the response body is not JSON (\(body.count) bytes)"))
        }
        if let chat, chat.task == .embeddings { return decodeEmbeddings(object, expected: chat.inputs.count) }
        let structured = chat.map(structuredAsTool) ?? false
        func missing(_ what: String) -> Result<ChatResult, ProviderError> {
            .failure(ProviderError(kind: .malformed, status: 200, message: "no \(what) in the response"))
        }
        switch dialect {
        case .openAI:
            // A completion (`/completions`) answers with `text` where chat has a `message`.
            if let first = object[key: "choices"]?[index: 0], first[key: "message"] == nil,
                let text = first[key: "text"]?.stringValue
            {
                let usage = object[key: "usage"]
                return .success(
                    ChatResult(
                        text: text, finishReason: first[key: "finish_reason"]?.stringValue,
                        inputTokens: usage?[key: "prompt_tokens"]?.intValue,
                        outputTokens: usage?[key: "completion_tokens"]?.intValue))
            }
            guard let first = object[key: "choices"]?[index: 0], let message = first[key: "message"] else {
                return missing("choices[0].message")
            }
            let usage = object[key: "usage"]
            return .success(
                ChatResult(
                    text: message[key: "content"]?.stringValue ?? "",
                    finishReason: first[key: "finish_reason"]?.stringValue,
                    inputTokens: usage?[key: "prompt_tokens"]?.intValue,
                    outputTokens: usage?[key: "completion_tokens"]?.intValue,
                    toolCalls: Self.functionCalls(message[key: "tool_calls"])))
        case .anthropic:
            guard let content = object[key: "content"]?.arrayValue else { return missing("content") }
            var result = Self.blocks(
                content, structured: structured, type: { $0[key: "type"]?.stringValue },
                text: { $0[key: "text"]?.stringValue },
                call: { b in
                    b[key: "type"]?.stringValue == "tool_use"
                        ? (b[key: "id"]?.stringValue ?? "", b[key: "name"]?.stringValue ?? "", b[key: "input"]) : nil
                })
            let usage = object[key: "usage"]
            result.finishReason = object[key: "stop_reason"]?.stringValue
            result.inputTokens = usage?[key: "input_tokens"]?.intValue
            result.outputTokens = usage?[key: "output_tokens"]?.intValue
            return .success(result)
        case .bedrock:
            guard let content = object[key: "output"]?[key: "message"]?[key: "content"]?.arrayValue else {
                return missing("output.message.content")
            }
            var result = Self.blocks(
                content, structured: structured, type: { $0[key: "text"] != nil ? "text" : nil },
                text: { $0[key: "text"]?.stringValue },
                call: { b in
                    b[key: "toolUse"].map {
                        ($0[key: "toolUseId"]?.stringValue ?? "", $0[key: "name"]?.stringValue ?? "", $0[key: "input"])
                    }
                })
            let usage = object[key: "usage"]
            result.finishReason = object[key: "stopReason"]?.stringValue
            result.inputTokens = usage?[key: "inputTokens"]?.intValue
            result.outputTokens = usage?[key: "outputTokens"]?.intValue
            return .success(result)
        case .gemini:
            guard let candidate = object[key: "candidates"]?[index: 0] else { return missing("candidates[0]") }
            var result = ChatResult()
            for part in candidate[key: "content"]?[key: "parts"]?.arrayValue ?? [] {
                if let t = part[key: "text"]?.stringValue { result.text += t }
                if let call = part[key: "functionCall"] {
                    result.toolCalls.append(Self.geminiCall(call, index: result.toolCalls.count))
                }
            }
            result.finishReason = candidate[key: "finishReason"]?.stringValue
            let usage = object[key: "usageMetadata"]
            result.inputTokens = usage?[key: "promptTokenCount"]?.intValue
            result.outputTokens = Self.geminiOutputTokens(usage)
            return .success(result)
        case .cohere:
            guard let message = object[key: "message"] else { return missing("message") }
            let text = (message[key: "content"]?.arrayValue ?? []).filter { $0[key: "type"]?.stringValue == "text" }
                .compactMap { $0[key: "text"]?.stringValue }.joined()
            let tokens = object[key: "usage"]?[key: "tokens"] ?? object[key: "usage"]?[key: "billed_units"]
            return .success(
                ChatResult(
                    text: text, finishReason: object[key: "finish_reason"]?.stringValue,
                    inputTokens: tokens?[key: "input_tokens"]?.intValue,
                    outputTokens: tokens?[key: "output_tokens"]?.intValue,
                    toolCalls: Self.functionCalls(message[key: "tool_calls"])))
        }
    }

    /// Gemini's output tokens: the answer's and, for thinking models, the thoughts' (billed as output too).
    static func geminiOutputTokens(_ usage: JSONValue?) -> Int? {
        guard let answer = usage?[key: "candidatesTokenCount"]?.intValue else { return nil }
        return answer + (usage?[key: "thoughtsTokenCount"]?.intValue ?? 0)
    }

    /// OpenAI-shaped calls (`[{id, type, function: {name, arguments}}]`), also Cohere's.
    static func functionCalls(_ value: JSONValue?) -> [ToolCall] {
        (value?.arrayValue ?? []).compactMap { c in
            guard let f = c[key: "function"], let name = f[key: "name"]?.stringValue else { return nil }
            let arguments: String =
                switch f[key: "arguments"] {
                case .string(let s)?: s
                case let v?: v.rendered()
                case nil: "{}"
                }
            return ToolCall(id: c[key: "id"]?.stringValue ?? "", name: name, arguments: arguments)
        }
    }

    /// Gemini gives a call no id: one is made from the call itself and its place in the answer, so calls in
    /// different turns of a conversation do not share one.
    static func geminiCall(_ call: JSONValue, index: Int) -> ToolCall {
        let name = call[key: "name"]?.stringValue ?? ""
        let arguments = call[key: "args"]?.rendered() ?? "{}"
        let id =
            call[key: "id"]?.stringValue
            ?? "call_\(String(StableHash.of(name + "\u{0}" + arguments, salt: UInt64(index)) % 2_821_109_907_456, radix: 36))"
        return ToolCall(id: id, name: name, arguments: arguments)
    }

    /// Text and tool-call blocks (Anthropic's, Bedrock's); a call of `structuredOutputTool` is the answer's text.
    static func blocks(
        _ content: [JSONValue], structured: Bool, type: (JSONValue) -> String?, text: (JSONValue) -> String?,
        call: (JSONValue) -> (id: String, name: String, input: JSONValue?)?
    ) -> ChatResult {
        var result = ChatResult()
        for block in content {
            if type(block) == "text", let t = text(block) { result.text += t }
            guard let c = call(block) else { continue }
            let arguments = c.input?.rendered() ?? "{}"
            if structured && c.name == structuredOutputTool {
                result.text += arguments
            } else {
                result.toolCalls.append(ToolCall(id: c.id, name: c.name, arguments: arguments))
            }
        }
        return result
    }

    /// Every member an answer or a stream event is read for, in any dialect; ids of answers, fingerprints,
    /// log-probs and token details are stepped over unbuilt (this runs once per answer and once per streamed
    /// chunk). A tool call's arguments object is built whole.
    static let answerKeys = JSONKeySet(
        [
            "choices", "message", "content", "finish_reason", "usage", "prompt_tokens",
            "completion_tokens", "type", "text", "stop_reason", "input_tokens",
            "output_tokens", "delta", "error", "tool_calls", "function", "name", "arguments", "id", "index",
            "content_block", "partial_json", "candidates", "parts", "functionCall", "finishReason",
            "usageMetadata", "promptTokenCount", "candidatesTokenCount", "output", "stopReason", "inputTokens",
            "outputTokens", "toolUse", "toolUseId", "start", "contentBlockIndex", "tokens", "billed_units",
            "data", "embedding", "embeddings", "float", "values", "predictions", "statistics", "token_count",
            "tokenCount", "meta", "inputTextTokenCount", "thoughtsTokenCount",
        ], whole: ["input", "args"])

    /// The error an HTTP error status and body stand for; header names are lower-cased.
    public static func error(status: Int, body: [UInt8], headers: [String: String]) -> ProviderError {
        var kind = ErrorKind(status: status)
        var message = "HTTP \(status)"
        if let object = (try? JSONParser.parse(utf8: body))?.objectValue {
            if let error = object["error"]?.objectValue {
                // OpenAI {"error": {"message", "type", "code"}};
                // Anthropic {"type": "error", "error": {"type", "message"}}
                if let m = error["message"]?.stringValue { message = m }
                if error["type"]?.stringValue == "overloaded_error" { kind = .overloaded }
            } else if let m = object["message"]?.stringValue {
                // Databricks {"error_code", "message"}
                message = object["error_code"]?.stringValue.map { "\($0): \(m)" } ?? m
            }
        } else if !body.isEmpty {
            // Redacted before it is cut: a key cut in half would no longer match the value it is.
            message +=
                ": " + String(SecretRedactor.redact(String(decoding: body.prefix(4096), as: UTF8.self)).prefix(200))
        }
        message = SecretRedactor.redact(String(message.prefix(4 * maxMessageCharacters)))
        return ProviderError(
            kind: kind, status: status, message: String(message.prefix(maxMessageCharacters)),
            retryAfter: retryAfter(headers))
    }

    /// A provider's error message is kept to this many characters: it is stored, shown and relayed.
    public static let maxMessageCharacters = 1_000

    /// The longest wait a provider's hint is taken for (a day); a longer or non-finite one is clamped to it.
    public static let maxRetryAfter = 86_400.0

    /// `retry-after-ms` (milliseconds) wins over `Retry-After` (seconds or an HTTP date), as the OpenAI SDK reads
    /// them. Hostile values (`1e300`, `inf`, `nan`, negative) never pass: nil, or clamped to `maxRetryAfter`.
    public static func retryAfter(_ headers: [String: String], now: Date = Date()) -> Double? {
        func clamped(_ seconds: Double) -> Double? {
            guard !seconds.isNaN, seconds >= 0 else { return nil }
            return min(seconds, maxRetryAfter)
        }
        if let ms = headers["retry-after-ms"].flatMap(Double.init), let s = clamped(ms / 1000) { return s }
        guard let raw = headers["retry-after"] else { return nil }
        if let seconds = Double(raw) { return clamped(seconds) }
        if let date = httpDate.withLock({ $0.date(from: raw) }) { return clamped(max(0, date.timeIntervalSince(now))) }
        return nil
    }

    /// RFC 9110's IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`); a formatter is not thread-safe, hence the lock.
    private static let httpDate = Mutex<DateFormatter>(
        {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "GMT")
            f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            return f
        }())

    /// Tokens for the outcome: the provider's usage, or DESIGN §5's estimate where it gave none. A count no
    /// request could have (negative, or over a billion) is not believed: it would overflow the sums.
    public static func usage(of result: ChatResult, for request: ChatRequest) -> TokenUsage {
        let input = result.inputTokens.flatMap(plausibleTokens)
        let output = result.outputTokens.flatMap(plausibleTokens)
        return TokenUsage(
            input: input ?? TokenUsage.estimate(characters: request.characterCount),
            output: output
                ?? TokenUsage.estimate(
                    characters: result.text.count
                        + result.toolCalls.reduce(0) { $0 + $1.name.count + $1.arguments.count }),
            estimated: input == nil || output == nil)
    }

    private static func plausibleTokens(_ n: Int) -> Int? { (0...1_000_000_000).contains(n) ? n : nil }
}
