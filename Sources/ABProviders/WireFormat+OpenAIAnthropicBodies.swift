import ABCore

/// The OpenAI and Anthropic request bodies, written byte by byte (the hot path of every run and of `serve`).
extension WireFormat {
    func directBody(_ chat: ChatRequest) -> [UInt8] {
        var out = JSONBytes(capacity: 256 + chat.characterCount)
        var first = true
        /// Opens a member: the comma, the quoted key and the colon.
        func key(_ name: StaticString) {
            out.raw(first ? "{" : ",")
            first = false
            out.raw("\"")
            out.raw(name)
            out.raw("\":")
        }
        if let bodyModel {
            key("model")
            out.string(bodyModel)
        }
        let stream = chat.stream
        let maxTokens = chat.maxTokens ?? defaults.maxTokens
        switch dialect {
        case .anthropic:
            let system = chat.messages.filter { $0.role == .system }.map(\.content)
            if !system.isEmpty {
                key("system")
                out.string(system.joined(separator: "\n\n"))
            }
            key("messages")
            out.value(.array(Self.anthropicMessages(chat.messages)))
            key("max_tokens")
            out.int(maxTokens)
        default:
            key("messages")
            writeOpenAIMessages(chat.messages, into: &out)
            key(maxTokensField)
            out.int(maxTokens)
        }
        key("stream")
        out.bool(stream)
        if stream && dialect == .openAI {
            key("stream_options")
            out.raw("{\"include_usage\":true}")
        }
        if let temperature = chat.temperature ?? defaults.temperature {
            key("temperature")
            out.number(JSONNumber(temperature))
        }
        if let topP = chat.topP {
            key("top_p")
            out.number(JSONNumber(topP))
        }
        if !chat.stop.isEmpty {
            if dialect == .openAI { key("stop") } else { key("stop_sequences") }
            out.value(.array(chat.stop.map(JSONValue.string)))
        }
        switch dialect {
        case .anthropic:
            let (tools, choice) = Self.anthropicTools(chat)
            if !tools.isEmpty {
                key("tools")
                out.value(.array(tools))
            }
            if let choice {
                key("tool_choice")
                out.value(choice)
            }
        default:
            if !chat.tools.isEmpty {
                key("tools")
                out.value(.array(chat.tools.map(Self.openAITool)))
            }
            if let choice = chat.toolChoice {
                key("tool_choice")
                out.value(Self.openAIToolChoice(choice))
            }
            if let format = chat.responseFormat {
                key("response_format")
                out.value(Self.openAIResponseFormat(format))
            }
            for member in chat.extraParameters.members where !Self.ownKeys.contains(member.key) {
                out.raw(",")
                out.string(member.key)
                out.raw(":")
                out.value(member.value)
            }
        }
        for member in chat.providerExtras.members where !Self.ownKeys.contains(member.key) {
            out.raw(",")
            out.string(member.key)
            out.raw(":")
            out.value(member.value)
        }
        out.raw("}")
        return out.bytes
    }

    // MARK: - OpenAI

    private func writeOpenAIMessages(_ messages: [ChatMessage], into out: inout JSONBytes) {
        out.raw("[")
        for (i, m) in messages.enumerated() {
            out.raw(i == 0 ? "{\"role\":" : ",{\"role\":")
            out.string(m.role.rawValue)
            if m.role == .tool {
                out.raw(",\"tool_call_id\":")
                out.string(m.toolCallID ?? "")
            }
            out.raw(",\"content\":")
            if m.role == .assistant && m.content.isEmpty && !m.toolCalls.isEmpty {
                out.raw("null")
            } else {
                out.string(m.content)
            }
            if !m.toolCalls.isEmpty {
                out.raw(",\"tool_calls\":")
                out.value(.array(m.toolCalls.map(Self.openAIToolCall)))
            }
            out.raw("}")
        }
        out.raw("]")
    }

    public static func openAIToolCall(_ c: ToolCall) -> JSONValue {
        [
            "id": .string(c.id), "type": "function",
            "function": ["name": .string(c.name), "arguments": .string(c.arguments)],
        ]
    }

    static func openAITool(_ t: ToolDefinition) -> JSONValue {
        var function = JSONObject(["name": .string(t.name)])
        if let d = t.description { function["description"] = .string(d) }
        function["parameters"] = t.schema
        return ["type": "function", "function": .object(function)]
    }

    static func openAIToolChoice(_ c: ToolChoice) -> JSONValue {
        switch c {
        case .auto: "auto"
        case .none: "none"
        case .required: "required"
        case .function(let name): ["type": "function", "function": ["name": .string(name)]]
        }
    }

    static func openAIResponseFormat(_ f: ResponseFormat) -> JSONValue {
        switch f {
        case .text: return ["type": "text"]
        case .jsonObject: return ["type": "json_object"]
        case .jsonSchema(let name, let schema, let strict):
            var inner = JSONObject(["name": .string(name), "schema": schema])
            if let strict { inner["strict"] = .bool(strict) }
            return ["type": "json_schema", "json_schema": .object(inner)]
        }
    }

    // MARK: - Anthropic

    /// User and assistant turns, alternating (consecutive turns of one role are merged); tool results travel in a
    /// user turn as `tool_result` blocks, calls in an assistant turn as `tool_use` blocks. A turn of text only is a
    /// plain string.
    static func anthropicMessages(_ messages: [ChatMessage]) -> [JSONValue] {
        let turns = Self.turns(messages) { m -> (String, [JSONValue]) in
            switch m.role {
            case .tool:
                return (
                    "user",
                    [
                        [
                            "type": "tool_result", "tool_use_id": .string(m.toolCallID ?? ""),
                            "content": .string(m.content),
                        ]
                    ]
                )
            case .assistant:
                let text: [JSONValue] = m.content.isEmpty ? [] : [["type": "text", "text": .string(m.content)]]
                return (
                    "assistant",
                    text
                        + m.toolCalls.map {
                            [
                                "type": "tool_use", "id": .string($0.id), "name": .string($0.name),
                                "input": $0.argumentsObject,
                            ]
                        }
                )
            default:
                return ("user", [["type": "text", "text": .string(m.content)]])
            }
        }
        return turns.map { turn in
            let texts = turn.parts.compactMap { $0[key: "type"] == "text" ? $0[key: "text"]?.stringValue : nil }
            let content: JSONValue =
                texts.count == turn.parts.count
                ? .string(texts.joined(separator: "\n\n")) : .array(turn.parts)
            return ["role": .string(turn.role), "content": content]
        }
    }

    /// Tools and tool choice; a JSON answer becomes a forced call of `structuredOutputTool`.
    static func anthropicTools(_ chat: ChatRequest) -> (tools: [JSONValue], choice: JSONValue?) {
        var tools: [JSONValue] = chat.tools.map { t in
            var o = JSONObject(["name": .string(t.name)])
            if let d = t.description { o["description"] = .string(d) }
            o["input_schema"] = t.schema
            return .object(o)
        }
        var choice: JSONValue? =
            switch chat.toolChoice {
            case nil: nil
            case .auto?: ["type": "auto"]
            case .none?: ["type": "none"]
            case .required?: ["type": "any"]
            case .function(let name)?: ["type": "tool", "name": .string(name)]
            }
        if chat.wantsJSON {
            tools.append(
                [
                    "name": .string(structuredOutputTool), "description": "Respond with the answer as this JSON.",
                    "input_schema": chat.responseFormat?.schema ?? ["type": "object"],
                ])
            choice = ["type": "tool", "name": .string(structuredOutputTool)]
        }
        return (tools, choice)
    }
}
