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
    static let apiKeyHeader = HTTPFields.Element.Name("x-api-key")!
    static let nonPathTargetHeader = HTTPFields.Element.Name(RequestTargetMarker.header)!

    func respond(_ request: Request, _ context: BasicRequestContext) async -> Response {
        let path = request.uri.path
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if segments == ["health"] { return text(200, "ok\n") }
        let origin = request.headers[.origin]
        let head = RequestGuard.Head(
            method: request.method.rawValue,
            target: request.headers[Self.nonPathTargetHeader] != nil ? "(not a path)" : request.head.path ?? "/",
            authority: request.head.authority,
            extraHost: request.headers[Self.hostHeader] != nil, origin: origin,
            contentType: request.headers[.contentType], hasBody: Self.hasBody(request))
        let shape = ErrorShape.of(segments)
        if let refusal = requestGuard.refusal(head) { return error(refusal, shape: shape) }
        // Past the guard, an Origin is serve's own or one the user allowed: say so to the browser.
        let allowOrigin = origin.flatMap {
            $0.lowercased() == "http://" + (request.head.authority ?? "").lowercased() ? nil : $0
        }
        if request.method == .options { return withCORS(preflight(), allowOrigin) }
        if let token, !Self.sameSecret(Self.bearer(request), token) {
            return withCORS(error(.unauthenticated, shape: shape), allowOrigin)
        }
        do {
            let response =
                Self.isHot(request.method, segments)
                ? try await route(request, segments: segments, path: path)
                : try await withTaskExecutorPreference(globalConcurrentExecutor) {
                    try await route(request, segments: segments, path: path)
                }
            return withCORS(response, allowOrigin)
        } catch let e as ServingError {
            return withCORS(error(e, shape: shape), allowOrigin)
        } catch {
            return withCORS(self.error(.badRequest("could not read the request"), shape: shape), allowOrigin)
        }
    }

    /// Requests answered where the handler runs (`abtop serve` runs it on the transport's loop): the model calls
    /// and the listings, which never block. The REST administration (creating an endpoint writes to the journal,
    /// deleting one waits for its writer) and `/metrics` (the first scrape analyses) move to the global executor,
    /// so they never hold up the transfers of the loop.
    static func isHot(_ method: HTTPRequest.Method, _ segments: [String]) -> Bool {
        switch method {
        case .post: segments.first != "api"
        case .get: segments.last != "metrics" && segments.first != "api"
        default: false
        }
    }

    /// A body is coming: a length above zero, or chunked.
    static func hasBody(_ request: Request) -> Bool {
        // The HTTP parser already stripped the value's surrounding whitespace.
        if let length = request.headers[.contentLength] { return length != "0" }
        return request.headers[.transferEncoding] != nil
    }

    /// The answer to a CORS preflight from an allowed origin (the guard refused the others).
    func preflight() -> Response {
        Response(
            status: .noContent,
            headers: [
                .accessControlAllowMethods: "GET, POST, PUT, PATCH, DELETE",
                .accessControlAllowHeaders:
                    "authorization, content-type, x-abtop-session, x-api-key, anthropic-version",
                .accessControlMaxAge: "600",
            ])
    }

    func withCORS(_ response: Response, _ origin: String?) -> Response {
        guard let origin else { return response }
        var response = response
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.vary] = "Origin"
        return response
    }

    func route(_ request: Request, segments: [String], path: String) async throws -> Response {
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
            case (.get, "rollout"): return json(200, try registry.rollout(name))
            case (.post, "rollout"):
                return json(200, try await registry.rollout(name, action: nil, body: try await body(request)))
            default:
                // A known resource with another method is a 405; anything else falls through to the 404.
                if segments.count == 6, segments[4] == "rollout" {
                    guard ["pause", "resume", "abort"].contains(segments[5]) else {
                        throw ServingError.notFound(path: path)
                    }
                    guard method == .post else { throw notAllowed(method, path) }
                    return json(200, try await registry.rollout(name, action: segments[5], body: nil))
                }
                if segments.count == 4
                    || (segments.count == 5
                        && ["config", "ai-gateway", "rate-limits", "tags", "rollout"].contains(segments[4]))
                {
                    throw notAllowed(method, path)
                }
            }
        }
        if method == .post, match("feedback") != nil {
            return json(200, try registry.feedback(try await body(request)))
        }
        if method == .post {
            if match("serving-endpoints", "chat", "completions") != nil || match("v1", "chat", "completions") != nil
                || match("chat", "completions") != nil
            {
                return await invoke(request, endpoint: nil)
            }
            if let name = match("serving-endpoints", "*", "invocations")?.first {
                return await invoke(request, endpoint: name)
            }
            if match("v1", "completions") != nil || match("serving-endpoints", "completions") != nil {
                return await invoke(request, endpoint: nil, door: .openAICompletions)
            }
            if match("v1", "embeddings") != nil || match("serving-endpoints", "embeddings") != nil {
                return await invoke(request, endpoint: nil, door: .openAIEmbeddings)
            }
            if match("v1", "messages") != nil || match("messages") != nil {
                return await invoke(request, endpoint: nil, door: .anthropic)
            }
        }
        if method == .get {
            if match("v1", "models") != nil || match("serving-endpoints", "models") != nil {
                return json(200, models())
            }
            if match("metrics") != nil { return text(200, metrics(), contentType: PrometheusText.contentType) }
        }
        throw ServingError.notFound(path: path)
    }

    // MARK: - Listings

    /// `GET /v1/models`: each endpoint as an OpenAI model.
    func models() -> JSONValue {
        let data: [JSONValue] = registry.endpoints.map { e in
            ["id": .string(e.name), "object": "model", "created": 0, "owned_by": "abtop"]
        }
        return .object(JSONObject(["object": "list", "data": .array(data)]))
    }

    func metrics() -> String {
        PrometheusText.render(
            registry.endpoints.map { e in
                let analysis = e.runtime.analysis
                return PrometheusText.Endpoint(
                    name: e.name, entityNames: e.metrics.entityNames,
                    weights: e.runtime.weights.percentages, counts: e.metrics.counts, verdicts: analysis.verdicts,
                    srm: analysis.srm)
            }) + registry.addedMetrics
    }

    // MARK: - Plumbing

    func notAllowed(_ method: HTTPRequest.Method, _ path: String) -> ServingError {
        ServingError(status: 405, code: "BAD_REQUEST", message: "\(method) is not supported on \(path)")
    }

    func json(_ status: Int, _ value: JSONValue) -> Response { json(status, value.rendered()) }

    func json(_ status: Int, _ body: String) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    func text(_ status: Int, _ body: String, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    func error(_ e: ServingError, servedModel: String? = nil, shape: ErrorShape = .databricks) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let wait = e.retryAfter { headers[.retryAfter] = ServingError.retryAfterHeader(wait) }
        if let servedModel { headers[Self.servedModelHeader] = servedModel }
        return Response(
            status: .init(code: e.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: e.body(shape))))
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
