import ABCore
import ABProviders

/// Cohere chat v2 bodies and SSE events, in the shape of Cohere's API reference.
enum CohereWire {
    static func finish(_ plan: MockPlan) -> String {
        plan.toolCall != nil ? "TOOL_CALL" : plan.finishReason == .length ? "MAX_TOKENS" : "COMPLETE"
    }

    static func usage(_ plan: MockPlan) -> JSONValue {
        let counts: JSONValue = [
            "input_tokens": .number(JSONNumber(plan.inputTokens)),
            "output_tokens": .number(JSONNumber(plan.tokens.count)),
        ]
        return ["billed_units": counts, "tokens": counts]
    }

    static func response(id: String, plan: MockPlan) -> String {
        var message = JSONObject(["role": "assistant"])
        if let call = plan.toolCall {
            message["tool_plan"] = "I will call the tool."
            message["tool_calls"] = [
                [
                    "id": .string(call.id), "type": "function",
                    "function": ["name": .string(call.name), "arguments": .string(plan.text)],
                ]
            ]
        } else {
            message["content"] = [["type": "text", "text": .string(plan.text)]]
        }
        let body: JSONValue = [
            "id": .string(id), "finish_reason": .string(finish(plan)), "message": .object(message),
            "usage": usage(plan),
        ]
        return body.rendered()
    }

    static func event(_ type: String, _ fields: JSONObject) -> String {
        var o = JSONObject(["type": .string(type)])
        for m in fields.members { o[m.key] = m.value }
        return "event: \(type)\ndata: \(JSONValue.object(o).rendered())\n\n"
    }

    static func start(id: String, plan: MockPlan) -> String {
        event(
            "message-start",
            JSONObject([
                "id": .string(id),
                "delta": [
                    "message": ["role": "assistant", "content": [], "tool_plan": "", "tool_calls": [], "citations": []]
                ],
            ]))
            + (plan.toolCall.map { call in
                event(
                    "tool-call-start",
                    JSONObject([
                        "index": 0,
                        "delta": [
                            "message": [
                                "tool_calls": [
                                    "id": .string(call.id), "type": "function",
                                    "function": ["name": .string(call.name), "arguments": ""],
                                ]
                            ]
                        ],
                    ]))
            }
                ?? event(
                    "content-start",
                    JSONObject(["index": 0, "delta": ["message": ["content": ["type": "text", "text": ""]]]])))
    }

    static func delta(_ plan: MockPlan, _ i: Int) -> String {
        if plan.toolCall != nil {
            return event(
                "tool-call-delta",
                JSONObject([
                    "index": 0,
                    "delta": ["message": ["tool_calls": ["function": ["arguments": .string(plan.tokens[i])]]]],
                ]))
        }
        return event(
            "content-delta",
            JSONObject(["index": 0, "delta": ["message": ["content": ["text": .string(plan.tokens[i])]]]]))
    }

    static func end(_ plan: MockPlan) -> String {
        event(plan.toolCall != nil ? "tool-call-end" : "content-end", JSONObject(["index": 0]))
            + event(
                "message-end", JSONObject(["delta": ["finish_reason": .string(finish(plan)), "usage": usage(plan)]]))
    }

    static let malformed = "event: content-delta\ndata: {\"type\":\"content-delta\",\"index\":0,\"delta\":{\n\n"

    static func error(_ message: String, id: String) -> String {
        JSONValue.object(JSONObject(["id": .string(id), "message": .string(message)])).rendered()
    }

    static func errorMessage(status: Int) -> String {
        switch status {
        case 401: "invalid api token"
        case 429: "You are using a Trial key, which is limited to 10 API calls / minute."
        case 503: "service unavailable"
        default: "internal server error, this has been reported to our developers"
        }
    }
}

/// Bedrock Converse bodies and ConverseStream frames (AWS event stream), in the shape of AWS's API reference:
/// each event's fields as bare JSON with the random `p` padding real streams carry.
enum BedrockWire {
    static func stopReason(_ plan: MockPlan) -> String {
        plan.toolCall != nil ? "tool_use" : plan.finishReason == .length ? "max_tokens" : "end_turn"
    }

    static func usage(_ plan: MockPlan) -> JSONValue {
        [
            "inputTokens": .number(JSONNumber(plan.inputTokens)),
            "outputTokens": .number(JSONNumber(plan.tokens.count)),
            "totalTokens": .number(JSONNumber(plan.inputTokens + plan.tokens.count)),
        ]
    }

    static func content(_ plan: MockPlan) -> JSONValue {
        guard let call = plan.toolCall else { return ["text": .string(plan.text)] }
        let input = (try? JSONParser.parse(plan.text)) ?? .object(JSONObject())
        return ["toolUse": ["toolUseId": .string(call.id), "name": .string(call.name), "input": input]]
    }

    static func response(plan: MockPlan) -> String {
        let body: JSONValue = [
            "output": ["message": ["role": "assistant", "content": [content(plan)]]],
            "stopReason": .string(stopReason(plan)), "usage": usage(plan),
            "metrics": ["latencyMs": .number(JSONNumber(Int(plan.totalSeconds * 1000)))],
        ]
        return body.rendered()
    }

    static func frame(_ type: String, _ fields: JSONObject) -> [UInt8] {
        var o = fields
        o["p"] = .string(String("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ".prefix(4 + type.count % 20)))
        return AWSEventStream.encode(
            headers: [(":event-type", type), (":content-type", "application/json"), (":message-type", "event")],
            payload: Array(JSONValue.object(o).rendered().utf8))
    }

