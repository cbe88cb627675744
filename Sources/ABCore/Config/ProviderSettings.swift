/// How to reach one served entity's provider, read from its `<provider>_config` block.
public enum ProviderSettings: Sendable, Equatable {
    case openai(OpenAISettings)
    case anthropic(AnthropicSettings)
    case custom(CustomProviderSettings)
    case databricksModelServing(DatabricksModelServingSettings)
    case cohere(CohereSettings)
    case amazonBedrock(AmazonBedrockSettings)
    case googleCloudVertexAI(VertexAISettings)

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
        case .cohere(let s): [s.apiKey]
        case .amazonBedrock(let s): [s.accessKeyID, s.secretAccessKey]
        case .googleCloudVertexAI(let s): [s.privateKey]
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

public struct CohereSettings: Sendable, Equatable {
    public var apiKey: Credential
    /// `cohere_api_base`: another Cohere-compatible root (the default is `https://api.cohere.com`).
    public var apiBase: String?
}

/// `amazon_bedrock_config`: a region, AWS credentials, and which model family's request shape the model takes.
public struct AmazonBedrockSettings: Sendable, Equatable {
    /// `bedrock_provider`: the family behind the model id, as Databricks names them.
    public enum ModelFamily: String, Sendable, CaseIterable {
        case anthropic
        case cohere
        case ai21labs
        case amazon
        case grok
    }

    public var region: String
    /// `aws_access_key_id` and `aws_secret_access_key` (else `$AWS_ACCESS_KEY_ID` / `$AWS_SECRET_ACCESS_KEY`, as the
    /// AWS SDKs read them): every request is signed with AWS Signature V4.
    public var accessKeyID: Credential
    public var secretAccessKey: Credential
    /// `instance_profile_arn`: Databricks assumes that role; abtop, outside Databricks, signs with the keys above
    /// (taken from the environment when the config names none).
    public var instanceProfileARN: String?
    public var family: ModelFamily
}

/// `google_cloud_vertex_ai_config`: the service account's key is exchanged for an OAuth access token.
public struct VertexAISettings: Sendable, Equatable {
    public var projectID: String
    public var region: String
    /// The service account's JSON key file (its `client_email`, `private_key` and `token_uri` sign and send the
    /// token request).
    public var privateKey: Credential
}
