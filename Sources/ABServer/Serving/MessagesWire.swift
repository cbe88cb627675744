import ABCore
import ABProviders

/// What served requests answer on the Anthropic door (`POST /v1/messages`): a Message, or its SSE events in the
/// order Anthropic's SDKs accumulate them (`message_start`, content blocks by index, `message_delta`,
/// `message_stop`), each with its `event:` line (the SDKs route on it).
enum MessagesWire {
    struct Header: Sendable {
        var id: String
        /// The provider's model name of the entity that answered.
        var model: String
    }

    static func message(_ h: Header, _ r: InvocationResult) -> String {
        var content: [JSONValue] = []
        if !r.text.isEmpty || r.toolCalls.isEmpty { content.append(["type": "text", "text": .string(r.text)]) }
        for c in r.toolCalls {
            content.append([
                "type": "tool_use", "id": .string(c.id), "name": .string(c.name), "input": c.argumentsObject,
            ])
        }
        let object: JSONValue = [
            "id": .string(h.id), "type": "message", "role": "assistant", "model": .string(h.model),
            "content": .array(content),
            "stop_reason": .string(FinishReason.anthropic(r.finishReason, calledTools: !r.toolCalls.isEmpty)),
            "stop_sequence": nil, "usage": usage(r.inputTokens, r.outputTokens),
        ]
        return object.rendered()
    }

    static func usage(_ input: Int, _ output: Int) -> JSONValue {
        ["input_tokens": .number(JSONNumber(input)), "output_tokens": .number(JSONNumber(output))]
    }

    static func event(_ name: String, _ data: JSONValue) -> String {
        "event: \(name)\ndata: \(data.rendered())\n\n"
    }

    /// `{"type": "error", "error": {"type", "message"}}`, Anthropic's error body, for a serve error.
    static func error(_ e: ServingError) -> String {
        errorObject(e).rendered()
    }

    static func errorObject(_ e: ServingError) -> JSONValue {
        let type =
            switch e.status {
            case 400, 413, 422: "invalid_request_error"
            case 401: "authentication_error"
            case 403: "permission_error"
            case 404: "not_found_error"
            case 408, 504: "timeout_error"
            case 429: "rate_limit_error"
            case 503, 529: "overloaded_error"
            default: "api_error"
            }
        return ["type": "error", "error": ["type": .string(type), "message": .string(e.message)]]
    }

    /// The Anthropic door's stream: one content block open at a time, text or a tool call.
    struct Stream: StreamWriter {
        let header: Header
        private var index = -1
        private var open = false
        private var calledTools = false
        /// The call whose block is open (a provider may repeat the id on every piece of one call).
        private var openCall: Int?

        init(header: Header) { self.header = header }

        mutating func start() -> String {
            event(
                "message_start",
                [
                    "type": "message_start",
                    "message": [
                        "id": .string(header.id), "type": "message", "role": "assistant",
                        "model": .string(header.model),
                        "content": [], "stop_reason": nil, "stop_sequence": nil, "usage": usage(0, 0),
                    ],
                ])
        }

        private mutating func close() -> String {
            guard open else { return "" }
            open = false
            return event("content_block_stop", ["type": "content_block_stop", "index": .number(JSONNumber(index))])
        }

        private var textOpen = false

        mutating func content(_ text: String) -> String {
            var out = ""
            if !open || !textOpen {
                out += close()
                index += 1
                open = true
                textOpen = true
                openCall = nil
                out += event(
                    "content_block_start",
                    [
                        "type": "content_block_start", "index": .number(JSONNumber(index)),
                        "content_block": ["type": "text", "text": ""],
                    ])
            }
            return out
                + event(
                    "content_block_delta",
                    [
                        "type": "content_block_delta", "index": .number(JSONNumber(index)),
                        "delta": ["type": "text_delta", "text": .string(text)],
                    ])
        }

        mutating func toolCall(_ delta: ToolCallDelta) -> String {
            var out = ""
            calledTools = true
            if openCall != delta.index || !open || textOpen {
                out += close()
                index += 1
                open = true
                textOpen = false
                openCall = delta.index
                out += event(
                    "content_block_start",
                    [
                        "type": "content_block_start", "index": .number(JSONNumber(index)),
                        "content_block": [
                            "type": "tool_use", "id": .string(delta.id ?? "toolu_\(index)"),
                            "name": .string(delta.name ?? ""), "input": [:],
                        ],
                    ])
            }
            if !delta.arguments.isEmpty {
                out += event(
                    "content_block_delta",
                    [
                        "type": "content_block_delta", "index": .number(JSONNumber(index)),
                        "delta": ["type": "input_json_delta", "partial_json": .string(delta.arguments)],
                    ])
            }
            return out
        }

        mutating func end(_ r: InvocationResult) -> String {
            var out = close()
            if index < 0 {
                // Nothing was said: an empty text block, as Anthropic sends for an empty answer.
                out += content("") + close()
            }
            let reason = FinishReason.anthropic(r.finishReason, calledTools: calledTools || !r.toolCalls.isEmpty)
            out += event(
                "message_delta",
                [
                    "type": "message_delta", "delta": ["stop_reason": .string(reason), "stop_sequence": nil],
                    "usage": usage(r.inputTokens, r.outputTokens),
                ])
            return out + event("message_stop", ["type": "message_stop"])
        }

        func failure(_ e: ServingError) -> String { event("error", errorObject(e)) }
    }
}
