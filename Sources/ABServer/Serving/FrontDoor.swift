import ABCore

/// Which API a served request came in by, and so in which shape it is answered.
enum FrontDoor: Sendable, Equatable {
    /// OpenAI chat completions (also Databricks' `/invocations` and MLflow's client); `/invocations` reads and
    /// answers as its endpoint's task says.
    case openAI
    /// OpenAI's `/v1/completions` (an endpoint of the completions task).
    case openAICompletions
    /// OpenAI's `/v1/embeddings` (an endpoint of the embeddings task).
    case openAIEmbeddings
    /// Anthropic's Messages API (`POST /v1/messages`).
    case anthropic
}

/// Writes one streamed answer in its front door's shape, piece by piece as the engine relays them.
protocol StreamWriter: Sendable {
    /// What goes first (OpenAI's role chunk, Anthropic's `message_start`).
    mutating func start() -> String
    mutating func content(_ text: String) -> String
    mutating func toolCall(_ delta: ToolCallDelta) -> String
    mutating func end(_ result: InvocationResult) -> String
    /// A failure after something was sent: the stream's own error event.
    func failure(_ e: ServingError) -> String
}

/// Providers' finish reasons in each front door's words; any answer that called a tool ends as a tool call.
enum FinishReason {
    static func openAI(_ raw: String?, calledTools: Bool) -> String {
        if calledTools { return "tool_calls" }
        switch raw.map({ $0.lowercased() }) {
        case "length", "max_tokens", "max_output_tokens": return "length"
        case "content_filter", "safety", "content_filtered", "recitation", "guardrail_intervened":
            return "content_filter"
        default: return "stop"
        }
    }

    static func anthropic(_ raw: String?, calledTools: Bool) -> String {
        if calledTools { return "tool_use" }
        switch raw.map({ $0.lowercased() }) {
        case "length", "max_tokens", "max_output_tokens": return "max_tokens"
        case "stop_sequence": return "stop_sequence"
        case "refusal", "content_filter", "safety", "content_filtered", "guardrail_intervened": return "refusal"
        default: return "end_turn"
        }
    }
}
