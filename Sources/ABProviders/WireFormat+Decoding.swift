import ABCore
import Foundation
import Synchronization

extension WireFormat {
    /// Decodes a complete 2xx JSON body.
    public func decode(body: [UInt8]) -> Result<ChatResult, ProviderError> {
        guard let object = try? JSONParser.parse(utf8: body, keeping: Self.answerKeys), object.objectValue != nil else {
            return .failure(
                ProviderError(
                    kind: .malformed, status: 200, message: "the response body is not JSON (\(body.count) bytes)"))
        }
        switch dialect {
        case .openAI:
            guard let first = object[key: "choices"]?[index: 0], let message = first[key: "message"] else {
                return .failure(
                    ProviderError(kind: .malformed, status: 200, message: "no choices[0].message in the response"))
            }
            let usage = object[key: "usage"]
            return .success(
                ChatResult(
                    text: message[key: "content"]?.stringValue ?? "",
                    finishReason: first[key: "finish_reason"]?.stringValue,
                    inputTokens: usage?[key: "prompt_tokens"]?.intValue,
                    outputTokens: usage?[key: "completion_tokens"]?.intValue))
        case .anthropic:
            guard let content = object[key: "content"]?.arrayValue else {
                return .failure(ProviderError(kind: .malformed, status: 200, message: "no content in the response"))
            }
            let text = content.filter { $0[key: "type"]?.stringValue == "text" }.compactMap {
                $0[key: "text"]?.stringValue
            }.joined()
            let usage = object[key: "usage"]
            return .success(
                ChatResult(
                    text: text, finishReason: object[key: "stop_reason"]?.stringValue,
                    inputTokens: usage?[key: "input_tokens"]?.intValue,
                    outputTokens: usage?[key: "output_tokens"]?.intValue))
        }
    }

    /// Every member an answer or a stream event is read for, in either dialect; ids, fingerprints, log-probs and
    /// token details are stepped over unbuilt (this runs once per answer and once per streamed chunk).
    static let answerKeys = JSONKeySet([
        "choices", "message", "content", "finish_reason", "usage", "prompt_tokens",
        "completion_tokens", "type", "text", "stop_reason", "input_tokens",
        "output_tokens", "delta", "error",
    ])

    /// The error an HTTP error status and body stand for; header names are lower-cased.
    public static func error(status: Int, body: [UInt8], headers: [String: String]) -> ProviderError {
        var kind = ErrorKind(status: status)
        var message = "HTTP \(status)"
        if let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] {
            if let error = object["error"] as? [String: Any] {
                // OpenAI {"error": {"message", "type", "code"}};
                // Anthropic {"type": "error", "error": {"type", "message"}}
                if let m = error["message"] as? String { message = m }
                if error["type"] as? String == "overloaded_error" { kind = .overloaded }
            } else if let m = object["message"] as? String {
                // Databricks {"error_code", "message"}
                message = (object["error_code"] as? String).map { "\($0): \(m)" } ?? m
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
            output: output ?? TokenUsage.estimate(characters: result.text.count),
            estimated: input == nil || output == nil)
    }

    private static func plausibleTokens(_ n: Int) -> Int? { (0...1_000_000_000).contains(n) ? n : nil }
}
