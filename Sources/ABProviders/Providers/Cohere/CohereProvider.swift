import ABCore

/// Cohere's chat API v2: `cohere_config`.
struct CohereProvider: ProviderDescriptor {
    var id: Provider { "cohere" }
    var configBlock: String { "cohere_config" }
    var configKeys: [String] { ["cohere_api_key", "cohere_api_key_plaintext", "cohere_api_base"] }
    var apiKeyFields: (reference: String, plaintext: String)? { ("cohere_api_key", "cohere_api_key_plaintext") }
    var conventionalKeyVariables: [String] { ["CO_API_KEY"] }
    var hasEmbeddings: Bool { true }
    var prices: [String: Price] {
        [
            "command-r": Price(inputPerMillion: 0.15, outputPerMillion: 0.6),
            "command-r-plus": Price(inputPerMillion: 2.5, outputPerMillion: 10),
            "command-r7b": Price(inputPerMillion: 0.0375, outputPerMillion: 0.15),
            "command-a": Price(inputPerMillion: 2.5, outputPerMillion: 10),
            "embed-english-v3.0": Price(inputPerMillion: 0.1, outputPerMillion: 0),
            "embed-multilingual-v3.0": Price(inputPerMillion: 0.1, outputPerMillion: 0),
        ]
    }

    func readSettings(_ block: ObjectReader, issues: inout ConfigIssues) -> (any ProviderSettings)? {
        let key = readAPIKey(block, issues: &issues)
        let base = block.string("cohere_api_base", issues: &issues)
        if let base, !EndpointConfigReader.isHTTPURL(base) {
            issues.error(
                block.path.key("cohere_api_base"), "expected an http(s) URL, found \"\(base)\"",
                fix: "e.g. \"https://api.cohere.com\" (without /v2: abtop adds the API's path)")
        }
        return CohereSettings(apiKey: key, apiBase: base)
    }
}

public struct CohereSettings: WireSettings, Equatable {
    public var apiKey: Credential
    /// `cohere_api_base`: another Cohere-compatible root (the default is `https://api.cohere.com`).
    public var apiBase: String?

    public init(apiKey: Credential, apiBase: String?) {
        self.apiKey = apiKey
        self.apiBase = apiBase
    }

    public static let defaultBase = "https://api.cohere.com"

    public var credentials: [Credential] { [apiKey] }

    public func baseURL(environment: [String: String]) -> String {
        apiBase ?? environment.nonEmpty("CO_API_URL") ?? Self.defaultBase
    }

    public func simulated(root: String, serviceAccountKey: () -> String) -> SimulatedSettings {
        SimulatedSettings(
            settings: CohereSettings(apiKey: .standIn("sk-simulated"), apiBase: root), baseURL: root,
            values: ["sk-simulated"])
    }

    public func route(model: String, base: String, secrets: [SecretValue?]) -> WireRoute {
        WireRoute(
            dialect: .cohere, url: base + "/v2/chat", embeddingsURL: base + "/v2/embed", bodyModel: model,
            authHeaders: secrets.header("Authorization", prefix: "Bearer "))
    }
}
