/// A guarded rollout of one endpoint (`abtop.rollout`, or `POST …/rollout` on serve): the candidate's share of the
/// baseline-and-candidate traffic ramps step by step while every guardrail holds, and goes back to the baseline the
/// moment one is decided worse. Written after GrowthBook's safe rollouts and LaunchDarkly's guarded rollouts, with
/// abtop's always-valid tests as the guardrails.
public struct RolloutPlan: Sendable, Equatable, Codable {
    public var baseline: String
    public var candidate: String
    /// The candidate's percentage of the two entities' traffic at each step, increasing, the last 100.
    public var steps: [Int]
    /// A step lasts at least this long…
    public var minStepSeconds: Double
    /// …and until this many of the candidate's requests in it have finished.
    public var minStepRequests: Int
    public var guardrails: [Guardrail]
    /// The chance that any guardrail of any step is decided wrongly (a false rollback, or a step taken past a real
    /// breach of its margin): spent a step at a time (α / steps), each step's guardrails a family.
    public var alpha: Double

    public init(
        baseline: String, candidate: String, steps: [Int] = [1, 5, 25, 50, 100], minStepSeconds: Double = 60,
        minStepRequests: Int = 100, guardrails: [Guardrail] = Guardrail.defaults, alpha: Double = 0.05
    ) {
        self.baseline = baseline
        self.candidate = candidate
        self.steps = steps
        self.minStepSeconds = minStepSeconds
        self.minStepRequests = minStepRequests
        self.guardrails = guardrails
        self.alpha = alpha
    }
}

/// One metric the candidate must not be worse on than the baseline by more than `margin`.
public struct Guardrail: Sendable, Equatable, Codable {
    public enum Metric: String, Sendable, Codable, CaseIterable {
        /// Margin in points of error rate (0.01: one point more than the baseline).
        case errorRate = "error_rate"
        /// Margin as a fraction of the baseline's p95 (0.2: up to 20 % slower).
        case latencyP95 = "latency_p95"
        case ttftP95 = "ttft_p95"
        /// Margin as a fraction of the baseline's cost per request.
        case cost = "cost_per_request"
        /// Margin in points of check pass rate (the candidate may pass this much less often).
        case checkPassRate = "check_pass_rate"
        /// Margin in points of the judge's score below ½ (0.1: the candidate wins at least 40 % of judged pairs).
        case judge

        public var label: String {
            switch self {
            case .errorRate: "error rate"
            case .latencyP95: "p95 latency"
            case .ttftP95: "p95 TTFT"
            case .cost: "cost per request"
            case .checkPassRate: "checks passed"
            case .judge: "judge's score"
            }
        }
    }

    public var metric: Metric
    public var margin: Double

    public init(_ metric: Metric, margin: Double) {
        self.metric = metric
        self.margin = margin
    }

    /// Errors within one point, p95 latency within 20 %.
    public static let defaults = [Guardrail(.errorRate, margin: 0.01), Guardrail(.latencyP95, margin: 0.2)]
}

extension RolloutPlan {
    /// Keys of the plan's JSON, in the config's `abtop.rollout` and in `POST …/rollout`.
    static let keys = ["baseline", "candidate", "steps", "min_step_s", "min_step_requests", "guardrails", "alpha"]

    /// Reads a plan (its errors named at `path`), checking it against the endpoint's entity names.
    public static func read(
        _ value: JSONValue, at path: ConfigPath, entities: [String], issues: inout ConfigIssues
    ) -> RolloutPlan? {
        guard let r = ObjectReader(value, at: path, known: keys, issues: &issues) else { return nil }
        r.finish(issues: &issues)
        let errors = issues.errorCount
        let baseline = r.string("baseline", issues: &issues, missingFix: "name the entity traffic goes back to")
        let candidate = r.string("candidate", issues: &issues, missingFix: "name the entity being rolled out")
        for (key, name) in [("baseline", baseline), ("candidate", candidate)] {
            if let name, !entities.contains(name) {
                issues.error(
                    path.key(key), "no served entity is named \"\(name)\"",
                    fix: "served entities: \(entities.joined(separator: ", "))")
            }
        }
        if let baseline, baseline == candidate {
            issues.error(path.key("candidate"), "the candidate is the baseline", fix: "name two different entities")
        }
        var plan = RolloutPlan(baseline: baseline ?? "", candidate: candidate ?? "")
        if let list = r.value("steps") {
            let steps = list.arrayValue?.compactMap(\.intValue) ?? []
            if steps.isEmpty || steps.count != list.arrayValue?.count || steps.count > 20
                || zip(steps, steps.dropFirst()).contains(where: { $0 >= $1 }) || steps.first! < 1
                || steps.last != 100
            {
                issues.error(
                    path.key("steps"), "expected 1 to 20 increasing whole percentages ending at 100",
                    fix: "e.g. [1, 5, 25, 50, 100]")
            } else {
                plan.steps = steps
            }
        }
        plan.minStepSeconds = r.number("min_step_s", in: 0...86_400 * 30, issues: &issues) ?? plan.minStepSeconds
        plan.minStepRequests =
            r.integer("min_step_requests", in: 1...10_000_000, issues: &issues) ?? plan.minStepRequests
        plan.alpha = r.number("alpha", in: 0.000001...0.5, issues: &issues) ?? plan.alpha
        if let g = r.object("guardrails", known: Guardrail.Metric.allCases.map(\.rawValue), issues: &issues) {
            g.finish(issues: &issues)
            plan.guardrails = Guardrail.Metric.allCases.compactMap { metric in
                g.number(metric.rawValue, in: 0...10, issues: &issues).map { Guardrail(metric, margin: $0) }
            }
            if plan.guardrails.isEmpty {
                issues.error(
                    g.path, "no guardrail: nothing would stop a bad candidate",
                    fix: #"e.g. {"error_rate": 0.01, "latency_p95": 0.2}"#)
            }
        }
        return issues.errorCount == errors ? plan : nil
    }

    /// The plan as `read` takes it.
    public var json: JSONValue {
        [
            "baseline": .string(baseline), "candidate": .string(candidate),
            "steps": .array(steps.map { .number(JSONNumber($0)) }),
            "min_step_s": .number(JSONNumber(minStepSeconds)),
            "min_step_requests": .number(JSONNumber(minStepRequests)),
            "guardrails": .object(
                JSONObject(guardrails.map { .init(key: $0.metric.rawValue, value: .number(JSONNumber($0.margin))) })),
            "alpha": .number(JSONNumber(alpha)),
        ]
    }
}
