import ABCore

/// Which profile answers which model: rules by exact name or glob (`gpt-4*`), then a default, so every model
/// name gets an answer.
public struct MockProfileSet: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public let pattern: String
        public let profile: MockProfile

        public init(pattern: String, profile: MockProfile) {
            self.pattern = pattern
            self.profile = profile
        }
    }

    public var rules: [Rule]
    public var fallback: MockProfile

    public init(rules: [Rule] = [], fallback: MockProfile = .standard) {
        self.rules = rules
        self.fallback = fallback
    }

    /// Exact names win over globs; among globs, the first rule that matches.
    public func profile(for model: String) -> MockProfile {
        if let exact = rules.first(where: { $0.pattern == model }) { return exact.profile }
        return rules.first { Glob.matches($0.pattern, model) }?.profile ?? fallback
    }

    /// A `--profile` argument: a built-in name, else JSON text read from a file by the caller.
    public static let profileKeys = [
        "name", "profile", "ttft_ms", "tokens_per_s", "output_tokens", "errors",
        "retry_after_s", "faults", "stall_s", "style",
    ]

    /// Parses a profile file: one profile object (for every model), or
    /// `{"profiles": [{"match": "gpt-4*", …profile or "profile": "fast"}], "default": "slow" | {…}}`.
    public static func parse(_ text: String) -> Result<MockProfileSet, ConfigIssues> {
        let root: JSONValue
        do {
            root = try JSONParser.parse(text)
        } catch {
            return .failure(ConfigIssues([.error(ConfigPath(), "not valid JSON: \(error)")]))
        }
        var issues = ConfigIssues()
        guard case .object(let top) = root else {
            issues.error(ConfigPath(), "expected an object, found \(root.kindDescription)")
            return .failure(issues)
        }
        var set = MockProfileSet()
        if top["profiles"] != nil || top["default"] != nil {
            guard let reader = ObjectReader(root, at: ConfigPath(), known: ["profiles", "default"], issues: &issues)
            else { return .failure(issues) }
            reader.finish(issues: &issues)
            for (i, value) in (reader.array("profiles", issues: &issues) ?? []).enumerated() {
                let path = ConfigPath().key("profiles").index(i)
                guard case .object(let o) = value else {
                    issues.error(path, "expected an object, found \(value.kindDescription)")
                    continue
                }
                guard case .string(let pattern) = o["match"] else {
                    issues.error(
                        path.key("match"), "missing \"match\"", fix: "add \"match\": \"gpt-4*\" (a model name or glob)")
                    continue
                }
                var rest = o
                rest["match"] = nil
                if let profile = readProfile(.object(rest), at: path, defaultName: pattern, issues: &issues) {
                    set.rules.append(Rule(pattern: pattern, profile: profile))
                }
            }
            if let value = reader.value("default"),
                let profile = readProfile(
                    value, at: ConfigPath().key("default"), defaultName: "default", issues: &issues)
            {
                set.fallback = profile
            }
        } else if let profile = readProfile(root, at: ConfigPath(), defaultName: "custom", issues: &issues) {
            set.fallback = profile
        }
        return issues.hasErrors ? .failure(issues) : .success(set)
    }

    /// A profile: a built-in's name, or an object (optionally `"profile": "<built-in>"` as its base).
    static func readProfile(
        _ value: JSONValue, at path: ConfigPath, defaultName: String,
        issues: inout ConfigIssues
    ) -> MockProfile? {
        if case .string(let name) = value {
            guard let builtIn = MockProfile.builtIn(named: name) else {
                issues.error(
                    path, "no built-in profile is named \"\(name)\"",
                    fix: "built-ins: \(MockProfile.builtIns.map(\.name).joined(separator: ", "))")
                return nil
            }
            return builtIn
        }
        guard let r = ObjectReader(value, at: path, known: profileKeys, issues: &issues) else { return nil }
        r.finish(issues: &issues)
        var p = MockProfile.standard
        if let base = r.string("profile", issues: &issues) {
            guard let builtIn = MockProfile.builtIn(named: base) else {
                issues.error(
                    path.key("profile"), "no built-in profile is named \"\(base)\"",
                    fix: "built-ins: \(MockProfile.builtIns.map(\.name).joined(separator: ", "))")
                return nil
            }
            p = builtIn
        }
        p.name = r.string("name", issues: &issues) ?? (r.has("profile") ? p.name : defaultName)
        if let d = distribution(r, "ttft_ms", issues: &issues) { p.ttftMilliseconds = d }
        if let d = distribution(r, "output_tokens", issues: &issues) { p.outputTokens = d }
        p.tokensPerSecond = r.number("tokens_per_s", in: 0...1_000_000, issues: &issues) ?? p.tokensPerSecond
        p.retryAfterSeconds = r.number("retry_after_s", in: 0...3_600, issues: &issues) ?? p.retryAfterSeconds
        p.stallSeconds = r.number("stall_s", in: 0...3_600, issues: &issues) ?? p.stallSeconds
        if let raw = r.string("style", issues: &issues) {
            if let style = TextStyle(rawValue: raw) {
                p.style = style
            } else {
                issues.error(
                    path.key("style"), "unknown style \"\(raw)\"",
                    fix: "allowed: \(TextStyle.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        let statuses = ["429", "500", "503", "529"]
        if let errors = r.object("errors", known: statuses, issues: &issues) {
            errors.finish(issues: &issues)
            p.errorRates = [:]
            for s in statuses {
                if let rate = errors.number(s, in: 0...1, issues: &issues) { p.errorRates[Int(s)!] = rate }
            }
        }
        if let faults = r.object("faults", known: MockFault.allCases.map(\.rawValue), issues: &issues) {
            faults.finish(issues: &issues)
            p.faultRates = [:]
            for f in MockFault.allCases {
                if let rate = faults.number(f.rawValue, in: 0...1, issues: &issues) { p.faultRates[f] = rate }
            }
        }
        if p.errorRates.values.reduce(0, +) > 1 {
            issues.error(path.key("errors"), "error probabilities add up to more than 1")
        }
        if p.faultRates.values.reduce(0, +) > 1 {
            issues.error(path.key("faults"), "fault probabilities add up to more than 1")
        }
        return p
    }

    /// A number (fixed) or `{"median": m, "p99": q}`.
    private static func distribution(_ r: ObjectReader, _ key: String, issues: inout ConfigIssues) -> Distribution? {
        guard let value = r.value(key) else { return nil }
        if case .number(let n) = value {
            guard n.value >= 0 else {
                issues.error(r.path.key(key), "must not be negative")
                return nil
            }
            return .fixed(n.value)
        }
        guard let d = ObjectReader(value, at: r.path.key(key), known: ["median", "p99"], issues: &issues) else {
            return nil
        }
        d.finish(issues: &issues)
        guard let median = d.number("median", in: 0.000_001...1e9, issues: &issues),
            let p99 = d.number("p99", in: 0.000_001...1e9, issues: &issues)
        else {
            issues.error(r.path.key(key), "expected a number or {\"median\": …, \"p99\": …}")
            return nil
        }
        guard p99 >= median else {
            issues.error(r.path.key(key).key("p99"), "p99 must be at least the median")
            return nil
        }
        return .logNormal(median: median, p99: p99)
    }
}

/// Shell-style globs: `*` any run of characters, `?` one character.
enum Glob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern)
        let t = Array(text)
        var pi = 0
        var ti = 0
        var star = -1
        var mark = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) {
                pi += 1
                ti += 1
            } else if pi < p.count && p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
