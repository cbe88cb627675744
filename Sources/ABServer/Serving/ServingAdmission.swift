import ABCore
import Foundation
import Hummingbird
import NIOCore

/// Admission: reading a request's body within its limits, parsing it, who is calling, and the endpoint's rate
/// limits, before anything is sent anywhere.
extension ServingResponder {
    /// A chat request past admission: parsed, its endpoint found and its rate limits passed.
    struct Admitted: Sendable {
        let id: String
        let invocation: Invocation
        let endpoint: ServingRegistry.Endpoint
        let endpointName: String
        /// Who is calling (a hash of the bearer token), for per-user limits.
        let caller: String
        /// The API it came in by: it is answered in that API's shape.
        let door: FrontDoor
        /// The endpoint the path named (`/serving-endpoints/{name}/invocations`, Databricks' door), or nil.
        let namedEndpoint: String?
        /// The endpoint's task: what the request carries and what the answer is.
        let task: EndpointTask
        /// When it arrived, in Unix seconds (the completion's `created`).
        let created = Int(Date().timeIntervalSince1970)
    }

    /// Reads and parses a chat request, finds its endpoint (`name`, else the body's `model`) and asks the
    /// endpoint's rate limits; the refusal is the response to send.
    /// Bodies up to this size are parsed where they arrive (most prompts; a hop to another thread costs more).
    static let parseOnLoopBytes = 64 << 10

    func admit(_ request: Request, endpoint name: String?, door: FrontDoor) async -> Result<Admitted, ServingError> {
        let bytes: [UInt8]
        do {
            bytes = try await readBody(request, limit: limits.maxBodyBytes)
        } catch let e as ServingError {
            return .failure(e)
        } catch {
            return .failure(.badRequest("the request body could not be read"))
        }
        let id = Self.completionIDs.next()
        let parsed: InvocationParser.Parsed
        let session = request.headers[Self.sessionHeader]
        // `/invocations` names its endpoint, whose task says what the body is; the other doors say it themselves.
        let task: EndpointTask =
            switch door {
            case .openAICompletions: .completions
            case .openAIEmbeddings: .embeddings
            case .anthropic: .chat
            case .openAI: name.flatMap { registry.endpoint(named: $0)?.config.endpointTask } ?? .chat
            }
        let parseBody = { @Sendable () -> Result<InvocationParser.Parsed, ServingError> in
            switch (door, task) {
            case (.anthropic, _): MessagesParser.parse(bytes, id: id, sessionKey: session)
            case (_, .completions): TaskParsers.completions(bytes, id: id, sessionKey: session)
            case (_, .embeddings): TaskParsers.embeddings(bytes, id: id, sessionKey: session)
            case (_, .chat): InvocationParser.parse(bytes, id: id, sessionKey: session)
            }
        }
        // This task runs on the transport's loop; a large body is parsed on the global executor, so a client's
        // megabytes never stall the streams of other requests on the loop.
        let parse =
            bytes.count <= Self.parseOnLoopBytes ? parseBody() : await Task.detached(operation: parseBody).value
        switch parse {
        case .success(let p): parsed = p
        case .failure(let e): return .failure(e)
        }
        guard let endpointName = name ?? parsed.model else {
            return .failure(.badRequest("\"model\" must name a serving endpoint (GET /v1/models lists them)"))
        }
        if let served = registry.endpoint(named: endpointName)?.config.endpointTask, served != task {
            return .failure(
                .badRequest(
                    "the endpoint \"\(endpointName)\" serves \(served.rawValue), not \(task.rawValue): "
                        + Self.doorFor(served)))
        }
        let caller = Self.caller(request)
        do {
            let endpoint = try registry.admit(endpointName, caller: caller)
            return .success(
                Admitted(
                    id: id, invocation: parsed.invocation, endpoint: endpoint,
                    endpointName: endpointName, caller: caller, door: door, namedEndpoint: name, task: task))
        } catch {
            return .failure(error)
        }
    }

    /// Where a task's requests go.
    static func doorFor(_ task: EndpointTask) -> String {
        switch task {
        case .chat: "POST /v1/chat/completions, /v1/messages or …/invocations with \"messages\""
        case .completions: "POST /v1/completions or …/invocations with \"prompt\""
        case .embeddings: "POST /v1/embeddings or …/invocations with \"input\""
        }
    }

    /// Reads a request body of at most `limit` bytes within `limits.bodyTimeout`: 413 when it is (or says it
    /// is) larger, before anything is parsed; 408 when the client sends it too slowly.
    func readBody(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }),
            declared > limit
        {
            throw ServingError.tooLarge(limit: limit)
        }
        let deadline = ContinuousClock.now + .milliseconds(Int(saturating: limits.bodyTimeout * 1000))
        var bytes: [UInt8] = []
        do {
            for try await part in request.body {
                guard bytes.count + part.readableBytes <= limit else { throw ServingError.tooLarge(limit: limit) }
                bytes.append(contentsOf: part.readableBytesView)
                if ContinuousClock.now > deadline {
                    throw ServingError(
                        status: 408, code: "BAD_REQUEST",
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

    func body(_ request: Request) async throws -> JSONValue {
        let bytes = try await readBody(request, limit: min(limits.maxBodyBytes, Self.maxConfigBody))
        if bytes.isEmpty { return .object(JSONObject()) }
        do {
            return try JSONParser.parse(utf8: bytes)
        } catch {
            throw ServingError.badRequest("the request body is not valid JSON: \(error)")
        }
    }

    /// The token of `Authorization: Bearer …`; the scheme is case-insensitive (RFC 9110 §11.1).
    static func bearer(_ request: Request) -> String? {
        // Anthropic's SDKs send the key as `x-api-key`.
        guard let auth = request.headers[.authorization] else { return request.headers[apiKeyHeader] }
        return token(ofBearer: auth)
    }

    /// The token of an `Authorization` value `Bearer <token>` (any case), spaces and tabs around it dropped; read
    /// byte by byte, as it is on every request.
    static func token(ofBearer value: String) -> String? {
        let bytes = value.utf8
        guard bytes.count > 7 else { return nil }
        var i = bytes.startIndex
        for expected in "bearer ".utf8 {
            let b = bytes[i]
            guard b == expected || (b >= 0x41 && b <= 0x5A && b | 0x20 == expected) else { return nil }
            i = bytes.index(after: i)
        }
        func blank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
        var end = bytes.endIndex
        while i < end, blank(bytes[i]) { i = bytes.index(after: i) }
        while end > i, blank(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return String(value[i..<end])
    }

    /// Compares in time that depends only on the lengths, so the answer's timing does not leak the token.
    static func sameSecret(_ given: String?, _ expected: String) -> Bool {
        guard let given else { return false }
        let a = Array(given.utf8)
        let b = Array(expected.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<min(a.count, b.count) { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    /// Who is calling, for per-user rate limits: a hash of the bearer token (never the token itself).
    static func caller(_ request: Request) -> String {
        guard let token = bearer(request), !token.isEmpty else { return "anonymous" }
        return String(StableHash.of(token), radix: 16)
    }
}
