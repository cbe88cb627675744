import ABCore
import Synchronization

/// The router and one breaker per entity, behind one lock: every pick sees the breakers' current say, and a
/// reweight applies from the very next pick.
public final class RoutingState: Sendable {
    private struct State {
        var router: Router
        var breakers: [Breaker]
    }

    private let state: Mutex<State>

    public init(router: Router, breaker: Breaker.Policy) {
        state = Mutex(
            State(
                router: router,
                breakers: [Breaker](
                    repeating: Breaker(policy: breaker),
                    count: router.weights.count)))
    }

    /// A pick for one request: the entity, the epoch it was picked in, and whether it is its breaker's probe.
    public struct Pick: Sendable, Equatable {
        public let entity: Int
        public let epoch: Int
        public let isProbe: Bool
        /// A sticky session's later request in this epoch: its entity followed from the session's first pick,
        /// so it is not a randomised assignment (left out of the sample-ratio check and the verdicts).
        public var repeatsSession = false
        /// Made while a breaker held an entity with a share out of the draw: the pick followed the breaker, not
        /// the split, so it stays out of the sample-ratio check (and the summary says what moved the traffic).
        public var steered = false
    }

    /// Picks among the entities whose breakers allow traffic; nil when none with a share does.
    public func pick(stickyKey: String?, now: Double) -> Pick? {
        state.withLock { s -> Pick? in
            let available = s.breakers.map { $0.isAvailable(at: now) }
            guard let entity = s.router.pick(available: available, stickyKey: stickyKey) else { return nil }
            let admission = s.breakers[entity].admit(at: now)
            var pick = Pick(entity: entity, epoch: s.router.epoch.index, isProbe: admission == .probe)
            pick.repeatsSession = s.router.lastPickRepeatedKey
            let shares = s.router.epoch.weights.percentages
            pick.steered = available.indices.contains { !available[$0] && $0 < shares.count && shares[$0] > 0 }
            return pick
        }
    }

    /// Admits one fallback attempt on `entity`, unless its breaker is open.
    public func admitFallback(_ entity: Int, now: Double) -> Pick? {
        state.withLock { s in
            switch s.breakers[entity].admit(at: now) {
            case .reject: nil
            case .allow: Pick(entity: entity, epoch: s.router.epoch.index, isProbe: false)
            case .probe: Pick(entity: entity, epoch: s.router.epoch.index, isProbe: true)
            }
        }
    }

    /// A request's outcome on the entity the router picked (not its retries, not a fallback's rescue): what an
    /// adaptive split learns from.
    public func observe(entity: Int, success: Bool) {
        state.withLock { $0.router.observe(entity: entity, success: success) }
    }

    /// Cools `entity` down until session second `until`, as another replica's breaker does (see `Breaker.coolDown`).
    @discardableResult
    public func coolDown(_ entity: Int, until: Double, now: Double) -> Bool {
        state.withLock { s in
            guard s.breakers.indices.contains(entity) else { return false }
            return s.breakers[entity].coolDown(until: until, at: now)
        }
    }

    /// Reports an attempt's result to the entity's breaker.
    public func record(entity: Int, success: Bool, isProbe: Bool, now: Double) -> Breaker.Transition? {
        state.withLock { $0.breakers[entity].record(success: success, isProbe: isProbe, at: now) }
    }

    public func fallbackOrder(after arm: Int, now: Double) -> [Int] {
        state.withLock { s in s.router.fallbackOrder(after: arm, available: s.breakers.map { $0.isAvailable(at: now) })
        }
    }

    /// The earliest time an open breaker lets a probe through, for waiting when every entity is cooling down.
    public func nextOpening(after now: Double) -> Double? {
        state.withLock { s in
            s.breakers.compactMap { b -> Double? in
                if case .open(let until) = b.state { return until }
                return nil
            }.min()
        }
    }

    /// Whether `entity`'s breaker is closed (a retry after it opened would only add to the failures).
    public func isClosed(_ entity: Int) -> Bool {
        state.withLock { s in
            if case .closed = s.breakers[entity].state { return true }
            return false
        }
    }

    public var weights: Weights { state.withLock { $0.router.weights } }
    public var epoch: SplitEpoch { state.withLock { $0.router.epoch } }
    public var breakerStates: [Breaker.State] { state.withLock { $0.breakers.map(\.state) } }

    /// New weights from the next pick on; returns the epoch (a new one if they changed). Internal: the split
    /// changes only through `Engine.setWeights`, which makes it the session's event (`Session.reweight`).
    @discardableResult
    func setWeights(_ weights: Weights, at time: Double) -> SplitEpoch {
        state.withLock { $0.router.setWeights(weights, at: time) }
    }
}
