import ABCore

/// Amazon Bedrock's Converse API (every model family behind one shape), signed with AWS Signature V4:
/// `amazon_bedrock_config`.
struct AmazonBedrockProvider: ProviderDescriptor {
    var id: Provider { "amazon-bedrock" }
    var configBlock: String { "amazon_bedrock_config" }
    var configKeys: [String] {
        [
            "aws_region", "aws_access_key_id", "aws_access_key_id_plaintext", "aws_secret_access_key",
            "aws_secret_access_key_plaintext", "bedrock_provider", "instance_profile_arn",
        ]
    }
    var hasEmbeddings: Bool { true }

    func template(secretScope scope: String) -> (block: JSONObject, placeholders: String?) {
        (
            JSONObject([
                "aws_region": "us-east-1", "aws_access_key_id": .string("{{secrets/\(scope)/aws_access_key_id}}"),
                "aws_secret_access_key": .string("{{secrets/\(scope)/aws_secret_access_key}}"),
                "bedrock_provider": "anthropic",
            ]), "aws_region and bedrock_provider"
        )
    }
    /// Bedrock ids name a region and a vendor before the model (`us.anthropic.claude-3-5-sonnet-…-v1:0`).
    var modelIDPrefixes: [String] {
        [
            "us.", "eu.", "apac.", "us-gov.", "anthropic.", "amazon.", "meta.", "cohere.", "mistral.", "ai21.",
            "deepseek.",
        ]
    }
    /// Amazon's own and hosted models (the others' ids find their vendors' prices once the prefixes are dropped).
    var prices: [String: Price] {
        [
            "nova-pro": Price(inputPerMillion: 0.8, outputPerMillion: 3.2),
            "nova-lite": Price(inputPerMillion: 0.06, outputPerMillion: 0.24),
            "nova-micro": Price(inputPerMillion: 0.035, outputPerMillion: 0.14),
            "titan-text-express": Price(inputPerMillion: 0.2, outputPerMillion: 0.6),
            "titan-embed-text": Price(inputPerMillion: 0.02, outputPerMillion: 0),
            "llama3-1-8b-instruct": Price(inputPerMillion: 0.22, outputPerMillion: 0.22),
            "llama3-1-70b-instruct": Price(inputPerMillion: 0.72, outputPerMillion: 0.72),
            "mistral-large": Price(inputPerMillion: 4, outputPerMillion: 12),
        ]
    }

    func embeddingsProblem(_ settings: any ProviderSettings, block: ConfigPath) -> ConfigIssue? {
        guard let b = settings as? AmazonBedrockSettings, ![.amazon, .cohere].contains(b.family) else { return nil }
        return .error(
            block.key(configBlock).key("bedrock_provider"),
            "Bedrock's embedding models are Amazon's (Titan) or Cohere's, not \(b.family.rawValue)",
            fix: "set \"bedrock_provider\": \"amazon\" for amazon.titan-embed-text-v2:0, or \"cohere\"")
    }

    func readSettings(_ block: ObjectReader, issues: inout ConfigIssues) -> (any ProviderSettings)? {
        let region = EndpointConfigReader.readRegion(block, key: "aws_region", example: "us-east-1", issues: &issues)
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
        let id = EndpointConfigReader.readCredential(
            block, reference: "aws_access_key_id", plaintext: "aws_access_key_id_plaintext",
            conventional: ["AWS_ACCESS_KEY_ID"], issues: &issues)
        let secret = EndpointConfigReader.readCredential(
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
}

/// `amazon_bedrock_config`: a region, AWS credentials, and which model family's request shape the model takes.
public struct AmazonBedrockSettings: WireSettings, Equatable {
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

    public init(
        region: String, accessKeyID: Credential, secretAccessKey: Credential, instanceProfileARN: String?,
        family: ModelFamily
    ) {
        self.region = region
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.instanceProfileARN = instanceProfileARN
        self.family = family
    }

    public var credentials: [Credential] { [accessKeyID, secretAccessKey] }

    public func baseURL(environment: [String: String]) -> String { "https://bedrock-runtime.\(region).amazonaws.com" }

    public func simulated(root: String, serviceAccountKey: () -> String) -> SimulatedSettings {
        let values = ["AKIDSIMULATED", "simulated-secret-access-key"]
        var s = self
        s.accessKeyID = .standIn(values[0])
        s.secretAccessKey = .standIn(values[1])
        return SimulatedSettings(settings: s, baseURL: root, values: values)
    }

    public func route(model: String, base: String, secrets: [SecretValue?]) -> WireRoute {
        let model = SigV4.uriEncode(model, keepSlash: false)
        var route = WireRoute(
            dialect: .bedrock, url: "\(base)/model/\(model)/converse",
            streamURL: "\(base)/model/\(model)/converse-stream",
            embeddingsURL: "\(base)/model/\(model)/invoke", bodyModel: nil, maxTokensField: "maxTokens",
            embeddingsFamily: family)
        if let id = secrets.first.flatMap({ $0 }), let secret = secrets.dropFirst().first.flatMap({ $0 }) {
            route.signing = .sigV4(
                SigV4.Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: nil), region: region)
        }
        return route
    }
}
