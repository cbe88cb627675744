/// The endpoint config with every secret value replaced, for the journal and reports.
///
/// `_plaintext` fields and any credential field holding something other than a `{{secrets/…}}` reference (a key
/// pasted in the wrong place) are redacted; references stay, since they name a secret without revealing it.
public enum ConfigRedaction {
    static let credentialKeys: Set<String> = [
        "openai_api_key", "anthropic_api_key", "databricks_api_token", "value",
        "token", "cohere_api_key", "ai21labs_api_key", "palm_api_key",
        "aws_access_key_id", "aws_secret_access_key", "private_key",
        "microsoft_entra_client_secret",
    ]

    public static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let o):
            return .object(
                JSONObject(
                    o.members.map { m in
                        if case .string(let s) = m.value,
                            m.key.hasSuffix("_plaintext")
                                || (credentialKeys.contains(m.key) && SecretReference(parsing: s) == nil)
                        {
                            return .init(key: m.key, value: .string(SecretValue.redacted))
                        }
                        return .init(key: m.key, value: redact(m.value))
                    }))
        case .array(let a):
            return .array(a.map(redact))
        default:
            return value
        }
    }

    /// The redacted config as pretty JSON, or a note when the text does not parse.
    public static func redactedText(_ text: String) -> String {
        guard let value = try? JSONParser.parse(text) else { return "{\"note\": \"the config did not parse\"}" }
        return redact(value).rendered(pretty: true)
    }
}
