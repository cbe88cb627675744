extension EndpointConfigReader {
    static let entityKeys = ["name", "external_model"]
    /// Served-entity keys that describe models Databricks hosts itself, which abtop does not serve.
    static let hostedModelKeys = [
        "entity_name", "entity_version", "workload_size", "workload_type",
        "scale_to_zero_enabled", "environment_vars", "instance_profile_arn",
        "min_provisioned_throughput", "max_provisioned_throughput",
        "provisioned_model_units", "min_provisioned_concurrency",
        "max_provisioned_concurrency", "burst_scaling_enabled",
    ]
    /// The most entities one endpoint compares (the dashboard's columns and the pairwise verdicts are built for a few).
    public static let maxEntities = 8
    static func externalModelKeys(_ providers: ProviderCatalog) -> [String] {
        ["name", "provider", "task"] + providers.all.map(\.configBlock)
    }

    /// `served_entities`: each entity checked on its own, then names and tasks checked across entities.
    static func readEntities(
        _ config: ObjectReader, at configPath: ConfigPath, providers: ProviderCatalog,
        issues: inout ConfigIssues
    ) -> [ServedEntity]? {
        let path = configPath.key("served_entities")
        guard config.has("served_entities") else {
            if !config.has("served_models") {
                issues.error(
                    path, "missing required key \"served_entities\"",
                    fix:
                        #"add "served_entities": [{"name": ..., "#
                        + #""external_model": {"name", "provider", "task", "<provider>_config"}}]"#
                )
            }
            return nil
        }
        guard let values = config.array("served_entities", issues: &issues) else { return nil }
        if values.isEmpty {
            issues.error(
                path, "no served entities: an endpoint needs at least one",
                fix: #"add {"name": ..., "external_model": {...}} for each model to compare"#)
            return nil
        }
        // Checked first: a config of 10,000 entities is refused in one line instead of being read entity by entity.
        if values.count > maxEntities {
            issues.error(
                path, "abtop compares at most \(maxEntities) served entities, found \(values.count)",
                fix: "split them over several endpoints")
            return nil
        }
        var entities: [ServedEntity] = []
        var complete = true
        var firstIndexByName: [String: Int] = [:]
        for (i, value) in values.enumerated() {
            guard let entity = readEntity(value, at: path.index(i), providers: providers, issues: &issues) else {
                complete = false
                continue
            }
            if let earlier = firstIndexByName[entity.name] {
                issues.error(
                    path.index(i).key("name"),
                    "the name \"\(entity.name)\" is already used by served_entities[\(earlier)]",
                    fix: "served entity names must be unique; rename one of them")
                complete = false
            } else {
                firstIndexByName[entity.name] = i
            }
            entities.append(entity)
        }
        // Tasks are compared as written, so a mix is named even when one of them is also unsupported.
        var firstTask: (task: String, index: Int)?
        for (i, value) in values.enumerated() {
            guard case .string(let task) = value.objectValue?["external_model"]?.objectValue?["task"] else { continue }
            guard let first = firstTask else {
                firstTask = (task, i)
                continue
            }
            if first.task != task {
                issues.error(
                    path.index(i).key("external_model").key("task"),
                    "all served entities share one task, but this one is \"\(task)\" "
                        + "and served_entities[\(first.index)] is \"\(first.task)\"",
                    fix: "set \"task\": \"\(first.task)\" here, or serve the other task from its own endpoint")
                complete = false
            }
        }
        return complete ? entities : nil
    }

    static func readEntity(
        _ value: JSONValue, at path: ConfigPath, providers: ProviderCatalog, issues: inout ConfigIssues
    ) -> ServedEntity? {
        guard let entity = ObjectReader(value, at: path, known: entityKeys, issues: &issues) else { return nil }
        let errorsBefore = issues.errorCount
        entity.finish(issues: &issues) { key in
            guard hostedModelKeys.contains(key) else { return nil }
            return (
                "\"\(key)\" describes a model hosted by Databricks; abtop serves external models",
                "remove it and describe the model under \"external_model\""
            )
        }
        guard let modelValue = entity.value("external_model") else {
            issues.error(
                path.key("external_model"), "missing required key \"external_model\"",
                fix:
                    #"add "external_model": {"name": "<model id>", "provider": "<provider>", "#
                    + #""task": "llm/v1/chat", "<provider>_config": {...}}"#
            )
            return nil
        }
        guard
            let model = ObjectReader(
                modelValue, at: path.key("external_model"), known: externalModelKeys(providers),
                issues: &issues)
        else { return nil }
        model.finish(issues: &issues)

        var modelName = model.string(
            "name", issues: &issues, missingFix: "add the provider's model name: \"name\": \"<model id>\"")
        if let m = modelName,
            m.unicodeScalars.contains(where: { TerminalText.isUnsafe($0) || $0 == "\n" || $0 == "\t" })
                || m.utf8.count > 256
        {
            issues.error(
                path.key("external_model").key("name"),
                "a model name is at most 256 characters with no control characters",
                fix: "write the provider's model id as its API names it")
            modelName = nil
        }
        var name: String?
        if entity.has("name") {
            name = entity.string("name", issues: &issues)
        } else if let modelName {
            // Databricks' default for external models: the model name with '.' and ':' turned into '-'.
            name = String(modelName.map { $0 == "." || $0 == ":" ? "-" : $0 })
        } else {
            issues.error(path.key("name"), "missing \"name\"", fix: "add \"name\": \"served_model_name_1\"")
        }
        if let n = name, !isIdentifier(n) || n.count > 63 {
            issues.error(
                path.key("name"), "the name \"\(n)\" may hold only letters, digits, '-' and '_' (at most 63)",
                fix: "e.g. \"\(String(n.map { isIdentifier(String($0)) ? $0 : "_" }.prefix(63)))\"")
        }

        let provider = readProvider(model, providers: providers, issues: &issues)
        let task = readTask(model, issues: &issues)
        // With the provider missing or wrong, the block it implies is still checked, so all errors come at once.
        let implied = model.object.keys.compactMap(providers.byBlock).filter(\.isSupported)
        let blockProvider = provider ?? (implied.count == 1 ? implied[0] : nil)
        let settings = blockProvider.flatMap {
            readProviderBlock(model, provider: $0, providers: providers, issues: &issues)
        }

        if task == EndpointTask.embeddings.rawValue, let provider {
            if !provider.hasEmbeddings {
                issues.error(
                    model.path.key("task"), "\(provider.id) has no embedding models",
                    fix: "serve embeddings from "
                        + providers.all.filter(\.hasEmbeddings).map(\.id.rawValue).joined(separator: ", "))
            } else if let settings, let problem = provider.embeddingsProblem(settings, block: model.path) {
                issues.append(problem)
            }
        }
        guard issues.errorCount == errorsBefore, let name, let modelName, let provider, let task, let settings
        else { return nil }
        return ServedEntity(
            name: name, model: modelName, provider: provider.id, task: task, providerSettings: settings)
    }

    /// `external_model.provider`; when missing, the fix names the provider its config block implies.
    private static func readProvider(
        _ model: ObjectReader, providers: ProviderCatalog, issues: inout ConfigIssues
    ) -> (any ProviderDescriptor)? {
        let path = model.path.key("provider")
        let blocks = model.object.keys.compactMap(providers.byBlock)
        let supported = providers.supported.map(\.id.rawValue).joined(separator: ", ")
        guard model.has("provider") else {
            if let implied = blocks.first {
                issues.error(
                    path, "missing required key \"provider\"",
                    fix: "add \"provider\": \"\(implied.id)\" (this entity has an \(implied.configBlock))")
            } else {
                issues.error(
                    path, "missing required key \"provider\"",
                    fix: "add \"provider\" with one of: \(supported)"
                )
            }
            return nil
        }
        guard let raw = model.string("provider", issues: &issues) else { return nil }
        guard let provider = providers[Provider(rawValue: raw)] ?? providers[Provider(rawValue: raw.lowercased())]
        else {
            let allowed = providers.all.map(\.id.rawValue)
            let guess = EditDistance.suggestion(for: raw, among: allowed).map { "did you mean \"\($0)\"? " } ?? ""
            issues.error(
                path, "unknown provider \"\(raw)\"", fix: "\(guess)allowed: \(allowed.joined(separator: ", "))")
            return nil
        }
        guard provider.isSupported else {
            issues.error(
                path, "the provider \"\(raw)\" is not supported yet",
                fix: "abtop sends to \(supported) today"
                    + providers.supported.compactMap(\.substituteHint).map { "; \($0)" }.joined()
            )
            return nil
        }
        return provider
    }

    private static func readTask(_ model: ObjectReader, issues: inout ConfigIssues) -> String? {
        let path = model.path.key("task")
        guard let task = model.string("task", issues: &issues, missingFix: "add \"task\": \"llm/v1/chat\"") else {
            return nil
        }
        if supportedTasks.contains(task) { return task }
        do {
            let guess = EditDistance.suggestion(for: task, among: knownTasks).map { "did you mean \"\($0)\"? " } ?? ""
            issues.error(
                path, "unknown task \"\(task)\"", fix: "\(guess)allowed: \(knownTasks.joined(separator: ", "))")
        }
        return nil
    }
}
