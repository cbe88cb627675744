import ABCore
import Foundation
import Synchronization

/// Runs one endpoint's guarded rollout: a `RolloutGuard` fed the session's requests, read once a second, its
/// moves applied to the router (each a split epoch) and told to every observer (the journal keeps each state, so a
/// restarted serve resumes; `/metrics` and the dashboard show it). One rollout at a time per endpoint.
public final class RolloutController: SessionObserver, Sendable {
    private let state = Mutex<State>(State())
    private let stopped = Atomic<Bool>(false)

    private struct State {
        var rollout: RolloutGuard?
        var engine: Engine?
        var analysis: SessionAnalysis?
        /// The weights the last move set: a split moved by hand (a slider, `PUT …/config`) pauses the rollout.
        var expected: Weights?
        var ticking = false
    }

    public enum Refusal: Error, CustomStringConvertible {
        case running(String)
        case none
        case plan(ConfigIssues)

        public var description: String {
            switch self {
            case .running(let line): "a rollout is already under way (\(line)): abort it first"
            case .none: "no rollout on this endpoint"
            case .plan(let issues): issues.description
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
        _ = started
    }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
        state.withLock { $0.engine = nil }
    }

    /// Starts `plan`, or resumes `saved` (a restarted serve): its step's weights are set now.
    public func start(_ plan: RolloutPlan, resuming saved: RolloutState? = nil) throws(Refusal) {
        let now = Date().timeIntervalSince1970
        let (engine, rollout) = try state.withLock { s throws(Refusal) -> (Engine?, RolloutGuard?) in
            if let r = s.rollout, !r.state.phase.isOver { throw .running(r.state.line(now: now)) }
            guard let engine = s.engine else { return (nil, nil) }
            let config = engine.session.endpoint
            if config.settings.strategy.isAdaptive {
                var issues = ConfigIssues()
                issues.error(
                    ConfigPath(),
                    "this endpoint's split is adaptive (router.strategy thompson): a rollout cannot set it")
                throw .plan(issues)
            }
            let infos = config.servedEntities.map { EntityInfo($0, settings: config.settings.entities[$0.name]) }
            let weights = engine.routing.weights
            let b = config.entityIndex(named: plan.baseline) ?? 0
            let c = config.entityIndex(named: plan.candidate) ?? 1
            let epoch = engine.routing.epoch.index
            let r =
                saved.map {
                    RolloutGuard(resuming: $0, infos: infos, epoch: epoch, priced: config.pricesKnown, at: now)
                }
                ?? RolloutGuard(
                    plan: plan, infos: infos, pairTotal: weights[b] + weights[c], epoch: epoch,
                    priced: config.pricesKnown, at: now)
            s.rollout = r
            return (engine, r)
        }
        guard let engine, let rollout else { return }
        apply(rollout, engine: engine, newStep: true)
    }

    /// A person's pause, resume or abort.
    public func command(_ c: RolloutGuard.Command) throws(Refusal) -> RolloutState {
        let now = Date().timeIntervalSince1970
        let (moved, engine, rollout) = try state.withLock { s throws(Refusal) -> (Bool, Engine?, RolloutGuard) in
            guard var r = s.rollout else { throw .none }
            let move = r.command(c, now: now)
            s.rollout = r
            return (move != nil, s.engine, r)
        }
        if moved, let engine { apply(rollout, engine: engine, newStep: false) }
        return rollout.state
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
        let result = state.withLock { s -> (RolloutGuard, Bool)? in
            guard var r = s.rollout else { return nil }
            let breaker: Bool
            if case .open = engine.routing.breakerStates[r.candidate] { breaker = true } else { breaker = false }
            var move: RolloutState.Move?
            if let expected, expected != weights, r.state.phase == .ramping {
                // Someone else moved the split: the rollout holds until a person resumes it.
                move = r.command(.pause, now: now)
            } else {
                move = r.tick(now: now, srm: srm, breakerOpen: breaker)
            }
            s.rollout = r
            guard let move else { return nil }
            return (r, move.kind == .advance || move.kind == .complete)
        }
        if let (rollout, newStep) = result { apply(rollout, engine: engine, newStep: newStep) }
    }

    /// Sets the weights `rollout`'s state calls for (a new epoch when they change), opens the step's test on that
    /// epoch, and tells the session's observers.
    private func apply(_ rollout: RolloutGuard, engine: Engine, newStep: Bool) {
        let now = Date().timeIntervalSince1970
        let target = rollout.state.weights(
            engine.routing.weights, baseline: rollout.baseline, candidate: rollout.candidate)
        let epoch = engine.setWeights(target)
        let latest = state.withLock { s -> RolloutState? in
            s.expected = target
            if newStep { s.rollout?.beginStep(epoch: epoch.index, at: now) }
            return s.rollout?.state
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
