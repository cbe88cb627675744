import ABCore
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// Routes and answers every request of `abtop serve`. Paths are matched by segment, with or without a trailing
/// slash (the MLflow client asks for `/api/2.0/serving-endpoints/`); anything else is a 404 in Databricks' shape.
struct ServingResponder: Sendable {
    let registry: ServingRegistry
    let token: String?
    let requestGuard: RequestGuard
    let limits: HTTPLimits

    /// A REST body (an endpoint config: at most 8 entities) is small; this bounds what parsing one can cost.
    static let maxConfigBody = 1 << 20
    static let completionIDs = CompletionIDs()
    /// Header names, made once (not per request).
    static let sessionHeader = HTTPFields.Element.Name("x-abtop-session")!
    static let servedModelHeader = HTTPFields.Element.Name("served-model-name")!
    static let requestIDHeader = HTTPFields.Element.Name("x-request-id")!
    /// A `Host` left among the fields: the first became the request's authority, so this is a second one.
    static let hostHeader = HTTPFields.Element.Name("host")!

    func respond(_ request: Request, _ context: BasicRequestContext) async -> Response {
        let path = request.uri.path
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if segments == ["health"] { return text(200, "ok\n") }
        let origin = request.headers[.origin]
        let head = RequestGuard.Head(method: request.method.rawValue, authority: request.head.authority,
                                     extraHost: request.headers[Self.hostHeader] != nil, origin: origin,
                                     contentType: request.headers[.contentType], hasBody: Self.hasBody(request))
        if let refusal = requestGuard.refusal(head) { return error(refusal) }
        // Past the guard, an Origin is serve's own or one the user allowed: say so to the browser.
        let allowOrigin = origin.flatMap { $0.lowercased() == "http://" + (request.head.authority ?? "").lowercased() ? nil : $0 }
        if request.method == .options { return withCORS(preflight(), allowOrigin) }
        if let token, !Self.sameSecret(Self.bearer(request), token) { return withCORS(error(.unauthenticated), allowOrigin) }
        do {
            return withCORS(try await route(request, segments: segments, path: path), allowOrigin)
        } catch let e as ServingError {
            return withCORS(error(e), allowOrigin)
        } catch {
            return withCORS(self.error(.badRequest("could not read the request")), allowOrigin)
        }
    }

    /// A body is coming: a length above zero, or chunked.
    static func hasBody(_ request: Request) -> Bool {
        // The HTTP parser already stripped the value's surrounding whitespace.
        if let length = request.headers[.contentLength] { return length != "0" }
        return request.headers[.transferEncoding] != nil
    }

    /// The answer to a CORS preflight from an allowed origin (the guard refused the others).
    private func preflight() -> Response {
        Response(status: .noContent, headers: [
            .accessControlAllowMethods: "GET, POST, PUT, PATCH, DELETE",
            .accessControlAllowHeaders: "authorization, content-type, x-abtop-session",
            .accessControlMaxAge: "600",
        ])
    }

