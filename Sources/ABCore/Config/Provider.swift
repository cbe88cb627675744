/// An external model provider, by Databricks' name for it.
public enum Provider: String, Sendable, CaseIterable, Codable {
    case openai
    case anthropic
    case custom
    case databricksModelServing = "databricks-model-serving"
    case cohere
    case amazonBedrock = "amazon-bedrock"
    case googleCloudVertexAI = "google-cloud-vertex-ai"
    case ai21labs
    case palm

    /// Providers abtop can send to today; the others parse but are refused with "not supported yet".
    public var isSupported: Bool {
        switch self {
        case .openai, .anthropic, .custom, .databricksModelServing, .cohere, .amazonBedrock, .googleCloudVertexAI: true
        case .ai21labs, .palm: false
        }
    }

    /// The name of the provider's config block inside `external_model`.
    public var configBlock: String {
        switch self {
        case .openai: "openai_config"
        case .anthropic: "anthropic_config"
        case .custom: "custom_provider_config"
        case .databricksModelServing: "databricks_model_serving_config"
        case .cohere: "cohere_config"
        case .amazonBedrock: "amazon_bedrock_config"
        case .googleCloudVertexAI: "google_cloud_vertex_ai_config"
        case .ai21labs: "ai21labs_config"
        case .palm: "palm_config"
        }
    }

    /// The keys Databricks defines for this provider's block (all of them, so misplaced keys can be recognised).
    public var configKeys: [String] {
        switch self {
        case .openai:
            [
                "openai_api_key", "openai_api_key_plaintext", "openai_api_base", "openai_api_type",
                "openai_api_version",
                "openai_deployment_name", "openai_organization", "microsoft_entra_client_id",
                "microsoft_entra_client_secret", "microsoft_entra_client_secret_plaintext", "microsoft_entra_tenant_id",
            ]
        case .anthropic: ["anthropic_api_key", "anthropic_api_key_plaintext"]
        case .custom: ["custom_provider_url", "api_key_auth", "bearer_token_auth"]
        case .databricksModelServing:
            ["databricks_workspace_url", "databricks_api_token", "databricks_api_token_plaintext"]
        case .cohere: ["cohere_api_key", "cohere_api_key_plaintext", "cohere_api_base"]
        case .amazonBedrock:
            [
                "aws_region", "aws_access_key_id", "aws_access_key_id_plaintext", "aws_secret_access_key",
                "aws_secret_access_key_plaintext", "bedrock_provider", "instance_profile_arn",
            ]
        case .googleCloudVertexAI: ["private_key", "private_key_plaintext", "project_id", "region"]
        case .ai21labs: ["ai21labs_api_key", "ai21labs_api_key_plaintext"]
        case .palm: ["palm_api_key", "palm_api_key_plaintext"]
        }
    }

    /// The block's API-key field (a secret reference) and its `_plaintext` twin, where the provider has one.
    public var apiKeyFields: (reference: String, plaintext: String)? {
        switch self {
        case .openai: ("openai_api_key", "openai_api_key_plaintext")
        case .anthropic: ("anthropic_api_key", "anthropic_api_key_plaintext")
        case .databricksModelServing: ("databricks_api_token", "databricks_api_token_plaintext")
        case .cohere: ("cohere_api_key", "cohere_api_key_plaintext")
        case .ai21labs: ("ai21labs_api_key", "ai21labs_api_key_plaintext")
        case .palm: ("palm_api_key", "palm_api_key_plaintext")
        case .custom, .amazonBedrock, .googleCloudVertexAI: nil
        }
    }

    /// Environment variables the provider's own SDK reads its key from.
    public var conventionalKeyVariables: [String] {
        switch self {
        case .openai: ["OPENAI_API_KEY"]
        case .anthropic: ["ANTHROPIC_API_KEY"]
        case .databricksModelServing: ["DATABRICKS_TOKEN"]
        case .cohere: ["CO_API_KEY"]
        default: []
        }
    }

    /// The provider whose block is named `block`.
    public init?(configBlock block: String) {
        guard let p = Provider.allCases.first(where: { $0.configBlock == block }) else { return nil }
        self = p
    }
}
