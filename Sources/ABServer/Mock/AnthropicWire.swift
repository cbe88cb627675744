import ABCore

/// Anthropic Messages API bodies and SSE events, in the shape of the public API reference.
enum AnthropicWire {
    static func stopReason(_ plan: MockPlan) -> String {
        plan.toolCall != nil ? "tool_use" : plan.finishReason == .length ? "max_tokens" : "end_turn"
    }

    /// The answer's one content block: text, or the tool call with its input.
    static func contentJSON(_ plan: MockPlan) -> String {
        guard let call = plan.toolCall else { return #"{"type":"text","text":\#(JSONValue.quoted(plan.text))}"# }
        return
            #"{"type":"tool_use","id":\#(JSONValue.quoted(call.id)),"name":\#(JSONValue.quoted(call.name)),"input":\#(plan.text)}"#
    }

    static func usage(input: Int, output: Int) -> String {
        #"{"input_tokens":\#(input),"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"#
            + #""output_tokens":\#(output),"service_tier":"standard"}"#
    }

    static func message(id: String, model: String, plan: MockPlan) -> String {
        #"{"id":"\#(id)","type":"message","role":"assistant","model":\#(JSONValue.quoted(model)),"#
            + #""content":[\#(contentJSON(plan))],"#
            + #""stop_reason":"\#(stopReason(plan))","stop_sequence":null,"#
            + #""usage":\#(usage(input: plan.inputTokens, output: plan.tokens.count))}"#
    }

    static func event(_ name: String, _ data: String) -> String {
        "event: \(name)\ndata: \(data)\n\n"
    }

    static func messageStart(id: String, model: String, plan: MockPlan) -> String {
        event(
            "message_start",
            #"{"type":"message_start","message":{"id":"\#(id)","type":"message","role":"assistant","#
                + #""model":\#(JSONValue.quoted(model)),"#
                + #""content":[],"stop_reason":null,"stop_sequence":null,"#
                + #""usage":\#(usage(input: plan.inputTokens, output: 1))}}"#
        )
    }

    static func contentBlockStart(_ plan: MockPlan) -> String {
        let block =
            plan.toolCall.map {
                #"{"type":"tool_use","id":\#(JSONValue.quoted($0.id)),"name":\#(JSONValue.quoted($0.name)),"input":{}}"#
            } ?? #"{"type":"text","text":""}"#
        return event("content_block_start", #"{"type":"content_block_start","index":0,"content_block":\#(block)}"#)
    }

    /// Token `i`: text, or a piece of the tool call's input.
    static func delta(_ plan: MockPlan, _ i: Int) -> String {
        guard plan.toolCall != nil else { return textDelta(plan.tokens[i]) }
        return event(
            "content_block_delta",
            #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":\#(JSONValue.quoted(plan.tokens[i]))}}"#
        )
    }

    static let ping = event("ping", #"{"type": "ping"}"#)

    static func textDelta(_ text: String) -> String {
        event(
            "content_block_delta",
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":\#(JSONValue.quoted(text))}}"#
        )
    }

    static let contentBlockStop = event("content_block_stop", #"{"type":"content_block_stop","index":0}"#)

    static func messageDelta(plan: MockPlan) -> String {
        event(
            "message_delta",
            #"{"type":"message_delta","delta":{"stop_reason":"\#(stopReason(plan))","stop_sequence":null},"#
                + #""usage":{"output_tokens":\#(plan.tokens.count)}}"#
        )
    }

    static let messageStop = event("message_stop", #"{"type":"message_stop"}"#)

    static func malformedDelta() -> String {
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
            + "\"delta\":{\"type\":\"text_\n\n"
    }

    /// `{"type": "error", "error": {"type", "message"}}` for a status.
    static func error(status: Int, message: String? = nil, requestID: String) -> String {
        let (type, defaultMessage): (String, String) =
            switch status {
            case 400: ("invalid_request_error", "Invalid request.")
            case 401: ("authentication_error", "invalid x-api-key")
            case 403: ("permission_error", "Your API key does not have permission to use the specified resource.")
            case 404: ("not_found_error", "Not found.")
            case 429: ("rate_limit_error", "Number of requests has exceeded your rate limit. Please try again later.")
            case 529: ("overloaded_error", "Overloaded")
            default: ("api_error", "Internal server error")
            }
        return
            #"{"type":"error","error":{"type":"\#(type)","message":\#(JSONValue.quoted(message ?? defaultMessage))},"#
            + #""request_id":"\#(requestID)"}"#
    }
}
