import ABCore
import Foundation
import Hummingbird
import NIOCore

/// Writing a chat answer: JSON, or SSE relayed as the engine streams it, in the shape of the door the request
/// came in by.
extension ServingResponder {
    /// One chat request: admitted (see `admit`), routed through the endpoint's engine, answered as JSON or SSE.
    /// Headers go out once the first content arrives (or the request ended), so `served-model-name` names the
    /// entity that actually answered, fallbacks included.
    func invoke(_ request: Request, endpoint name: String?, door: FrontDoor = .openAI) async -> Response {
        let admitted: Admitted
        switch await admit(request, endpoint: name, door: door) {
        case .success(let a): admitted = a
        case .failure(let e): return error(e, door: door, endpoint: name)
        }
        let runtime = admitted.endpoint.runtime
        // A JSON answer waits in this task; a stream hands events from the engine to the response writer.
        guard admitted.invocation.stream else {
            return answer(await runtime.call(admitted.invocation), admitted)
        }
        let events = runtime.invoke(admitted.invocation)
        events.limitPending(to: limits.maxPendingBytes)
        let first = await events.next()
        switch first {
        case .finished(let result)?: return answer(result, admitted)
        case .content(let entity, _)?, .toolCall(let entity, _)?:
            return relay(events, from: entity, first: first!, admitted)
        case nil:
            return error(
                ServingError(status: 503, code: "TEMPORARILY_UNAVAILABLE", message: "the endpoint closed"), door: door,
                endpoint: name)
        }
    }

    /// The writer of a stream from `entity` for the request's door.
    func streamWriter(_ entity: Int, _ a: Admitted) -> any StreamWriter {
        let model = a.endpoint.config.servedEntities[entity].model
        let header = ChatCompletionWire.Header(id: a.id, created: a.created, model: model)
        switch (a.door, a.task) {
        case (.anthropic, _): return MessagesWire.Stream(header: .init(id: Self.messageID(a.id), model: model))
        case (_, .completions): return TaskWire.CompletionStream(header: header)
        default: return ChatCompletionWire.Stream(header: header)
        }
    }

    /// `msg_…` for the Anthropic door, from the request's `chatcmpl-…` id (also its journal id).
    static func messageID(_ id: String) -> String { "msg_" + id.dropFirst("chatcmpl-".count) }

    /// The answer to a request that ended before any content was relayed: JSON, or the whole stream at once.
    func answer(_ result: InvocationResult, _ a: Admitted) -> Response {
        charge(result, a)
        let entityName = result.entity.map { a.endpoint.config.servedEntities[$0].name }
        if let failure = result.failure {
            return error(
                .upstream(failure, entity: entityName ?? "none"), servedModel: entityName, door: a.door,
                endpoint: a.namedEndpoint)
        }
        guard let entity = result.entity else {
            return error(
                ServingError(
                    status: 503, code: "TEMPORARILY_UNAVAILABLE", message: "no served entity could take the request"),
                door: a.door, endpoint: a.namedEndpoint)
        }
        let model = a.endpoint.config.servedEntities[entity].model
        let body: String
        if a.invocation.stream {
            var writer = streamWriter(entity, a)
            var out = writer.start()
            if !result.text.isEmpty { out += writer.content(result.text) }
            for (i, c) in result.toolCalls.enumerated() {
                out += writer.toolCall(ToolCallDelta(index: i, id: c.id, name: c.name, arguments: c.arguments))
            }
            body = out + writer.end(result)
        } else {
            let header = ChatCompletionWire.Header(id: a.id, created: a.created, model: model)
            switch (a.door, a.task) {
            case (.anthropic, _): body = MessagesWire.message(.init(id: Self.messageID(a.id), model: model), result)
            case (_, .completions): body = TaskWire.completion(header, result)
            case (_, .embeddings):
                body = TaskWire.embeddings(model: model, result, base64: a.invocation.base64Embeddings)
            case (_, .chat): body = ChatCompletionWire.completion(header, result)
            }
        }
        return Response(
            status: .ok, headers: headers(sse: a.invocation.stream, servedModel: entityName, id: a.id),
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// A streamed answer, relayed as it comes: the first piece at once (the client's first token, with whatever
    /// already arrived behind it: a provider's burst is one write, not one per piece), later ones in bursts
    /// (whatever arrived while the last write went out), then the end or an error event.
    func relay(_ events: InvocationEvents, from entity: Int, first: InvocationEvent, _ a: Admitted) -> Response {
        let entityName = a.endpoint.config.servedEntities[entity].name
        let writer = streamWriter(entity, a)
        return Response(
            status: .ok, headers: headers(sse: true, servedModel: entityName, id: a.id),
            body: ResponseBody { [writer, limits] body in
                // However this ends (a write that throws: the client left, or stopped reading and was closed), the
                // request upstream stops with it; once it finished, this does nothing.
                defer { events.cancel() }
                var writer = writer
                var batch = [first] + events.available()
                var out = writer.start()
                while true {
                    for event in batch {
                        switch event {
                        case .content(_, let more): out += writer.content(more)
                        case .toolCall(_, let delta): out += writer.toolCall(delta)
                        case .finished(let result):
                            charge(result, a)
                            if events.overflowed {
                                out += writer.failure(Self.unread(limit: limits.maxPendingBytes))
                            } else if let failure = result.failure {
                                out += writer.failure(ServingError.upstream(failure, entity: entityName))
                            } else {
                                out += writer.end(result)
                            }
                        }
                        // A burst goes out in pieces: each write waits while the client is behind (NIO's
                        // watermarks), so what serve holds for a slow client stays near one piece.
                        if out.utf8.count >= Self.writePiece {
                            try await body.write(ByteBuffer(string: out))
                            out = ""
                        }
                    }
                    if !out.isEmpty {
                        try await body.write(ByteBuffer(string: out))
                        out = ""
                    }
                    batch = await events.nextBatch()
                    if batch.isEmpty { break }
                }
                try await body.finish(nil)
            })
    }

    /// The most a stream writes at once.
    static let writePiece = 64 << 10

    /// The error event of a stream whose client did not take its answer.
    static func unread(limit: Int) -> ServingError {
        ServingError(
            status: 503, code: "TEMPORARILY_UNAVAILABLE",
            message:
                "the client did not read the answer: more than \(limit) bytes waited for it, so the request was "
                + "cancelled")
    }

    /// Charges an answered request's tokens to the endpoint's token limits.
    func charge(_ result: InvocationResult, _ a: Admitted) {
        registry.charge(a.endpointName, tokens: result.inputTokens + result.outputTokens, caller: a.caller)
    }

    func headers(sse: Bool, servedModel: String?, id: String) -> HTTPFields {
        var h: HTTPFields = [.contentType: sse ? "text/event-stream; charset=utf-8" : "application/json"]
        if sse { h[.cacheControl] = "no-cache" }
        if let servedModel { h[Self.servedModelHeader] = servedModel }
        h[Self.requestIDHeader] = id
        return h
    }

    /// An error in the shape of the API called (`ErrorShape`): the Databricks door names its endpoint.
    func error(_ e: ServingError, servedModel: String? = nil, door: FrontDoor, endpoint: String?) -> Response {
        let shape: ErrorShape = endpoint != nil ? .databricks : door == .anthropic ? .anthropic : .openAI
        return error(e, servedModel: servedModel, shape: shape)
    }
}
