import ABCore
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

    /// The body as an object, read by the project's one JSON parser (the same rules everywhere), or nil.
    static func object(_ body: Data) -> JSONObject? { (try? JSONParser.parse(utf8: Array(body)))?.objectValue }

    static func openAI(_ body: Data) -> Result<(MockRequest, OpenAIOptions), Refusal> {
        guard let object = object(body) else {
            return .failure(
                Refusal(
                    status: 400,
                    message:
                        "We could not parse the JSON body of your request. "
                        + "(HINT: This likely means you aren't using your HTTP library correctly. "
                        + "The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
                    param: nil))
        }
        guard let model = object["model"]?.stringValue, !model.isEmpty else {
            return .failure(Refusal(status: 400, message: "you must provide a model parameter", param: "model"))
        }
        guard let messages = object["messages"]?.arrayValue, !messages.isEmpty,
            messages.allSatisfy({ $0.objectValue != nil })
        else {
            return .failure(Refusal(status: 400, message: "Missing required parameter: 'messages'.", param: "messages"))
        }
        var texts: [String] = []
        var lastUser = ""
        for (i, message) in messages.enumerated() {
            guard let role = message[key: "role"]?.stringValue else {
                return .failure(
                    Refusal(
                        status: 400, message: "Missing required parameter: 'messages[\(i)].role'.",
                        param: "messages[\(i)].role"))
            }
            let said = Self.text(message[key: "content"])
            texts.append(said)
            if role == "user" { lastUser = said }
        }
        let maxTokens = object["max_completion_tokens"]?.intValue ?? object["max_tokens"]?.intValue
        if let maxTokens, maxTokens < 1 {
            return .failure(
                Refusal(
                    status: 400,
                    message:
                        "Invalid 'max_tokens': integer below minimum value. "
                        + "Expected a value >= 1, but got \(maxTokens) instead.",
                    param: "max_tokens"))
        }
        let stream = object["stream"] == .bool(true)
        var options = OpenAIOptions()
        if let streamOptions = object["stream_options"]?.objectValue {
            options.includeUsage = streamOptions["include_usage"] == .bool(true)
        }
        var request = MockRequest(
            wire: .openai, model: model, inputText: texts.joined(separator: "\n"),
            prompt: lastUser.isEmpty ? texts.last ?? "" : lastUser,
            maxTokens: maxTokens, stream: stream)
        shape(&request, object)
        return .success((request, options))
    }

    static func anthropic(_ body: Data) -> Result<MockRequest, Refusal> {
        guard let object = object(body) else {
            return .failure(
                Refusal(status: 400, message: "There was an issue with your request body: invalid JSON", param: nil))
        }
        guard let model = object["model"]?.stringValue, !model.isEmpty else {
            return .failure(Refusal(status: 400, message: "model: Field required", param: "model"))
        }
        guard let maxTokens = object["max_tokens"]?.intValue else {
            return .failure(Refusal(status: 400, message: "max_tokens: Field required", param: "max_tokens"))
        }
        guard maxTokens >= 1 else {
            return .failure(
                Refusal(
                    status: 400, message: "max_tokens: Input should be greater than or equal to 1", param: "max_tokens")
            )
        }
        guard let messages = object["messages"]?.arrayValue, !messages.isEmpty,
            messages.allSatisfy({ $0.objectValue != nil })
        else {
            return .failure(Refusal(status: 400, message: "messages: Field required", param: "messages"))
        }
        var texts: [String] = []
        if let system = object["system"] { texts.append(Self.text(system)) }
        var lastUser = ""
        for (i, message) in messages.enumerated() {
            guard let role = message[key: "role"]?.stringValue, role == "user" || role == "assistant" else {
                return .failure(
                    Refusal(
                        status: 400, message: "messages.\(i).role: Input should be 'user' or 'assistant'", param: nil))
            }
            let said = Self.text(message[key: "content"])
            texts.append(said)
            if role == "user" { lastUser = said }
        }
        var request = MockRequest(
            wire: .anthropic, model: model, inputText: texts.joined(separator: "\n"),
            prompt: lastUser, maxTokens: maxTokens, stream: object["stream"] == .bool(true))
        shape(&request, object)
        return .success(request)
    }
}
