import ABCore
import ABEngine
import ABFleet
import ABServer
import ABStore
import Foundation
import Synchronization

/// Guarded rollouts over a fleet (issue 28): one rollout per endpoint for the whole fleet, run by one replica, the
/// endpoint's **leader** (a lease in Redis, renewed every 200 ms, taken over by another replica within 5 s of the
/// leader's death), on the fleet's traffic rather than its own share of it.
///
/// - The leader follows the endpoint's batches into a `FleetFollower` whose session carries a `RolloutController`:
///   the guard reads the fleet's requests, in the fleet's issue order, with the fleet's SRM check.
/// - Each move sets the view's split and is published to the fleet as the endpoint's new split (every replica
///   applies it within a second); the state after it is kept in Redis (`abtop:rollout:NAME`, what `GET …/rollout`
///   on any replica answers) and in the leader's journal.
/// - `POST …/rollout[/pause|resume|abort]` on any replica goes to the leader through a Redis list, and its answer
///   comes back the same way (a replica waits up to 5 s for it).
/// - A new leader resumes the rollout from Redis' state at its step (the step's evidence starts over, as after a
///   restart), and a split moved by a person anywhere in the fleet pauses it, as on one replica.
final class FleetRollouts: @unchecked Sendable {
    let link: FleetLink
    let registry: ServingRegistry
    private let lock = NSLock()
    /// The endpoints this replica leads a rollout of, each with its view of the fleet.
    private var leading: [String: Leader] = [:]
    private let stopped = Atomic<Bool>(false)

    final class Leader: @unchecked Sendable {
        let follower: FleetFollower
        let controller: RolloutController
        init(follower: FleetFollower, controller: RolloutController) {
            self.follower = follower
            self.controller = controller
        }
    }

    /// Where runtimes made before the registry existed find it (the factory needs it before `FleetRollouts` can be).
    final class Slot: Sendable {
        private let box = Mutex<FleetRollouts?>(nil)
        init() {}
        var value: FleetRollouts? { box.withLock { $0 } }
        func fill(_ rollouts: FleetRollouts) { box.withLock { $0 = rollouts } }
    }

    static let lease = 5.0
    static let look = 0.2
    static let answerWait = 5.0

    init(link: FleetLink, registry: ServingRegistry) {
        self.link = link
        self.registry = registry
    }

