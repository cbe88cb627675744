import ABCore
import Foundation

/// What came back, provider-neutral.
public struct ChatResult: Sendable, Equatable {
    public var text: String
    /// The provider's own word (`stop`, `length`, `end_turn`, `max_tokens`, `tool_calls`), if it gave one.
    public var finishReason: String?
    public var inputTokens: Int?
    public var outputTokens: Int?
    /// The functions the model called, in order.
    public var toolCalls: [ToolCall]
    /// One vector per input, for `llm/v1/embeddings`.
    public var embeddings: [[Double]] = []

    public init(
        text: String = "", finishReason: String? = nil, inputTokens: Int? = nil, outputTokens: Int? = nil,
        toolCalls: [ToolCall] = []
    ) {
        self.text = text
        self.finishReason = finishReason
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.toolCalls = toolCalls
    }

    /// The answer as people read it: the text, then each call as `→ name(arguments)`.
    public var displayText: String {
        guard embeddings.isEmpty else {
            let first = embeddings[0].prefix(3).map { String(format: "%.4f", $0) }.joined(separator: ", ")
            return "[\(embeddings.count) × \(embeddings[0].count)-dim embedding: \(first), …]"
        }
        return ToolCall.output(text: text, calls: toolCalls)
    }
}
