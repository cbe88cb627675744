import ABCore
import ABProviders
import Foundation

/// Embeddings for models that take fewer texts per call than were asked.
extension Engine {
    /// Embeddings for a model that takes fewer texts per call than were asked (some embed one text per call): the texts go in
    /// turn, as one attempt that fails if any call fails, timed from the first call to the last.
    func batchedEmbeddings(_ chat: ChatRequest, on entity: Int, start: UInt64) async -> Attempt {
        let size = wires[entity].maxInputs
        var merged = ChatResult(inputTokens: 0, outputTokens: 0)
        var first: Attempt?
        var last: Attempt?
        for from in stride(from: 0, to: chat.inputs.count, by: size) {
            var part = chat
            part.inputs = Array(chat.inputs[from..<min(chat.inputs.count, from + size)])
            let a = await unredactedAttempt(part, on: entity, start: first == nil ? start : Monotonic.now(), relay: nil)
            if first == nil { first = a }
            last = a
            guard let r = a.result else { return a }
            merged.embeddings += r.embeddings
            merged.inputTokens = r.inputTokens.flatMap { n in merged.inputTokens.map { $0 + n } }
            if Task.isCancelled, merged.embeddings.count < chat.inputs.count {
                // Fewer vectors than texts is no answer: the request was cancelled part way.
                return Attempt(
                    result: nil,
                    failure: ProviderError(kind: .cancelled, message: "cancelled part way through the texts"),
                    status: a.status, firstByte: first?.firstByte, firstToken: nil, end: Monotonic.now(),
                    partialText: "", relayed: false)
            }
        }
        return Attempt(
            result: merged, failure: nil, status: last?.status, firstByte: first?.firstByte, firstToken: nil,
            end: last?.end ?? Monotonic.now(), partialText: "", relayed: false)
    }
}
