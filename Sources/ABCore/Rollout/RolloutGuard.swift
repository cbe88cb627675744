/// A rollout's decisions, pure: fed the requests of the current step (and the judge's verdicts), it reads each
/// guardrail once a tick and moves the rollout — a step up when every guardrail holds after the step's minimum
/// time and requests, back to the baseline the moment one is breached, a pause on a sample-ratio mismatch or an
/// open breaker. The caller applies the weights of each move and opens the next step (`beginStep`).
///
/// Each step is a test of its own on the requests issued in it (in issue order, as the verdicts read them), so a
/// candidate that turns bad mid-ramp is judged on what it does now, not diluted by the steps before. α is spent a
/// step at a time (α / steps), each step's guardrails and metrics a family (docs/STATISTICS.md).
public struct RolloutGuard: Sendable {
    public private(set) var state: RolloutState
    /// The endpoint's entity indices of the baseline and the candidate.
    public let baseline: Int
    public let candidate: Int
    private let infos: [EntityInfo]
    private let priced: Bool
    /// The session epoch whose requests this step counts.
    public private(set) var epoch: Int
    private var stats: StatsAggregator
    /// The session's issue ticket → this step's, per side (0 baseline, 1 candidate), for requests in flight.
    private var tickets: [[Int: Int]] = [[:], [:]]
    private var judged: [Vote] = []
    /// The epoch whose sample-ratio alarm a person has seen and resumed past (its running p-value stays flagged).
    private var srmAcknowledged: Int?

    public enum Command: String, Sendable {
        case pause, resume, abort
    }

    /// `infos`: the endpoint's entities; `priced`: every entity has a price (the cost guardrail can be read).
    public init(plan: RolloutPlan, infos: [EntityInfo], pairTotal: Int, epoch: Int, priced: Bool, at now: Double) {
        baseline = infos.firstIndex { $0.name == plan.baseline } ?? 0
        candidate = infos.firstIndex { $0.name == plan.candidate } ?? min(1, infos.count - 1)
        self.infos = [infos[baseline], infos[candidate]]
        self.priced = priced
        self.epoch = epoch
        state = RolloutState(plan: plan, pairTotal: pairTotal, at: now)
        if plan.steps.count == 1 { state.phase = .completed }
        stats = Self.freshStats(self.infos)
    }

    /// Resumes a journaled rollout (a restarted serve): its phase, step and moves; the step starts over (its time
    /// and requests), since the requests it had counted were the old session's.
    public init(resuming saved: RolloutState, infos: [EntityInfo], epoch: Int, priced: Bool, at now: Double) {
        self.init(plan: saved.plan, infos: infos, pairTotal: saved.pairTotal, epoch: epoch, priced: priced, at: now)
        state = saved
        state.stepStartedAt = now
        state.stepRequests = 0
        state.moves.append(
            .init(
                kind: .restart, at: now, step: saved.step, percentage: saved.percentage,
                reason: "serve restarted: the step starts over on the new session's requests"))
    }

    private static func freshStats(_ infos: [EntityInfo]) -> StatsAggregator {
        StatsAggregator(entities: infos, epoch: SplitEpoch(index: 0, weights: .even(count: 2), startedAt: 0))
    }

    private func side(_ entity: Int) -> Int? { entity == baseline ? 0 : entity == candidate ? 1 : nil }

    /// A request was sent (`SessionEvent.started`): counted in this step's issue order when it is of this step.
    public mutating func started(entity: Int, ticket: Int, epoch: Int) {
        guard epoch == self.epoch, !state.phase.isOver, let s = side(entity) else { return }
        tickets[s][ticket] = stats.requestStarted(entity: s)
    }

    /// A request finished: one of this step's (started in it) joins its sample.
    public mutating func finished(_ outcome: RequestOutcome) {
        guard let s = side(outcome.entity), let session = outcome.issue,
            let mine = tickets[s].removeValue(forKey: session)
        else { return }
        var o = outcome
        o.entity = s
        o.arm = s
        o.epoch = 0
        o.issue = mine
        stats.record(o, at: 0)
        if s == 1, outcome.error != .cancelled { state.stepRequests += 1 }
    }

