/// The body of Databricks' `PUT /api/2.0/serving-endpoints/{name}/config` for a decided split (`abtop promote`):
/// the config's `served_entities` exactly as written — keys stay `{{secrets/…}}` references, nothing is resolved —
/// and `traffic_config.routes` set to the split; the `abtop` block and everything else Databricks' config body does
/// not take are left out.
public enum EndpointPromotion {
    /// `configText`: a config file (bare, or the create payload with `config`); `weights` by entity name. Refuses a
    /// config holding a key in plain text (it would be written out) or weights that do not cover its entities.
    public static func body(configText: String, weights: [String: Int]) -> Result<JSONValue, ConfigIssues> {
        var issues = ConfigIssues()
        guard let root = (try? JSONParser.parse(configText))?.objectValue else {
            issues.error(ConfigPath(), "the config is not a JSON object")
            return .failure(issues)
        }
        let inPayload = root["config"] != nil
        let config = root["config"]?.objectValue ?? root
        let base = inPayload ? ConfigPath().key("config") : ConfigPath()
        guard let entities = config["served_entities"]?.arrayValue, !entities.isEmpty else {
            issues.error(base.key("served_entities"), "no served entities to promote")
            return .failure(issues)
        }
        for (i, entity) in entities.enumerated() {
            for path in plaintextSecrets(entity, at: base.key("served_entities").index(i)) {
                issues.error(
                    path, "holds a key in plain text, which the body would carry",
                    fix: "store it in a secret scope and write {{secrets/<scope>/<key>}} here")
            }
        }
        let names = entities.compactMap { $0.objectValue?["name"]?.stringValue }
        if names.count != entities.count {
            issues.error(base.key("served_entities"), "every served entity needs a \"name\" to be routed to")
        }
        if Set(weights.keys) != Set(names) || weights.values.reduce(0, +) != 100
            || weights.values.contains(where: { !(0...100).contains($0) })
        {
            issues.error(
                base.key("traffic_config"),
                "the split must give each of \(names.joined(separator: ", ")) a percentage, summing to 100",
                fix:
                    "e.g. --weights \(names.enumerated().map { "\($1)=\($0 == names.count - 1 ? 100 : 0)" }.joined(separator: ","))"
            )
        }
        guard !issues.hasErrors else { return .failure(issues) }
        let routes: [JSONValue] = names.map {
            ["served_model_name": .string($0), "traffic_percentage": .number(JSONNumber(weights[$0]!))]
        }
        return .success(["served_entities": .array(entities), "traffic_config": ["routes": .array(routes)]])
    }

    /// The paths of credential fields holding a value that is not a `{{secrets/…}}` reference (`_plaintext`
    /// fields and keys pasted in place), by the journal's redaction rule.
    public static func plaintextSecrets(_ value: JSONValue, at path: ConfigPath) -> [ConfigPath] {
        switch value {
        case .object(let o):
            return o.members.flatMap { m -> [ConfigPath] in
                if case .string(let s) = m.value,
                    m.key.hasSuffix("_plaintext")
                        || (ConfigRedaction.isCredentialKey(m.key) && SecretReference(parsing: s) == nil)
                {
                    return [path.key(m.key)]
                }
                return plaintextSecrets(m.value, at: path.key(m.key))
            }
        case .array(let a):
            return a.enumerated().flatMap { plaintextSecrets($1, at: path.index($0)) }
        default:
            return []
        }
    }
}
