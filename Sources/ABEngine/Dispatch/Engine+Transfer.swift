import ABCore
import ABProviders
import Foundation

/// One attempt's IO: an access token if the entity needs one, the transfer, and decoding its answer.
extension Engine {
    func unredactedAttempt(
        _ chat: ChatRequest, on entity: Int, start: UInt64,
        relay: (any ContentRelay)?
    ) async -> Attempt {
        let wire = wires[entity]
        if chat.task == .embeddings, chat.inputs.count > wire.maxInputs {
            guard chat.inputs.count <= WireFormat.maxBatchedInputs else {
                return Attempt(
                    result: nil,
                    failure: ProviderError(
                        kind: .http4xx, status: 400,
                        message: "\(wire.model) embeds \(wire.maxInputs) text per call; abtop sends at most "
                            + "\(WireFormat.maxBatchedInputs) in turn, and \(chat.inputs.count) were asked"),
                    status: 400, firstByte: nil, firstToken: nil, end: Monotonic.now(), partialText: "", relayed: false)
            }
            return await batchedEmbeddings(chat, on: entity, start: start)
        }
        var accessToken: SecretValue?
        if let key = wire.tokenExchange {
            switch await tokens.token(entity: entity, key: key, transport: transport, timeouts: settings.timeouts) {
            case .success(let token): accessToken = token
            case .failure(let failure):
                return Attempt(
                    result: nil, failure: failure, status: failure.status, firstByte: nil, firstToken: nil,
                    end: Monotonic.now(), partialText: "", relayed: false)
            }
        }
        let sink = AttemptSink(
            streaming: chat.stream, decoder: wire.makeStreamDecoder(for: chat, limits: settings.limits),
            relay: relay.map { (entity, $0) }, maxBody: settings.limits.bodyBytes)
        let t = await transport.perform(
            wire.request(chat, accessToken: accessToken), timeouts: settings.timeouts, sink: sink, start: start)
        if sink.decodesStream { sink.readWaiting() }
        var a = Attempt(
            result: nil, failure: nil, status: t.status, firstByte: t.firstByte,
            firstToken: sink.firstToken, end: t.end, partialText: "", relayed: sink.relayed)
        if let failure = sink.cut ?? t.failure {
            a.failure = failure
            a.partialText = sink.decodesStream ? sink.partialText : ""
            return a
        }
        let status = t.status ?? 0
        guard (200..<300).contains(status) else {
            a.failure = WireFormat.error(status: status, body: sink.body, headers: t.headers)
            return a
        }
        let decoded = sink.streaming ? sink.finishStream() : wire.decode(body: sink.body, for: chat)
        switch decoded {
        case .success(let result):
            a.result = wire.completing(result, headers: t.headers)
        case .failure(let error):
            a.failure = error
            a.partialText = sink.streaming ? sink.partialText : ""
        }
        if !sink.streaming { a.firstToken = nil }
        return a
    }
}
