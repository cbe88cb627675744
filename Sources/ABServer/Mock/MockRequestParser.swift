import Foundation

/// Reads a chat request body as OpenAI or Anthropic would, refusing what they refuse, with their messages.
enum MockRequestParser {
    struct Refusal: Error, Equatable {
        let status: Int
        let message: String
        let param: String?
    }

    /// What the OpenAI wire needs beyond `MockRequest`.
    struct OpenAIOptions {
        var includeUsage = false
    }

    static func openAI(_ body: Data) -> Result<(MockRequest, OpenAIOptions), Refusal> {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            return .failure(
                Refusal(
                    status: 400,
                    message:
                        "We could not parse the JSON body of your request. "
                        + "(HINT: This likely means you aren't using your HTTP library correctly. "
                        + "The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
                    param: nil))
        }
        guard let model = object["model"] as? String, !model.isEmpty else {
            return .failure(Refusal(status: 400, message: "you must provide a model parameter", param: "model"))
        }
        guard let messages = object["messages"] as? [[String: Any]], !messages.isEmpty else {
            return .failure(Refusal(status: 400, message: "Missing required parameter: 'messages'.", param: "messages"))
        }
        var texts: [String] = []
        var lastUser = ""
        for (i, message) in messages.enumerated() {
            guard message["role"] is String else {
                return .failure(
                    Refusal(
                        status: 400, message: "Missing required parameter: 'messages[\(i)].role'.",
                        param: "messages[\(i)].role"))
            }
            let text = content(message["content"])
            texts.append(text)
            if message["role"] as? String == "user" { lastUser = text }
        }
        let maxTokens = (object["max_completion_tokens"] as? Int) ?? (object["max_tokens"] as? Int)
        if let maxTokens, maxTokens < 1 {
            return .failure(
                Refusal(
                    status: 400,
                    message:
                        "Invalid 'max_tokens': integer below minimum value. "
                        + "Expected a value >= 1, but got \(maxTokens) instead.",
                    param: "max_tokens"))
        }
        let stream = object["stream"] as? Bool ?? false
        var options = OpenAIOptions()
        if let streamOptions = object["stream_options"] as? [String: Any] {
            options.includeUsage = streamOptions["include_usage"] as? Bool ?? false
        }
        var request = MockRequest(
            wire: .openai, model: model, inputText: texts.joined(separator: "\n"),
            prompt: lastUser.isEmpty ? texts.last ?? "" : lastUser,
            maxTokens: maxTokens, stream: stream)
        shape(&request, body: body)
        return .success((request, options))
    }

    static func anthropic(_ body: Data) -> Result<MockRequest, Refusal> {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            return .failure(
                Refusal(status: 400, message: "There was an issue with your request body: invalid JSON", param: nil))
        }
        guard let model = object["model"] as? String, !model.isEmpty else {
            return .failure(Refusal(status: 400, message: "model: Field required", param: "model"))
        }
        guard let maxTokens = object["max_tokens"] as? Int else {
            return .failure(Refusal(status: 400, message: "max_tokens: Field required", param: "max_tokens"))
        }
        guard maxTokens >= 1 else {
            return .failure(
                Refusal(
                    status: 400, message: "max_tokens: Input should be greater than or equal to 1", param: "max_tokens")
            )
        }
        guard let messages = object["messages"] as? [[String: Any]], !messages.isEmpty else {
            return .failure(Refusal(status: 400, message: "messages: Field required", param: "messages"))
        }
        var texts: [String] = []
        if let system = object["system"] { texts.append(content(system)) }
        var lastUser = ""
        for (i, message) in messages.enumerated() {
            guard let role = message["role"] as? String, role == "user" || role == "assistant" else {
                return .failure(
                    Refusal(
                        status: 400, message: "messages.\(i).role: Input should be 'user' or 'assistant'", param: nil))
            }
            let text = content(message["content"])
            texts.append(text)
            if role == "user" { lastUser = text }
        }
        var request = MockRequest(
            wire: .anthropic, model: model, inputText: texts.joined(separator: "\n"),
            prompt: lastUser, maxTokens: maxTokens, stream: object["stream"] as? Bool ?? false)
        shape(&request, body: body)
        return .success(request)
    }

    /// A message's text: a string, or the `text` of its content parts.
    private static func content(_ value: Any?) -> String {
        if let s = value as? String { return s }
        if let parts = value as? [[String: Any]] {
            return parts.compactMap { $0["text"] as? String }.joined(separator: "\n")
        }
        return ""
    }
}
