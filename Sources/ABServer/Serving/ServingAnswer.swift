import ABCore
import Foundation
import Hummingbird
import NIOCore

/// Writing a chat answer: a JSON completion, or SSE chunks relayed as the engine streams them.
extension ServingResponder {
    /// One chat request: admitted (see `admit`), routed through the endpoint's engine, answered as JSON or SSE.
    /// Headers go out once the first content arrives (or the request ended), so `served-model-name` names the
    /// entity that actually answered, fallbacks included.
    func invoke(_ request: Request, endpoint name: String?) async -> Response {
        let admitted: Admitted
        switch await admit(request, endpoint: name) {
        case .success(let a): admitted = a
        case .failure(let e): return error(e)
        }
        let runtime = admitted.endpoint.runtime
        // A JSON answer waits in this task; a stream hands events from the engine to the response writer.
        guard admitted.invocation.stream else {
            return answer(await runtime.call(admitted.invocation), admitted)
        }
        let events = runtime.invoke(admitted.invocation)
        switch await events.next() {
        case .finished(let result): return answer(result, admitted)
        case .content(let entity, let text): return relay(events, from: entity, first: text, admitted)
        case nil:
            return error(ServingError(status: 503, code: "TEMPORARILY_UNAVAILABLE", message: "the endpoint closed"))
        }
    }

    /// The answer to a request that ended before any content was relayed: JSON, or the whole stream at once.
    func answer(_ result: InvocationResult, _ a: Admitted) -> Response {
        charge(result, a)
        let entityName = result.entity.map { a.endpoint.config.servedEntities[$0].name }
        if let failure = result.failure {
            return error(.upstream(failure, entity: entityName ?? "none"), servedModel: entityName)
        }
        guard let entity = result.entity else {
            return error(
                ServingError(
                    status: 503, code: "TEMPORARILY_UNAVAILABLE", message: "no served entity could take the request"))
        }
        let h = header(entity, a)
        let body =
            a.invocation.stream
            ? ChatCompletionWire.roleChunk(h)
                + (result.text.isEmpty ? "" : ChatCompletionWire.contentChunk(h, result.text))
                + ChatCompletionWire.end(
                    h, finishReason: result.finishReason, inputTokens: result.inputTokens,
                    outputTokens: result.outputTokens)
            : ChatCompletionWire.completion(
                h, text: result.text, finishReason: result.finishReason, inputTokens: result.inputTokens,
                outputTokens: result.outputTokens)
        return Response(
            status: .ok, headers: headers(sse: a.invocation.stream, servedModel: entityName, id: a.id),
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// A streamed answer, relayed as it comes: the first content at once (the client's first token), later ones in
    /// bursts (whatever arrived while the last write went out), then the end or an error chunk.
    func relay(_ events: InvocationEvents, from entity: Int, first text: String, _ a: Admitted) -> Response {
        let h = header(entity, a)
        let entityName = a.endpoint.config.servedEntities[entity].name
        return Response(
            status: .ok, headers: headers(sse: true, servedModel: entityName, id: a.id),
            body: ResponseBody { writer in
                try await writer.write(
                    ByteBuffer(string: ChatCompletionWire.roleChunk(h) + ChatCompletionWire.contentChunk(h, text)))
                while true {
                    var out = ""
                    for event in await events.nextBatch() {
                        switch event {
                        case .content(_, let more):
                            out += ChatCompletionWire.contentChunk(h, more)
                        case .finished(let result):
                            charge(result, a)
                            if let failure = result.failure {
                                let e = ServingError.upstream(failure, entity: entityName)
                                out += ChatCompletionWire.errorChunk(code: e.code, message: e.message)
                            } else {
                                out += ChatCompletionWire.end(
                                    h, finishReason: result.finishReason, inputTokens: result.inputTokens,
                                    outputTokens: result.outputTokens)
                            }
                        }
                    }
                    if out.isEmpty { break }
                    try await writer.write(ByteBuffer(string: out))
                }
                try await writer.finish(nil)
            })
    }

    /// Charges an answered request's tokens to the endpoint's token limits.
    func charge(_ result: InvocationResult, _ a: Admitted) {
        registry.charge(a.endpointName, tokens: result.inputTokens + result.outputTokens, caller: a.caller)
    }

    func header(_ entity: Int, _ a: Admitted) -> ChatCompletionWire.Header {
        ChatCompletionWire.Header(id: a.id, created: a.created, model: a.endpoint.config.servedEntities[entity].model)
    }

    func headers(sse: Bool, servedModel: String?, id: String) -> HTTPFields {
        var h: HTTPFields = [.contentType: sse ? "text/event-stream; charset=utf-8" : "application/json"]
        if sse { h[.cacheControl] = "no-cache" }
        if let servedModel { h[Self.servedModelHeader] = servedModel }
        h[Self.requestIDHeader] = id
        return h
    }
}
