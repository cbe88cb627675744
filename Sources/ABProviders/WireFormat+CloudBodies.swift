import ABCore

/// The Gemini, Bedrock Converse and Cohere v2 request bodies, from the providers' API references.
extension WireFormat {
    // MARK: - Gemini (Vertex AI generateContent)

    func geminiBody(_ chat: ChatRequest) -> JSONValue {
        var body = JSONObject()
        let names = Self.toolNames(chat.messages)
        let turns = Self.turns(chat.messages) { m -> (String, [JSONValue]) in
            switch m.role {
            case .assistant:
                let text: [JSONValue] = m.content.isEmpty ? [] : [["text": .string(m.content)]]
                return (
                    "model",
                    text + m.toolCalls.map { ["functionCall": ["name": .string($0.name), "args": $0.argumentsObject]] }
                )
            case .tool:
                let name = m.toolName ?? m.toolCallID.flatMap { names[$0] } ?? "tool"
                let parsed = try? JSONParser.parse(m.content)
                let response: JSONValue = parsed?.objectValue != nil ? parsed! : ["content": .string(m.content)]
                return ("user", [["functionResponse": ["name": .string(name), "response": response]]])
            default:
                return ("user", [["text": .string(m.content)]])
            }
        }
        body["contents"] = .array(turns.map { ["role": .string($0.role), "parts": .array($0.parts)] })
        let system = chat.messages.filter { $0.role == .system }.map(\.content)
        if !system.isEmpty {
            body["systemInstruction"] = ["parts": [["text": .string(system.joined(separator: "\n\n"))]]]
        }
        var config = JSONObject(["maxOutputTokens": .number(JSONNumber(chat.maxTokens ?? defaults.maxTokens))])
        if let t = chat.temperature ?? defaults.temperature { config["temperature"] = .number(JSONNumber(t)) }
        if let p = chat.topP { config["topP"] = .number(JSONNumber(p)) }
        if !chat.stop.isEmpty { config["stopSequences"] = .array(chat.stop.map(JSONValue.string)) }
        switch chat.responseFormat {
        case .jsonObject?: config["responseMimeType"] = "application/json"
        case .jsonSchema(_, let schema, _)?:
            config["responseMimeType"] = "application/json"
            config["responseSchema"] = Self.openAPISchema(schema)
        case .text?, nil: break
        }
        // An arm's extras are Gemini's own generation settings (topK, seed, candidateCount…).
        for member in chat.providerExtras.members { config[member.key] = member.value }
        body["generationConfig"] = .object(config)
        if !chat.tools.isEmpty, chat.toolChoice != ToolChoice.none {
            body["tools"] = [
                [
                    "functionDeclarations": .array(
                        chat.tools.map { t in
                            var o = JSONObject(["name": .string(t.name)])
                            if let d = t.description { o["description"] = .string(d) }
                            o["parameters"] = Self.openAPISchema(t.schema)
                            return .object(o)
                        })
                ]
            ]
            switch chat.toolChoice {
            case .required?: body["toolConfig"] = ["functionCallingConfig": ["mode": "ANY"]]
            case .function(let name)?:
                body["toolConfig"] = [
                    "functionCallingConfig": ["mode": "ANY", "allowedFunctionNames": [.string(name)]]
                ]
            case .auto?: body["toolConfig"] = ["functionCallingConfig": ["mode": "AUTO"]]
            case .none?, nil: break
            }
        }
        return .object(body)
    }

    /// Gemini takes an OpenAPI 3.0 subset of JSON Schema: members it does not know (`additionalProperties`,
    /// `$schema`, `strict`…) are refused, so only the ones it documents are kept, at every depth.
    static func openAPISchema(_ schema: JSONValue) -> JSONValue {
        switch schema {
        case .object(let o):
            var out = JSONObject()
            for member in o.members where geminiSchemaKeys.contains(member.key) {
                switch member.key {
                case "properties":
                    var props = JSONObject()
                    for p in member.value.objectValue?.members ?? [] { props[p.key] = openAPISchema(p.value) }
                    out["properties"] = .object(props)
                case "items": out["items"] = openAPISchema(member.value)
                case "anyOf": out["anyOf"] = .array((member.value.arrayValue ?? []).map(openAPISchema))
                default: out[member.key] = member.value
                }
            }
            return .object(out)
        default:
            return schema
        }
    }

    static let geminiSchemaKeys: Set<String> = [
        "type", "format", "description", "nullable", "enum", "maxItems", "minItems", "properties", "required",
        "propertyOrdering", "items", "anyOf", "minimum", "maximum", "title",
    ]

    /// The non-system messages as turns, each in the provider's words (`parts`), consecutive turns of one role
    /// merged: Gemini, Bedrock and Anthropic want user and model turns to alternate.
    static func turns(_ messages: [ChatMessage], _ parts: (ChatMessage) -> (role: String, parts: [JSONValue])) -> [(
        role: String, parts: [JSONValue]
    )] {
        var out: [(role: String, parts: [JSONValue])] = []
        for m in messages where m.role != .system {
            let (role, more) = parts(m)
            if let last = out.last, last.role == role {
                out[out.count - 1].parts += more
            } else {
                out.append((role, more))
            }
        }
        return out
    }

    /// Tool call ids → function names, from the assistant turns (a result names only the id it answers).
    static func toolNames(_ messages: [ChatMessage]) -> [String: String] {
        var names: [String: String] = [:]
        for m in messages { for c in m.toolCalls { names[c.id] = c.name } }
        return names
    }

    // MARK: - Bedrock Converse

