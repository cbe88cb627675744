import ABCore
import ABReport
import ArgumentParser

/// `abtop validate FILE`: checks an endpoint config and shows what abtop would do with it.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a Databricks-style endpoint config; every error names its JSON path and a fix.",
        discussion: """
            Exit 0 with a table of the served entities when the config is valid (keys are never shown, only \
            where each comes from); exit 1 listing every error otherwise.
            """
    )

    @Argument(help: "The endpoint config: a create payload {name, config, ai_gateway} or a bare config.")
    var file: String

    @OptionGroup var configFile: ConfigFileOptions

    @Flag(help: "Print the result as JSON.")
    var json = false

    @Flag(help: "Treat keys that cannot be found as errors (as a run would).")
    var requireSecrets = false

    func run() throws {
        let loaded: EndpointLoader.Loaded
        do {
            loaded = try EndpointLoader().load(path: file, name: configFile.name, secretsPath: configFile.secrets)
        } catch let error as EndpointLoader.InputError {
            if json {
                Console.out(ValidationJSON.inputError(file: file, message: error.description).rendered(pretty: true))
            } else {
                Console.err(error.description)
            }
            throw ExitCode(1)
        }
        var issues = loaded.outcome.issues
        issues.append(
            contentsOf: EndpointConfig.credentialIssues(
                loaded.resolved,
                severity: requireSecrets ? .error : .warning))
        let config = issues.hasErrors ? nil : loaded.outcome.config

        if json {
            Console.out(
                ValidationJSON.render(file: file, config: config, resolved: loaded.resolved, issues: issues)
                    .rendered(pretty: true))
        } else {
            printText(config: config, resolved: loaded.resolved, issues: issues)
        }
        if config == nil { throw ExitCode(1) }
    }

    private func printText(config: EndpointConfig?, resolved: [ResolvedEntity], issues: ConfigIssues) {
        guard let config else {
            for issue in issues.errors { Console.err(issue.description) }
            for issue in issues.warnings { Console.err(issue.description) }
            let n = issues.errors.count
            Console.err("\n\(file): \(n) error\(n == 1 ? "" : "s")")
            return
        }
        let n = config.servedEntities.count
        Console.out("\(config.name): valid (\(n) served entit\(n == 1 ? "y" : "ies"), task \(config.task))\n")
        var table = TextTable([
            ("ENTITY", .left), ("PROVIDER", .left), ("MODEL", .left), ("TASK", .left),
            ("TRAFFIC", .right), ("KEY FROM", .left),
        ])
        for (i, r) in resolved.enumerated() {
            table.add([
                r.entity.name, r.entity.provider.rawValue, r.entity.model, r.entity.task,
                i < n ? "\(config.weights[i])%" : "judge", Self.keySource(r),
            ])
        }
        Console.out(table.rendered())
        let s = config.settings
        let breaker =
            s.breaker.failures > 0
            ? "\(s.breaker.failures) failures → \(format(s.breaker.cooldown)) s cooldown" : "off"
        Console.out(
            """

            router: \(s.strategy.rawValue)\(s.seed.map { " (seed \($0))" } ?? "")\(s.sticky ? ", sticky" : "") · \
            fallback: \(config.aiGateway.fallbackEnabled ? "on" : "off") · \
            retries: \(s.retries.max) · breaker: \(breaker)
            """)
        for r in resolved {
            Console.out("  \(r.entity.name) → \(r.baseURL)")
            if let arm = s.entities[r.entity.name] { Console.out("    sends: \(arm.summary)") }
        }
        if !issues.warnings.isEmpty {
            Console.out("")
            for issue in issues.warnings { Console.out(issue.description) }
        }
    }

    /// Where the entity's key comes from, never the key.
    static func keySource(_ r: ResolvedEntity) -> String {
        if r.credentials.isEmpty { return "none (no auth)" }
        return r.credentials.map { _, resolution in
            switch resolution {
            case .found(_, .plaintext): "plaintext in config"
            case .found(_, let origin): origin.description
            case .missing: "not found"
            }
        }.joined(separator: ", ")
    }

    private func format(_ seconds: Double) -> String {
        seconds.rounded() == seconds ? String(Int(seconds)) : String(seconds)
    }
}

/// The `--json` shape of `abtop validate`.
enum ValidationJSON {
    static func render(
        file: String, config: EndpointConfig?, resolved: [ResolvedEntity],
        issues: ConfigIssues
    ) -> JSONValue {
        var entities: [JSONValue] = []
        if let config {
            for (i, r) in resolved.enumerated() {
                entities.append([
                    "name": .string(r.entity.name), "provider": .string(r.entity.provider.rawValue),
                    "model": .string(r.entity.model), "task": .string(r.entity.task),
                    "traffic_percentage": .number(JSONNumber(i < config.weights.count ? config.weights[i] : 0)),
                    "judge": .bool(i >= config.weights.count),
                    "base_url": .string(r.baseURL),
                    "key_from": .string(Validate.keySource(r)),
                    "key_found": .bool(r.isComplete),
                ])
            }
        }
        return [
            "file": .string(file),
            "valid": .bool(config != nil),
            "endpoint": config.map { .string($0.name) } ?? .null,
            "task": config.map { .string($0.task) } ?? .null,
            "entities": .array(entities),
            "errors": .array(issues.errors.map(issueJSON)),
            "warnings": .array(issues.warnings.map(issueJSON)),
        ]
    }

    static func inputError(file: String, message: String) -> JSONValue {
        [
            "file": .string(file), "valid": false, "endpoint": nil, "task": nil, "entities": [],
            "errors": [["path": "$", "message": .string(message), "fix": nil]], "warnings": [],
        ]
    }

    private static func issueJSON(_ issue: ConfigIssue) -> JSONValue {
        // The root is "$" (JSONPath's name for it): every issue names a path, never an empty one.
        [
            "path": .string(issue.path.isRoot ? "$" : issue.path.description), "message": .string(issue.message),
            "fix": issue.fix.map(JSONValue.string) ?? .null,
        ]
    }
}