    func start() {
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: Self.look)
                tick()
            }
            lock.withLock {
                for leader in leading.values { stop(leader) }
                leading = [:]
            }
        }
        thread.name = "abtop-fleet-rollouts"
        thread.start()
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    var pool: RedisPool { link.pool }

    // MARK: - What any replica answers

    /// The fleet's rollout of `name` as the leader last kept it.
    func state(_ name: String) -> RolloutState? {
        let text = pool.with { try $0.command(["GET", "abtop:rollout:" + name]).string }
        return RolloutJSON.decode((text ?? nil) ?? nil)
    }

    /// Starts, pauses, resumes or aborts the fleet's rollout of `name`: here when this replica leads it, else by
    /// asking the leader through Redis and waiting for its answer.
    func perform(_ name: String, _ action: RolloutAction) async throws(ServingError) -> RolloutState {
        if let leader = lock.withLock({ leading[name] }) { return try apply(action, on: leader, endpoint: name) }
        let id = UUID().uuidString
        let request = Request(id: id, command: action.command?.rawValue, plan: action.plan)
        guard let body = try? String(data: JSONEncoder().encode(request), encoding: .utf8),
            pool.with({ try $0.command(["RPUSH", "abtop:rollout-ask:" + name, body]) }) != nil
        else { throw Self.unreachable(link) }
        let deadline = Date().addingTimeInterval(Self.answerWait)
        while Date() < deadline {
            // This replica may have become the leader meanwhile: it answers its own question on its next look.
            let reply = pool.with { try $0.command(["GET", "abtop:rollout-answer:" + id]).string }
            if let text = reply ?? nil, let data = text.data(using: .utf8),
                let answer = try? JSONDecoder().decode(Answer.self, from: data)
            {
                if let state = answer.state { return state }
                throw ServingError(
                    status: answer.status ?? 500, code: answer.code ?? "INTERNAL_ERROR", message: answer.message ?? "")
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        throw ServingError(
            status: 503, code: "TEMPORARILY_UNAVAILABLE",
            message: "the replica leading '\(name)''s rollout did not answer within \(Int(Self.answerWait)) s; retry")
    }

    struct Request: Codable {
        var id: String
        var command: String?
        var plan: RolloutPlan?
    }

    struct Answer: Codable {
        var state: RolloutState?
        var status: Int?
        var code: String?
        var message: String?
    }

    // MARK: - The leader's side

    /// One look: leases renewed or taken, the led rollouts' questions answered and states kept.
    private func tick() {
        for endpoint in registry.endpoints {
            let name = endpoint.name
            guard let leads = link.lead("rollout:" + name, seconds: Self.lease) else { continue }
            let current = lock.withLock { leading[name] }
            if !leads {
                if let current {
                    lock.withLock {
                        stop(current)
                        leading[name] = nil
                    }
                }
                continue
            }
            let questions = pool.with { c in
                try c.command(["LPOP", "abtop:rollout-ask:" + name, "10"]).array ?? []
            }
            let saved = state(name)
            var leader = current
            if leader == nil,
                !(questions ?? []).isEmpty || saved.map({ !$0.phase.isOver }) == true
                    || startsFromConfig(endpoint, saved: saved)
            {
                leader = follow(name)
            }
            guard let leader else { continue }
            if current == nil {
                // Resumed where the last leader left it, or the config's plan started.
                if let saved, !saved.phase.isOver {
                    try? leader.controller.start(saved.plan, resuming: saved)
                } else if let plan = endpoint.config.settings.rollout, saved?.plan != plan {
                    try? leader.controller.start(plan)
                }
            }
            for question in questions ?? [] {
                guard let text = question.string, let data = text.data(using: .utf8),
                    let request = try? JSONDecoder().decode(Request.self, from: data)
                else { continue }
                var answer = Answer()
                do {
                    let action: RolloutAction
                    if let plan = request.plan {
                        action = .start(plan)
                    } else if let word = request.command, let command = RolloutGuard.Command(rawValue: word) {
                        action = .command(command)
                    } else {
                        continue
                    }
                    answer.state = try apply(action, on: leader, endpoint: name)
                } catch {
                    (answer.status, answer.code, answer.message) = (error.status, error.code, error.message)
                }
                if let body = try? String(data: JSONEncoder().encode(answer), encoding: .utf8) {
                    _ = pool.with {
                        try $0.command(["SET", "abtop:rollout-answer:" + request.id, body, "PX", "30000"])
                    }
                }
            }
            keep(leader, endpoint: name)
            if let s = leader.controller.current, s.phase.isOver {
                lock.withLock {
                    stop(leader)
                    leading[name] = nil
                }
            }
        }
    }

    /// Whether the config's own `abtop.rollout` has yet to run on the fleet.
    private func startsFromConfig(_ endpoint: ServingRegistry.Endpoint, saved: RolloutState?) -> Bool {
        guard let plan = endpoint.config.settings.rollout else { return false }
        return saved?.plan != plan
    }

    /// Starts following `name`'s batches with a rollout controller on the view, caught up before it decides.
    private func follow(_ name: String) -> Leader? {
        let relay = MoveRelay()
        guard let follower = try? FleetFollower(pool: pool, name: name, rollouts: true, observers: [relay]),
            let controller = follower.host.rollout
        else { return nil }
        // Catching up can take a while on a busy fleet: the lease is kept meanwhile.
        var renewed = Date()
        while follower.readOnce() {
            if Date().timeIntervalSince(renewed) > 1 {
                _ = link.lead("rollout:" + name, seconds: Self.lease)
                renewed = Date()
            }
        }
        relay.bind(fleet: self, follower: follower, endpoint: name)
        follower.start()
        let leader = Leader(follower: follower, controller: controller)
        lock.withLock { leading[name] = leader }
        return leader
    }

    private func stop(_ leader: Leader) {
        leader.controller.stop()
        leader.follower.stop()
        _ = leader.follower.host.close()
    }

    private func apply(_ action: RolloutAction, on leader: Leader, endpoint: String) throws(ServingError)
        -> RolloutState
    {
        let state = try ServeRuntime.perform(action, on: leader.controller)
        keep(leader, endpoint: endpoint)
        return state
    }

    /// The rollout's state, kept in Redis for every replica's `GET …/rollout`.
    private func keep(_ leader: Leader, endpoint: String) {
        guard let state = leader.controller.current, let text = RolloutJSON.encode(state) else { return }
        _ = pool.with { try $0.command(["SET", "abtop:rollout:" + endpoint, text]) }
    }

    /// A move of the view's rollout: published as the fleet's split, kept, and journaled by this replica.
    fileprivate func moved(_ state: RolloutState, weights: Weights, endpoint: String) {
        _ = link.publishSplit(endpoint, weights: weights.percentages)
        if let text = RolloutJSON.encode(state) {
            _ = pool.with { try $0.command(["SET", "abtop:rollout:" + endpoint, text]) }
        }
        (registry.endpoint(named: endpoint)?.runtime as? ServeRuntime)?.host.session.rolloutMoved(state)
    }
}

/// Hears the leader's view: each rollout move goes to the fleet (`FleetRollouts.moved`).
private final class MoveRelay: SessionObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var target: (fleet: FleetRollouts, follower: FleetFollower, endpoint: String)?

    func bind(fleet: FleetRollouts, follower: FleetFollower, endpoint: String) {
        lock.withLock { target = (fleet, follower, endpoint) }
    }

    func observe(_ event: SessionEvent) {
        guard case .rollout(let state) = event, let t = lock.withLock({ target }) else { return }
        t.fleet.moved(state, weights: t.follower.host.engine.routing.weights, endpoint: t.endpoint)
    }
}

extension RolloutAction {
    var command: RolloutGuard.Command? {
        if case .command(let c) = self { return c }
        return nil
    }

    var plan: RolloutPlan? {
        if case .start(let p) = self { return p }
        return nil
    }
}

extension FleetRollouts {
    static func unreachable(_ link: FleetLink) -> ServingError {
        ServingError(
            status: 503, code: "TEMPORARILY_UNAVAILABLE",
            message: "the fleet's Redis does not answer (\(link.pool.lastError ?? "no reply")): a fleet's rollout "
                + "needs it; retry when it is back")
    }
}
