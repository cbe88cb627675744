import ABCore
import ABProviders

/// One entity's outcome for a prompt, typed: the answer's parts, vectors and the provider's error as they came
/// (after redaction), for the caller that serves them, and the journal row derived from them once, for the
/// session. Nothing is merged into text to be split again, and no error is flattened to be rebuilt.
public struct Served: Sendable {
    /// The row the session, the dashboard and the journal keep: the answer as people read it, no vectors.
    public var record: RequestRecord
    /// The answer as the provider gave it: text, tool calls, vectors, finish reason; nil when it failed.
    public var answer: ChatResult?
    /// What a broken stream had sent before it broke (and a relay may already have passed on).
    public var partialText: String
    /// Why it failed, as the provider (or the connection) said it.
    public var failure: ProviderError?

    public init(record: RequestRecord, answer: ChatResult?, partialText: String, failure: ProviderError?) {
        self.record = record
        self.answer = answer
        self.partialText = partialText
        self.failure = failure
    }

    /// The answer's text for a caller: the answer's, or what a broken stream had sent.
    public var text: String { answer?.text ?? partialText }
}
