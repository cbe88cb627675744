import ABCore
import Foundation
import Synchronization

/// Runs one endpoint's guarded rollout: a `RolloutGuard` fed the session's requests, read once a second, its
/// moves applied to the router (each a split epoch) and told to every observer (the journal keeps each state, so a
/// restarted serve resumes; `/metrics` and the dashboard show it). One rollout at a time per endpoint.
public final class RolloutController: SessionObserver, Sendable {
    private let state = Mutex<State>(State())
    private let stopped = Atomic<Bool>(false)
    /// Held across a whole move (decide, set the weights, open the step), so a tick, a person's command and a
    /// start never interleave their moves.
    private let moving = NSLock()

    private struct State {
        var rollout: RolloutGuard?
        var engine: Engine?
        var analysis: SessionAnalysis?
        /// The weights the last move set: a split moved by hand (a slider, `PUT …/config`) pauses the rollout.
        var expected: Weights?
    }

    public enum Refusal: Error, CustomStringConvertible {
        case running(String)
        case none
        case plan(ConfigIssues)
        /// The command changes nothing in the rollout's phase (resume while ramping, anything once it ended).
        case unchanged(RolloutGuard.Command, RolloutState.Phase)

        public var description: String {
            switch self {
            case .running(let line): "a rollout is already under way (\(line)): abort it first"
            case .none: "no rollout on this endpoint"
            case .plan(let issues): issues.description
            case .unchanged(let c, let phase):
                "the rollout is \(phase.rawValue.replacingOccurrences(of: "_", with: " ")): \(c.rawValue) changes nothing"
            }
        }
    }

    public init() {}

