import ABCore

/// Gemini on Vertex AI, authenticated by a service account's OAuth token: `google_cloud_vertex_ai_config`.
struct VertexAIProvider: ProviderDescriptor {
    var id: Provider { "google-cloud-vertex-ai" }
    var configBlock: String { "google_cloud_vertex_ai_config" }
    var configKeys: [String] { ["private_key", "private_key_plaintext", "project_id", "region"] }
    var hasEmbeddings: Bool { true }

    func template(secretScope scope: String) -> (block: JSONObject, placeholders: String?) {
        (
            JSONObject([
                "project_id": "my-gcp-project", "region": "us-central1",
                "private_key": .string("{{secrets/\(scope)/private_key}}"),
            ]), "project_id and region"
        )
    }
    /// Google's list prices (the prompt sizes abtop sends are under the long-context tier).
    var prices: [String: Price] {
        [
            "gemini-1.5-pro": Price(inputPerMillion: 1.25, outputPerMillion: 5),
            "gemini-1.5-flash": Price(inputPerMillion: 0.075, outputPerMillion: 0.3),
            "gemini-2.0-flash": Price(inputPerMillion: 0.1, outputPerMillion: 0.4),
            "gemini-2.0-flash-lite": Price(inputPerMillion: 0.075, outputPerMillion: 0.3),
            "gemini-2.5-pro": Price(inputPerMillion: 1.25, outputPerMillion: 10),
            "gemini-2.5-flash": Price(inputPerMillion: 0.3, outputPerMillion: 2.5),
        ]
    }

    func readSettings(_ block: ObjectReader, issues: inout ConfigIssues) -> (any ProviderSettings)? {
        let project = block.string(
            "project_id", issues: &issues, missingFix: "add \"project_id\": \"<your Google Cloud project id>\"")
        if let project, !EndpointConfigReader.isURLSegment(project) || project.isEmpty {
            issues.error(
                block.path.key("project_id"),
                "a project id holds only letters, digits, '-' and '.' (it goes into the URL)",
                fix: "use the id (e.g. \"my-project-123\"), not the project's display name")
        }
        let region = EndpointConfigReader.readRegion(block, key: "region", example: "us-central1", issues: &issues)
        if !block.has("private_key"), !block.has("private_key_plaintext") {
            issues.error(
                block.path.key("private_key"), "missing the service account's key",
                fix: "add \"private_key\": \"{{secrets/<scope>/<key>}}\" holding the service account's JSON key file")
        }
        let key = EndpointConfigReader.readCredential(
            block, reference: "private_key", plaintext: "private_key_plaintext", conventional: [],
            kind: .serviceAccountKey, issues: &issues)
        guard let project, let region else { return nil }
        return VertexAISettings(projectID: project, region: region, privateKey: key)
    }
}

/// `google_cloud_vertex_ai_config`: the service account's key is exchanged for an OAuth access token.
public struct VertexAISettings: WireSettings, Equatable {
    public var projectID: String
    public var region: String
    /// The service account's JSON key file (its `client_email`, `private_key` and `token_uri` sign and send the
    /// token request).
    public var privateKey: Credential

    public init(projectID: String, region: String, privateKey: Credential) {
        self.projectID = projectID
        self.region = region
        self.privateKey = privateKey
    }

    public var credentials: [Credential] { [privateKey] }

    public func baseURL(environment: [String: String]) -> String {
        // The global location has a host of its own (some models are served only there).
        region == "global" ? "https://aiplatform.googleapis.com" : "https://\(region)-aiplatform.googleapis.com"
    }

    public func simulated(root: String, serviceAccountKey: () -> String) -> SimulatedSettings {
        let key = serviceAccountKey()
        var s = self
        s.privateKey = .standIn(key, kind: .serviceAccountKey)
        return SimulatedSettings(settings: s, baseURL: root, values: [key])
    }

    public func route(model: String, base: String, secrets: [SecretValue?]) -> WireRoute {
        let root =
            "\(base)/v1/projects/\(projectID)/locations/\(region)/publishers/google/models/"
            + SigV4.uriEncode(model, keepSlash: false)
        var route = WireRoute(
            dialect: .gemini, url: root + ":generateContent", streamURL: root + ":streamGenerateContent?alt=sse",
            embeddingsURL: root + ":predict", bodyModel: nil, maxTokensField: "maxOutputTokens")
        if let text = secrets.first.flatMap({ $0 }),
            case .success(let key) = ServiceAccountKey.parse(text.exposedForTransport())
        {
            route.signing = .googleOAuth(key)
        }
        return route
    }
}
