/// An entity's credentials and base URL, looked up in the injected environment.
public struct ResolvedEntity: Sendable {
    public let entity: ServedEntity
    /// Where requests go: the provider's root as its SDK takes it (OpenAI-style with `/v1`, Anthropic without).
    public let baseURL: String
    /// One per credential the provider settings name (an API key, a token), in order.
    public let credentials: [(credential: Credential, resolution: CredentialResolution)]

    /// Every credential was found.
    public var isComplete: Bool { credentials.allSatisfy { $0.resolution.value != nil } }

    /// The secret texts a provider could echo: every credential found, and a service account's private key
    /// (a provider quoting the PEM alone would not quote the whole key file).
    public var secretTexts: [String] {
        credentials.flatMap { credential, resolution -> [String] in
            guard let value = resolution.value?.exposedForTransport() else { return [] }
            if credential.kind == .serviceAccountKey, case .success(let key) = ServiceAccountKey.parse(value) {
                return [value, key.privateKeyPEM.exposedForTransport()]
            }
            return [value]
        }
    }
}

extension [ResolvedEntity] {
    /// Registers every resolved secret with the redactor for as long as the lease is held (the session's life).
    public func holdSecrets() throws(SecretRedactor.TableFull) -> SecretRedactor.Lease {
        try SecretRedactor.hold(flatMap(\.secretTexts))
    }
}

extension EndpointConfig {
    /// Looks up every entity's credentials and base URL.
    ///
    /// Base URL precedence: `abtop.entities.<name>.base_url`, then what the provider's settings say (the
    /// config's own field, the variable its SDK reads, its public default: `ProviderSettings.baseURL`).
    /// The judge (`abtop.judge`), when there is one, comes last: its key is looked up, checked and redacted like
    /// the arms'.
    public func resolve(with resolver: SecretResolver) -> [ResolvedEntity] {
        allEntities.map { entity in
            ResolvedEntity(
                entity: entity, baseURL: baseURL(for: entity, environment: resolver.environment),
                credentials: entity.providerSettings.credentials.map { ($0, resolver.resolve($0)) })
        }
    }

    /// Issues for credentials that were not found; errors or warnings as the caller needs (a run needs them all,
    /// `validate` only warns, since keys may be supplied later).
    public static func credentialIssues(_ resolved: [ResolvedEntity], severity: ConfigIssue.Severity) -> ConfigIssues {
        var issues = ConfigIssues()
        for r in resolved {
            for (credential, resolution) in r.credentials {
                if case .found(let value, let origin) = resolution,
                    value.exposedForTransport().utf8.count > SecretRedactor.maximumLength
                {
                    // Nothing that long is a key; the redactor bounds what it holds, so it is refused here.
                    issues.error(
                        credential.field,
                        "the key for \"\(r.entity.name)\" (from \(origin)) is longer than "
                            + "\(SecretRedactor.maximumLength / 1024) KiB; not shown",
                        fix: "store the key alone, with nothing around it")
                    continue
                }
                if case .found(let value, let origin) = resolution, credential.kind == .serviceAccountKey,
                    let problem = ServiceAccountKey.problem(in: value.exposedForTransport())
                {
                    issues.error(
                        credential.field, "the key for \"\(r.entity.name)\" (from \(origin)): \(problem)",
                        fix: ServiceAccountKey.fix)
                    continue
                }
                if case .found(let value, let origin) = resolution, credential.kind == .headerValue,
                    !HTTPFieldSyntax.isFieldValue(value.exposedForTransport())
                {
                    // Whatever the severity asked for: such a key would inject headers, never authenticate.
                    issues.error(
                        credential.field,
                        "the key for \"\(r.entity.name)\" (from \(origin)) "
                            + "holds characters an HTTP header cannot carry "
                            + "(a line break, a control character, or spaces at an end); not shown",
                        fix: "store the key alone, with nothing around it")
                    continue
                }
                guard case .missing(let tried) = resolution else { continue }
                issues.append(
                    ConfigIssue(
                        severity: severity, path: credential.field,
                        message: "no key found for \"\(r.entity.name)\"; tried \(tried.joined(separator: ", "))",
                        fix: fixForMissing(credential)))
            }
        }
        return issues
    }

    private static func fixForMissing(_ credential: Credential) -> String {
        switch credential.source {
        case .reference(let ref):
            let conventional = credential.conventionalVariables.first.map { " or $\($0)" } ?? ""
            return "pass --secrets FILE holding \"\(ref.path)\", or set $\(ref.environmentVariable)\(conventional)"
        case .conventional:
            let variable = credential.conventionalVariables.first.map { "set $\($0), or " } ?? ""
            return "\(variable)add a {{secrets/<scope>/<key>}} reference at \(credential.field)"
        case .plaintext:
            return "give the key a value"
        }
    }

    private func baseURL(for entity: ServedEntity, environment: [String: String]) -> String {
        settings.baseURLs[entity.name] ?? entity.providerSettings.baseURL(environment: environment)
    }
}

extension EndpointConfig {
    /// The served entities, then the judge if there is one: every model abtop calls for this endpoint.
    public var allEntities: [ServedEntity] { servedEntities + (settings.judge.map { [$0.entity] } ?? []) }
}

extension [String: String] {
    /// The variable's value, unless it is unset or empty (an SDK treats an empty base URL as unset).
    public func nonEmpty(_ name: String) -> String? {
        guard let s = self[name], !s.isEmpty else { return nil }
        return s
    }
}