    static func start(_ plan: MockPlan) -> [UInt8] {
        frame("messageStart", JSONObject(["role": "assistant"]))
            + (plan.toolCall.map { call in
                frame(
                    "contentBlockStart",
                    JSONObject([
                        "contentBlockIndex": 0,
                        "start": ["toolUse": ["toolUseId": .string(call.id), "name": .string(call.name)]],
                    ]))
            } ?? [])
    }

    static func delta(_ plan: MockPlan, _ i: Int) -> [UInt8] {
        let delta: JSONValue =
            plan.toolCall != nil ? ["toolUse": ["input": .string(plan.tokens[i])]] : ["text": .string(plan.tokens[i])]
        return frame("contentBlockDelta", JSONObject(["contentBlockIndex": 0, "delta": delta]))
    }

    static func end(_ plan: MockPlan) -> [UInt8] {
        frame("contentBlockStop", JSONObject(["contentBlockIndex": 0]))
            + frame("messageStop", JSONObject(["stopReason": .string(stopReason(plan))]))
            + frame(
                "metadata",
                JSONObject([
                    "usage": usage(plan), "metrics": ["latencyMs": .number(JSONNumber(Int(plan.totalSeconds * 1000)))],
                ]))
    }

    /// A well-framed event whose payload is not JSON, for the `malformed` fault.
    static let malformed = AWSEventStream.encode(
        headers: [
            (":event-type", "contentBlockDelta"), (":content-type", "application/json"), (":message-type", "event"),
        ],
        payload: Array(#"{"contentBlockIndex":0,"delta":{"text""#.utf8))

    /// `x-amzn-ErrorType` and the message for a status.
    static func error(status: Int) -> (type: String, message: String) {
        switch status {
        case 400: ("ValidationException", "Malformed input request, please reformat your input and try again.")
        case 403: ("AccessDeniedException", "You don't have access to the model with the specified model ID.")
        case 429: ("ThrottlingException", "Too many requests, please wait before trying again.")
        case 503, 529: ("ServiceUnavailableException", "Bedrock is unable to process your request.")
        default: ("InternalServerException", "The server encountered an internal error while processing the request.")
        }
    }
}

/// Gemini `generateContent` bodies and `alt=sse` chunks, in the shape of Vertex AI's API reference.
enum GeminiWire {
    static func finish(_ plan: MockPlan) -> String { plan.finishReason == .length ? "MAX_TOKENS" : "STOP" }

    static func parts(_ plan: MockPlan) -> JSONValue {
        guard let call = plan.toolCall else { return [["text": .string(plan.text)]] }
        let args = (try? JSONParser.parse(plan.text)) ?? .object(JSONObject())
        return [["functionCall": ["name": .string(call.name), "args": args]]]
    }

    static func usage(_ plan: MockPlan, output: Int) -> JSONValue {
        [
            "promptTokenCount": .number(JSONNumber(plan.inputTokens)),
            "candidatesTokenCount": .number(JSONNumber(output)),
            "totalTokenCount": .number(JSONNumber(plan.inputTokens + output)),
        ]
    }

    static func response(id: String, model: String, plan: MockPlan) -> String {
        let body: JSONValue = [
            "candidates": [
                ["content": ["role": "model", "parts": parts(plan)], "finishReason": .string(finish(plan))]
            ],
            "usageMetadata": usage(plan, output: plan.tokens.count), "modelVersion": .string(model),
            "responseId": .string(id),
        ]
        return body.rendered()
    }

    static func chunk(_ candidate: JSONValue, usage: JSONValue, model: String, id: String) -> String {
        let body: JSONValue = [
            "candidates": [candidate], "usageMetadata": usage, "modelVersion": .string(model),
            "responseId": .string(id),
        ]
        return "data: " + body.rendered() + "\r\n\r\n"
    }

    /// Token `i`: a text chunk; a tool call comes whole in the first chunk (Gemini does not stream arguments).
    static func delta(_ plan: MockPlan, _ i: Int, model: String, id: String) -> String {
        if plan.toolCall != nil {
            guard i == 0 else { return "" }
            return chunk(
                ["content": ["role": "model", "parts": parts(plan)]], usage: usage(plan, output: 0), model: model,
                id: id)
        }
        return chunk(
            ["content": ["role": "model", "parts": [["text": .string(plan.tokens[i])]]]],
            usage: ["promptTokenCount": .number(JSONNumber(plan.inputTokens))], model: model, id: id)
    }

    static func end(_ plan: MockPlan, model: String, id: String) -> String {
        chunk(
            ["content": ["role": "model", "parts": [["text": ""]]], "finishReason": .string(finish(plan))],
            usage: usage(plan, output: plan.tokens.count), model: model, id: id)
    }

    static let malformed = "data: {\"candidates\":[{\"content\":\r\n\r\n"

    static func error(status: Int, message: String? = nil) -> String {
        let (name, text): (String, String) =
            switch status {
            case 400: ("INVALID_ARGUMENT", "Request contains an invalid argument.")
            case 401:
                ("UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token.")
            case 403: ("PERMISSION_DENIED", "Permission denied on resource project.")
            case 404: ("NOT_FOUND", "Publisher model was not found or your project does not have access to it.")
            case 429: ("RESOURCE_EXHAUSTED", "Resource exhausted. Please try again later.")
            case 503, 529: ("UNAVAILABLE", "The service is currently unavailable.")
            default: ("INTERNAL", "Internal error encountered.")
            }
        let body: JSONValue = [
            "error": [
                "code": .number(JSONNumber(status)), "message": .string(message ?? text), "status": .string(name),
            ]
        ]
        return body.rendered()
    }
}
