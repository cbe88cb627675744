/// The endpoint config with every secret value replaced, for the journal and reports.
///
/// `_plaintext` fields and any credential field holding something other than a `{{secrets/…}}` reference (a key
/// pasted in the wrong place) are redacted; references stay, since they name a secret without revealing it.
public enum ConfigRedaction {
    /// Whether a key of a provider block names a credential, by Databricks' naming of them (`…_api_key`,
    /// `…_api_token`, `aws_access_key_id`, `…_secret…`, `private_key`, and the custom provider's `value` and
    /// `token`): one rule for every provider, so a new one's fields are redacted without being listed.
    static func isCredentialKey(_ key: String) -> Bool {
        let k = key.lowercased()
        return k == "value" || k == "token" || k.hasSuffix("_key") || k.hasSuffix("_token") || k.hasSuffix("_key_id")
            || k.contains("secret")
    }

    public static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let o):
            return .object(
                JSONObject(
                    o.members.map { m in
                        if case .string(let s) = m.value,
                            m.key.hasSuffix("_plaintext")
                                || (isCredentialKey(m.key) && SecretReference(parsing: s) == nil)
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
