import ABCore

/// OpenAI, and Azure OpenAI through `openai_api_type: "azure"`: `openai_config`.
struct OpenAIProvider: ProviderDescriptor {
    var id: Provider { "openai" }
    var configBlock: String { "openai_config" }
    var configKeys: [String] {
        [
            "openai_api_key", "openai_api_key_plaintext", "openai_api_base", "openai_api_type", "openai_api_version",
            "openai_deployment_name", "openai_organization", "microsoft_entra_client_id",
            "microsoft_entra_client_secret", "microsoft_entra_client_secret_plaintext", "microsoft_entra_tenant_id",
        ]
    }
    var apiKeyFields: (reference: String, plaintext: String)? { ("openai_api_key", "openai_api_key_plaintext") }
    var conventionalKeyVariables: [String] { ["OPENAI_API_KEY"] }
    var hasEmbeddings: Bool { true }
    var prices: [String: Price] {
        [
            "gpt-4": Price(inputPerMillion: 30, outputPerMillion: 60),
            "gpt-4-32k": Price(inputPerMillion: 60, outputPerMillion: 120),
            "gpt-4-turbo": Price(inputPerMillion: 10, outputPerMillion: 30),
            "gpt-4o": Price(inputPerMillion: 2.5, outputPerMillion: 10),
            "gpt-4o-mini": Price(inputPerMillion: 0.15, outputPerMillion: 0.6),
            "gpt-4.1": Price(inputPerMillion: 2, outputPerMillion: 8),
            "gpt-4.1-mini": Price(inputPerMillion: 0.4, outputPerMillion: 1.6),
            "gpt-4.1-nano": Price(inputPerMillion: 0.1, outputPerMillion: 0.4),
            "gpt-3.5-turbo": Price(inputPerMillion: 0.5, outputPerMillion: 1.5),
            "o1": Price(inputPerMillion: 15, outputPerMillion: 60),
            "o3-mini": Price(inputPerMillion: 1.1, outputPerMillion: 4.4),
            // Embeddings (input only).
            "text-embedding-3-small": Price(inputPerMillion: 0.02, outputPerMillion: 0),
            "text-embedding-3-large": Price(inputPerMillion: 0.13, outputPerMillion: 0),
            "text-embedding-ada-002": Price(inputPerMillion: 0.1, outputPerMillion: 0),
        ]
    }