    private func withCORS(_ response: Response, _ origin: String?) -> Response {
        guard let origin else { return response }
        var response = response
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.vary] = "Origin"
        return response
    }

    /// Reads a request body of at most `limit` bytes within `limits.bodyTimeout`: 413 when it is (or says it
    /// is) larger, before anything is parsed; 408 when the client sends it too slowly.
    func readBody(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }),
           declared > limit {
            throw ServingError.tooLarge(limit: limit)
        }
        let deadline = ContinuousClock.now + .milliseconds(Int(saturating: limits.bodyTimeout * 1000))
        var bytes: [UInt8] = []
        do {
            for try await part in request.body {
                guard bytes.count + part.readableBytes <= limit else { throw ServingError.tooLarge(limit: limit) }
                bytes.append(contentsOf: part.readableBytesView)
                if ContinuousClock.now > deadline {
                    throw ServingError(status: 408, code: "BAD_REQUEST",
                                       message: "the request body took over \(limits.bodyTimeout) s to arrive")
                }
            }
        } catch let e as ServingError {
            throw e
        } catch {
            throw ServingError.badRequest("the request body could not be read")
        }
        return bytes
    }

    private func route(_ request: Request, segments: [String], path: String) async throws -> Response {
        let method = request.method
        /// The captured segments when `segments` matches `pattern` (`*` matches any one segment).
        func match(_ pattern: String...) -> [String]? {
            guard pattern.count == segments.count else { return nil }
            var captured: [String] = []
            for (p, s) in zip(pattern, segments) {
                if p == "*" { captured.append(s) } else if p != s { return nil }
            }
            return captured
        }
        let api = ["api", "2.0", "serving-endpoints"]
        if method == .get, match(".well-known", "databricks-config") != nil { return json(200, "{}") }
        if segments == api {
            switch method {
            case .get: return json(200, registry.list())
            case .post: return json(200, try registry.create(try await body(request)))
            default: throw notAllowed(method, path)
            }
        }
        if segments.count >= 4, Array(segments.prefix(3)) == api {
            let name = segments[3]
            switch (method, segments.count == 5 ? segments[4] : nil) {
            case (.get, nil) where segments.count == 4: return json(200, try registry.get(name))
            case (.delete, nil) where segments.count == 4: return json(200, try await registry.delete(name))
            case (.put, "config"): return json(200, try await registry.updateConfig(name, try await body(request)))
            case (.put, "ai-gateway"): return json(200, try registry.updateAIGateway(name, try await body(request)))
            case (.put, "rate-limits"): return json(200, try registry.updateRateLimits(name, try await body(request)))
            case (.patch, "tags"): return json(200, try registry.patchTags(name, try await body(request)))
            default:
                // A known resource with another method is a 405; anything else falls through to the 404.
                if segments.count == 4 || (segments.count == 5 && ["config", "ai-gateway", "rate-limits", "tags"].contains(segments[4])) {
                    throw notAllowed(method, path)
                }
            }
        }
        if method == .post {
            if match("serving-endpoints", "chat", "completions") != nil || match("v1", "chat", "completions") != nil
                || match("chat", "completions") != nil {
                return await invoke(request, endpoint: nil)
            }
            if let name = match("serving-endpoints", "*", "invocations")?.first {
                return await invoke(request, endpoint: name)
            }
        }
        if method == .get {
            if match("v1", "models") != nil || match("serving-endpoints", "models") != nil { return json(200, models()) }
            if match("metrics") != nil { return text(200, metrics(), contentType: PrometheusText.contentType) }
        }
        throw ServingError.notFound(path: path)
    }

    // MARK: - Invocations

    /// One chat request: parse, admit (rate limits), route through the endpoint's engine, answer as JSON or SSE.
    /// Headers go out once the first content arrives (or the request ended), so `served-model-name` names the
    /// entity that actually answered, fallbacks included.
    private func invoke(_ request: Request, endpoint name: String?) async -> Response {
        let bytes: [UInt8]
        do {
            bytes = try await readBody(request, limit: limits.maxBodyBytes)
        } catch let e as ServingError {
            return self.error(e)
        } catch {
            return self.error(.badRequest("the request body could not be read"))
        }
        let id = Self.completionIDs.next()
        let parsed: InvocationParser.Parsed
        switch InvocationParser.parse(bytes, id: id, sessionKey: request.headers[Self.sessionHeader]) {
        case .success(let p): parsed = p
        case .failure(let e): return error(e)
        }
        guard let endpointName = name ?? parsed.model else {
            return error(.badRequest("\"model\" must name a serving endpoint (GET /v1/models lists them)"))
        }
        let caller = Self.caller(request)
        let endpoint: ServingRegistry.Endpoint
        do {
            endpoint = try registry.admit(endpointName, caller: caller)
        } catch {
            return self.error(error)
        }
        let invocation = parsed.invocation
        let created = Int(Date().timeIntervalSince1970)
        let registry = self.registry
        func header(_ entity: Int) -> ChatCompletionWire.Header {
            ChatCompletionWire.Header(id: id, created: created, model: endpoint.config.servedEntities[entity].model)
        }
        @Sendable func finish(_ result: InvocationResult) {
            registry.charge(endpointName, tokens: result.inputTokens + result.outputTokens, caller: caller)
        }
        // A JSON answer waits in this task; a stream hands events from the engine to the response writer.
        let events = invocation.stream ? endpoint.runtime.invoke(invocation) : nil
        let first: InvocationEvent
        if let events {
            guard let event = await events.next() else {
                return error(ServingError(status: 503, code: "TEMPORARILY_UNAVAILABLE", message: "the endpoint closed"))
            }
            first = event
        } else {
            first = .finished(await endpoint.runtime.call(invocation))
        }
        switch first {
        case .finished(let result):
            finish(result)
            let entityName = result.entity.map { endpoint.config.servedEntities[$0].name }
            if let failure = result.failure {
                return error(.upstream(failure, entity: entityName ?? "none"), servedModel: entityName)
            }
            guard let entity = result.entity else {
                return error(ServingError(status: 503, code: "TEMPORARILY_UNAVAILABLE", message: "no served entity could take the request"))
            }
            let h = header(entity)
            if invocation.stream {
                let body = ChatCompletionWire.roleChunk(h)
                    + (result.text.isEmpty ? "" : ChatCompletionWire.contentChunk(h, result.text))
                    + ChatCompletionWire.end(h, finishReason: result.finishReason, inputTokens: result.inputTokens,
                                             outputTokens: result.outputTokens)
                return Response(status: .ok, headers: headers(sse: true, servedModel: entityName, id: id),
                                body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
            }
            let body = ChatCompletionWire.completion(h, text: result.text, finishReason: result.finishReason,
                                                     inputTokens: result.inputTokens, outputTokens: result.outputTokens)
            return Response(status: .ok, headers: headers(sse: false, servedModel: entityName, id: id),
                            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        case .content(let entity, let text):
            guard let events else { return error(.badRequest("content without a stream")) }
            let h = header(entity)
            let entityName = endpoint.config.servedEntities[entity].name
            return Response(status: .ok, headers: headers(sse: true, servedModel: entityName, id: id),
                            body: ResponseBody { writer in
                // The first content goes out at once (it is the client's first token); later ones in bursts.
                try await writer.write(ByteBuffer(string: ChatCompletionWire.roleChunk(h) + ChatCompletionWire.contentChunk(h, text)))
                var out = ""
                while true {
                    for event in await events.nextBatch() {
                        switch event {
                        case .content(_, let more):
                            out += ChatCompletionWire.contentChunk(h, more)
                        case .finished(let result):
                            finish(result)
                            if let failure = result.failure {
                                let e = ServingError.upstream(failure, entity: entityName)
                                out += ChatCompletionWire.errorChunk(code: e.code, message: e.message)
                            } else {
                                out += ChatCompletionWire.end(h, finishReason: result.finishReason,
                                                              inputTokens: result.inputTokens, outputTokens: result.outputTokens)
                            }
                        }
                    }
                    if out.isEmpty { break }
                    try await writer.write(ByteBuffer(string: out))
                    out = ""
                }
                try await writer.finish(nil)
            })
        }
    }

    private func headers(sse: Bool, servedModel: String?, id: String) -> HTTPFields {
        var h: HTTPFields = [.contentType: sse ? "text/event-stream; charset=utf-8" : "application/json"]
        if sse { h[.cacheControl] = "no-cache" }
        if let servedModel { h[Self.servedModelHeader] = servedModel }
        h[Self.requestIDHeader] = id
        return h
    }

    // MARK: - Listings

    /// `GET /v1/models`: each endpoint as an OpenAI model.
    private func models() -> JSONValue {
        let data: [JSONValue] = registry.endpoints.map { e in
            ["id": .string(e.name), "object": "model", "created": 0, "owned_by": "abtop"]
        }
        return .object(JSONObject(["object": "list", "data": .array(data)]))
    }

    private func metrics() -> String {
        PrometheusText.render(registry.endpoints.map { e in
            PrometheusText.Endpoint(name: e.name, entityNames: e.metrics.entityNames,
                                    weights: e.runtime.weights.percentages, counts: e.metrics.counts)
        })
    }

    // MARK: - Plumbing

    private func body(_ request: Request) async throws -> JSONValue {
        let bytes = try await readBody(request, limit: min(limits.maxBodyBytes, Self.maxConfigBody))
        if bytes.isEmpty { return .object(JSONObject()) }
        do {
            return try JSONParser.parse(utf8: bytes)
        } catch {
            throw ServingError.badRequest("the request body is not valid JSON: \(error)")
        }
    }

    private func notAllowed(_ method: HTTPRequest.Method, _ path: String) -> ServingError {
        ServingError(status: 405, code: "BAD_REQUEST", message: "\(method) is not supported on \(path)")
    }

    /// The token of `Authorization: Bearer …`; the scheme is case-insensitive (RFC 9110 §11.1).
    static func bearer(_ request: Request) -> String? {
        guard let auth = request.headers[.authorization], auth.count > 7, auth.prefix(7).lowercased() == "bearer "
        else { return nil }
        return String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    /// Compares in time that depends only on the lengths, so the answer's timing does not leak the token.
    static func sameSecret(_ given: String?, _ expected: String) -> Bool {
        guard let given else { return false }
        let a = Array(given.utf8), b = Array(expected.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<min(a.count, b.count) { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    /// Who is calling, for per-user rate limits: a hash of the bearer token (never the token itself).
    static func caller(_ request: Request) -> String {
        guard let token = bearer(request), !token.isEmpty else { return "anonymous" }
        return String(StableHash.of(token), radix: 16)
    }

    private func json(_ status: Int, _ value: JSONValue) -> Response { json(status, value.rendered()) }

    private func json(_ status: Int, _ body: String) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    private func text(_ status: Int, _ body: String, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: .init(code: status), headers: [.contentType: contentType],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    private func error(_ e: ServingError, servedModel: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let wait = e.retryAfter { headers[.retryAfter] = ServingError.retryAfterHeader(wait) }
        if let servedModel { headers[Self.servedModelHeader] = servedModel }
        return Response(status: .init(code: e.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(string: e.json)))
    }
}

/// `chatcmpl-` ids, unique across runs: a random prefix drawn once and a counter, so a request costs no call to
/// the system's random source (a syscall each on Linux).
final class CompletionIDs: Sendable {
    private let prefix = String(UInt64.random(in: 0...UInt64.max), radix: 16).leftPadded(to: 16)
    private let counter = Atomic<UInt64>(0)

    func next() -> String {
        "chatcmpl-" + prefix + String(counter.add(1, ordering: .relaxed).newValue, radix: 16).leftPadded(to: 8)
    }
}
