import ABCore
import ABProviders
import Foundation
import Hummingbird
import NIOCore

/// The simulated Cohere, Bedrock and Vertex AI, on the same profiles and faults as OpenAI and Anthropic: each
/// checks its provider's auth (Bedrock's Signature V4 is verified for the simulated key; Vertex AI wants a token
/// from the simulated OAuth endpoint), answers in its own wire, and fails as its provider fails.
extension MockResponder {
    // MARK: - Cohere

    func cohere(_ request: Request, _ context: MockRequestContext) async throws -> Response {
        let arrival = context.arrival
        var rng0 = SplitMix64(seed: arrival.uptimeNanoseconds)
        let earlyID = Self.uuid(&rng0)
        guard let key = Self.bearerToken(request), !Self.isRefusedKey(key) else {
            return json(401, CohereWire.error("invalid api token", id: earlyID))
        }
        let body = Data(buffer: try await request.body.collect(upTo: Self.maxBody))
        let chat: MockRequest
        switch MockRequestParser.cohere(body) {
        case .success(let parsed): chat = parsed
        case .failure(let r): return json(r.status, CohereWire.error(r.message, id: earlyID))
        }
        let plan = planner.plan(chat, occurrence: occurrence(of: chat))
        var rng = SplitMix64(seed: plan.idSeed)
        let id = Self.uuid(&rng)
        if let status = plan.errorStatus {
            try await sleep(until: arrival + Self.nanos(plan.ttft), on: context.channel.eventLoop)
            return json(
                status, CohereWire.error(CohereWire.errorMessage(status: status), id: id), extra: retryHeaders(plan))
        }
        guard chat.stream else {
            return try await nonStreaming(
                plan: plan, arrival: arrival, channel: context.channel, requestID: id,
                body: CohereWire.response(id: id, plan: plan), requestIDHeader: "x-request-id")
        }
        return streamed(
            plan: plan, arrival: arrival, channel: context.channel,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            start: [CohereWire.start(id: id, plan: plan)], token: { CohereWire.delta(plan, $0) },
            malformed: CohereWire.malformed, end: [CohereWire.end(plan)])
    }

    // MARK: - Bedrock

    func bedrock(_ request: Request, _ context: MockRequestContext, stream: Bool) async throws -> Response {
        let arrival = context.arrival
        var rng0 = SplitMix64(seed: arrival.uptimeNanoseconds)
        let earlyID = Self.uuid(&rng0)
        let body = try await request.body.collect(upTo: Self.maxBody)
        let bytes = Array(body.readableBytesView)
        if let refusal = Self.sigV4Refusal(request, body: bytes) {
            return bedrockError(403, type: refusal.type, message: refusal.message, id: earlyID)
        }
        let segments = request.uri.path.split(separator: "/")
        let model = segments.count >= 2 ? String(segments[1]).removingPercentEncoding ?? String(segments[1]) : ""
        let chat: MockRequest
        switch MockRequestParser.bedrock(Data(bytes), model: model, stream: stream) {
        case .success(let parsed): chat = parsed
        case .failure(let r):
            return bedrockError(r.status, type: "ValidationException", message: r.message, id: earlyID)
        }
        let plan = planner.plan(chat, occurrence: occurrence(of: chat))
        var rng = SplitMix64(seed: plan.idSeed)
        let id = Self.uuid(&rng)
        if let status = plan.errorStatus {
            try await sleep(until: arrival + Self.nanos(plan.ttft), on: context.channel.eventLoop)
            let e = BedrockWire.error(status: status)
            return bedrockError(status, type: e.type, message: e.message, id: id, extra: retryHeaders(plan))
        }
        guard chat.stream else {
            return try await nonStreaming(
                plan: plan, arrival: arrival, channel: context.channel, requestID: id,
                body: BedrockWire.response(plan: plan), requestIDHeader: "x-amzn-requestid")
        }
        var headers: HTTPFields = [.contentType: "application/vnd.amazon.eventstream"]
        headers[.init("x-amzn-requestid")!] = id
        return streamedBytes(
            plan: plan, arrival: arrival, channel: context.channel, headers: headers,
            start: BedrockWire.start(plan), token: { BedrockWire.delta(plan, $0) }, malformed: BedrockWire.malformed,
            end: BedrockWire.end(plan))
    }

