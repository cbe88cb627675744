import ABCore
import ABProviders

/// Reads a chat request body, as Databricks' `/invocations` and OpenAI's `/v1/chat/completions` take it, into
/// an `Invocation`; a bad field is a 400 that names it.
public enum InvocationParser {
    public struct Parsed: Sendable, Equatable {
        public var invocation: Invocation
        /// `model` as sent (the endpoint's name on the OpenAI door).
        public var model: String?
    }

    public static func parse(_ body: [UInt8], id: String, sessionKey: String?) -> Result<Parsed, ServingError> {
        guard let root = try? JSONParser.parse(utf8: body), let object = root.objectValue else {
            return .failure(
                .badRequest(
                    "the request body must be a JSON object: "
                        + "{\"messages\": [{\"role\": \"user\", \"content\": \"...\"}]}"
                ))
        }
        guard let list = object["messages"]?.arrayValue, !list.isEmpty else {
            if object["prompt"] != nil || object["inputs"] != nil || object["dataframe_records"] != nil {
                return .failure(
                    .badRequest(
                        "this endpoint serves the llm/v1/chat task: send \"messages\", not \"prompt\" or \"inputs\""))
            }
            return .failure(
                .badRequest("missing required field \"messages\": a non-empty list of {\"role\", \"content\"}"))
        }
        var messages: [ChatMessage] = []
        for (i, item) in list.enumerated() {
            switch message(item, at: i) {
            case .success(let m): messages.append(m)
            case .failure(let e): return .failure(e)
            }
        }
        var invocation = Invocation(id: id, messages: messages, sessionKey: sessionKey)
        if let value = object["max_tokens"] ?? object["max_completion_tokens"], value != .null {
            guard let n = value.intValue, n >= 1 else {
                return .failure(.badRequest("max_tokens must be a whole number of at least 1"))
            }
            invocation.parameters.maxTokens = n
        }
        if let value = object["temperature"], value != .null {
            guard case .number(let n) = value, (0...2).contains(n.value) else {
                return .failure(.badRequest("temperature must be a number from 0 to 2"))
            }
            invocation.parameters.temperature = n.value
        }
        if let value = object["stream"], value != .null {
            guard case .bool(let b) = value else { return .failure(.badRequest("stream must be true or false")) }
            invocation.parameters.stream = b
        }
        if let value = object["stop"], value != .null {
            if let s = value.stringValue {
                invocation.parameters.stop = [s]
            } else if let list = value.arrayValue, list.allSatisfy({ $0.stringValue != nil }) {
                invocation.parameters.stop = list.compactMap(\.stringValue)
            } else {
                return .failure(.badRequest("stop must be a string or a list of strings"))
            }
        }
        if let n = object["n"]?.intValue, n != 1 {
            return .failure(.badRequest("n = \(n) is not supported: abtop returns one choice per request"))
        }
        if let value = object["top_p"], value != .null {
            guard case .number(let n) = value, n.value > 0, n.value <= 1 else {
                return .failure(.badRequest("top_p must be a number above 0 and at most 1"))
            }
            invocation.parameters.topP = n.value
        }
        var extras = object["extra_params"]?.objectValue ?? JSONObject()
        for member in object.members where !handled.contains(member.key) {
            if passedThrough.contains(member.key) {
                extras[member.key] = member.value
            } else if refused.contains(member.key) {
                return .failure(
                    .badRequest(
                        "\"\(Excerpt.of(member.key))\" is not supported by abtop serve yet; "
                            + "it would be ignored, so the request is refused: remove it"
                    ))
            } else {
                let known = handled.union(passedThrough)
                let hint =
                    EditDistance.suggestion(for: member.key, among: known.sorted()).map { " (did you mean \"\($0)\"?)" }
                    ?? ""
                return .failure(
                    .badRequest(
                        "unknown parameter \"\(Excerpt.of(member.key))\"\(hint); "
                            + "abtop serve reads \(known.sorted().joined(separator: ", "))"
                    ))
            }
        }
        invocation.parameters.extraParameters = extras
        if let value = object["tools"], value != .null {
            switch ToolFields.tools(value) {
            case .success(let tools): invocation.parameters.tools = tools
            case .failure(let e): return .failure(.badRequest(e.message))
            }
        }
        if let value = object["tool_choice"], value != .null {
            switch ToolFields.choice(value, tools: invocation.parameters.tools) {
            case .success(let choice): invocation.parameters.toolChoice = choice
            case .failure(let e): return .failure(.badRequest(e.message))
            }
        }
        if let value = object["response_format"], value != .null {
            switch ToolFields.responseFormat(value) {
            case .success(let format): invocation.parameters.responseFormat = format
            case .failure(let e): return .failure(.badRequest(e.message))
            }
        }
        return .success(Parsed(invocation: invocation, model: object["model"]?.stringValue))
    }

