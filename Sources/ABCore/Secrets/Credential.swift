/// A credential a served entity needs (an API key or token), as the endpoint config names it.
public struct Credential: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// `{{secrets/scope/key}}`.
        case reference(SecretReference)
        /// The `_plaintext` field; the value sits in the config file itself.
        case plaintext(SecretValue)
        /// The config names no key: the provider's conventional variable supplies it, as the provider's SDK does.
        case conventional
    }

    /// What the value is: a header's value (one line, checked as such), or a whole key file.
    public enum Kind: Sendable, Equatable {
        case headerValue
        /// A Google service account's JSON key file (several lines; its private key signs token requests).
        case serviceAccountKey
    }

    public let source: Source
    /// The JSON path of the field that holds it, or would (for messages; never the value).
    public let field: ConfigPath
    /// The provider's conventional environment variables, tried last (`OPENAI_API_KEY`).
    public let conventionalVariables: [String]
    public let kind: Kind

    public init(source: Source, field: ConfigPath, conventionalVariables: [String], kind: Kind = .headerValue) {
        self.source = source
        self.field = field
        self.conventionalVariables = conventionalVariables
        self.kind = kind
    }
}

/// Where a resolved credential came from, shown by `abtop validate` in place of the value.
public enum CredentialOrigin: Sendable, Equatable, CustomStringConvertible {
    case plaintext(field: String)
    case secretsFile(path: String, key: String)
    case environment(variable: String)

    public var description: String {
        switch self {
        case .plaintext(let field): "plaintext in config (\(field))"
        case .secretsFile(let path, let key): "secrets file \(path) [\(key)]"
        case .environment(let variable): "$\(variable)"
        }
    }
}

/// The outcome of looking a credential up.
public enum CredentialResolution: Sendable, Equatable {
    case found(SecretValue, CredentialOrigin)
    /// Not found; `tried` lists every place that was looked at, in order.
    case missing(tried: [String])

    public var value: SecretValue? {
        if case .found(let v, _) = self { return v }
        return nil
    }
}