    /// The judge's verdict on the baseline's and the candidate's answers (the judge guardrail's data).
    public mutating func judged(_ j: Judgement) {
        guard let vote = j.vote, let a = side(vote.a), let b = side(vote.b), a != b else { return }
        judged.append(Vote(a: a, b: b, choice: vote.choice))
    }

    /// The next step's weights are in place, as session epoch `epoch`: its test starts afresh.
    public mutating func beginStep(epoch: Int, at now: Double) {
        self.epoch = epoch
        stats = Self.freshStats(infos)
        tickets = [[:], [:]]
        judged = []
        state.stepStartedAt = now
        state.stepRequests = 0
    }

    /// Reads the guardrails and makes the move they call for, if any. `srm`: this step's split is flagged;
    /// `breakerOpen`: the candidate's breaker holds it out.
    public mutating func tick(now: Double, srm: Bool, breakerOpen: Bool) -> RolloutState.Move? {
        guard !state.phase.isOver else { return nil }
        state.readings = readings()
        if let breach = state.readings.first(where: { $0.state == .breached }) {
            state.phase = .rolledBack
            state.pauseCause = nil
            return move(.rollBack, now, "\(breach.metric.label) breached: \(breach.text)")
        }
        if state.phase == .paused {
            guard state.pauseCause == .breaker, !breakerOpen else { return nil }
            state.phase = .ramping
            state.pauseCause = nil
            return move(.resume, now, "the candidate's breaker closed")
        }
        if srm, srmAcknowledged != epoch {
            state.phase = .paused
            state.pauseCause = .srm
            return move(
                .pause, now, "sample ratio mismatch: the split is not doing what it says (resume once it is explained)")
        }
        if breakerOpen {
            state.phase = .paused
            state.pauseCause = .breaker
            return move(.pause, now, "the candidate's breaker opened")
        }
        let p = state.plan
        guard now - state.stepStartedAt >= p.minStepSeconds, state.stepRequests >= p.minStepRequests,
            state.readings.allSatisfy({ $0.state == .holds })
        else { return nil }
        state.step += 1
        let reason =
            "every guardrail held over \(state.stepRequests) of the candidate's requests in "
            + "\(Int(now - state.stepStartedAt)) s"
        if state.step == p.steps.count - 1 {
            state.phase = .completed
            return move(.complete, now, reason)
        }
        return move(.advance, now, reason)
    }

    /// A person's pause, resume or abort (the dashboard, the API); nil when it changes nothing.
    public mutating func command(_ c: Command, now: Double) -> RolloutState.Move? {
        guard !state.phase.isOver else { return nil }
        switch c {
        case .pause:
            guard state.phase == .ramping else { return nil }
            state.phase = .paused
            state.pauseCause = .person
            return move(.pause, now, "paused by a person")
        case .resume:
            guard state.phase == .paused else { return nil }
            if state.pauseCause == .srm { srmAcknowledged = epoch }
            state.phase = .ramping
            state.pauseCause = nil
            return move(.resume, now, "resumed by a person")
        case .abort:
            state.phase = .aborted
            state.pauseCause = nil
            return move(.abort, now, "aborted by a person: traffic back on the baseline")
        }
    }

    private mutating func move(_ kind: RolloutState.Move.Kind, _ now: Double, _ reason: String) -> RolloutState.Move {
        let m = RolloutState.Move(kind: kind, at: now, step: state.step, percentage: state.percentage, reason: reason)
        state.moves.append(m)
        return m
    }

    /// The verdicts' settings for one step: α / steps, the metrics the guardrails read.
    var settings: VerdictAnalysis.Settings {
        let metrics = Set(state.plan.guardrails.map(\.metric))
        return VerdictAnalysis.Settings(
            alpha: state.plan.alpha / Double(state.plan.steps.count), streaming: metrics.contains(.ttftP95),
            paired: false, cost: priced && metrics.contains(.cost), checks: metrics.contains(.checkPassRate))
    }

