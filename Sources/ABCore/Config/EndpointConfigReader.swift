/// Reads an endpoint config in Databricks' shape and validates it, returning every issue at once.
///
/// Accepts the create payload `{"name", "config", "ai_gateway", …}` or a bare `config` object (then the name
/// comes from the caller: `--name` or the file name). Each issue names its JSON path and a fix.
public enum EndpointConfigReader {
    public struct Outcome: Sendable {
        /// The config, when there are no errors (warnings allowed).
        public var config: EndpointConfig?
        public var issues: ConfigIssues
    }

    static let payloadKeys = [
        "name", "config", "ai_gateway", "tags", "rate_limits", "route_optimized",
        "budget_policy_id", "description", "email_notifications", "abtop",
    ]
    static let configKeys = ["served_entities", "served_models", "traffic_config", "auto_capture_config"]
    /// The tasks served, as Databricks defines them for external models.
    public static let supportedTasks = EndpointTask.allCases.map(\.rawValue)
    static let knownTasks = ["llm/v1/chat", "llm/v1/completions", "llm/v1/embeddings"]

    /// What a report needs from a journaled config (its secrets redacted, so it may no longer validate): the task
    /// and each arm's settings, read leniently; the judge's model, if any.
    public static func facts(text: String) -> (
        task: EndpointTask, arms: [String: AbtopSettings.EntitySettings], judgeModel: String?
    ) {
        guard let root = (try? JSONParser.parse(text))?.objectValue else { return (.chat, [:], nil) }
        let config = root["config"]?.objectValue ?? root
        let task =
            config["served_entities"]?[index: 0]?[key: "external_model"]?[key: "task"]?.stringValue
            .flatMap(EndpointTask.init(rawValue:)) ?? .chat
        var arms: [String: AbtopSettings.EntitySettings] = [:]
        var ignored = ConfigIssues()
        for member in root["abtop"]?[key: "entities"]?.objectValue?.members ?? [] {
            guard let reader = ObjectReader(member.value, at: ConfigPath(), known: armKeys, issues: &ignored) else {
                continue
            }
            let arm = readEntitySettings(reader, issues: &ignored)
            if !arm.isEmpty { arms[member.key] = arm }
        }
        let judge = root["abtop"]?[key: "judge"]?[key: "external_model"]?[key: "name"]?.stringValue
        return (task, arms, judge.map { TerminalText.sanitized(String($0.prefix(256))) })
    }

    /// Parses and validates `text`; a syntax error is one issue with its line and column.
    public static func read(text: String, defaultName: String, providers: ProviderCatalog) -> Outcome {
        do {
            return read(try JSONParser.parse(text), defaultName: defaultName, providers: providers)
        } catch {
            return Outcome(config: nil, issues: ConfigIssues([.error(ConfigPath(), "not valid JSON: \(error)")]))
        }
    }

    public static func read(_ root: JSONValue, defaultName: String, providers: ProviderCatalog) -> Outcome {
        var issues = ConfigIssues()
        let config = read(root, defaultName: defaultName, providers: providers, issues: &issues)
        return Outcome(config: issues.hasErrors ? nil : config, issues: issues)
    }

