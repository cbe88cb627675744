import ABCore

/// Any OpenAI-compatible server: `custom_provider_config`, with an API-key header or a bearer token.
struct CustomProvider: ProviderDescriptor {
    var id: Provider { "custom" }
    var configBlock: String { "custom_provider_config" }
    var configKeys: [String] { ["custom_provider_url", "api_key_auth", "bearer_token_auth"] }
    var hasEmbeddings: Bool { true }
    var substituteHint: String? { "an OpenAI-compatible server works as \"custom\"" }

    func template(secretScope scope: String) -> (block: JSONObject, placeholders: String?) {
        (
            JSONObject([
                "custom_provider_url": "http://127.0.0.1:8000/v1",
                "bearer_token_auth": .object(JSONObject(["token": .string("{{secrets/\(scope)/token}}")])),
            ]), "custom_provider_url"
        )
    }

    func readSettings(_ block: ObjectReader, issues: inout ConfigIssues) -> (any ProviderSettings)? {
        let url = block.string(
            "custom_provider_url", issues: &issues,
            missingFix: "add \"custom_provider_url\": \"http://127.0.0.1:8000/v1\"")
        if let url, !EndpointConfigReader.isHTTPURL(url) {
            issues.error(block.path.key("custom_provider_url"), "expected an http(s) URL, found \"\(url)\"")
        }
        var auth = CustomProviderSettings.Auth.none
        if block.has("api_key_auth") && block.has("bearer_token_auth") {
            issues.error(block.path, "both \"api_key_auth\" and \"bearer_token_auth\" are given", fix: "keep one")
        }
        if let a = block.object("api_key_auth", known: ["key", "value", "value_plaintext"], issues: &issues) {
            a.finish(issues: &issues)
            let header = a.string(
                "key", issues: &issues, missingFix: "add the header name, e.g. \"key\": \"x-api-key\"")
            let value = EndpointConfigReader.requiredCredential(
                a, reference: "value", plaintext: "value_plaintext", missing: "missing the key's value", issues: &issues
            )
            if let header, !HTTPFieldSyntax.isToken(header) {
                issues.error(
                    a.path.key("key"),
                    "not a valid header name: letters, digits and !#$%&'*+-.^_`|~ only "
                        + "(no spaces, colons or line breaks)",
                    fix: "e.g. \"x-api-key\"")
            } else if let header, HTTPFieldSyntax.reservedNames.contains(header.lowercased()) {
                issues.error(
                    a.path.key("key"), "\"\(header)\" describes the request itself and cannot carry a key",
                    fix: "use the header the server reads the key from, e.g. \"x-api-key\"")
            } else if let header {
                auth = .apiKey(header: header, value: value)
            }
        } else if let b = block.object("bearer_token_auth", known: ["token", "token_plaintext"], issues: &issues) {
            b.finish(issues: &issues)
            let token = EndpointConfigReader.requiredCredential(
                b, reference: "token", plaintext: "token_plaintext", missing: "missing the token", issues: &issues)
            auth = .bearer(token)
        }
        guard let url else { return nil }
        return CustomProviderSettings(url: url, auth: auth)
    }
}

public struct CustomProviderSettings: WireSettings, Equatable {
    public enum Auth: Sendable, Equatable {
        /// A header (`key`) carrying the value, e.g. `x-api-key`.
        case apiKey(header: String, value: Credential)
        case bearer(Credential)
        case none
    }

    public var url: String
    public var auth: Auth

    public init(url: String, auth: Auth) {
        self.url = url
        self.auth = auth
    }

    public var credentials: [Credential] {
        switch auth {
        case .apiKey(_, let value): [value]
        case .bearer(let token): [token]
        case .none: []
        }
    }

    public func baseURL(environment: [String: String]) -> String { url }

    public func simulated(root: String, serviceAccountKey: () -> String) -> SimulatedSettings {
        OpenAISettings.simulated(root: root)
    }

    public func route(model: String, base: String, secrets: [SecretValue?]) -> WireRoute {
        let root = base.hasSuffix("/chat/completions") ? String(base.dropLast("/chat/completions".count)) : base
        let headers: [(name: String, value: HTTPRequestSpec.HeaderValue)] =
            switch auth {
            case .apiKey(let header, _): secrets.header(header)
            case .bearer: secrets.header("Authorization", prefix: "Bearer ")
            case .none: []
            }
        return WireRoute(
            dialect: .openAI, url: root + "/chat/completions", completionsURL: root + "/completions",
            embeddingsURL: root + "/embeddings", bodyModel: model, authHeaders: headers)
    }
}