    func bedrockBody(_ chat: ChatRequest) -> JSONValue {
        var body = JSONObject()
        let turns = Self.turns(chat.messages) { m -> (String, [JSONValue]) in
            switch m.role {
            case .assistant:
                let text: [JSONValue] = m.content.isEmpty ? [] : [["text": .string(m.content)]]
                return (
                    "assistant",
                    text
                        + m.toolCalls.map {
                            [
                                "toolUse": [
                                    "toolUseId": .string($0.id), "name": .string($0.name), "input": $0.argumentsObject,
                                ]
                            ]
                        }
                )
            case .tool:
                // Bedrock refuses a blank text block, a tool's empty result included.
                let result: JSONValue = [
                    "toolUseId": .string(m.toolCallID ?? ""),
                    "content": [["text": .string(m.content.isEmpty ? " " : m.content)]],
                ]
                return ("user", [["toolResult": result]])
            default:
                return ("user", [["text": .string(m.content.isEmpty ? " " : m.content)]])
            }
        }
        body["messages"] = .array(turns.map { ["role": .string($0.role), "content": .array($0.parts)] })
        let system = chat.messages.filter { $0.role == .system }.map(\.content)
        if !system.isEmpty { body["system"] = .array(system.map { ["text": .string($0)] }) }
        var inference = JSONObject(["maxTokens": .number(JSONNumber(chat.maxTokens ?? defaults.maxTokens))])
        if let t = chat.temperature ?? defaults.temperature { inference["temperature"] = .number(JSONNumber(t)) }
        if let p = chat.topP { inference["topP"] = .number(JSONNumber(p)) }
        if !chat.stop.isEmpty { inference["stopSequences"] = .array(chat.stop.map(JSONValue.string)) }
        body["inferenceConfig"] = .object(inference)
        // Bedrock wants a toolConfig whenever the conversation holds tool blocks, and has no "none" choice: the
        // tools go along (named from the history when the request gave none), only the choice is left out.
        var offered = chat.tools
        for m in chat.messages {
            for c in m.toolCalls where !offered.contains(where: { $0.name == c.name }) {
                offered.append(ToolDefinition(name: c.name))
            }
        }
        var tools: [JSONValue] =
            offered.map { t in
                var spec = JSONObject(["name": .string(t.name)])
                if let d = t.description { spec["description"] = .string(d) }
                spec["inputSchema"] = ["json": t.schema]
                return ["toolSpec": .object(spec)]
            }
        var choice: JSONValue? =
            switch chat.toolChoice {
            case .required?: ["any": [:]]
            case .function(let name)?: ["tool": ["name": .string(name)]]
            case .auto?: ["auto": [:]]
            case .none?, nil: nil
            }
        if chat.wantsJSON {
            tools.append(
                [
                    "toolSpec": [
                        "name": .string(Self.structuredOutputTool),
                        "description": "Respond with the answer as this JSON.",
                        "inputSchema": ["json": chat.responseFormat?.schema ?? ["type": "object"]],
                    ]
                ])
            choice = ["tool": ["name": .string(Self.structuredOutputTool)]]
        }
        if !tools.isEmpty {
            var config = JSONObject(["tools": .array(tools)])
            if let choice { config["toolChoice"] = choice }
            body["toolConfig"] = .object(config)
        }
        // An arm's extras are the model family's own fields (top_k…), which Converse passes through.
        if !chat.providerExtras.members.isEmpty { body["additionalModelRequestFields"] = .object(chat.providerExtras) }
        return .object(body)
    }

    // MARK: - Cohere v2

    func cohereBody(_ chat: ChatRequest) -> JSONValue {
        var body = JSONObject(["model": .string(bodyModel ?? model)])
        body["messages"] = .array(
            chat.messages.map { m in
                var o = JSONObject(["role": .string(m.role.rawValue)])
                switch m.role {
                case .tool:
                    o["tool_call_id"] = .string(m.toolCallID ?? "")
                    o["content"] = .string(m.content)
                case .assistant where !m.toolCalls.isEmpty:
                    if !m.content.isEmpty { o["tool_plan"] = .string(m.content) }
                    o["tool_calls"] = .array(m.toolCalls.map(Self.openAIToolCall))
                default:
                    o["content"] = .string(m.content)
                }
                return .object(o)
            })
        body["max_tokens"] = .number(JSONNumber(chat.maxTokens ?? defaults.maxTokens))
        body["stream"] = .bool(chat.stream)
        if let t = chat.temperature ?? defaults.temperature { body["temperature"] = .number(JSONNumber(t)) }
        // Cohere takes p from 0.01 to 0.99.
        if let p = chat.topP { body["p"] = .number(JSONNumber(min(0.99, max(0.01, p)))) }
        if !chat.stop.isEmpty { body["stop_sequences"] = .array(chat.stop.map(JSONValue.string)) }
        var tools = chat.tools
        switch chat.toolChoice {
        case .function(let name)?:
            tools = tools.filter { $0.name == name }
            body["tool_choice"] = "REQUIRED"
        case .required?: body["tool_choice"] = "REQUIRED"
        case .none?: body["tool_choice"] = "NONE"
        case .auto?, nil: break
        }
        if !tools.isEmpty { body["tools"] = .array(tools.map(Self.openAITool)) }
        switch chat.responseFormat {
        case .jsonObject?: body["response_format"] = ["type": "json_object"]
        case .jsonSchema(_, let schema, _)?: body["response_format"] = ["type": "json_object", "json_schema": schema]
        case .text?, nil: break
        }
        for member in chat.providerExtras.members where body[member.key] == nil { body[member.key] = member.value }
        return .object(body)
    }
}
