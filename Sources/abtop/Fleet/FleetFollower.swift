import ABCore
import ABEngine
import ABFleet
import ABTUI
import Foundation
import Synchronization

/// Follows one endpoint of a fleet from Redis for `abtop watch --fleet`: its config (the fleet's shared record),
/// and its stream of batches from every replica, replayed into a `FleetMirror` whose session the dashboard and the
/// summary read exactly as they read a single replica's.
final class FleetFollower: @unchecked Sendable {
    let endpoint: String
    let config: EndpointConfig
    let payload: JSONObject
    let host: SessionHost
    let mirror: FleetMirror
    let pool: RedisPool
    private let stopped = Atomic<Bool>(false)
    private let caughtUp = Atomic<Bool>(false)
    private let lastID = Mutex<String>("0-0")
    private let problem = Mutex<String?>(nil)

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads the endpoint's shared record (the only endpoint when `name` is nil) and prepares the mirror.
    /// `rollouts`: the view runs the fleet's rollout of this endpoint (its leader, `FleetRollouts`), with
    /// `observers` hearing its session (the rollout's moves).
    init(pool: RedisPool, name: String?, rollouts: Bool = false, observers: [any SessionObserver] = []) throws {
        self.pool = pool
        guard let index = pool.with({ try $0.command(["HGETALL", "abtop:endpoints"]).array }) else {
            throw Failure(description: "cannot reach Redis at \(pool.address): \(pool.lastError ?? "no answer")")
        }
        var names: [String] = []
        for i in stride(from: 0, to: (index ?? []).count - 1, by: 2) { names.append(index![i].string ?? "") }
        var live: [String: JSONObject] = [:]
        for n in names {
            let fields = pool.with { try $0.command(["HGETALL", "abtop:endpoint:" + n]).array } ?? nil
            var record: [String: String] = [:]
            for i in stride(from: 0, to: (fields ?? []).count - 1, by: 2) {
                if let k = fields![i].string, let v = fields![i + 1].string { record[k] = v }
            }
            if record["deleted"] != "1", let text = record["payload"], let o = try? JSONParser.parse(text).objectValue {
                live[n] = o
            }
        }
        guard !live.isEmpty else {
            throw Failure(description: "the fleet at \(pool.address) serves no endpoint yet")
        }
        let chosen: String
        if let name {
            guard live[name] != nil else {
                throw Failure(
                    description: "the fleet serves no endpoint '\(name)' (it serves: "
                        + live.keys.sorted().joined(separator: ", ") + ")")
            }
            chosen = name
        } else {
            guard live.count == 1 else {
                throw Failure(
                    description: "the fleet serves \(live.count) endpoints: pick one with --endpoint ("
                        + live.keys.sorted().joined(separator: ", ") + ")")
            }
            chosen = live.keys.first!
        }
        endpoint = chosen
        payload = live[chosen]!
        let outcome = EndpointConfigReader.read(.object(payload), defaultName: chosen)
        guard let config = outcome.config else {
            throw Failure(
                description: "the fleet's config of '\(chosen)' does not read here: "
                    + (outcome.issues.errors.first?.description ?? "unknown error"))
        }
        self.config = config
        // Nothing is ever sent from here: the entities point nowhere and need no keys.
        let resolved = config.simulated(root: "http://127.0.0.1:9", serviceAccountKey: "")
        var served = config
        served.settings.sticky = true
        // The view's clock starts where the oldest replica session in the stream began, so its times (the per-second
        // charts, the duration) read as the fleet's.
        let first = pool.with { c in try c.command(["XRANGE", "abtop:stats:" + chosen, "-", "+", "COUNT", "1"]).array }
        let earliest = ((first ?? nil)?.first?.array?.last?.array?.last?.string)
            .flatMap { FleetBatch.decode($0, entities: config.servedEntities.count)?.batch.origin }
        let now = Date().timeIntervalSince1970
        let back = earliest.map { min(max(0, now - $0), 30 * 86_400) } ?? 0
        host = try SessionHost(
            .init(
                config: served, configText: JSONValue.object(payload).rendered(), resolved: resolved, mode: .split,
                seed: 0, journal: nil, observers: observers,
                analysis: VerdictAnalysis.Settings(streaming: true, paired: false), rollouts: rollouts,
                origin: Monotonic.now() &- UInt64(back * 1e9)))
        let engine = host.engine
        mirror = FleetMirror(
            session: host.session, setWeights: { engine.setWeights($0) }, epochNow: { engine.routing.epoch })
    }