    private static func read(
        _ root: JSONValue, defaultName: String, providers: ProviderCatalog, issues: inout ConfigIssues
    ) -> EndpointConfig? {
        guard case .object(let top) = root else {
            issues.error(
                ConfigPath(), "expected an object, found \(root.kindDescription)",
                fix: #"write {"served_entities": [...], "traffic_config": {...}} or {"name": ..., "config": {...}}"#)
            return nil
        }
        let isPayload = top["config"] != nil
        let rootPath = ConfigPath()
        let configPath = isPayload ? rootPath.key("config") : rootPath
        let topKeys = isPayload ? payloadKeys : configKeys + ["abtop"]
        guard let topReader = ObjectReader(root, at: rootPath, known: topKeys, issues: &issues) else { return nil }
        topReader.finish(issues: &issues) { key in
            if !isPayload, payloadKeys.contains(key) {
                return (
                    "\"\(key)\" belongs to the create payload, beside \"config\", not inside a bare config",
                    #"wrap the config: {"name": ..., "config": {"served_entities": ..., "traffic_config": ...}, "#
                        + "\"\(key)\": ...}"
                )
            }
            return nil
        }

        var name = defaultName
        if isPayload,
            let given = topReader.string(
                "name", issues: &issues,
                missingFix: "add \"name\": \"my-endpoint\" beside \"config\"")
        {
            name = given
        }
        checkEndpointName(name, at: isPayload ? rootPath.key("name") : rootPath, issues: &issues)

        let configValue = isPayload ? top["config"]! : root
        // databricks-sdk's EndpointCoreConfigInput repeats the endpoint's name inside the config.
        let configReader =
            isPayload
            ? ObjectReader(configValue, at: configPath, known: configKeys + ["name"], issues: &issues)
            : topReader
        guard let configReader else { return nil }
        if isPayload {
            configReader.finish(issues: &issues) { key in
                if key == "abtop" {
                    return (
                        "the abtop block sits at the top level, beside \"config\"", "move \"abtop\" out of \"config\""
                    )
                }
                if ["ai_gateway", "tags"].contains(key) {
                    return ("\"\(key)\" belongs beside \"config\", not inside it", "move \"\(key)\" up one level")
                }
                return nil
            }
        }
        if isPayload, let inner = configReader.string("name", issues: &issues), inner != name {
            issues.error(
                configPath.key("name"), "the config names endpoint \"\(inner)\", the payload \"\(name)\"",
                fix: "drop \"name\" from the config, or make it \"\(name)\"")
        }
        if configReader.has("served_models") {
            issues.error(
                configPath.key("served_models"), "served_models is the legacy form; abtop reads served_entities",
                fix: "rename it to served_entities and describe each model under \"external_model\"")
        }
        if configReader.has("auto_capture_config") {
            issues.warning(
                configPath.key("auto_capture_config"), "inference tables are not written by abtop; ignored",
                fix: "abtop keeps every request in its own journal (abtop sessions / abtop report)")
        }

        let entities = readEntities(configReader, at: configPath, providers: providers, issues: &issues)
        let weights = readTraffic(configReader, at: configPath, entities: entities, issues: &issues)

        var gateway = AIGatewayConfig()
        if let gw = topReader.value("ai_gateway"), isPayload {
            gateway = readGateway(gw, at: rootPath.key("ai_gateway"), issues: &issues)
        }
        if isPayload, let limits = topReader.array("rate_limits", issues: &issues) {
            gateway.rateLimits += readRateLimits(limits, at: rootPath.key("rate_limits"), issues: &issues)
        }
        if isPayload, topReader.has("route_optimized") {
            issues.warning(
                rootPath.key("route_optimized"), "route optimization has no effect on a local endpoint; ignored")
        }
        var settings = AbtopSettings()
        if let block = topReader.value("abtop") {
            // Names written in served_entities, read or not: an entity with errors of its own is no unknown name.
            let declared =
                configReader.object["served_entities"]?.arrayValue?.compactMap {
                    $0.objectValue?["name"]?.stringValue
                } ?? []
            settings = readAbtop(
                block, at: rootPath.key("abtop"), entities: entities ?? [], declared: declared,
                providers: providers, issues: &issues)
        }

        guard let entities, let weights, !issues.hasErrors else { return nil }
        return EndpointConfig(
            name: name, task: entities[0].task, servedEntities: entities, weights: weights,
            aiGateway: gateway, settings: settings)
    }

    static func checkEndpointName(_ name: String, at path: ConfigPath, issues: inout ConfigIssues) {
        if !isIdentifier(name) || name.count > 63 {
            issues.error(
                path, "the endpoint name \"\(name)\" may hold only letters, digits, '-' and '_' (at most 63)",
                fix: path.isRoot ? "pass --name my-endpoint" : "e.g. \"mix-chat-endpoint\"")
        }
    }

    /// Letters, digits, `-` and `_`, as Databricks allows in endpoint and entity names.
    static func isIdentifier(_ s: String) -> Bool {
        !s.isEmpty
            && s.unicodeScalars.allSatisfy { c in
                ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "-" || c == "_"
            }
    }

    /// An `http://` or `https://` URL with a host.
    public static func isHTTPURL(_ s: String) -> Bool {
        for scheme in ["http://", "https://"] where s.lowercased().hasPrefix(scheme) {
            let rest = s.dropFirst(scheme.count)
            let host = rest.prefix { $0 != "/" && $0 != "?" }
            return !host.isEmpty && !s.unicodeScalars.contains { $0.value <= 0x20 || (0x7F..<0xA0).contains($0.value) }
        }
        return false
    }
}
