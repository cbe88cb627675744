import ABCore
import Foundation
import Synchronization

/// How to talk to one served entity: its URL, auth and dialect. Built from a resolved entity; pure.
public struct WireFormat: Sendable {
    /// The JSON shape of requests and responses.
    public enum Dialect: Sendable, Equatable {
        /// OpenAI chat completions; also Azure OpenAI, OpenAI-compatible servers and Databricks invocations.
        case openAI
        case anthropic
    }

    public let dialect: Dialect
    public let url: String
    public let model: String
    /// Sent in the body (`model`); nil where the URL names the model (Azure deployments, Databricks endpoints).
    let bodyModel: String?
    let authHeaders: [(name: String, value: HTTPRequestSpec.HeaderValue)]
    /// `max_completion_tokens` (OpenAI's current name) or `max_tokens` (everyone else).
    let maxTokensField: String
    let defaults: AbtopSettings.RequestDefaults
    /// Names this wire's two header sets (streaming or not) for the transport's cache.
    let headerSetID: Int
    private static let headerSets = Atomic<Int>(0)

    /// Anthropic requires `max_tokens`; this is sent when neither the request nor the config gives one.
    public static let anthropicDefaultMaxTokens = 1024
    public static let anthropicVersion = "2023-06-01"

    public init(_ resolved: ResolvedEntity, defaults: AbtopSettings.RequestDefaults = .init()) {
        let entity = resolved.entity
        let secrets = resolved.credentials.map { $0.resolution.value }
        let base = resolved.baseURL.trimmingTrailingSlashes()
        self.model = entity.model
        self.defaults = defaults
        self.headerSetID = Self.headerSets.add(1, ordering: .relaxed).newValue
        switch entity.providerSettings {
        case .openai(let s) where s.apiType == .azure:
            dialect = .openAI
            url = "\(base)/openai/deployments/\(s.deploymentName ?? entity.model)/chat/completions?api-version=\(s.apiVersion ?? "2024-06-01")"
            bodyModel = nil
            authHeaders = secrets.first.flatMap { $0 }.map { [("api-key", .secret(prefix: "", $0))] } ?? []
            maxTokensField = "max_tokens"
        case .openai(let s):
            dialect = .openAI
            url = base + "/chat/completions"
            bodyModel = entity.model
            var headers: [(name: String, value: HTTPRequestSpec.HeaderValue)] =
                secrets.first.flatMap { $0 }.map { [("Authorization", .secret(prefix: "Bearer ", $0))] } ?? []
            if let org = s.organization { headers.append(("OpenAI-Organization", .plain(org))) }
            authHeaders = headers
            maxTokensField = "max_completion_tokens"
        case .anthropic:
            dialect = .anthropic
            url = base + "/v1/messages"
            bodyModel = entity.model
            authHeaders = (secrets.first.flatMap { $0 }.map { [("x-api-key", .secret(prefix: "", $0))] } ?? [])
                + [("anthropic-version", .plain(Self.anthropicVersion))]
            maxTokensField = "max_tokens"
        case .custom(let s):
            dialect = .openAI
            url = base.hasSuffix("/chat/completions") ? base : base + "/chat/completions"
            bodyModel = entity.model
            switch (s.auth, secrets.first.flatMap { $0 }) {
            case (.apiKey(let header, _), let value?): authHeaders = [(header, .secret(prefix: "", value))]
            case (.bearer, let value?): authHeaders = [("Authorization", .secret(prefix: "Bearer ", value))]
            default: authHeaders = []
            }
            maxTokensField = "max_tokens"
        case .databricksModelServing:
            dialect = .openAI
            url = "\(base)/serving-endpoints/\(entity.model)/invocations"
            bodyModel = nil
            authHeaders = secrets.first.flatMap { $0 }.map { [("Authorization", .secret(prefix: "Bearer ", $0))] } ?? []
            maxTokensField = "max_tokens"
        }
    }

    /// The HTTP request for `chat`; unset fields take the config's request defaults.
    ///
    /// The body is written directly (keys in a fixed order): this runs once per request, and Foundation's
    /// `JSONSerialization` cost more than everything else the engine does per request together.
    public func request(_ chat: ChatRequest) -> HTTPRequestSpec {
        var members: [JSONObject.Member] = []
        func add(_ key: String, _ value: JSONValue) { members.append(.init(key: key, value: value)) }
        if let bodyModel { add("model", .string(bodyModel)) }
        let stream = chat.stream
        switch dialect {
        case .openAI:
            add("messages", .array(chat.messages.map { ["role": .string($0.role.rawValue), "content": .string($0.content)] }))
            add(maxTokensField, .number(JSONNumber(chat.maxTokens ?? defaults.maxTokens)))
        case .anthropic:
            let system = chat.messages.filter { $0.role == .system }.map(\.content)
            if !system.isEmpty { add("system", .string(system.joined(separator: "\n\n"))) }
            add("messages", .array(Self.alternating(chat.messages.filter { $0.role != .system }).map { m in
                ["role": .string(m.role), "content": .string(m.content)]
            }))
            add("max_tokens", .number(JSONNumber(chat.maxTokens ?? defaults.maxTokens)))
        }
        add("stream", .bool(stream))
        if stream && dialect == .openAI { add("stream_options", ["include_usage": true]) }
        if let temperature = chat.temperature ?? defaults.temperature { add("temperature", .number(JSONNumber(temperature))) }
        if let topP = chat.topP { add("top_p", .number(JSONNumber(topP))) }
        if dialect == .openAI { members += chat.openAIExtras.members.filter { !members.map(\.key).contains($0.key) } }
        if !chat.stop.isEmpty {
            add(dialect == .openAI ? "stop" : "stop_sequences", .array(chat.stop.map(JSONValue.string)))
        }
        var headers: [(name: String, value: HTTPRequestSpec.HeaderValue)] = [("Content-Type", .plain("application/json"))]
        headers.append(("Accept", .plain(stream ? "text/event-stream" : "application/json")))
        headers += authHeaders
        return HTTPRequestSpec(url: url, headers: headers, body: Array(JSONValue.object(JSONObject(members)).rendered().utf8),
                               headerSetID: headerSetID * 2 + (stream ? 1 : 0))
    }

    /// Anthropic wants user and assistant turns to alternate: consecutive turns of one role are merged.
    static func alternating(_ messages: [ChatMessage]) -> [(role: String, content: String)] {
        var out: [(role: String, content: String)] = []
        for m in messages {
            if let last = out.last, last.role == m.role.rawValue {
                out[out.count - 1].content = last.content + "\n\n" + m.content
            } else {
                out.append((m.role.rawValue, m.content))
            }
        }
        return out
    }

    /// A stream decoder for this dialect.
    public func makeStreamDecoder() -> StreamDecoder { StreamDecoder(dialect: dialect) }
}

extension String {
    func trimmingTrailingSlashes() -> String {
        var s = Substring(self)
        while s.hasSuffix("/") { s.removeLast() }
        return String(s)
    }
}
