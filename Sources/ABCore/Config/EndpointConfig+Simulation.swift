/// `abtop serve --simulate`: every entity answered by the embedded simulated providers, with no keys.
extension EndpointConfig {
    /// The entities as they would be resolved, but sent to the simulated providers at `root` (the mock server's
    /// `http://host:port`), each on the wire its provider's settings choose (`ProviderSettings.simulated`), with
    /// stand-in credentials; `serviceAccountKey` makes a key file whose tokens the mock issues, made once for all.
    /// Model names stay, so the simulated profiles can tell the models apart; no secret is looked up.
    public func simulated(root: String, serviceAccountKey: @autoclosure () -> String) -> [ResolvedEntity] {
        var key: String?
        func sharedKey() -> String {
            if key == nil { key = serviceAccountKey() }
            return key!
        }
        return allEntities.map { entity in
            let s = entity.providerSettings.simulated(root: root, serviceAccountKey: sharedKey)
            var simulated = entity
            simulated.providerSettings = s.settings
            return ResolvedEntity(
                entity: simulated, baseURL: s.baseURL,
                credentials: zip(s.settings.credentials, s.values).map { credential, value in
                    (credential, .found(SecretValue(value), .plaintext(field: "simulated")))
                })
        }
    }
}

extension Credential {
    /// A stand-in credential for the simulated providers.
    public static func standIn(_ value: String, kind: Credential.Kind = .headerValue) -> Credential {
        Credential(source: .plaintext(SecretValue(value)), field: ConfigPath(), conventionalVariables: [], kind: kind)
    }
}