    func readSettings(_ block: ObjectReader, issues: inout ConfigIssues) -> (any ProviderSettings)? {
        let apiKey = readAPIKey(block, issues: &issues)
        var apiType = OpenAISettings.APIType.openai
        if let raw = block.string("openai_api_type", issues: &issues) {
            if let t = OpenAISettings.APIType(rawValue: raw.lowercased()) {
                apiType = t
            } else {
                issues.error(
                    block.path.key("openai_api_type"), "unknown API type \"\(raw)\"",
                    fix: "allowed: \(OpenAISettings.APIType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        for key in block.object.keys where key.hasPrefix("microsoft_entra_") {
            issues.error(
                block.path.key(key), "Microsoft Entra ID sign-in is not supported yet",
                fix: "use an Azure OpenAI API key: \"openai_api_type\": \"azure\" with \"openai_api_key\"")
        }
        if apiType == .azuread {
            issues.error(
                block.path.key("openai_api_type"), "\"azuread\" (Entra ID) is not supported yet",
                fix: "use \"azure\" with an API key")
        }
        let base = block.string(
            "openai_api_base", issues: &issues,
            missingFix: apiType == .azure ? "add \"openai_api_base\": \"https://<resource>.openai.azure.com\"" : nil)
        if let base, !EndpointConfigReader.isHTTPURL(base) {
            issues.error(block.path.key("openai_api_base"), "expected an http(s) URL, found \"\(base)\"")
        }
        let version = block.string(
            "openai_api_version", issues: &issues,
            missingFix: apiType == .azure ? "add \"openai_api_version\": \"2024-06-01\"" : nil)
        let deployment = block.string(
            "openai_deployment_name", issues: &issues,
            missingFix: apiType == .azure ? "add \"openai_deployment_name\": \"<your deployment>\"" : nil)
        var organization = block.string("openai_organization", issues: &issues)
        if let org = organization, !HTTPFieldSyntax.isFieldValue(org) {
            issues.error(
                block.path.key("openai_organization"),
                "holds characters an HTTP header cannot carry (a line break or a control character)",
                fix: "write the organization id alone, e.g. \"org-...\"")
            organization = nil
        }
        for (key, value) in [("openai_api_version", version), ("openai_deployment_name", deployment)] {
            if let value, !EndpointConfigReader.isURLSegment(value) {
                issues.error(
                    block.path.key(key), "may hold only letters, digits, '.', '-' and '_' (it goes into the URL)")
            }
        }
        return OpenAISettings(
            apiKey: apiKey, apiBase: base, apiType: apiType, apiVersion: version,
            deploymentName: deployment, organization: organization)
    }
}

public struct OpenAISettings: WireSettings, Equatable {
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

    public init(
        apiKey: Credential, apiBase: String?, apiType: APIType, apiVersion: String?, deploymentName: String?,
        organization: String?
    ) {
        self.apiKey = apiKey
        self.apiBase = apiBase
        self.apiType = apiType
        self.apiVersion = apiVersion
        self.deploymentName = deploymentName
        self.organization = organization
    }

    /// OpenAI's API root, as its SDK has it.
    public static let defaultBase = "https://api.openai.com/v1"

    public var credentials: [Credential] { [apiKey] }

    public func baseURL(environment: [String: String]) -> String {
        apiBase ?? environment.nonEmpty("OPENAI_BASE_URL") ?? Self.defaultBase
    }

    public func simulated(root: String, serviceAccountKey: () -> String) -> SimulatedSettings {
        Self.simulated(root: root)
    }

    /// The simulated OpenAI-wire provider at `root`: also what Azure, custom and Databricks entities are answered
    /// by.
    static func simulated(root: String) -> SimulatedSettings {
        SimulatedSettings(
            settings: OpenAISettings(
                apiKey: .standIn("sk-simulated"), apiBase: root + "/v1", apiType: .openai, apiVersion: nil,
                deploymentName: nil, organization: nil),
            baseURL: root + "/v1", values: ["sk-simulated"])
    }

    /// Whether `base` is OpenAI's own API (`api.openai.com`, regional `*.api.openai.com`), as opposed to another
    /// server speaking its wire.
    static func isOpenAIsOwnAPI(_ base: String) -> Bool {
        guard let schemeEnd = base.range(of: "://") else { return false }
        let host = base[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != ":" && $0 != "?" }.lowercased()
        return host == "api.openai.com" || host.hasSuffix(".openai.com")
    }

    public func route(model: String, base: String, secrets: [SecretValue?]) -> WireRoute {
        if apiType == .azure {
            // Names from the config go into the URL as one encoded segment each: a `/`, `?` or `#` in them cannot
            // reach another path or add a query.
            let name = SigV4.uriEncode(deploymentName ?? model, keepSlash: false)
            let deployment = "\(base)/openai/deployments/\(name)"
            let version = "?api-version=\(SigV4.uriEncode(apiVersion ?? "2024-06-01", keepSlash: false))"
            return WireRoute(
                dialect: .openAI, url: deployment + "/chat/completions" + version,
                completionsURL: deployment + "/completions" + version,
                embeddingsURL: deployment + "/embeddings" + version, bodyModel: nil,
                authHeaders: secrets.header("api-key"))
        }
        var headers = secrets.header("Authorization", prefix: "Bearer ")
        if let organization { headers.append(("OpenAI-Organization", .plain(organization))) }
        // OpenAI's own API takes max_completion_tokens (max_tokens is deprecated there); other OpenAI-compatible
        // servers (llama.cpp, vLLM, Ollama…) honour only max_tokens and ignore the newer field.
        return WireRoute(
            dialect: .openAI, url: base + "/chat/completions", completionsURL: base + "/completions",
            embeddingsURL: base + "/embeddings", bodyModel: model, authHeaders: headers,
            maxTokensField: Self.isOpenAIsOwnAPI(base) ? "max_completion_tokens" : "max_tokens")
    }
}
