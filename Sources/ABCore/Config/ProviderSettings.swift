/// How to reach one served entity's provider, read from its `<provider>_config` block.
public enum ProviderSettings: Sendable, Equatable {
    case openai(OpenAISettings)
    case anthropic(AnthropicSettings)
    case custom(CustomProviderSettings)
    case databricksModelServing(DatabricksModelServingSettings)

    /// The credentials the entity needs, in the order they are sent.
    public var credentials: [Credential] {
        switch self {
        case .openai(let s): [s.apiKey]
        case .anthropic(let s): [s.apiKey]
        case .custom(let s):
            switch s.auth {
            case .apiKey(_, let value): [value]
            case .bearer(let token): [token]
            case .none: []
            }
        case .databricksModelServing(let s): [s.apiToken]
        }
    }
}

public struct OpenAISettings: Sendable, Equatable {
    public enum APIType: String, Sendable, CaseIterable {
        case openai
        case azure
        case azuread
    }

    public var apiKey: Credential
    public var apiBase: String?
    public var apiType: APIType
    public var apiVersion: String?
    public var deploymentName: String?
    public var organization: String?
}

public struct AnthropicSettings: Sendable, Equatable {
    public var apiKey: Credential
}

public struct CustomProviderSettings: Sendable, Equatable {
    public enum Auth: Sendable, Equatable {
        /// A header (`key`) carrying the value, e.g. `x-api-key`.
        case apiKey(header: String, value: Credential)
        case bearer(Credential)
        case none
    }

    public var url: String
    public var auth: Auth
}

public struct DatabricksModelServingSettings: Sendable, Equatable {
    public var workspaceURL: String
    public var apiToken: Credential
}
