import ABCore
import ABProviders

/// What served requests answer on the OpenAI door: chat completions (the shape Databricks' external-model
/// endpoints return), as JSON or as SSE made only of `data:` lines ending `data: [DONE]` (the MLflow client
/// refuses anything else).
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

    public static func completion(_ h: Header, _ r: InvocationResult) -> String {
        let content = r.text.isEmpty && !r.toolCalls.isEmpty ? "null" : q(r.text)
        let calls =
            r.toolCalls.isEmpty
            ? "" : #","tool_calls":"# + JSONValue.array(r.toolCalls.map(WireFormat.openAIToolCall)).rendered()
        return #"{"id":\#(q(h.id)),"object":"chat.completion","created":\#(h.created),"model":\#(q(h.model)),"#
            + #""choices":[{"index":0,"message":{"role":"assistant","content":\#(content)\#(calls)},"#
            + #""finish_reason":\#(q(FinishReason.openAI(r.finishReason, calledTools: !r.toolCalls.isEmpty)))}],"#
            + #""usage":\#(usage(r.inputTokens, r.outputTokens))}"#
    }

    /// The first chunk carries the role, as OpenAI's do.
    public static func roleChunk(_ h: Header) -> String {
        chunk(h, delta: #"{"role":"assistant","content":""}"#, finish: "null")
    }

    /// A piece of a tool call: its first piece carries the id, type and name.
    public static func toolCallChunk(_ h: Header, _ d: ToolCallDelta) -> String {
        var function = JSONObject()
        if let name = d.name { function["name"] = .string(name) }
        function["arguments"] = .string(d.arguments)
        var call = JSONObject(["index": .number(JSONNumber(d.index))])
        if let id = d.id {
            call["id"] = .string(id)
            call["type"] = "function"
        }
        call["function"] = .object(function)
        return chunk(h, delta: #"{"tool_calls":["# + JSONValue.object(call).rendered() + "]}", finish: "null")
    }

    /// The finish reason, then the usage in a chunk of its own (as `stream_options.include_usage` gives it), then
    /// the end.
    public static func end(_ h: Header, _ r: InvocationResult, calledTools: Bool) -> String {
        let finishChunk = chunk(
            h, delta: "{}", finish: q(FinishReason.openAI(r.finishReason, calledTools: calledTools)))
        let usageChunk =
            #"data: {"id":\#(q(h.id)),"object":"chat.completion.chunk","created":\#(h.created),"#
            + #""model":\#(q(h.model)),"#
            + #""choices":[],"usage":\#(usage(r.inputTokens, r.outputTokens))}"# + "\n\n"
        return finishChunk + usageChunk + done
    }

    /// A failure after content was already sent: OpenAI's in-stream error object; no `[DONE]` follows.
    public static func errorChunk(code: String, message: String) -> String {
        #"data: {"error":{"message":\#(q(message)),"type":"server_error","code":\#(q(code))}}"# + "\n\n"
    }

    public static let done = "data: [DONE]\n\n"

    static func chunk(_ h: Header, delta: String, finish: String) -> String {
        chunkPrefix(h) + delta + #","finish_reason":\#(finish)}]}"# + "\n\n"
    }

    /// What every chunk of a stream begins with, up to its delta.
    static func chunkPrefix(_ h: Header) -> String {
        #"data: {"id":\#(q(h.id)),"object":"chat.completion.chunk","created":\#(h.created),"model":\#(q(h.model)),"#
            + #""choices":[{"index":0,"delta":"#
    }

    static func usage(_ input: Int, _ output: Int) -> String {
        #"{"prompt_tokens":\#(input),"completion_tokens":\#(output),"total_tokens":\#(input + output)}"#
    }

    private static func q(_ s: String) -> String { JSONValue.quoted(s) }

    /// The OpenAI door's stream.
    struct Stream: StreamWriter {
        let header: Header
        var calledTools = false
        /// Made once per stream: a content chunk is this, the quoted text and a constant end.
        private let prefix: String

        init(header: Header) {
            self.header = header
            self.prefix = chunkPrefix(header) + #"{"content":"#
        }

        mutating func start() -> String { roleChunk(header) }
        mutating func content(_ text: String) -> String {
            prefix + q(text) + #"},"finish_reason":null}]}"# + "\n\n"
        }
        mutating func toolCall(_ delta: ToolCallDelta) -> String {
            calledTools = true
            return toolCallChunk(header, delta)
        }
        mutating func end(_ result: InvocationResult) -> String {
            ChatCompletionWire.end(header, result, calledTools: calledTools || !result.toolCalls.isEmpty)
        }
        func failure(_ e: ServingError) -> String { errorChunk(code: e.code, message: e.message) }
    }
}
