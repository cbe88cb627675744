import ABCore
import ABProviders

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

/// Why an answer ended (`StopReason`, the provider layer's reading of the provider's words) in each front door's
/// words; any answer that called a tool ends as a tool call.
enum FinishReason {
    static func openAI(_ raw: String?, calledTools: Bool) -> String {
        if calledTools { return "tool_calls" }
        switch StopReason(upstream: raw) {
        case .length: return "length"
        case .filtered, .recitation: return "content_filter"
        case .finished, .stopSequence, .refused: return "stop"
        }
    }

    static func anthropic(_ raw: String?, calledTools: Bool) -> String {
        if calledTools { return "tool_use" }
        switch StopReason(upstream: raw) {
        case .length: return "max_tokens"
        case .stopSequence: return "stop_sequence"
        case .filtered, .refused: return "refusal"
        case .finished, .recitation: return "end_turn"
        }
    }
}