    /// The engine whose router the moves set and the analysis whose sample-ratio checks can pause (once both
    /// exist). `interval`: seconds between reads.
    public func attach(engine: Engine, analysis: SessionAnalysis, interval: Double = 1) {
        state.withLock {
            $0.engine = engine
            $0.analysis = analysis
        }
        let started = DetachedThread.start(name: "abtop-rollout") { [self] in
            while !stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: interval)
                if !stopped.load(ordering: .relaxed) { tick() }
            }
        }
        // Without its thread nothing would guard a rollout: none may start (the engine is withheld).
        if !started {
            state.withLock { $0.engine = nil }
            engine.session.note(
                EngineEvent(
                    time: engine.session.now(), entity: nil, kind: .split,
                    message: "rollouts are off: abtop could not start their thread (a process limit)"))
        }
    }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
        state.withLock { $0.engine = nil }
    }

    /// Starts `plan`, or resumes `saved` (a restarted serve): its step's weights are set now. Refused when one is
    /// under way, or when the plan cannot be carried out on this endpoint (a guardrail it cannot measure, a first
    /// step that gives the candidate no traffic).
    public func start(_ plan: RolloutPlan, resuming saved: RolloutState? = nil) throws(Refusal) {
        moving.lock()
        defer { moving.unlock() }
        let now = Date().timeIntervalSince1970
        let engine = try state.withLock { s throws(Refusal) -> Engine? in
            if let r = s.rollout, !r.state.phase.isOver { throw .running(r.state.line(now: now)) }
            guard let engine = s.engine else { return nil }
            let config = engine.session.endpoint
            if let problem = Self.problem(plan, config: config, weights: engine.routing.weights) {
                var issues = ConfigIssues()
                issues.error(ConfigPath(), problem)
                throw .plan(issues)
            }
            let infos = config.servedEntities.map { EntityInfo($0, settings: config.settings.entities[$0.name]) }
            let weights = engine.routing.weights
            let b = config.entityIndex(named: plan.baseline) ?? 0
            let c = config.entityIndex(named: plan.candidate) ?? 1
            let epoch = engine.routing.epoch.index
            s.rollout =
                saved.map {
                    RolloutGuard(resuming: $0, infos: infos, epoch: epoch, priced: config.pricesKnown, at: now)
                }
                ?? RolloutGuard(
                    plan: plan, infos: infos, pairTotal: weights[b] + weights[c], epoch: epoch,
                    priced: config.pricesKnown, at: now)
            return engine
        }
        if let engine { apply(engine: engine) }
    }

    /// Why `plan` cannot run on this endpoint, or nil.
    static func problem(_ plan: RolloutPlan, config: EndpointConfig, weights: Weights) -> String? {
        if config.settings.strategy.isAdaptive {
            return "this endpoint's split is adaptive (router.strategy thompson): a rollout cannot set it"
        }
        guard let b = config.entityIndex(named: plan.baseline), let c = config.entityIndex(named: plan.candidate) else {
            return "the plan's baseline and candidate must be served entities"
        }
        let pair = weights[b] + weights[c]
        if pair == 0 { return "\(plan.baseline) and \(plan.candidate) have no traffic to share" }
        if plan.steps.count < 2 { return "a rollout takes at least one step below 100 % (e.g. [5, 100])" }
        if Int((Double(pair) * Double(plan.steps[0]) / 100).rounded()) == 0 {
            return "the first step (\(plan.steps[0]) % of the pair's \(pair) %) gives the candidate no traffic"
        }
        for g in plan.guardrails {
            switch g.metric {
            case .cost where !config.pricesKnown:
                return "the cost guardrail needs every entity's price (abtop.prices)"
            case .checkPassRate:
                return "served requests carry no checks: check_pass_rate cannot be a guardrail here"
            case .judge where config.settings.judge == nil:
                return "the judge guardrail needs abtop.judge"
            default: continue
            }
        }
        return nil
    }

    /// A person's pause, resume or abort.
    public func command(_ c: RolloutGuard.Command) throws(Refusal) -> RolloutState {
        moving.lock()
        defer { moving.unlock() }
        let now = Date().timeIntervalSince1970
        let engine = try state.withLock { s throws(Refusal) -> Engine? in
            guard var r = s.rollout else { throw .none }
            guard r.command(c, now: now) != nil else { throw .unchanged(c, r.state.phase) }
            s.rollout = r
            return s.engine
        }
        if let engine { apply(engine: engine) }
        guard let state = current else { throw .none }
        return state
    }

    /// The rollout as it stands, nil without one.
    public var current: RolloutState? { state.withLock { $0.rollout?.state } }

    public func observe(_ event: SessionEvent) {
        switch event {
        case .started(let entity, let ticket, let epoch):
            state.withLock { $0.rollout?.started(entity: entity, ticket: ticket, epoch: epoch) }
        case .finished(let record):
            state.withLock { $0.rollout?.finished(record.outcome) }
        case .judged(let j, _):
            state.withLock { $0.rollout?.judged(j) }
        default: break
        }
    }

    /// One read of the guardrails, and the move it calls for.
    public func tick() {
        moving.lock()
        defer { moving.unlock() }
        let now = Date().timeIntervalSince1970
        let context = state.withLock { s -> (Engine, SessionAnalysis, Weights?)? in
            guard let engine = s.engine, let analysis = s.analysis, s.rollout?.state.phase.isOver == false else {
                return nil
            }
            return (engine, analysis, s.expected)
        }
        guard let (engine, analysis, expected) = context else { return }
        let epoch = engine.routing.epoch.index
        let srm = analysis.result.srm.contains { $0.epoch == epoch && $0.flagged }
        let weights = engine.routing.weights
        let breaker: Bool
        let candidate = state.withLock { $0.rollout?.candidate ?? 0 }
        if case .open = engine.routing.breakerStates[candidate] { breaker = true } else { breaker = false }
        let moved = state.withLock { s -> Bool in
            guard var r = s.rollout else { return false }
            let move: RolloutState.Move?
            if let expected, expected != weights, r.state.phase == .ramping {
                // Someone else moved the split: the rollout holds until a person resumes it.
                move = r.command(.pause, now: now)
            } else {
                move = r.tick(now: now, srm: srm, breakerOpen: breaker)
            }
            s.rollout = r
            return move != nil
        }
        if moved { apply(engine: engine) }
    }

    /// Sets the weights the rollout's state calls for (a new epoch when they change), opens a fresh step test
    /// whenever the epoch changed or the step did, and tells the session's observers. Called with `moving` held,
    /// so no other move interleaves.
    private func apply(engine: Engine) {
        let now = Date().timeIntervalSince1970
        let target = state.withLock { s -> Weights? in
            s.rollout.map { $0.state.weights(engine.routing.weights, baseline: $0.baseline, candidate: $0.candidate) }
        }
        guard let target else { return }
        let epoch = engine.setWeights(target)
        let latest = state.withLock { s -> RolloutState? in
            s.expected = engine.routing.weights
            guard var r = s.rollout else { return nil }
            let stepped = r.state.moves.last.map { $0.kind == .advance || $0.kind == .start || $0.kind == .restart }
            if epoch.index != r.epoch || stepped == true { r.beginStep(epoch: epoch.index, at: now) }
            s.rollout = r
            return r.state
        }
        if let latest {
            engine.session.note(
                EngineEvent(
                    time: engine.session.now(), entity: nil, kind: .split,
                    message: "rollout: " + (latest.moves.last.map { "\($0.kind.rawValue) — \($0.reason)" } ?? "")))
            engine.session.rolloutMoved(latest)
        }
    }
}