    /// Read here, whatever the provider.
    static let handled: Set<String> = [
        "messages", "model", "max_tokens", "max_completion_tokens", "temperature",
        "top_p", "stream", "stream_options", "stop", "n", "extra_params", "tools", "tool_choice", "response_format",
    ]
    /// Passed as they are to OpenAI-style entities; Anthropic's API has no such fields, so they do not reach it.
    static let passedThrough: Set<String> = [
        "seed", "presence_penalty", "frequency_penalty", "user", "logit_bias", "parallel_tool_calls",
    ]
    /// Would change what the answer is (legacy functions, log-probabilities, audio): refused rather than silently
    /// dropped.
    static let refused: Set<String> = [
        "functions", "function_call", "logprobs", "top_logprobs", "audio", "modalities", "prediction",
    ]

    /// One message: system/developer, user, assistant (with `tool_calls`) or tool (with `tool_call_id`).
    static func message(_ item: JSONValue, at i: Int) -> Result<ChatMessage, ServingError> {
        guard let role = item[key: "role"]?.stringValue else {
            return .failure(
                .badRequest("messages[\(i)].role is missing: use \"system\", \"user\", \"assistant\" or \"tool\""))
        }
        guard let parsedRole = ChatMessage.Role(rawValue: role == "developer" ? "system" : role) else {
            return .failure(
                .badRequest(
                    "messages[\(i)].role \"\(role)\" is not supported: use \"system\", \"user\", \"assistant\" or \"tool\""
                ))
        }
        guard let content = text(item[key: "content"]) else {
            return .failure(
                .badRequest(
                    "messages[\(i)].content must be a string or a list of {\"type\": \"text\", \"text\": ...} parts"
                ))
        }
        var m = ChatMessage(role: parsedRole, content: content)
        if parsedRole == .tool {
            guard let id = item[key: "tool_call_id"]?.stringValue, !id.isEmpty else {
                return .failure(.badRequest("messages[\(i)].tool_call_id is missing: a tool message answers a call"))
            }
            m.toolCallID = id
            m.toolName = item[key: "name"]?.stringValue
        }
        if let calls = item[key: "tool_calls"], calls != .null {
            guard parsedRole == .assistant, let list = calls.arrayValue else {
                return .failure(.badRequest("messages[\(i)].tool_calls must be a list, on an assistant message"))
            }
            for (j, c) in list.enumerated() {
                guard let name = c[key: "function"]?[key: "name"]?.stringValue, !name.isEmpty else {
                    return .failure(.badRequest("messages[\(i)].tool_calls[\(j)].function.name is missing"))
                }
                let args: String =
                    switch c[key: "function"]?[key: "arguments"] {
                    case .string(let a)?: a
                    case let v? where v != .null: v.rendered()
                    default: "{}"
                    }
                m.toolCalls.append(ToolCall(id: c[key: "id"]?.stringValue ?? "call_\(j)", name: name, arguments: args))
            }
        }
        return .success(m)
    }

    /// A message's text: a string, or the `text` of its parts.
    private static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s): return s
        case .array(let parts):
            return parts.compactMap { $0[key: "text"]?.stringValue }.joined(separator: "\n")
        case .null, nil: return ""
        default: return nil
        }
    }
}
