import ABCore

/// OpenAI chat-completions bodies, byte-for-byte in the shape of the public API reference.
enum OpenAIWire {
    static let fingerprint = "fp_abtop_mock"

    static func finish(_ plan: MockPlan) -> String {
        plan.toolCall != nil ? "tool_calls" : plan.finishReason == .length ? "length" : "stop"
    }

    static func completion(id: String, created: Int, model: String, plan: MockPlan) -> String {
        let finish = finish(plan)
        let content =
            plan.toolCall.map { call in
                #"null,"tool_calls":[{"id":\#(JSONValue.quoted(call.id)),"type":"function","#
                    + #""function":{"name":\#(JSONValue.quoted(call.name)),"arguments":\#(JSONValue.quoted(plan.text))}}]"#
            } ?? JSONValue.quoted(plan.text)
        return #"{"id":"\#(id)","object":"chat.completion","created":\#(created),"model":\#(JSONValue.quoted(model)),"#
            + #""choices":[{"index":0,"message":{"role":"assistant","content":\#(content),"#
            + #""refusal":null,"annotations":[]},"#
            + #""logprobs":null,"finish_reason":"\#(finish)"}],"usage":\#(usage(plan)),"#
            + #""service_tier":"default","system_fingerprint":"\#(fingerprint)"}"#
    }

    static func usage(_ plan: MockPlan) -> String {
        #"{"prompt_tokens":\#(plan.inputTokens),"completion_tokens":\#(plan.tokens.count),"#
            + #""total_tokens":\#(plan.inputTokens + plan.tokens.count),"#
            + #""prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"#
            + #""completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"#
            + #""accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}"#
    }

    /// One `data:` event of a stream; `delta` is already JSON. With `include_usage`, every chunk carries
    /// `"usage":null` and the usage arrives in a last chunk with no choices.
    static func chunk(
        id: String, created: Int, model: String, delta: String, finish: String?,
        includeUsage: Bool
    ) -> String {
        let finishJSON = finish.map { "\"\($0)\"" } ?? "null"
        let usage = includeUsage ? #","usage":null"# : ""
        return
            #"data: {"id":"\#(id)","object":"chat.completion.chunk","created":\#(created),"#
            + #""model":\#(JSONValue.quoted(model)),"#
            + #""service_tier":"default","system_fingerprint":"\#(fingerprint)","#
            + #""choices":[{"index":0,"delta":\#(delta),"logprobs":null,"finish_reason":\#(finishJSON)}]\#(usage)}"#
            + "\n\n"
    }

    static func roleDelta() -> String { #"{"role":"assistant","content":"","refusal":null}"# }

    static func contentDelta(_ text: String) -> String { #"{"content":\#(JSONValue.quoted(text))}"# }

    /// A piece of the plan's tool call: the first carries its id and name.
    static func toolDelta(_ plan: MockPlan, _ i: Int) -> String {
        guard let call = plan.toolCall else { return contentDelta(plan.tokens[i]) }
        let head =
            i == 0
            ? #""id":\#(JSONValue.quoted(call.id)),"type":"function","function":{"name":\#(JSONValue.quoted(call.name)),"#
            : #""function":{"#
        return #"{"tool_calls":[{"index":0,\#(head)"arguments":\#(JSONValue.quoted(plan.tokens[i]))}}]}"#
    }

    static func usageChunk(id: String, created: Int, model: String, plan: MockPlan) -> String {
        #"data: {"id":"\#(id)","object":"chat.completion.chunk","created":\#(created),"#
            + #""model":\#(JSONValue.quoted(model)),"#
            + #""service_tier":"default","system_fingerprint":"\#(fingerprint)","choices":[],"usage":\#(usage(plan))}"#
            + "\n\n"
    }

    static let done = "data: [DONE]\n\n"

    /// A chunk that is not JSON, for the `malformed` fault.
    static func malformedChunk(id: String) -> String {
        #"data: {"id":"\#(id)","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"#
            + "\n\n"
    }

    /// `{"error": {"message", "type", "param", "code"}}` for a status.
    static func error(status: Int, message: String? = nil, param: String? = nil) -> String {
        let (type, code, defaultMessage): (String, String?, String) =
            switch status {
            case 400: ("invalid_request_error", nil, "Invalid request.")
            case 401:
                (
                    "invalid_request_error", "invalid_api_key",
                    "Incorrect API key provided. "
                        + "You can find your API key at https://platform.openai.com/account/api-keys."
                )
            case 404: ("invalid_request_error", "unknown_url", "Unknown request URL.")
            case 429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again in 1s.")
            case 503: ("server_error", nil, "The engine is currently overloaded, please try again later.")
            case 529: ("server_error", "overloaded", "The server is overloaded, please try again later.")
            default: ("server_error", nil, "The server had an error while processing your request. Sorry about that!")
            }
        let paramJSON = param.map(JSONValue.quoted) ?? "null"
        let codeJSON = code.map(JSONValue.quoted) ?? "null"
        return
            #"{"error":{"message":\#(JSONValue.quoted(message ?? defaultMessage)),"type":"\#(type)","#
            + #""param":\#(paramJSON),"code":\#(codeJSON)}}"#
    }
}
