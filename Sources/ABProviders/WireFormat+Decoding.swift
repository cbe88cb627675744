import ABCore
import Foundation

extension WireFormat {
    /// Decodes a complete 2xx JSON body.
    public func decode(body: [UInt8]) -> Result<ChatResult, ProviderError> {
        guard let object = try? JSONParser.parse(utf8: body, keeping: Self.answerKeys), object.objectValue != nil else {
            return .failure(ProviderError(kind: .malformed, status: 200, message: "the response body is not JSON (\(body.count) bytes)"))
        }
        switch dialect {
        case .openAI:
            guard let first = object[key: "choices"]?[index: 0], let message = first[key: "message"] else {
                return .failure(ProviderError(kind: .malformed, status: 200, message: "no choices[0].message in the response"))
            }
            let usage = object[key: "usage"]
            return .success(ChatResult(text: message[key: "content"]?.stringValue ?? "",
                                       finishReason: first[key: "finish_reason"]?.stringValue,
                                       inputTokens: usage?[key: "prompt_tokens"]?.intValue,
                                       outputTokens: usage?[key: "completion_tokens"]?.intValue))
        case .anthropic:
            guard let content = object[key: "content"]?.arrayValue else {
                return .failure(ProviderError(kind: .malformed, status: 200, message: "no content in the response"))
            }
            let text = content.filter { $0[key: "type"]?.stringValue == "text" }.compactMap { $0[key: "text"]?.stringValue }.joined()
            let usage = object[key: "usage"]
            return .success(ChatResult(text: text, finishReason: object[key: "stop_reason"]?.stringValue,
                                       inputTokens: usage?[key: "input_tokens"]?.intValue,
                                       outputTokens: usage?[key: "output_tokens"]?.intValue))
        }
    }

    /// Every member an answer or a stream event is read for, in either dialect; ids, fingerprints, log-probs and
    /// token details are stepped over unbuilt (this runs once per answer and once per streamed chunk).
    static let answerKeys = JSONKeySet(["choices", "message", "content", "finish_reason", "usage", "prompt_tokens",
                                        "completion_tokens", "type", "text", "stop_reason", "input_tokens",
                                        "output_tokens", "delta", "error"])

    /// The error an HTTP error status and body stand for; header names are lower-cased.
    public static func error(status: Int, body: [UInt8], headers: [String: String]) -> ProviderError {
        var kind = ErrorKind(status: status)
        var message = "HTTP \(status)"
        if let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] {
            if let error = object["error"] as? [String: Any] {
                // OpenAI {"error": {"message", "type", "code"}}; Anthropic {"type": "error", "error": {"type", "message"}}
                if let m = error["message"] as? String { message = m }
                if error["type"] as? String == "overloaded_error" { kind = .overloaded }
            } else if let m = object["message"] as? String {
                // Databricks {"error_code", "message"}
                message = (object["error_code"] as? String).map { "\($0): \(m)" } ?? m
            }
        } else if !body.isEmpty {
            message += ": " + String(decoding: body.prefix(200), as: UTF8.self)
        }
        return ProviderError(kind: kind, status: status, message: message, retryAfter: retryAfter(headers))
    }

    /// `retry-after-ms` (milliseconds) wins over `Retry-After` (seconds), as the OpenAI SDK reads them.
    public static func retryAfter(_ headers: [String: String]) -> Double? {
        if let ms = headers["retry-after-ms"].flatMap(Double.init), ms >= 0 { return ms / 1000 }
        if let s = headers["retry-after"].flatMap(Double.init), s >= 0 { return s }
        return nil
    }

    /// Tokens for the outcome: the provider's usage, or DESIGN §5's estimate where it gave none.
    public static func usage(of result: ChatResult, for request: ChatRequest) -> TokenUsage {
        let estimated = result.inputTokens == nil || result.outputTokens == nil
        return TokenUsage(input: result.inputTokens ?? TokenUsage.estimate(characters: request.characterCount),
                          output: result.outputTokens ?? TokenUsage.estimate(characters: result.text.count),
                          estimated: estimated)
    }
}
