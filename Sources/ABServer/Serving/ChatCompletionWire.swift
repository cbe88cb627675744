import ABCore

/// What served requests answer: OpenAI chat completions (the shape Databricks' external-model endpoints return),
/// as JSON or as SSE made only of `data:` lines ending `data: [DONE]` (the MLflow client refuses anything else).
public enum ChatCompletionWire {
    public struct Header: Sendable {
        public var id: String
        public var created: Int
        /// The provider's model name of the entity that answered.
        public var model: String

        public init(id: String, created: Int, model: String) {
            self.id = id
            self.created = created
            self.model = model
        }
    }

    public static func completion(
        _ h: Header, text: String, finishReason: String?, inputTokens: Int,
        outputTokens: Int
    ) -> String {
        #"{"id":\#(q(h.id)),"object":"chat.completion","created":\#(h.created),"model":\#(q(h.model)),"#
            + #""choices":[{"index":0,"message":{"role":"assistant","content":\#(q(text))},"#
            + #""finish_reason":\#(finish(finishReason))}],"usage":\#(usage(inputTokens, outputTokens))}"#
    }

    /// The first chunk carries the role, as OpenAI's do.
    public static func roleChunk(_ h: Header) -> String {
        chunk(h, delta: #"{"role":"assistant","content":""}"#, finish: "null")
    }

    public static func contentChunk(_ h: Header, _ text: String) -> String {
        chunk(h, delta: #"{"content":\#(q(text))}"#, finish: "null")
    }

    /// The finish reason, then the usage in a chunk of its own (as `stream_options.include_usage` gives it), then
    /// the end.
    public static func end(_ h: Header, finishReason: String?, inputTokens: Int, outputTokens: Int) -> String {
        let finishChunk = chunk(h, delta: "{}", finish: finish(finishReason))
        let usageChunk =
            #"data: {"id":\#(q(h.id)),"object":"chat.completion.chunk","created":\#(h.created),"#
            + #""model":\#(q(h.model)),"#
            + #""choices":[],"usage":\#(usage(inputTokens, outputTokens))}"# + "\n\n"
        return finishChunk + usageChunk + done
    }

    /// A failure after content was already sent: OpenAI's in-stream error object; no `[DONE]` follows.
    public static func errorChunk(code: String, message: String) -> String {
        #"data: {"error":{"message":\#(q(message)),"type":"server_error","code":\#(q(code))}}"# + "\n\n"
    }

    public static let done = "data: [DONE]\n\n"

    static func chunk(_ h: Header, delta: String, finish: String) -> String {
        #"data: {"id":\#(q(h.id)),"object":"chat.completion.chunk","created":\#(h.created),"model":\#(q(h.model)),"#
            + #""choices":[{"index":0,"delta":\#(delta),"finish_reason":\#(finish)}]}"# + "\n\n"
    }

    static func usage(_ input: Int, _ output: Int) -> String {
        #"{"prompt_tokens":\#(input),"completion_tokens":\#(output),"total_tokens":\#(input + output)}"#
    }

    /// OpenAI's words for why generation stopped: Anthropic's `end_turn` and `stop_sequence` are `stop`, its
    /// `max_tokens` is `length`.
    static func finish(_ reason: String?) -> String {
        switch reason {
        case nil: q("stop")
        case "end_turn", "stop_sequence": q("stop")
        case "max_tokens": q("length")
        case let r?: q(r)
        }
    }

    private static func q(_ s: String) -> String { JSONValue.quoted(s) }
}