    /// Each guardrail: holds (decided within its margin), breached (decided worse by more than it), or open.
    func readings() -> [RolloutState.Reading] {
        let verdicts = stats.verdicts(settings: settings)
        func verdict(_ m: Verdict.Metric) -> Verdict? { verdicts.first { $0.metric == m } }
        return state.plan.guardrails.map { g in
            // The verdicts read B − A with A the baseline, B the candidate.
            var reading = RolloutState.Reading(metric: g.metric, state: .open, text: "too few requests yet")
            func decide(low: Double?, high: Double?, limit: Double, higherIsWorse: Bool, describe: String) {
                reading.text = describe
                if higherIsWorse {
                    if let high, high < limit { reading.state = .holds }
                    if let low, low > limit { reading.state = .breached }
                } else {
                    if let low, low > -limit { reading.state = .holds }
                    if let high, high < -limit { reading.state = .breached }
                }
            }
            switch g.metric {
            case .errorRate:
                guard let v = verdict(.errorRate) else { break }
                decide(
                    low: v.low, high: v.high, limit: g.margin, higherIsWorse: true,
                    describe: "candidate − baseline \(Self.points(v.low, v.high)) (margin \(Self.point(g.margin)))")
            case .latencyP95, .ttftP95:
                guard let v = verdict(g.metric == .latencyP95 ? .latencyE2EP95 : .ttftP95) else { break }
                decide(
                    low: v.ratioLow.map { $0 - 1 }, high: v.ratioHigh.map { $0 - 1 }, limit: g.margin,
                    higherIsWorse: true,
                    describe:
                        "candidate / baseline \(Self.ratio(v.ratioLow, v.ratioHigh)) (margin ×\(fixedPoint(1 + g.margin, places: 2)))"
                )
            case .cost:
                guard let v = verdict(.cost), let base = v.estimateA else { break }
                decide(
                    low: v.low, high: v.high, limit: g.margin * base, higherIsWorse: true,
                    describe: "candidate − baseline per 1,000 requests \(Self.money(v.low, v.high)) "
                        + "(margin \(fixedPoint(g.margin * 100, places: 0)) % of the baseline's)")
            case .checkPassRate:
                guard let v = verdict(.checkPassRate) else { break }
                decide(
                    low: v.low, high: v.high, limit: g.margin, higherIsWorse: false,
                    describe: "candidate − baseline \(Self.points(v.low, v.high)) (margin −\(Self.point(g.margin)))")
            case .judge:
                guard let h = HeadToHead.of(judged, entityCount: 2, alpha: settings.alpha).first else { break }
                // h.rate is the baseline's score against the candidate: the candidate's is 1 − it.
                decide(
                    low: 0.5 - (1 - h.rate.lower), high: 0.5 - (1 - h.rate.upper), limit: g.margin, higherIsWorse: true,
                    describe: "candidate's score \(fixedPoint((1 - h.rate.upper) * 100, places: 0))–"
                        + "\(fixedPoint((1 - h.rate.lower) * 100, places: 0)) % over \(h.votes) pairs "
                        + "(margin: at least \(fixedPoint((0.5 - g.margin) * 100, places: 0)) %)")
            }
            return reading
        }
    }

    static func point(_ x: Double) -> String { "\(fixedPoint(x * 100, places: x * 100 < 10 ? 1 : 0)) points" }
    static func points(_ low: Double?, _ high: Double?) -> String {
        "\(low.map { fixedPoint($0 * 100, places: 1) } ?? "−∞") to \(high.map { fixedPoint($0 * 100, places: 1) } ?? "+∞") points"
    }
    static func ratio(_ low: Double?, _ high: Double?) -> String {
        "×\(low.map { fixedPoint($0, places: 2) } ?? "0")–\(high.map { fixedPoint($0, places: 2) } ?? "∞")"
    }
    static func money(_ low: Double?, _ high: Double?) -> String {
        VerdictText.moneyRange(low ?? -.infinity, high ?? .infinity)
    }
}
