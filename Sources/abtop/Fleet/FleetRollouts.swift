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
        let relay: MoveRelay
        /// The entities the view was built for: a change of entities rebuilds it.
        let entities: [ServedEntity]
        /// When the lease was last renewed (the thread's own).
        var renewed = Date()
        init(follower: FleetFollower, controller: RolloutController, relay: MoveRelay) {
            self.follower = follower
            self.controller = controller
            self.relay = relay
            self.entities = follower.config.servedEntities
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
    static let answerWait = 10.0

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
            let led = lock.withLock { () -> [String] in
                for leader in leading.values { stop(leader) }
                defer { leading = [:] }
                return Array(leading.keys)
            }
            // Given up at once: another replica leads within a look, not after the lease runs out.
            for name in led { link.release("rollout:" + name) }
        }
        thread.name = "abtop-fleet-rollouts"
        thread.start()
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    var pool: RedisPool { link.pool }

    // MARK: - What any replica answers

    /// The fleet's rollout of `name` as the leader last kept it.
    func state(_ name: String) -> RolloutState? { fetch(name)?.state }

    /// The kept state, and the config plan last started (nil: Redis did not answer, which is not "none").
    private func fetch(_ name: String) -> (state: RolloutState?, configPlan: String?)? {
        let replies = pool.with { c in
            try c.pipeline([["GET", "abtop:rollout:" + name], ["GET", "abtop:rollout-config:" + name]])
        }
        guard let replies, replies.count == 2 else { return nil }
        return (RolloutJSON.decode(replies[0].string), replies[1].string)
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
        let endpoints = registry.endpoints
        // A leader whose endpoint is gone, or serves other entities now, stops (the next look rebuilds it).
        lock.withLock {
            for (name, leader) in leading
            where endpoints.first(where: { $0.name == name })?.config.servedEntities != leader.entities {
                stop(leader)
                leading[name] = nil
            }
        }
        for endpoint in endpoints { look(at: endpoint) }
    }

    private func look(at endpoint: ServingRegistry.Endpoint) {
        let name = endpoint.name
        let task = "rollout:" + name
        let current = lock.withLock { leading[name] }
        guard let leads = link.lead(task, seconds: Self.lease) else {
            // Cut off from Redis: stop leading before the lease can pass to another replica.
            if let current, Date().timeIntervalSince(current.renewed) > Self.lease - 1 { drop(name, current) }
            return
        }
        if !leads {
            if let current {
                // Another replica holds the lease (Redis lost it, or this one was too slow): what this one knew is
                // kept for it unless it knows better.
                if let state = current.controller.current, !state.phase.isOver, let text = RolloutJSON.encode(state) {
                    _ = pool.with { try $0.command(["SET", "abtop:rollout:" + name, text, "NX"]) }
                }
                drop(name, current)
            }
            return
        }
        current?.renewed = Date()
        guard let questions = pool.with({ try $0.command(["LPOP", "abtop:rollout-ask:" + name, "10"]).array ?? [] }),
            let (saved, configStarted) = fetch(name)
        else { return }
        let requests = questions.compactMap { q -> Request? in
            q.string.flatMap { $0.data(using: .utf8) }.flatMap { try? JSONDecoder().decode(Request.self, from: $0) }
        }
        let configPlan = endpoint.config.settings.rollout
        let configText = configPlan.flatMap { Self.encode($0) }
        let configDue = configText != nil && configStarted != configText && !ranHere(name, plan: configPlan!)
        var leader = current
        if leader == nil, !requests.isEmpty || saved.map({ !$0.phase.isOver }) == true || configDue {
            leader = follow(name)
        }
        guard let leader else {
            for r in requests {
                answer(
                    r.id,
                    Answer(
                        status: 503, code: "TEMPORARILY_UNAVAILABLE",
                        message: "the fleet's view of '\(name)' "
                            + "could not be read from Redis; retry"))
            }
            return
        }
        if current == nil {
            // Resumed where the last leader left it, or the config's plan started (once for the fleet).
            if let saved, !saved.phase.isOver {
                try? leader.controller.start(saved.plan, resuming: saved)
            } else if configDue, let configPlan, let configText {
                if (try? leader.controller.start(configPlan)) != nil {
                    _ = link.set("rollout-config:" + name, configText, leading: task)
                }
            }
        }
        for request in requests {
            var reply = Answer()
            let action: RolloutAction
            if let plan = request.plan {
                action = .start(plan)
            } else if let word = request.command, let command = RolloutGuard.Command(rawValue: word) {
                action = .command(command)
            } else {
                answer(request.id, Answer(status: 400, code: "BAD_REQUEST", message: "not a rollout command"))
                continue
            }
            do throws(ServingError) {
                reply.state = try apply(action, on: leader, endpoint: name)
            } catch {
                (reply.status, reply.code, reply.message) = (error.status, error.code, error.message)
            }
            answer(request.id, reply)
        }
        keep(leader, endpoint: name)
        // Nothing under way (an answered question on an endpoint without a rollout, or one that ended and whose
        // last move the fleet has: the controller marks a rollout over a moment before it applies the move): the
        // view is let go until the next one.
        let state = leader.controller.current
        if state == nil || (state!.phase.isOver && leader.relay.lastMoved == state) { drop(name, leader) }
    }

    private func drop(_ name: String, _ leader: Leader) {
        lock.withLock {
            stop(leader)
            if leading[name] === leader { leading[name] = nil }
        }
    }

    private func answer(_ id: String, _ answer: Answer) {
        guard let body = try? String(data: JSONEncoder().encode(answer), encoding: .utf8) else { return }
        _ = pool.with { try $0.command(["SET", "abtop:rollout-answer:" + id, body, "PX", "30000"]) }
    }

    /// Whether this replica's own journal says `plan` ran on `name` (it led it before Redis lost the marker).
    private func ranHere(_ name: String, plan: RolloutPlan) -> Bool {
        guard let runtime = registry.endpoint(named: name)?.runtime as? ServeRuntime,
            let journal = runtime.host.recording?.journal
        else { return false }
        return (try? journal.rolloutRan(endpoint: name, plan: plan)) ?? false
    }

    static func encode(_ plan: RolloutPlan) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(plan)).flatMap { String(data: $0, encoding: .utf8) }
    }

    /// Starts following `name`'s batches with a rollout controller on the view, caught up before it decides (the
    /// leases this replica holds are renewed meanwhile: catching up on a busy fleet takes a while).
    private func follow(_ name: String) -> Leader? {
        let relay = MoveRelay()
        guard let follower = try? FleetFollower(pool: pool, name: name, rollouts: true, observers: [relay]),
            let controller = follower.host.rollout
        else { return nil }
        var renewed = Date()
        while follower.readOnce() {
            if Date().timeIntervalSince(renewed) > 1 {
                let held = lock.withLock { Array(leading.keys) } + [name]
                for n in Set(held) where link.lead("rollout:" + n, seconds: Self.lease) == true {
                    lock.withLock { leading[n]?.renewed = Date() }
                }
                renewed = Date()
            }
        }
        relay.bind(fleet: self, follower: follower, endpoint: name)
        follower.start()
        let leader = Leader(follower: follower, controller: controller, relay: relay)
        lock.withLock { leading[name] = leader }
        return leader
    }

    private func stop(_ leader: Leader) {
        leader.relay.unbind()
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

    /// The rollout's state, kept in Redis for every replica's `GET …/rollout` (by the lease's holder only).
    private func keep(_ leader: Leader, endpoint: String) {
        guard let state = leader.controller.current, let text = RolloutJSON.encode(state) else { return }
        _ = link.set("rollout:" + endpoint, text, leading: "rollout:" + endpoint)
    }

    /// A move of the view's rollout: kept, published as the fleet's split (both only while this replica holds the
    /// lease: one that lost it moves nothing), and journaled by this replica.
    fileprivate func moved(_ state: RolloutState, weights: Weights, endpoint: String) {
        let task = "rollout:" + endpoint
        guard let text = RolloutJSON.encode(state), link.set("rollout:" + endpoint, text, leading: task) else { return }
        _ = link.publishSplit(endpoint, weights: weights.percentages, leading: task)
        (registry.endpoint(named: endpoint)?.runtime as? ServeRuntime)?.host.session.rolloutMoved(state)
    }
}

/// Hears the leader's view: each rollout move goes to the fleet (`FleetRollouts.moved`). Unbound when the leader
/// stops (a move under way then goes nowhere, and the view it held can be freed).
final class MoveRelay: SessionObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var target: (fleet: FleetRollouts, follower: FleetFollower, endpoint: String)?

    func bind(fleet: FleetRollouts, follower: FleetFollower, endpoint: String) {
        lock.withLock { target = (fleet, follower, endpoint) }
    }

    func unbind() {
        lock.withLock { target = nil }
    }

    /// The last state whose move went to the fleet.
    var lastMoved: RolloutState? { lock.withLock { moved } }
    private var moved: RolloutState?

    func observe(_ event: SessionEvent) {
        guard case .rollout(let state) = event, let t = lock.withLock({ target }) else { return }
        t.fleet.moved(state, weights: t.follower.host.engine.routing.weights, endpoint: t.endpoint)
        lock.withLock { moved = state }
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
