import ABCore
import Foundation
import Synchronization

/// How to talk to one served entity: its URL, auth and dialect. Built from a resolved entity; pure.
public struct WireFormat: Sendable {
    /// The JSON shape of requests and responses.
    public enum Dialect: Sendable, Equatable {
        /// OpenAI chat completions; also Azure OpenAI, OpenAI-compatible servers and Databricks invocations.
        case openAI
        /// Anthropic's Messages API.
        case anthropic
        /// Gemini `generateContent` on Vertex AI.
        case gemini
        /// Amazon Bedrock's Converse API (every model family behind one shape).
        case bedrock
        /// Cohere's chat API v2.
        case cohere
    }

    /// How a request proves who sent it, beyond fixed headers.
    enum Signing: Sendable {
        case headers
        /// Every request signed with AWS Signature V4 (its date and body are part of the signature).
        case sigV4(SigV4.Credentials, region: String)
        /// A bearer token from the service account's OAuth exchange, supplied per request.
        case googleOAuth(ServiceAccountKey)
    }

    public let dialect: Dialect
    /// Where a non-streamed request goes.
    public let url: String
    /// Where a streamed request goes (Bedrock and Gemini stream from another method).
    let streamURL: String
    /// Where a completion goes when the provider has an endpoint of its own for it (OpenAI-style ones); nil: the
    /// chat URL, with the prompt as the user's turn.
    let completionsURL: String?
    /// Where embeddings are asked for; nil: the provider has none.
    public let embeddingsURL: String?
    /// Bedrock's model family: it decides the embedding body (Titan's or Cohere's).
    let bedrockFamily: AmazonBedrockSettings.ModelFamily?
    public let model: String
    /// Sent in the body (`model`); nil where the URL names the model (Azure deployments, Databricks endpoints,
    /// Bedrock, Vertex AI).
    let bodyModel: String?
    let authHeaders: [(name: String, value: HTTPRequestSpec.HeaderValue)]
    let signing: Signing
    /// `max_completion_tokens` (OpenAI's current name) or `max_tokens` (everyone else).
    let maxTokensField: StaticString
    let defaults: AbtopSettings.RequestDefaults
    /// This arm's own request settings (`abtop.entities.<name>`), applied to every request it sends.
    public let arm: AbtopSettings.EntitySettings
    /// Names this wire's two header sets (streaming or not) for the transport's cache.
    let headerSetID: Int
    private static let headerSets = Atomic<Int>(0)

    /// Anthropic requires `max_tokens`; this is sent when neither the request nor the config gives one.
    public static let anthropicDefaultMaxTokens = 1024
    public static let anthropicVersion = "2023-06-01"
    /// The tool that carries a structured answer where the provider has no JSON mode of its own (Anthropic,
    /// Bedrock): the model is made to call it, and its input is the answer's text.
    public static let structuredOutputTool = "json_response"

    public init(
        _ resolved: ResolvedEntity, defaults: AbtopSettings.RequestDefaults = .init(),
        arm: AbtopSettings.EntitySettings = .init()
    ) {
        let entity = resolved.entity
        let secrets = resolved.credentials.map { $0.resolution.value }
        let base = resolved.baseURL.trimmingTrailingSlashes()
        self.model = entity.model
        self.defaults = defaults
        self.arm = arm
        self.headerSetID = Self.headerSets.add(1, ordering: .relaxed).newValue
        guard let settings = entity.providerSettings as? any WireSettings else {
            preconditionFailure("\(entity.provider)'s settings have no wire: its provider is not registered")
        }
        let route = settings.route(model: entity.model, base: base, secrets: secrets)
        dialect = route.dialect
        url = route.url
        streamURL = route.streamURL ?? route.url
        completionsURL = route.completionsURL
        embeddingsURL = route.embeddingsURL
        bedrockFamily = route.embeddingsFamily
        bodyModel = route.bodyModel
        authHeaders = route.authHeaders
        signing = route.signing
        maxTokensField = route.maxTokensField
    }

    /// The service account whose access token requests need (Vertex AI), if any.
    public var serviceAccount: ServiceAccountKey? {
        if case .googleOAuth(let key) = signing { return key }
        return nil
    }

    /// How this entity's bearer token is obtained, when it signs with one (see `TokenExchange`).
    public var tokenExchange: (any TokenExchange)? { serviceAccount.map(ServiceAccountExchange.init) }

