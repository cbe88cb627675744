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
    let maxTokensField: StaticString
    let defaults: AbtopSettings.RequestDefaults
    /// Names this wire's two header sets (streaming or not) for the transport's cache.
    let headerSetID: Int
    private static let headerSets = Atomic<Int>(0)

    /// Anthropic requires `max_tokens`; this is sent when neither the request nor the config gives one.
    public static let anthropicDefaultMaxTokens = 1024
    public static let anthropicVersion = "2023-06-01"

    /// Whether `base` is OpenAI's own API (`api.openai.com`, regional `*.api.openai.com`), as opposed to another
    /// server speaking its wire.
    static func isOpenAIsOwnAPI(_ base: String) -> Bool {
        guard let schemeEnd = base.range(of: "://") else { return false }
        let host = base[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != ":" && $0 != "?" }.lowercased()
        return host == "api.openai.com" || host.hasSuffix(".openai.com")
    }

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
            url =
                "\(base)/openai/deployments/\(s.deploymentName ?? entity.model)/chat/completions"
                + "?api-version=\(s.apiVersion ?? "2024-06-01")"
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
            // OpenAI's own API takes max_completion_tokens (max_tokens is deprecated there); other OpenAI-compatible
            // servers (llama.cpp, vLLM, Ollama…) honour only max_tokens and ignore the newer field.
            maxTokensField = Self.isOpenAIsOwnAPI(base) ? "max_completion_tokens" : "max_tokens"
        case .anthropic:
            dialect = .anthropic
            url = base + "/v1/messages"
            bodyModel = entity.model
            authHeaders =
                (secrets.first.flatMap { $0 }.map { [("x-api-key", .secret(prefix: "", $0))] } ?? [])
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
        var out = JSONBytes(capacity: 256 + chat.characterCount)
        var first = true
        /// Opens a member: the comma, the quoted key and the colon.
        func key(_ name: StaticString) {
            out.raw(first ? "{" : ",")
            first = false
            out.raw("\"")
            out.raw(name)
            out.raw("\":")
        }
        func messages(_ list: [(role: String, content: String)]) {
            key("messages")
            out.raw("[")
            for (i, m) in list.enumerated() {
                out.raw(i == 0 ? "{\"role\":" : ",{\"role\":")
                out.string(m.role)
                out.raw(",\"content\":")
                out.string(m.content)
                out.raw("}")
            }
            out.raw("]")
        }
        if let bodyModel {
            key("model")
            out.string(bodyModel)
        }
        let stream = chat.stream
        let maxTokens = chat.maxTokens ?? defaults.maxTokens
        switch dialect {
        case .openAI:
            messages(chat.messages.map { ($0.role.rawValue, $0.content) })
            key(maxTokensField)
            out.int(maxTokens)
        case .anthropic:
            let system = chat.messages.filter { $0.role == .system }.map(\.content)
            if !system.isEmpty {
                key("system")
                out.string(system.joined(separator: "\n\n"))
            }
            messages(Self.alternating(chat.messages.filter { $0.role != .system }))
            key("max_tokens")
            out.int(maxTokens)
        }
        key("stream")
        out.bool(stream)
        if stream && dialect == .openAI {
            key("stream_options")
            out.raw("{\"include_usage\":true}")
        }
        if let temperature = chat.temperature ?? defaults.temperature {
            key("temperature")
            out.number(JSONNumber(temperature))
        }
        if let topP = chat.topP {
            key("top_p")
            out.number(JSONNumber(topP))
        }
        if dialect == .openAI {
            for member in chat.openAIExtras.members where !Self.ownKeys.contains(member.key) {
                out.raw(",")
                out.string(member.key)
                out.raw(":")
                out.value(member.value)
            }
        }
        if !chat.stop.isEmpty {
            if dialect == .openAI { key("stop") } else { key("stop_sequences") }
            out.raw("[")
            for (i, s) in chat.stop.enumerated() {
                if i > 0 { out.raw(",") }
                out.string(s)
            }
            out.raw("]")
        }
        out.raw("}")
        var headers: [(name: String, value: HTTPRequestSpec.HeaderValue)] = [
            ("Content-Type", .plain("application/json"))
        ]
        headers.append(("Accept", .plain(stream ? "text/event-stream" : "application/json")))
        headers += authHeaders
        return HTTPRequestSpec(
            url: url, headers: headers, body: out.bytes, headerSetID: headerSetID * 2 + (stream ? 1 : 0))
    }

    /// The members `request` writes itself; a caller's extras cannot replace them.
    static let ownKeys: Set<String> = [
        "model", "messages", "system", "max_tokens", "max_completion_tokens", "stream",
        "stream_options", "temperature", "top_p", "stop", "stop_sequences",
    ]

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
    public func makeStreamDecoder(limits: AbtopSettings.Limits = .init()) -> StreamDecoder {
        StreamDecoder(dialect: dialect, limits: limits)
    }
}

extension String {
    func trimmingTrailingSlashes() -> String {
        var s = Substring(self)
        while s.hasSuffix("/") { s.removeLast() }
        return String(s)
    }
}
