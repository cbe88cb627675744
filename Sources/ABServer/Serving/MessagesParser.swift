import ABCore
import ABProviders

/// Reads an Anthropic Messages API request (`POST /v1/messages`) into an `Invocation`, with Anthropic's rules:
/// `model`, `max_tokens` and `messages` required, roles `user` and `assistant`, content as a string or blocks
/// (`text`, `tool_use`, `tool_result`). A bad field is a 400 that names it.
enum MessagesParser {
    static func parse(_ body: [UInt8], id: String, sessionKey: String?) -> Result<InvocationParser.Parsed, ServingError>
    {
        guard let root = try? JSONParser.parse(utf8: body), let object = root.objectValue else {
            return .failure(.badRequest("the request body must be a JSON object (Anthropic's Messages API)"))
        }
        guard let model = object["model"]?.stringValue, !model.isEmpty else {
            return .failure(.badRequest("model: Field required (the serving endpoint's name)"))
        }
        guard let maxTokens = object["max_tokens"]?.intValue else {
            return .failure(.badRequest("max_tokens: Field required"))
        }
        guard maxTokens >= 1 else { return .failure(.badRequest("max_tokens: must be at least 1")) }
        guard let list = object["messages"]?.arrayValue, !list.isEmpty else {
            return .failure(.badRequest("messages: Field required (a non-empty list of {\"role\", \"content\"})"))
        }
        var messages: [ChatMessage] = []
        switch system(object["system"]) {
        case .success(let s?): messages.append(.system(s))
        case .success(nil): break
        case .failure(let e): return .failure(e)
        }
        for (i, item) in list.enumerated() {
            switch turn(item, at: i) {
            case .success(let ms): messages += ms
            case .failure(let e): return .failure(e)
            }
        }
        guard messages.contains(where: { $0.role == .user || $0.role == .tool }) else {
            return .failure(.badRequest("messages: at least one user turn is needed"))
        }
        var p = RequestOverrides(maxTokens: maxTokens, stream: false)
        if let value = object["stream"], value != .null {
            guard case .bool(let b) = value else { return .failure(.badRequest("stream: must be true or false")) }
            p.stream = b
        }
        if let value = object["temperature"], value != .null {
            guard case .number(let n) = value, (0...2).contains(n.value) else {
                return .failure(.badRequest("temperature: must be a number from 0 to 2"))
            }
            p.temperature = n.value
        }
        if let value = object["top_p"], value != .null {
            guard case .number(let n) = value, n.value > 0, n.value <= 1 else {
                return .failure(.badRequest("top_p: must be a number above 0 and at most 1"))
            }
            p.topP = n.value
        }
        if let value = object["stop_sequences"], value != .null {
            guard let l = value.arrayValue, l.allSatisfy({ $0.stringValue != nil }) else {
                return .failure(.badRequest("stop_sequences: must be a list of strings"))
            }
            p.stop = l.compactMap(\.stringValue)
        }
        if let value = object["tools"], value != .null {
            guard let l = value.arrayValue, l.count <= ToolFields.maxTools else {
                return .failure(.badRequest("tools: must be a list of at most \(ToolFields.maxTools) tools"))
            }
            for (i, t) in l.enumerated() {
                guard let name = t[key: "name"]?.stringValue, ToolFields.isToolName(name) else {
                    return .failure(.badRequest("tools.\(i).name: 1-64 letters, digits, '_' or '-'"))
                }
                if let type = t[key: "type"]?.stringValue, type != "custom" {
                    return .failure(
                        .badRequest("tools.\(i): the server tool \"\(type)\" is not supported; give a custom tool"))
                }
                let schema = t[key: "input_schema"] ?? .object(JSONObject())
                guard schema.objectValue != nil else {
                    return .failure(.badRequest("tools.\(i).input_schema: must be a JSON Schema object"))
                }
                p.tools.append(
                    ToolDefinition(name: name, description: t[key: "description"]?.stringValue, parameters: schema))
            }
        }
        if let value = object["tool_choice"], value != .null {
            switch value[key: "type"]?.stringValue {
            case "auto": p.toolChoice = .auto
            case "any": p.toolChoice = .required
            case "none": p.toolChoice = ToolChoice.none
            case "tool":
                guard let name = value[key: "name"]?.stringValue, p.tools.contains(where: { $0.name == name }) else {
                    return .failure(.badRequest("tool_choice.name: must name one of the tools"))
                }
                p.toolChoice = .function(name)
            default:
                return .failure(.badRequest("tool_choice.type: \"auto\", \"any\", \"tool\" or \"none\""))
            }
        }
        for key in object.keys where !known.contains(key) {
            if refused.contains(key) {
                return .failure(
                    .badRequest(
                        "\"\(key)\" is not supported by abtop serve yet; it would be ignored, so the request is refused"
                    ))
            }
            return .failure(.badRequest("\(key): Extra inputs are not permitted"))
        }
        var invocation = Invocation(id: id, messages: messages, parameters: p, sessionKey: sessionKey)
        invocation.parameters = p
        return .success(InvocationParser.Parsed(invocation: invocation, model: model))
    }

