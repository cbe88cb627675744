extension EndpointConfigReader {
    static let abtopKeys = [
        "entities", "request", "timeouts_s", "retries", "breaker", "router", "prices", "limits", "judge", "rollout",
    ]
    static let armKeys = [
        "base_url", "system_prompt", "prompt_template", "temperature", "top_p", "max_tokens", "stop", "extra_params",
    ]

    /// One arm's request settings (`abtop.entities.<name>`).
    static func readEntitySettings(_ entity: ObjectReader, issues: inout ConfigIssues) -> AbtopSettings.EntitySettings {
        var arm = AbtopSettings.EntitySettings()
        arm.systemPrompt = entity.string("system_prompt", issues: &issues)
        if let template = entity.string("prompt_template", issues: &issues) {
            if template.contains(AbtopSettings.EntitySettings.promptPlaceholder) {
                arm.promptTemplate = template
            } else {
                issues.error(
                    entity.path.key("prompt_template"),
                    "the template has no {{prompt}}: every request would send the same text",
                    fix: "put {{prompt}} where the user's prompt goes, e.g. \"Answer briefly: {{prompt}}\"")
            }
        }
        arm.temperature = entity.number("temperature", in: 0...2, issues: &issues)
        arm.topP = entity.number("top_p", in: 0...1, issues: &issues)
        arm.maxTokens = entity.integer("max_tokens", in: 1...1_000_000, issues: &issues)
        if let value = entity.value("stop") {
            if let s = value.stringValue {
                arm.stop = [s]
            } else if let list = value.arrayValue, !list.isEmpty, list.count <= 4,
                list.allSatisfy({ $0.stringValue?.isEmpty == false })
            {
                arm.stop = list.compactMap(\.stringValue)
            } else {
                issues.error(
                    entity.path.key("stop"), "expected a string or a list of 1 to 4 non-empty strings",
                    fix: "e.g. \"stop\": [\"\\n\\n\"]")
            }
        }
        if let value = entity.value("extra_params") {
            if let object = value.objectValue {
                let own = ["model", "messages", "stream", "system", "contents", "inferenceConfig"]
                for key in object.keys where own.contains(key) {
                    issues.error(
                        entity.path.key("extra_params").key(key), "\"\(key)\" is written by abtop itself",
                        fix: "set the arm's prompt with system_prompt or prompt_template")
                }
                arm.extraParams = object
            } else {
                issues.error(
                    entity.path.key("extra_params"), "expected an object, found \(value.kindDescription)",
                    fix: "e.g. \"extra_params\": {\"seed\": 7}")
            }
        }
        return arm
    }

    /// The top-level `abtop` block (DESIGN §3), all optional; defaults live in `AbtopSettings`.
    static func readAbtop(
        _ value: JSONValue, at path: ConfigPath, entities: [ServedEntity], declared: [String] = [],
        providers: ProviderCatalog, issues: inout ConfigIssues
    ) -> AbtopSettings {
        var s = AbtopSettings()
        guard let block = ObjectReader(value, at: path, known: abtopKeys, issues: &issues) else { return s }
        block.finish(issues: &issues)

        // An entity that did not read (its own errors say why) is still a name the user wrote: not "unknown".
        if let overrides = block.object("entities", known: entities.map(\.name) + declared, issues: &issues) {
            let names = entities.map(\.name)
            overrides.finish(issues: &issues) { key in
                let guess = EditDistance.suggestion(for: key, among: names).map { "did you mean \"\($0)\"? " } ?? ""
                return (
                    "no served entity is named \"\(key)\"", "\(guess)served entities: \(names.joined(separator: ", "))"
                )
            }
            for member in overrides.object.members where names.contains(member.key) {
                guard
                    let entity = ObjectReader(
                        member.value, at: overrides.path.key(member.key), known: armKeys,
                        issues: &issues)
                else { continue }
                entity.finish(issues: &issues)
                let arm = readEntitySettings(entity, issues: &issues)
                if !arm.isEmpty { s.entities[member.key] = arm }
                if let url = entity.string("base_url", issues: &issues) {
                    if isHTTPURL(url) {
                        s.baseURLs[member.key] = url
                    } else {
                        issues.error(
                            entity.path.key("base_url"), "expected an http(s) URL, found \"\(url)\"",
                            fix: "e.g. \"http://127.0.0.1:9000/v1\": the root the provider's own SDK takes"
                        )
                    }
                }
            }
        }
        if let r = block.object("request", known: ["max_tokens", "temperature", "stream"], issues: &issues) {
            r.finish(issues: &issues)
            s.request.maxTokens = r.integer("max_tokens", in: 1...1_000_000, issues: &issues) ?? s.request.maxTokens
            s.request.temperature = r.number("temperature", in: 0...2, issues: &issues)
            s.request.stream = r.bool("stream", issues: &issues) ?? s.request.stream
        }
        if let t = block.object("timeouts_s", known: ["connect", "first_byte", "total"], issues: &issues) {
            t.finish(issues: &issues)
            s.timeouts.connect = t.number("connect", in: 0.001...3600, issues: &issues) ?? s.timeouts.connect
            s.timeouts.firstByte = t.number("first_byte", in: 0.001...86_400, issues: &issues) ?? s.timeouts.firstByte
            s.timeouts.total = t.number("total", in: 0.001...86_400, issues: &issues) ?? s.timeouts.total
            if s.timeouts.firstByte > s.timeouts.total {
                issues.error(
                    t.path.key("first_byte"), "the first-byte timeout exceeds the total timeout",
                    fix: "make total at least \(s.timeouts.firstByte)")
            }
        }
        if let l = block.object(
            "limits",
            known: [
                "max_line_bytes", "max_event_bytes", "max_answer_bytes",
                "max_body_bytes",
            ], issues: &issues)
        {
            l.finish(issues: &issues)
            let mib = 1 << 20
            s.limits.lineBytes =
                l.integer("max_line_bytes", in: 1024...(64 * mib), issues: &issues) ?? s.limits.lineBytes
            s.limits.eventBytes =
                l.integer("max_event_bytes", in: 1024...(256 * mib), issues: &issues) ?? s.limits.eventBytes
            s.limits.answerBytes =
                l.integer("max_answer_bytes", in: 1024...(256 * mib), issues: &issues) ?? s.limits.answerBytes
            s.limits.bodyBytes =
                l.integer("max_body_bytes", in: 1024...(256 * mib), issues: &issues) ?? s.limits.bodyBytes
        }
        if let r = block.object("retries", known: ["max", "backoff_ms"], issues: &issues) {
            r.finish(issues: &issues)
            s.retries.max = r.integer("max", in: 0...10, issues: &issues) ?? s.retries.max
            s.retries.backoffMilliseconds =
                r.integer("backoff_ms", in: 0...60_000, issues: &issues) ?? s.retries.backoffMilliseconds
        }
        if let b = block.object("breaker", known: ["failures", "cooldown_s"], issues: &issues) {
            b.finish(issues: &issues)
            s.breaker.failures = b.integer("failures", in: 0...10_000, issues: &issues) ?? s.breaker.failures
            s.breaker.cooldown = b.number("cooldown_s", in: 0.001...86_400, issues: &issues) ?? s.breaker.cooldown
        }
        if let r = block.object("router", known: ["strategy", "seed", "sticky", "floor"], issues: &issues) {
            r.finish(issues: &issues)
            if let raw = r.string("strategy", issues: &issues) {
                if let strategy = RoutingStrategy(rawValue: raw) {
                    s.strategy = strategy
                } else {
                    let allowed = RoutingStrategy.allCases.map(\.rawValue)
                    let guess =
                        EditDistance.suggestion(for: raw, among: allowed).map { "did you mean \"\($0)\"? " } ?? ""
                    issues.error(
                        r.path.key("strategy"), "unknown strategy \"\(raw)\"",
                        fix: "\(guess)allowed: \(allowed.joined(separator: ", "))")
                }
            }
            s.seed = r.integer("seed", in: 0...Int.max, issues: &issues).map(UInt64.init)
            s.sticky = r.bool("sticky", issues: &issues) ?? s.sticky
            s.floor = r.number("floor", in: 0...0.5, issues: &issues) ?? s.floor
            if r.has("floor"), s.strategy != .thompson {
                issues.error(
                    r.path.key("floor"), "a floor is for adaptive allocation", fix: "set \"strategy\": \"thompson\"")
            }
            if s.strategy == .thompson, s.sticky {
                issues.error(
                    r.path.key("sticky"), "sticky sessions follow the weights; adaptive allocation does not",
                    fix: "use one or the other")
            }
        }
        if let prices = block.object("prices", known: [], issues: &issues) {
            for member in prices.object.members {
                guard
                    let p = ObjectReader(
                        member.value, at: prices.path.key(member.key),
                        known: ["input_per_mtok", "output_per_mtok"], issues: &issues)
                else { continue }
                p.finish(issues: &issues)
                let input = p.number("input_per_mtok", in: 0...1_000_000, issues: &issues)
                let output = p.number("output_per_mtok", in: 0...1_000_000, issues: &issues)
                for (key, v) in [("input_per_mtok", input), ("output_per_mtok", output)] where v == nil && !p.has(key) {
                    issues.error(p.path.key(key), "missing \"\(key)\"", fix: "add the price in USD per million tokens")
                }
                if let input, let output {
                    s.prices[member.key] = Price(inputPerMillion: input, outputPerMillion: output)
                }
            }
        }
        if let judge = block.value("judge") {
            s.judge = readJudge(
                judge, at: path.key("judge"), entities: entities, declared: declared, providers: providers,
                issues: &issues)
            if let judge = s.judge, let url = judge.baseURL { s.baseURLs[judge.entity.name] = url }
        }
        if let rollout = block.value("rollout") {
            s.rollout = RolloutPlan.read(
                rollout, at: path.key("rollout"), entities: entities.map(\.name), issues: &issues)
            if s.strategy.isAdaptive {
                issues.error(
                    path.key("rollout"), "a rollout sets the split step by step; adaptive allocation ignores it",
                    fix: "drop router.strategy \"thompson\", or the rollout")
            }
        }
        return s
    }
}