    func bedrockError(_ status: Int, type: String, message: String, id: String, extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.init("x-amzn-errortype")!] = type + ":http://internal.amazon.com/coral/com.amazon.bedrock/"
        headers[.init("x-amzn-requestid")!] = id
        return json(status, JSONValue.object(JSONObject(["message": .string(message)])).rendered(), extra: headers)
    }

    /// The simulated AWS account: requests signed with this key are verified in full.
    static let simulatedAccessKeyID = "AKIDSIMULATED"
    static let simulatedSecretAccessKey = "simulated-secret-access-key"

    /// Why a request's Signature V4 is refused (AWS's exception type and message), or nil. Every request must carry
    /// a well-formed `Authorization` and a fresh `X-Amz-Date`; one signed with the simulated key is recomputed from
    /// what arrived (path as sent, signed headers, body hash) and must match.
    static func sigV4Refusal(_ request: Request, body: [UInt8]) -> (type: String, message: String)? {
        let missing = ("MissingAuthenticationTokenException", "Missing Authentication Token")
        guard let auth = request.headers[.authorization], auth.hasPrefix("AWS4-HMAC-SHA256 ") else { return missing }
        var fields: [String: String] = [:]
        for part in auth.dropFirst("AWS4-HMAC-SHA256 ".count).split(separator: ",") {
            let kv = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
        }
        guard let credential = fields["Credential"], let signed = fields["SignedHeaders"],
            let signature = fields["Signature"]
        else {
            return (
                "IncompleteSignatureException", "Authorization header requires Credential, SignedHeaders and Signature."
            )
        }
        let scope = credential.split(separator: "/").map(String.init)
        guard scope.count == 5, scope[3] == "bedrock", scope[4] == "aws4_request" else {
            return ("InvalidSignatureException", "Credential should be scoped to a valid region and service 'bedrock'.")
        }
        if isRefusedKey(scope[0].lowercased()) || scope[0].hasPrefix("AKIDINVALID") {
            return ("UnrecognizedClientException", "The security token included in the request is invalid.")
        }
        guard let amzDate = request.headers[.init("x-amz-date")!],
            let date = parseAmzDate(amzDate), abs(date.timeIntervalSinceNow) < 15 * 60
        else { return ("InvalidSignatureException", "Signature expired or X-Amz-Date missing.") }
        guard scope[0] == simulatedAccessKeyID else { return nil }
        let names = signed.split(separator: ";").map(String.init)
        var headers: [(name: String, value: String)] = []
        for name in names {
            let value =
                name == "host" ? request.head.authority : HTTPFields.Element.Name(name).flatMap { request.headers[$0] }
            guard let value else { return ("IncompleteSignatureException", "Signed header \(name) is missing.") }
            headers.append((name, value))
        }
        let (canonical, _) = SigV4.canonicalRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "", headers: headers,
            payloadHash: SigV4.sha256Hex(body))
        let expected = SigV4.signature(
            secret: SecretValue(simulatedSecretAccessKey), day: scope[1], region: scope[2], service: "bedrock",
            stringToSign: SigV4.stringToSign(
                amzDate: amzDate, scope: scope[1...].joined(separator: "/"), canonicalRequest: canonical))
        guard expected == signature else {
            return (
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. "
                    + "Check your AWS Secret Access Key and signing method."
            )
        }
        return nil
    }

    static func parseAmzDate(_ s: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.date(from: s)
    }

    // MARK: - Vertex AI

    /// Google's OAuth token endpoint: a service account's signed JWT in, an access token out.
    func token(_ request: Request, _ context: MockRequestContext) async throws -> Response {
        let body = String(buffer: try await request.body.collect(upTo: 64 * 1024))
        var form: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            if kv.count == 2 { form[kv[0]] = kv[1] }
        }
        func refuse(_ error: String, _ description: String) -> Response {
            json(
                400,
                JSONValue.object(JSONObject(["error": .string(error), "error_description": .string(description)]))
                    .rendered())
        }
        guard form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer", let jwt = form["assertion"] else {
            return refuse("unsupported_grant_type", "Invalid grant_type")
        }
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let claims = Self.base64URLJSON(parts[1]),
            Self.base64URLJSON(parts[0])?[key: "alg"] == "RS256",
            let iss = claims[key: "iss"]?.stringValue, let exp = claims[key: "exp"]?.intValue,
            let iat = claims[key: "iat"]?.intValue, claims[key: "aud"]?.stringValue?.hasSuffix("/token") == true,
            !parts[2].isEmpty
        else {
            return refuse(
                "invalid_grant", "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe")
        }
        let now = Int(Date().timeIntervalSince1970)
        guard exp > now, exp - iat <= 3600, !Self.isRefusedKey(iss) else {
            return refuse("invalid_grant", "Invalid JWT Signature.")
        }
        var rng = SplitMix64(seed: context.arrival.uptimeNanoseconds)
        let token = "ya29.simulated-" + Self.randomID(&rng, length: 40)
        return json(
            200,
            JSONValue.object(
                JSONObject(["access_token": .string(token), "expires_in": 3599, "token_type": "Bearer"])
            ).rendered())
    }

    static func base64URLJSON(_ s: Substring) -> JSONValue? {
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        guard let data = Data(base64Encoded: b) else { return nil }
        return try? JSONParser.parse(utf8: Array(data))
    }

    /// `…/publishers/google/models/{model}:generateContent` and `:streamGenerateContent?alt=sse`.
    func gemini(_ request: Request, _ context: MockRequestContext) async throws -> Response {
        let arrival = context.arrival
        guard let token = Self.bearerToken(request), token.hasPrefix("ya29.") else {
            return json(401, GeminiWire.error(status: 401))
        }
        let call = request.uri.path.split(separator: "/").last.map(String.init) ?? ""
        let pieces = call.split(separator: ":", maxSplits: 1).map(String.init)
        guard pieces.count == 2, ["generateContent", "streamGenerateContent", "predict"].contains(pieces[1]) else {
            return json(404, GeminiWire.error(status: 404))
        }
        if pieces[1] == "predict" {
            return try await vertexPredict(request, context, model: pieces[0].removingPercentEncoding ?? pieces[0])
        }
        let stream = pieces[1] == "streamGenerateContent"
        if stream && request.uri.queryParameters["alt"] != "sse" {
            return json(
                400, GeminiWire.error(status: 400, message: "abtop's simulated Vertex AI streams with alt=sse only"))
        }
        let model = pieces[0].removingPercentEncoding ?? pieces[0]
        let body = Data(buffer: try await request.body.collect(upTo: Self.maxBody))
        let chat: MockRequest
        switch MockRequestParser.gemini(body, model: model, stream: stream) {
        case .success(let parsed): chat = parsed
        case .failure(let r): return json(r.status, GeminiWire.error(status: r.status, message: r.message))
        }
        let plan = planner.plan(chat, occurrence: occurrence(of: chat))
        var rng = SplitMix64(seed: plan.idSeed)
        let id = Self.randomID(&rng, length: 22)
        if let status = plan.errorStatus {
            try await sleep(until: arrival + Self.nanos(plan.ttft), on: context.channel.eventLoop)
            return json(status, GeminiWire.error(status: status), extra: retryHeaders(plan))
        }
        guard stream else {
            return try await nonStreaming(
                plan: plan, arrival: arrival, channel: context.channel, requestID: id,
                body: GeminiWire.response(id: id, model: model, plan: plan), requestIDHeader: "x-request-id")
        }
        return streamed(
            plan: plan, arrival: arrival, channel: context.channel,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], start: [],
            token: { GeminiWire.delta(plan, $0, model: model, id: id) }, malformed: GeminiWire.malformed,
            end: [GeminiWire.end(plan, model: model, id: id)])
    }

    static func uuid(_ rng: inout SplitMix64) -> String {
        let hex = Array("0123456789abcdef")
        let s = String((0..<32).map { _ in hex[rng.below(16)] })
        let a = s.prefix(8)
        let b = s.dropFirst(8).prefix(4)
        let c = s.dropFirst(12).prefix(4)
        let d = s.dropFirst(16).prefix(4)
        return "\(a)-\(b)-\(c)-\(d)-\(s.suffix(12))"
    }
}
