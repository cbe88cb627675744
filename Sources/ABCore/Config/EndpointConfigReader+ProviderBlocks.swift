extension EndpointConfigReader {
    /// The entity's `<provider>_config` block: exactly one, matching the provider.
    static func readProviderBlock(
        _ model: ObjectReader, provider: Provider,
        issues: inout ConfigIssues
    ) -> ProviderSettings? {
        let blockName = provider.configBlock
        let others = model.object.keys.filter { key in
            key != blockName && Provider(configBlock: key) != nil
        }
        for other in others {
            if model.has(blockName) {
                issues.error(
                    model.path.key(other), "an entity takes one provider block; this one is \"\(provider.rawValue)\"",
                    fix: "remove \(other), or move it to a served entity of its own")
            } else {
                issues.error(
                    model.path.key(other), "the provider is \"\(provider.rawValue)\" but this block is \(other)",
                    fix:
                        "rename it to \(blockName), with \(blockName)'s keys: "
                        + "\(provider.configKeys.joined(separator: ", "))"
                )
            }
        }
        guard let value = model.value(blockName) else {
            if others.isEmpty {
                let keys = provider.configKeys.prefix(2).map { "\"\($0)\": ..." }.joined(separator: " or ")
                issues.error(
                    model.path.key(blockName), "missing \(blockName) for provider \"\(provider.rawValue)\"",
                    fix: "add \"\(blockName)\": {\(keys)}"
                )
            }
            return nil
        }
        guard
            let block = ObjectReader(
                value, at: model.path.key(blockName), known: provider.configKeys,
                issues: &issues)
        else { return nil }
        block.finish(issues: &issues) { misplacedKeyHint($0, in: provider) }
        switch provider {
        case .openai: return readOpenAI(block, issues: &issues).map(ProviderSettings.openai)
        case .anthropic:
            return .anthropic(AnthropicSettings(apiKey: readAPIKey(block, provider: provider, issues: &issues)))
        case .custom: return readCustom(block, issues: &issues).map(ProviderSettings.custom)
        case .databricksModelServing:
            let url = block.string(
                "databricks_workspace_url", issues: &issues,
                missingFix: "add \"databricks_workspace_url\": \"https://<workspace>.cloud.databricks.com\"")
            let token = readAPIKey(block, provider: provider, issues: &issues)
            guard let url else { return nil }
            guard isHTTPURL(url) else {
                issues.error(block.path.key("databricks_workspace_url"), "expected an http(s) URL, found \"\(url)\"")
                return nil
            }
            return .databricksModelServing(DatabricksModelServingSettings(workspaceURL: url, apiToken: token))
        case .cohere:
            let key = readAPIKey(block, provider: provider, issues: &issues)
            let base = block.string("cohere_api_base", issues: &issues)
            if let base, !isHTTPURL(base) {
                issues.error(
                    block.path.key("cohere_api_base"), "expected an http(s) URL, found \"\(base)\"",
                    fix: "e.g. \"https://api.cohere.com\" (without /v2: abtop adds the API's path)")
            }
            return .cohere(CohereSettings(apiKey: key, apiBase: base))
        case .amazonBedrock: return readBedrock(block, issues: &issues).map(ProviderSettings.amazonBedrock)
        case .googleCloudVertexAI: return readVertex(block, issues: &issues).map(ProviderSettings.googleCloudVertexAI)
        case .ai21labs, .palm: return nil
        }
    }

    /// A key from another provider's block: say where it belongs and what this block calls it.
    static func misplacedKeyHint(_ key: String, in provider: Provider) -> (message: String, fix: String)? {
        guard let owner = Provider.allCases.first(where: { $0 != provider && $0.configKeys.contains(key) }) else {
            return nil
        }
        let message = "\"\(key)\" is a key of \(owner.configBlock), not of \(provider.configBlock)"
        if let ours = provider.apiKeyFields, let theirs = owner.apiKeyFields {
            if key == theirs.reference {
                return (
                    message,
                    "rename it to \"\(ours.reference)\"; "
                        + "its value, a {{secrets/<scope>/<key>}} reference, stays as it is"
                )
            }
            if key == theirs.plaintext {
                return (message, "rename it to \"\(ours.plaintext)\"")
            }
        }
        return (message, "\(provider.configBlock) takes: \(provider.configKeys.joined(separator: ", "))")
    }

    /// The provider's API key: a `{{secrets/…}}` reference, or the `_plaintext` twin, or (neither) the
    /// provider's conventional variable.
    static func readAPIKey(_ block: ObjectReader, provider: Provider, issues: inout ConfigIssues) -> Credential {
        let fields = provider.apiKeyFields!
        return readCredential(
            block, reference: fields.reference, plaintext: fields.plaintext,
            conventional: provider.conventionalKeyVariables, issues: &issues)
    }

    /// Reads a credential pair. Messages never quote the value: it may be a real key pasted in the wrong field.
    /// A credential with no conventional environment variable: giving neither field is an error at `reference`.
    static func requiredCredential(
        _ block: ObjectReader, reference: String, plaintext: String, missing: String, issues: inout ConfigIssues
    ) -> Credential {
        if !block.has(reference), !block.has(plaintext) {
            issues.error(
                block.path.key(reference), missing,
                fix: "add \"\(reference)\": \"{{secrets/<scope>/<key>}}\" or \"\(plaintext)\"")
        }
        return readCredential(block, reference: reference, plaintext: plaintext, conventional: [], issues: &issues)
    }

    static func readCredential(
        _ block: ObjectReader, reference: String, plaintext: String, conventional: [String],
        kind: Credential.Kind = .headerValue, issues: inout ConfigIssues
    ) -> Credential {
        let refPath = block.path.key(reference)
        let plainPath = block.path.key(plaintext)
        let fallback = Credential(
            source: .conventional, field: refPath, conventionalVariables: conventional, kind: kind)
        switch (block.value(reference), block.value(plaintext)) {
        case (nil, nil):
            return fallback
        case (.some, .some):
            issues.error(
                block.path, "both \"\(reference)\" and \"\(plaintext)\" are given",
                fix: "keep one: \"\(reference)\" (a {{secrets/<scope>/<key>}} reference) is the safer")
            return fallback
        case (.some(let value), nil):
            guard case .string(let text) = value else {
                issues.error(refPath, "expected a secret reference string, found \(value.kindDescription)")
                return fallback
            }
            guard let ref = SecretReference(parsing: text) else {
                if SecretReference.looksLikeReference(text) {
                    issues.error(
                        refPath, "malformed secret reference",
                        fix: "write it as {{secrets/<scope>/<key>}} (letters, digits, '-', '_', '.')")
                } else {
                    issues.error(
                        refPath,
                        "expected a secret reference {{secrets/<scope>/<key>}}, found a literal value (not shown)",
                        fix:
                            "to give the key itself, use \"\(plaintext)\"; "
                            + "better, keep it in --secrets FILE or $ABTOP_SECRET_<SCOPE>_<KEY> and reference it"
                    )
                }
                return fallback
            }
            return Credential(
                source: .reference(ref), field: refPath, conventionalVariables: conventional, kind: kind)
        case (nil, .some(let value)):
            guard case .string(let text) = value, !text.isEmpty else {
                issues.error(plainPath, "expected the key as a non-empty string, found \(value.kindDescription)")
                return fallback
            }
            if SecretReference(parsing: text) != nil {
                issues.error(
                    plainPath, "a {{secrets/…}} reference in a _plaintext field would be sent as it is",
                    fix: "move it to \"\(reference)\"")
                return fallback
            }
            switch kind {
            case .headerValue:
                guard HTTPFieldSyntax.isFieldValue(text) else {
                    issues.error(
                        plainPath,
                        "the value holds characters an HTTP header cannot carry "
                            + "(a line break, a control character, or spaces at an end); not shown",
                        fix: "paste the key alone, with nothing around it")
                    return fallback
                }
            case .serviceAccountKey:
                if let problem = ServiceAccountKey.problem(in: text) {
                    issues.error(plainPath, problem, fix: ServiceAccountKey.fix)
                    return fallback
                }
            }
            return Credential(
                source: .plaintext(SecretValue(text)), field: plainPath,
                conventionalVariables: conventional, kind: kind)
        }
    }

    private static func readOpenAI(_ block: ObjectReader, issues: inout ConfigIssues) -> OpenAISettings? {
        let apiKey = readAPIKey(block, provider: .openai, issues: &issues)
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
        if let base, !isHTTPURL(base) {
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
            if let value, !isURLSegment(value) {
                issues.error(
                    block.path.key(key), "may hold only letters, digits, '.', '-' and '_' (it goes into the URL)")
            }
        }
        return OpenAISettings(
            apiKey: apiKey, apiBase: base, apiType: apiType, apiVersion: version,
            deploymentName: deployment, organization: organization)
    }

    private static func readCustom(_ block: ObjectReader, issues: inout ConfigIssues) -> CustomProviderSettings? {
        let url = block.string(
            "custom_provider_url", issues: &issues,
            missingFix: "add \"custom_provider_url\": \"http://127.0.0.1:8000/v1\"")
        if let url, !isHTTPURL(url) {
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
            let value = requiredCredential(
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
            let token = requiredCredential(
                b, reference: "token", plaintext: "token_plaintext", missing: "missing the token", issues: &issues)
            auth = .bearer(token)
        }
        guard let url else { return nil }
        return CustomProviderSettings(url: url, auth: auth)
    }

    private static func readBedrock(_ block: ObjectReader, issues: inout ConfigIssues) -> AmazonBedrockSettings? {
        let region = readRegion(block, key: "aws_region", example: "us-east-1", issues: &issues)
        let arn = block.string("instance_profile_arn", issues: &issues)
        let hasKeys = [
            "aws_access_key_id", "aws_access_key_id_plaintext", "aws_secret_access_key",
            "aws_secret_access_key_plaintext",
        ].contains { block.has($0) }
        if let arn {
            if hasKeys {
                issues.error(
                    block.path, "both access keys and \"instance_profile_arn\" are given",
                    fix: "keep one: the keys, or the instance profile")
            }
            if !arn.hasPrefix("arn:aws"), !arn.contains(":instance-profile/") {
                issues.error(
                    block.path.key("instance_profile_arn"), "expected an instance profile ARN, found \"\(arn)\"",
                    fix: "e.g. \"arn:aws:iam::123456789012:instance-profile/bedrock-access\"")
            }
        } else if !hasKeys {
            issues.warning(
                block.path.key("aws_access_key_id"),
                "no access keys and no instance profile: abtop will sign with $AWS_ACCESS_KEY_ID and "
                    + "$AWS_SECRET_ACCESS_KEY",
                fix: "add \"aws_access_key_id\" and \"aws_secret_access_key\" as {{secrets/<scope>/<key>}} references")
        }
        for (present, missing) in [
            ("aws_access_key_id", "aws_secret_access_key"), ("aws_secret_access_key", "aws_access_key_id"),
        ]
        where (block.has(present) || block.has(present + "_plaintext"))
            && !(block.has(missing) || block.has(missing + "_plaintext"))
        {
            issues.error(
                block.path.key(missing), "\"\(present)\" is given without \"\(missing)\"",
                fix: "an AWS access key is a pair: add \"\(missing)\" as a {{secrets/<scope>/<key>}} reference")
        }
        let id = readCredential(
            block, reference: "aws_access_key_id", plaintext: "aws_access_key_id_plaintext",
            conventional: ["AWS_ACCESS_KEY_ID"], issues: &issues)
        let secret = readCredential(
            block, reference: "aws_secret_access_key", plaintext: "aws_secret_access_key_plaintext",
            conventional: ["AWS_SECRET_ACCESS_KEY"], issues: &issues)
        let families = AmazonBedrockSettings.ModelFamily.allCases.map(\.rawValue)
        var family: AmazonBedrockSettings.ModelFamily?
        if let raw = block.string(
            "bedrock_provider", issues: &issues,
            missingFix: "add \"bedrock_provider\": one of \(families.joined(separator: ", "))")
        {
            // Databricks takes the names in any case (its SDK documents them upper-case).
            family = AmazonBedrockSettings.ModelFamily(rawValue: raw.lowercased())
            if family == nil {
                let guess =
                    EditDistance.suggestion(for: raw.lowercased(), among: families).map { "did you mean \"\($0)\"? " }
                    ?? ""
                issues.error(
                    block.path.key("bedrock_provider"), "unknown Bedrock provider \"\(raw)\"",
                    fix: "\(guess)allowed: \(families.joined(separator: ", "))")
            }
        }
        guard let region, let family else { return nil }
        return AmazonBedrockSettings(
            region: region, accessKeyID: id, secretAccessKey: secret, instanceProfileARN: arn, family: family)
    }

    private static func readVertex(_ block: ObjectReader, issues: inout ConfigIssues) -> VertexAISettings? {
        let project = block.string(
            "project_id", issues: &issues, missingFix: "add \"project_id\": \"<your Google Cloud project id>\"")
        if let project, !isURLSegment(project) || project.isEmpty {
            issues.error(
                block.path.key("project_id"),
                "a project id holds only letters, digits, '-' and '.' (it goes into the URL)",
                fix: "use the id (e.g. \"my-project-123\"), not the project's display name")
        }
        let region = readRegion(block, key: "region", example: "us-central1", issues: &issues)
        if !block.has("private_key"), !block.has("private_key_plaintext") {
            issues.error(
                block.path.key("private_key"), "missing the service account's key",
                fix: "add \"private_key\": \"{{secrets/<scope>/<key>}}\" holding the service account's JSON key file")
        }
        let key = readCredential(
            block, reference: "private_key", plaintext: "private_key_plaintext", conventional: [],
            kind: .serviceAccountKey, issues: &issues)
        guard let project, let region else { return nil }
        return VertexAISettings(projectID: project, region: region, privateKey: key)
    }

    /// A cloud region (`us-east-1`, `europe-west4`): it goes into a host name, so lower-case letters, digits and
    /// '-' only.
    private static func readRegion(
        _ block: ObjectReader, key: String, example: String, issues: inout ConfigIssues
    ) -> String? {
        guard let region = block.string(key, issues: &issues, missingFix: "add \"\(key)\": \"\(example)\"") else {
            return nil
        }
        let ok =
            !region.isEmpty && region.count <= 40
            && region.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        guard ok else {
            issues.error(
                block.path.key(key), "not a region name: \"\(region)\"",
                fix: "lower-case letters, digits and '-', e.g. \"\(example)\"")
            return nil
        }
        return region
    }

    /// Characters safe in a URL path segment or query value without escaping.
    static func isURLSegment(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy { c in
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "-" || c == "_"
                || c == "."
        }
    }
}
