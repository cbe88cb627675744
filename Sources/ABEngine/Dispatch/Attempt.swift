import ABCore
import ABProviders
import Foundation

/// One HTTP call and its decoding.
struct Attempt {
    var result: ChatResult?
    var failure: ProviderError?
    var status: Int?
    var firstByte: UInt64?
    var firstToken: UInt64?
    var end: UInt64
    var partialText: String
    var relayed: Bool
}

/// Redaction of everything a provider sent, in one place: what the engine hands on has been through it.
extension Engine {
    /// One attempt, with every text from the provider (answer, tool calls' ids, names and arguments, finish reason,
    /// error message, partial text) passed
    /// through `SecretRedactor` here, before anything stores, shows or relays it.
    func attempt(_ chat: ChatRequest, on entity: Int, start: UInt64, relay: (any ContentRelay)? = nil) async -> Attempt
    {
        var a = await unredactedAttempt(chat, on: entity, start: start, relay: relay)
        if var result = a.result {
            result.text = SecretRedactor.redact(result.text)
            for i in result.toolCalls.indices {
                result.toolCalls[i].id = SecretRedactor.redact(result.toolCalls[i].id)
                result.toolCalls[i].name = SecretRedactor.redact(result.toolCalls[i].name)
                result.toolCalls[i].arguments = SecretRedactor.redact(result.toolCalls[i].arguments)
            }
            result.finishReason = result.finishReason.map(SecretRedactor.redact)
            a.result = result
        }
        if var failure = a.failure {
            failure.message = SecretRedactor.redact(failure.message)
            a.failure = failure
        }
        a.partialText = SecretRedactor.redact(a.partialText)
        return a
    }
}
