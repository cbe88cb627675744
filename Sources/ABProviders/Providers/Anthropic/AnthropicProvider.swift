import ABCore

/// Anthropic's Messages API: `anthropic_config`.
struct AnthropicProvider: ProviderDescriptor {
    var id: Provider { "anthropic" }
    var configBlock: String { "anthropic_config" }
    var configKeys: [String] { ["anthropic_api_key", "anthropic_api_key_plaintext"] }
    var apiKeyFields: (reference: String, plaintext: String)? { ("anthropic_api_key", "anthropic_api_key_plaintext") }
    var conventionalKeyVariables: [String] { ["ANTHROPIC_API_KEY"] }
    var prices: [String: Price] {
        [
            "claude-3-opus": Price(inputPerMillion: 15, outputPerMillion: 75),
            "claude-3-sonnet": Price(inputPerMillion: 3, outputPerMillion: 15),
            "claude-3-haiku": Price(inputPerMillion: 0.25, outputPerMillion: 1.25),
            "claude-3-5-sonnet": Price(inputPerMillion: 3, outputPerMillion: 15),
            "claude-3-5-haiku": Price(inputPerMillion: 0.8, outputPerMillion: 4),
            "claude-3-7-sonnet": Price(inputPerMillion: 3, outputPerMillion: 15),
            "claude-sonnet-4": Price(inputPerMillion: 3, outputPerMillion: 15),
            "claude-opus-4": Price(inputPerMillion: 15, outputPerMillion: 75),
        ]
    }

    func readSettings(_ block: ObjectReader, issues: inout ConfigIssues) -> (any ProviderSettings)? {
        AnthropicSettings(apiKey: readAPIKey(block, issues: &issues))
    }
}

public struct AnthropicSettings: WireSettings, Equatable {
    public var apiKey: Credential

    public init(apiKey: Credential) { self.apiKey = apiKey }

    /// Anthropic's API root, as its SDK has it (no `/v1`).
    public static let defaultBase = "https://api.anthropic.com"

    public var credentials: [Credential] { [apiKey] }

    public func baseURL(environment: [String: String]) -> String {
        environment.nonEmpty("ANTHROPIC_BASE_URL") ?? Self.defaultBase
    }

    public func simulated(root: String, serviceAccountKey: () -> String) -> SimulatedSettings {
        SimulatedSettings(
            settings: AnthropicSettings(apiKey: .standIn("sk-simulated")), baseURL: root, values: ["sk-simulated"])
    }

    public func route(model: String, base: String, secrets: [SecretValue?]) -> WireRoute {
        WireRoute(
            dialect: .anthropic, url: base + "/v1/messages", bodyModel: model,
            authHeaders: secrets.header("x-api-key") + [("anthropic-version", .plain(WireFormat.anthropicVersion))])
    }
}