    /// The HTTP request for `chat` as this arm sends it; unset fields take the config's request defaults.
    /// `date` signs AWS requests; `accessToken` is the bearer token of an OAuth provider (see `serviceAccount`).
    ///
    /// Bodies are written directly (keys in a fixed order) for the OpenAI and Anthropic wires: this runs once per
    /// request, and Foundation's `JSONSerialization` cost more than everything else the engine does per request.
    public func request(_ request: ChatRequest, date: Date = Date(), accessToken: SecretValue? = nil) -> HTTPRequestSpec
    {
        var chat = request.applying(arm)
        let body: [UInt8]
        let target: String
        switch chat.task {
        case .embeddings:
            chat.stream = false
            target = embeddingsURL ?? url
            body = Array(embeddingsBody(chat).rendered().utf8)
        case .completions where completionsURL != nil:
            target = completionsURL!
            body = Array(completionsBody(chat).rendered().utf8)
        default:
            target = chat.stream ? streamURL : url
            body =
                switch dialect {
                case .openAI, .anthropic: directBody(chat)
                case .gemini: Array(geminiBody(chat).rendered().utf8)
                case .bedrock: Array(bedrockBody(chat).rendered().utf8)
                case .cohere: Array(cohereBody(chat).rendered().utf8)
                }
        }
        var headers: [(name: String, value: HTTPRequestSpec.HeaderValue)] = [
            ("Content-Type", .plain("application/json"))
        ]
        let accept =
            dialect == .bedrock && chat.stream
            ? "application/vnd.amazon.eventstream" : chat.stream ? "text/event-stream" : "application/json"
        headers.append(("Accept", .plain(accept)))
        headers += authHeaders
        var headerSet: Int? = chat.task == .chat ? headerSetID * 2 + (chat.stream ? 1 : 0) : nil
        switch signing {
        case .headers: break
        case .sigV4(let credentials, let region):
            let (host, path, query) = Self.split(target)
            headers += SigV4.sign(
                method: "POST", path: path, query: query,
                headers: [("host", host), ("content-type", "application/json")], payload: body, date: date,
                region: region, service: "bedrock", credentials: credentials)
            headerSet = nil
        case .googleOAuth:
            if let accessToken { headers.append(("Authorization", .secret(prefix: "Bearer ", accessToken))) }
            headerSet = nil
        }
        return HTTPRequestSpec(
            url: target, headers: headers, body: body, headerSetID: headerSet,
            responseHeaders: dialect == .bedrock ? [Self.bedrockInputTokensHeader] : [])
    }

    /// Bedrock's InvokeModel counts input tokens in a header (its embedding bodies carry no usage).
    static let bedrockInputTokensHeader = "x-amzn-bedrock-input-token-count"

    /// A decoded answer completed from the response's headers (lower-case names): what a provider reports
    /// outside the body, such as Bedrock's input token count.
    public func completing(_ result: ChatResult, headers: [String: String]) -> ChatResult {
        var result = result
        if result.inputTokens == nil, let n = headers[Self.bedrockInputTokensHeader].flatMap({ Int($0) }) {
            result.inputTokens = n
        }
        return result
    }

    /// Host (with a port if any), path and query of an absolute URL.
    static func split(_ url: String) -> (host: String, path: String, query: String) {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        let hostEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let host = String(rest[..<hostEnd])
        let pathAndQuery = rest[hostEnd...]
        if let q = pathAndQuery.firstIndex(of: "?") {
            return (host, String(pathAndQuery[..<q]), String(pathAndQuery[pathAndQuery.index(after: q)...]))
        }
        return (host, pathAndQuery.isEmpty ? "/" : String(pathAndQuery), "")
    }

    /// The members `request` writes itself; a caller's extras cannot replace them.
    static let ownKeys: Set<String> = [
        "model", "messages", "system", "max_tokens", "max_completion_tokens", "stream",
        "stream_options", "temperature", "top_p", "stop", "stop_sequences", "tools", "tool_choice",
        "response_format",
    ]

    /// Whether a structured answer travels as a forced call of `structuredOutputTool` on this wire.
    public func structuredAsTool(_ chat: ChatRequest) -> Bool {
        (dialect == .anthropic || dialect == .bedrock) && chat.applying(arm).wantsJSON
    }

    /// A stream decoder for this dialect and request.
    public func makeStreamDecoder(for chat: ChatRequest? = nil, limits: AbtopSettings.Limits = .init()) -> StreamDecoder
    {
        StreamDecoder(dialect: dialect, limits: limits, structuredTool: chat.map(structuredAsTool) ?? false)
    }
}

extension ChatRequest {
    /// The answer must be JSON.
    var wantsJSON: Bool {
        switch responseFormat {
        case .jsonObject, .jsonSchema: true
        case .text, nil: false
        }
    }
}

extension String {
    func trimmingTrailingSlashes() -> String {
        var s = Substring(self)
        while s.hasSuffix("/") { s.removeLast() }
        return String(s)
    }
}
