/// Resolves credentials from an injected environment, so the core stays pure and tests need no real variables.
///
/// Order, as DESIGN §3 fixes it: the `--secrets` file, `ABTOP_SECRET_<SCOPE>_<KEY>`, then the provider's
/// conventional variable.
public struct SecretResolver: Sendable {
    public let secretsFile: SecretsFile?
    public let environment: [String: String]

    public init(secretsFile: SecretsFile? = nil, environment: [String: String]) {
        self.secretsFile = secretsFile
        self.environment = environment
    }

    public func resolve(_ credential: Credential) -> CredentialResolution {
        var tried: [String] = []
        switch credential.source {
        case .plaintext(let value):
            return .found(value, .plaintext(field: credential.field.description))
        case .reference(let reference):
            if let file = secretsFile {
                if let value = file.values[reference.path] {
                    return .found(value, .secretsFile(path: file.path, key: reference.path))
                }
                tried.append("secrets file \(file.path) [\(reference.path)]")
            } else {
                tried.append("--secrets FILE (none given)")
            }
            let variable = reference.environmentVariable
            if let value = nonEmpty(variable) { return .found(value, .environment(variable: variable)) }
            tried.append("$\(variable)")
        case .conventional:
            break
        }
        for variable in credential.conventionalVariables {
            if let value = nonEmpty(variable) { return .found(value, .environment(variable: variable)) }
            tried.append("$\(variable)")
        }
        return .missing(tried: tried)
    }

    private func nonEmpty(_ variable: String) -> SecretValue? {
        guard let raw = environment[variable], !raw.isEmpty else { return nil }
        return SecretValue(raw)
    }
}

/// The contents of a `--secrets FILE`: `{"scope/key": "value"}` or `{"scope": {"key": "value"}}`.
public struct SecretsFile: Sendable {
    public let path: String
    public let values: [String: SecretValue]

    public init(path: String, values: [String: SecretValue]) {
        self.path = path
        self.values = values
    }

    /// Parses the file's text; errors name the path inside the file but never a value.
    public static func parse(_ text: String, path: String) -> Result<SecretsFile, ConfigIssues> {
        let root: JSONValue
        do {
            // Every value here is a secret: a syntax error says where, never what it found.
            root = try JSONParser.parse(text, quotingContent: false)
        } catch {
            return .failure(
                ConfigIssues([
                    .error(
                        ConfigPath(), "\(path): not valid JSON (\(error))",
                        fix: #"write {"scope/key": "value", ...}"#)
                ]))
        }
        guard case .object(let object) = root else {
            return .failure(
                ConfigIssues([
                    .error(
                        ConfigPath(), "\(path): expected an object of secrets, found \(root.kindDescription)",
                        fix: #"write {"scope/key": "value", ...}"#)
                ]))
        }
        var values: [String: SecretValue] = [:]
        var issues = ConfigIssues()
        for member in object.members {
            let here = ConfigPath().key(member.key)
            switch member.value {
            case .string(let s) where member.key.contains("/"):
                values[member.key] = SecretValue(s)
            case .object(let scope) where !member.key.contains("/"):
                for inner in scope.members {
                    if case .string(let s) = inner.value {
                        values["\(member.key)/\(inner.key)"] = SecretValue(s)
                    } else {
                        issues.error(
                            here.key(inner.key), "a secret must be a string, found \(inner.value.kindDescription)")
                    }
                }
            default:
                issues.error(
                    here, "expected \"scope/key\": \"value\" or \"scope\": {\"key\": \"value\"}",
                    fix: "name each secret by scope and key, as in {{secrets/scope/key}}")
            }
        }
        return issues.hasErrors ? .failure(issues) : .success(SecretsFile(path: path, values: values))
    }
}
