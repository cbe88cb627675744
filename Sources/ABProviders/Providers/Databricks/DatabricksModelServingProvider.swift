import ABCore

/// Another Databricks serving endpoint: `databricks_model_serving_config`, called at its `/invocations`.
struct DatabricksModelServingProvider: ProviderDescriptor {
    var id: Provider { "databricks-model-serving" }
    var configBlock: String { "databricks_model_serving_config" }
    var configKeys: [String] { ["databricks_workspace_url", "databricks_api_token", "databricks_api_token_plaintext"] }
    var apiKeyFields: (reference: String, plaintext: String)? {
        ("databricks_api_token", "databricks_api_token_plaintext")
    }
    var conventionalKeyVariables: [String] { ["DATABRICKS_TOKEN"] }
    var hasEmbeddings: Bool { true }

    func template(secretScope scope: String) -> (block: JSONObject, placeholders: String?) {
        (
            JSONObject([
                "databricks_workspace_url": "https://my-workspace.cloud.databricks.com",
                "databricks_api_token": .string("{{secrets/\(scope)/databricks_api_token}}"),
            ]), "databricks_workspace_url"
        )
    }

    func readSettings(_ block: ObjectReader, issues: inout ConfigIssues) -> (any ProviderSettings)? {
        let url = block.string(
            "databricks_workspace_url", issues: &issues,
            missingFix: "add \"databricks_workspace_url\": \"https://<workspace>.cloud.databricks.com\"")
        let token = readAPIKey(block, issues: &issues)
        guard let url else { return nil }
        guard EndpointConfigReader.isHTTPURL(url) else {
            issues.error(block.path.key("databricks_workspace_url"), "expected an http(s) URL, found \"\(url)\"")
            return nil
        }
        return DatabricksModelServingSettings(workspaceURL: url, apiToken: token)
    }
}

public struct DatabricksModelServingSettings: WireSettings, Equatable {
    public var workspaceURL: String
    public var apiToken: Credential

    public init(workspaceURL: String, apiToken: Credential) {
        self.workspaceURL = workspaceURL
        self.apiToken = apiToken
    }

    public var credentials: [Credential] { [apiToken] }

    public func baseURL(environment: [String: String]) -> String { workspaceURL }

    public func simulated(root: String, serviceAccountKey: () -> String) -> SimulatedSettings {
        OpenAISettings.simulated(root: root)
    }

    public func route(model: String, base: String, secrets: [SecretValue?]) -> WireRoute {
        let url = "\(base)/serving-endpoints/\(SigV4.uriEncode(model, keepSlash: false))/invocations"
        return WireRoute(
            dialect: .openAI, url: url, completionsURL: url, embeddingsURL: url, bodyModel: nil,
            authHeaders: secrets.header("Authorization", prefix: "Bearer "))
    }
}