    /// Read here; `metadata` (a user id) and `service_tier` change nothing abtop sends.
    static let known: Set<String> = [
        "model", "max_tokens", "messages", "system", "stream", "temperature", "top_p", "stop_sequences", "tools",
        "tool_choice", "metadata", "service_tier",
    ]
    /// Would change the answer in ways the router cannot carry to every provider.
    static let refused: Set<String> = ["thinking", "top_k", "container", "mcp_servers"]

    static func system(_ value: JSONValue?) -> Result<String?, ServingError> {
        switch value {
        case nil, .null?: return .success(nil)
        case .string(let s)?: return .success(s)
        case .array(let blocks)?:
            var texts: [String] = []
            for (i, b) in blocks.enumerated() {
                guard b[key: "type"]?.stringValue == "text", let t = b[key: "text"]?.stringValue else {
                    return .failure(.badRequest("system.\(i): only text blocks are supported"))
                }
                texts.append(t)
            }
            return .success(texts.joined(separator: "\n\n"))
        default:
            return .failure(.badRequest("system: must be a string or a list of text blocks"))
        }
    }

    /// One turn; a user turn's `tool_result` blocks become tool messages (before its text, as they answer the
    /// previous turn's calls).
    static func turn(_ item: JSONValue, at i: Int) -> Result<[ChatMessage], ServingError> {
        guard let role = item[key: "role"]?.stringValue, role == "user" || role == "assistant" else {
            return .failure(.badRequest("messages.\(i).role: Input should be 'user' or 'assistant'"))
        }
        let blocks: [JSONValue]
        switch item[key: "content"] {
        case .string(let s)?: return .success([ChatMessage(role: role == "user" ? .user : .assistant, content: s)])
        case .array(let b)?: blocks = b
        default: return .failure(.badRequest("messages.\(i).content: must be a string or a list of content blocks"))
        }
        var text: [String] = []
        var results: [ChatMessage] = []
        var calls: [ToolCall] = []
        for (j, b) in blocks.enumerated() {
            switch b[key: "type"]?.stringValue {
            case "text":
                guard let t = b[key: "text"]?.stringValue else {
                    return .failure(.badRequest("messages.\(i).content.\(j).text: Field required"))
                }
                text.append(t)
            case "tool_use" where role == "assistant":
                guard let id = b[key: "id"]?.stringValue, let name = b[key: "name"]?.stringValue else {
                    return .failure(.badRequest("messages.\(i).content.\(j): tool_use needs an id and a name"))
                }
                calls.append(
                    ToolCall(id: id, name: name, arguments: (b[key: "input"] ?? .object(JSONObject())).rendered()))
            case "tool_result" where role == "user":
                guard let id = b[key: "tool_use_id"]?.stringValue else {
                    return .failure(.badRequest("messages.\(i).content.\(j).tool_use_id: Field required"))
                }
                let content: String
                switch b[key: "content"] {
                case .string(let s)?: content = s
                case .array(let parts)?:
                    content = parts.compactMap { $0[key: "text"]?.stringValue }.joined(separator: "\n")
                default: content = ""
                }
                // A failed tool says so in words every provider can read.
                let failed = b[key: "is_error"] == .bool(true)
                results.append(
                    ChatMessage(role: .tool, content: failed ? "Error: " + content : content, toolCallID: id))
            case let type:
                return .failure(
                    .badRequest(
                        "messages.\(i).content.\(j): a \(type.map { "\"\($0)\"" } ?? "untyped") block is not supported here"
                    ))
            }
        }
        if role == "assistant" {
            return .success([ChatMessage(role: .assistant, content: text.joined(separator: "\n\n"), toolCalls: calls)])
        }
        return .success(results + (text.isEmpty ? [] : [.user(text.joined(separator: "\n\n"))]))
    }
}
