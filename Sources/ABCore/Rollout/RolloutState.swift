/// Where a rollout is: its plan, its phase and step, each move it made, and how its guardrails read last. Kept in
/// the journal after every move, so a restarted `abtop serve` resumes it.
public struct RolloutState: Sendable, Equatable, Codable {
    public enum Phase: String, Sendable, Codable {
        /// Taking steps while the guardrails hold.
        case ramping
        /// Holding its step: a person paused it, the split drifted from its weights (SRM), or the candidate's
        /// breaker opened (that pause lifts itself when the breaker closes).
        case paused
        /// A guardrail was decided worse: all of the pair's traffic is back on the baseline.
        case rolledBack = "rolled_back"
        /// The candidate has all of the pair's traffic.
        case completed
        /// A person stopped it: traffic back on the baseline.
        case aborted

        public var isOver: Bool { self == .rolledBack || self == .completed || self == .aborted }
    }

    /// One thing the rollout did, when (Unix seconds), and why.
    public struct Move: Sendable, Equatable, Codable {
        public enum Kind: String, Sendable, Codable {
            case start, advance, pause, resume
            case rollBack = "roll_back"
            case complete, abort, restart
        }

        public var kind: Kind
        public var at: Double
        public var step: Int
        /// The candidate's percentage of the pair's traffic after the move.
        public var percentage: Int
        public var reason: String
    }

    /// One guardrail as last read.
    public struct Reading: Sendable, Equatable, Codable {
        public enum State: String, Sendable, Codable {
            /// Decided within its margin.
            case holds
            /// Decided worse than the baseline by more than its margin.
            case breached
            case open
        }

        public var metric: Guardrail.Metric
        public var state: State
        public var text: String
    }

    public enum PauseCause: String, Sendable, Codable {
        case person, srm, breaker
    }

    public var plan: RolloutPlan
    public var phase: Phase
    /// Index into `plan.steps`.
    public var step: Int
    /// When the step began (Unix seconds), and how many of the candidate's requests in it have finished.
    public var stepStartedAt: Double
    public var stepRequests = 0
    public var pauseCause: PauseCause?
    /// The two entities' share of the endpoint's traffic (100 when they are its only entities), split by the step.
    public var pairTotal: Int
    public var moves: [Move] = []
    public var readings: [Reading] = []

    public init(plan: RolloutPlan, pairTotal: Int, at now: Double) {
        self.plan = plan
        self.phase = .ramping
        self.step = 0
        self.stepStartedAt = now
        self.pairTotal = pairTotal
        moves = [Move(kind: .start, at: now, step: 0, percentage: plan.steps[0], reason: "rollout started")]
    }

    /// The candidate's percentage of the pair's traffic now: the step's, or 0 once rolled back or aborted.
    public var percentage: Int {
        switch phase {
        case .rolledBack, .aborted: 0
        case .completed: 100
        case .ramping, .paused: plan.steps[step]
        }
    }

    /// The endpoint's weights for this state: the pair's share of `base` (what baseline and candidate have now;
    /// the rollout's own share when a hand gave them none) split between them by the step, the others keeping
    /// theirs, rescaled to sum to 100 when the pair's share changed. Always a valid split.
    public func weights(_ base: Weights, baseline: Int, candidate: Int) -> Weights {
        var w = base.percentages
        let live = w[baseline] + w[candidate]
        let pair = live > 0 ? live : pairTotal
        let others = w.indices.filter { $0 != baseline && $0 != candidate }
        let othersTotal = others.reduce(0) { $0 + w[$1] }
        if othersTotal != 100 - pair {
            let scaled = Weights.largestRemainder(others.map { Double(w[$0]) + 1e-9 }, total: 100 - pair)
            for (i, o) in others.enumerated() { w[o] = scaled[i] }
        }
        let c = Int((Double(pair) * Double(percentage) / 100).rounded())
        w[candidate] = c
        w[baseline] = pair - c
        return Weights(w) ?? base
    }

    /// "step 2/5 (5 %), ramping, 42 s in step: error rate holds · p95 latency open".
    public func line(now: Double) -> String {
        let position =
            phase.isOver
            ? phase.rawValue.replacingOccurrences(of: "_", with: " ")
            : "step \(step + 1)/\(plan.steps.count) (\(percentage) %), \(phase.rawValue)"
                + (pauseCause.map { " (\($0.rawValue))" } ?? "") + ", \(Int(max(0, now - stepStartedAt))) s in step"
        let guards = readings.map { "\($0.metric.label) \($0.state.rawValue)" }.joined(separator: " · ")
        return "rollout \(plan.candidate) over \(plan.baseline): \(position)" + (guards.isEmpty ? "" : ": " + guards)
    }
}
