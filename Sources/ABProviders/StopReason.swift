/// Why an answer ended, whatever the provider called it: OpenAI's `length` and `content_filter`, Anthropic's
/// `max_tokens`, `stop_sequence` and `refusal`, Gemini's `MAX_TOKENS`, `SAFETY` and `RECITATION`, Bedrock's
/// `max_tokens` and `guardrail_intervened`, Cohere's `MAX_TOKENS`. A front door words it in its own API's terms.
public enum StopReason: Sendable, Equatable {
    case finished
    case length
    case stopSequence
    /// A safety filter or a guardrail ended it.
    case filtered
    /// The model declined (Anthropic's `refusal`).
    case refused
    /// Gemini stopped an answer that recited training data (`RECITATION`): a filter to OpenAI's door, an ordinary
    /// end to Anthropic's, whose clients have no word for it.
    case recitation

    public init(upstream raw: String?) {
        switch raw.map({ $0.lowercased() }) {
        case "length", "max_tokens", "max_output_tokens": self = .length
        case "stop_sequence": self = .stopSequence
        case "content_filter", "safety", "content_filtered", "guardrail_intervened": self = .filtered
        case "recitation": self = .recitation
        case "refusal": self = .refused
        default: self = .finished
        }
    }
}
