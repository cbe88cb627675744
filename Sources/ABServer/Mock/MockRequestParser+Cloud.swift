import ABCore
import Foundation

/// Cohere v2, Bedrock Converse and Gemini request bodies, read as those APIs would, refusing what they refuse.
extension MockRequestParser {
    static func cohere(_ body: Data) -> Result<MockRequest, Refusal> {
        guard let o = object(body) else {
            return .failure(Refusal(status: 400, message: "invalid request: body is not valid JSON", param: nil))
        }
        guard let model = o["model"]?.stringValue, !model.isEmpty else {
            return .failure(Refusal(status: 400, message: "invalid request: model must be specified", param: "model"))
        }
        guard let messages = o["messages"]?.arrayValue, !messages.isEmpty else {
            return .failure(
                Refusal(status: 400, message: "invalid request: messages must not be empty", param: "messages"))
        }
        var texts: [String] = []
        var lastUser = ""
        for (i, m) in messages.enumerated() {
            guard let role = m[key: "role"]?.stringValue, ["system", "user", "assistant", "tool"].contains(role) else {
                return .failure(
                    Refusal(status: 400, message: "invalid request: messages[\(i)].role is invalid", param: nil))
            }
            let text = text(m[key: "content"])
            texts.append(text)
            if role == "user" { lastUser = text }
        }
        if let n = o["max_tokens"]?.intValue, n < 1 {
            return .failure(Refusal(status: 400, message: "invalid request: max_tokens must be positive", param: nil))
        }
        var request = MockRequest(
            wire: .cohere, model: model, inputText: texts.joined(separator: "\n"), prompt: lastUser,
            maxTokens: o["max_tokens"]?.intValue, stream: o["stream"] == .bool(true))
        shape(&request, o)
        return .success(request)
    }

    static func bedrock(_ body: Data, model: String, stream: Bool) -> Result<MockRequest, Refusal> {
        guard let o = object(body) else {
            return .failure(
                Refusal(
                    status: 400, message: "Malformed input request, please reformat your input and try again.",
                    param: nil))
        }
        guard let messages = o["messages"]?.arrayValue, !messages.isEmpty else {
            return .failure(
                Refusal(status: 400, message: "A conversation must start with a user message.", param: nil))
        }
        var texts = (o["system"]?.arrayValue ?? []).compactMap { $0[key: "text"]?.stringValue }
        var lastUser = ""
        var previous = ""
        for (i, m) in messages.enumerated() {
            guard let role = m[key: "role"]?.stringValue, role == "user" || role == "assistant" else {
                return .failure(
                    Refusal(status: 400, message: "messages.\(i).role must be user or assistant", param: nil))
            }
            if i == 0 && role != "user" {
                return .failure(
                    Refusal(status: 400, message: "A conversation must start with a user message.", param: nil))
            }
            if role == previous {
                return .failure(
                    Refusal(
                        status: 400,
                        message: "A conversation must alternate between user and assistant roles.", param: nil))
            }
            previous = role
            let blocks = m[key: "content"]?.arrayValue ?? []
            let text = blocks.compactMap { $0[key: "text"]?.stringValue }.joined(separator: "\n")
            texts.append(text)
            if role == "user", !text.isEmpty { lastUser = text }
        }
        let maxTokens = o["inferenceConfig"]?[key: "maxTokens"]?.intValue
        if let maxTokens, maxTokens < 1 {
            return .failure(Refusal(status: 400, message: "inferenceConfig.maxTokens must be at least 1", param: nil))
        }
        var request = MockRequest(
            wire: .bedrock, model: model, inputText: texts.joined(separator: "\n"), prompt: lastUser,
            maxTokens: maxTokens, stream: stream)
        shape(&request, o)
        return .success(request)
    }

    static func gemini(_ body: Data, model: String, stream: Bool) -> Result<MockRequest, Refusal> {
        guard let o = object(body) else {
            return .failure(Refusal(status: 400, message: "Invalid JSON payload received.", param: nil))
        }
        guard let contents = o["contents"]?.arrayValue, !contents.isEmpty else {
            return .failure(
                Refusal(
                    status: 400, message: "Unable to submit request because it has an empty contents field.", param: nil
                ))
        }
        var texts = (o["systemInstruction"]?[key: "parts"]?.arrayValue ?? []).compactMap {
            $0[key: "text"]?.stringValue
        }
        var lastUser = ""
        for (i, c) in contents.enumerated() {
            let role = c[key: "role"]?.stringValue ?? "user"
            guard role == "user" || role == "model" else {
                return .failure(
                    Refusal(status: 400, message: "Please use a valid role: user, model. (contents[\(i)])", param: nil))
            }
            let text = (c[key: "parts"]?.arrayValue ?? []).compactMap { $0[key: "text"]?.stringValue }.joined(
                separator: "\n")
            texts.append(text)
            if role == "user", !text.isEmpty { lastUser = text }
        }
        let maxTokens = o["generationConfig"]?[key: "maxOutputTokens"]?.intValue
        var request = MockRequest(
            wire: .gemini, model: model, inputText: texts.joined(separator: "\n"), prompt: lastUser,
            maxTokens: maxTokens, stream: stream)
        shape(&request, o)
        return .success(request)
    }

    /// A message's text: a string, or the `text` of its content parts.
    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let s)?: s
        case .array(let parts)?: parts.compactMap { $0[key: "text"]?.stringValue }.joined(separator: "\n")
        default: ""
        }
    }
}