    /// Reads the stream from its oldest retained batch, then every 250 ms what is new, on a thread of its own.
    func start() {
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                let more = readOnce()
                // Silence is judged only once the stream is read to its end: a watcher cut off from Redis (or
                // behind) must not call the replicas dead whose batches are waiting.
                if !more, status == nil { mirror.expire() }
                if !more { Thread.sleep(forTimeInterval: 0.25) }
            }
        }
        thread.name = "abtop-fleet-follow"
        thread.start()
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    /// Whether the first read reached the end of the stream (the view covers everything retained so far).
    var isCaughtUp: Bool { caughtUp.load(ordering: .relaxed) }

    /// Why the view may be behind (Redis unreachable, batches that did not read), if it is.
    var status: String? { problem.withLock { $0 } }

    /// One read of up to 200 batches; true when there may be more right away.
    @discardableResult
    func readOnce() -> Bool {
        let after = lastID.withLock { $0 }
        let reply = pool.with { c in
            try c.command(["XRANGE", "abtop:stats:" + endpoint, "(" + after, "+", "COUNT", "200"])
        }
        guard let entries = reply?.array else {
            problem.withLock { $0 = "Redis at \(pool.address) does not answer: the view is not moving" }
            return false
        }
        problem.withLock { $0 = nil }
        let entities = config.servedEntities.count
        for entry in entries {
            guard let parts = entry.array, parts.count == 2, let id = parts[0].string else { continue }
            lastID.withLock { $0 = id }
            let fields = parts[1].array ?? []
            guard fields.count >= 2, let text = fields[1].string,
                let (batch, leftOut) = FleetBatch.decode(text, entities: entities)
            else {
                problem.withLock { $0 = "a batch in the stream did not read (another abtop, or tampered with)" }
                continue
            }
            if leftOut > 0 { problem.withLock { $0 = "\(leftOut) request(s) in a batch did not read" } }
            mirror.apply(batch)
        }
        if entries.count < 200 { caughtUp.store(true, ordering: .relaxed) }
        return entries.count == 200
    }
}

/// The dashboard over the fleet's view of one endpoint: the same frame as a replica's, headed by the replicas
/// heard from; a slider publishes the new split to the whole fleet (every replica applies it within a second, and
/// the view follows from their batches).
final class FleetWatchModel: DashboardModel {
    let follower: FleetFollower
    let live: LiveModel
    let link: FleetLink
    private let status = Mutex(StatusNote())

    init(follower: FleetFollower, link: FleetLink) {
        self.follower = follower
        self.link = link
        live = LiveModel(host: follower.host, control: LoadControl(), rate: nil)
    }

    func frame() -> DashboardFrame {
        var frame = live.frame()
        let replicas = follower.mirror.liveReplicas()
        frame.serving = true
        frame.address = "fleet of \(replicas.count): " + replicas.joined(separator: ", ")
        if let note = follower.status ?? status.withLock({ $0.current }) { frame.status = note }
        return frame
    }

    func perform(_ command: DashboardCommand) {
        switch command {
        case .setWeights(let weights):
            if link.publishSplit(follower.endpoint, weights: weights.percentages) {
                note("split \(weights) published to the fleet: each replica applies it within a second")
            } else {
                note("the split could not be published: \(link.pool.lastError ?? "the endpoint is gone")")
            }
        case .export:
            note("the fleet's journal is PostgreSQL's: abtop report --store postgres://…")
        default:
            note("abtop watch --fleet shows the fleet's traffic; this key acts on a replica's own dashboard")
        }
    }

    private func note(_ text: String) {
        status.withLock { $0.set(text) }
    }
}
