import ABCore
import ABProviders
import Foundation

/// What a finished request leaves: the outcome the statistics read and the record the journal keeps, built once
/// from the entity's last attempt.
extension Engine {
    /// One entity's outcome, from its last attempt: the typed answer or error, and the row derived from it.
    func served(
        _ attempt: Attempt, chat: ChatRequest, prompt: PromptItem, entity: Int, arm: Int, epoch: Int,
        isFallback: Bool, retries: Int, start: UInt64
    ) -> Served {
        let failure = attempt.failure
        // A failure that produced nothing is billed nothing (providers do not charge a refused request); one that
        // streamed part of an answer is estimated like any answer without usage.
        let usage: TokenUsage =
            if let result = attempt.result {
                // Estimated (where the provider gave no usage) from what this arm actually sent.
                WireFormat.usage(of: result, for: chat.applying(wires[entity].arm))
            } else if attempt.partialText.isEmpty {
                TokenUsage()
            } else {
                TokenUsage(
                    input: TokenUsage.estimate(characters: chat.characterCount),
                    output: TokenUsage.estimate(characters: attempt.partialText.count), estimated: true)
            }
        let check = attempt.result.flatMap { r in prompt.expect?.check(text: r.text, calls: r.toolCalls) }
        var outcome = RequestOutcome(
            entity: entity, arm: arm, epoch: epoch, isFallback: isFallback, retries: retries,
            timing: RequestTiming(
                start: start, firstByte: attempt.firstByte, firstToken: attempt.firstToken,
                end: attempt.end),
            streamed: chat.stream, status: attempt.status, error: failure?.kind, usage: usage,
            costUSD: prices[entity]?.cost(inputTokens: usage.input, outputTokens: usage.output))
        outcome.checkPassed = check?.passed
        var record = RequestRecord(
            outcome: outcome, promptID: prompt.id, prompt: prompt.text,
            output: attempt.result?.displayText ?? attempt.partialText,
            finishReason: attempt.result?.finishReason, errorMessage: failure?.message,
            retryAfter: failure?.retryAfter, toolCalls: attempt.result?.toolCalls ?? [])
        record.check = check
        return Served(record: record, answer: attempt.result, partialText: attempt.partialText, failure: failure)
    }
}
