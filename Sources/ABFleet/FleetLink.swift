import ABCore
import ABServer
import Crypto
import Foundation
import Synchronization

/// One replica's link to its fleet's shared state in Redis (`abtop serve --fleet redis://…`).
///
/// - **Configs and splits.** A change made on this replica (a create, a `PUT …/config`, the gateway, tags, a
///   delete) is published at once as a new version of the endpoint's record; the dashboard's sliders and a
///   rollout's moves are published by the next look (every 200 ms). Every replica looks every 200 ms and applies
///   any version newer than the one it has, so a change reaches the whole fleet within a second; a replica that
///   starts late applies the current state on its first look (Redis' state wins over its own config file).
/// - **Rate limits.** `ai_gateway.rate_limits` are counted in one set of token buckets for the whole fleet, each
///   take an atomic script in Redis.
/// - **Breakers.** A cooldown that starts here is published; every replica cools the entity down until the latest
///   end published (capped by its own policy), and probes on its own.
/// - **Leases.** `lead` holds a task for the fleet (a rollout's leader), and `publishSplit(leading:)` / `set` write
///   only while it is held.
/// - **Cut off.** When Redis does not answer, the replica keeps serving the last state it applied and counts each
///   limit locally at its share (the limit divided by the replicas last seen), says so on stderr and in
///   `/metrics`, and publishes what changed meanwhile when Redis answers again.
public final class FleetLink: FleetSync, @unchecked Sendable {
    public let pool: RedisPool
    /// This replica's name in the fleet (`--replica`): in the heartbeat and on every record it publishes.
    public let replica: String
    let prefix = "abtop:"
    private let size = Atomic<Int>(1)
    private let published = Atomic<Int>(0)
    private let applied = Atomic<Int>(0)
    private let fallbacks = Atomic<Int>(0)
    private let connected = Atomic<Bool>(false)
    /// Held across a look's apply and a publish, so a publish never interleaves with applying an older version.
    private let moving = NSLock()
    /// Per endpoint, what this replica last agreed with the fleet on (guarded by `moving`).
    private var agreed: [String: Agreed] = [:]
    /// Breakers: the cooldown this replica published last and the one it applied from the fleet, by key (the
    /// thread's own; read only by `look`).
    private var breakersSent: [String: Double] = [:]
    private var breakersApplied: [String: Double] = [:]
    /// The fleet state's generation in Redis (a random token set once): a new one means Redis lost the state (it
    /// restarted without persistence; versions going back mean an older snapshot), so every replica publishes what
    /// it serves again.
    private var generation: String?
    private let stopped = Atomic<Bool>(false)
    private let registryBox = Mutex<ServingRegistry?>(nil)
    /// Reports cut-offs and reconnections (stderr in serve).
    private let say: @Sendable (String) -> Void

    struct Agreed {
        var version: Int64
        var payload: JSONObject?
        var weights: [Int]?
        /// The fleet's version did not apply here (it does not read with this abtop, or names a key this replica
        /// cannot resolve): neither published over nor deleted by this replica.
        var diverged = false
        /// Redis lost the fleet's state: this replica publishes what it serves, its own changes since over any
        /// other replica's copy, the rest only where no replica did first.
        var republish = false
    }

    /// Endpoints whose config this replica refused to publish (a key in plain text), said once each.
    private var refusedToShare: Set<String> = []
    private let exited = Atomic<Bool>(false)

    public static let lookInterval = 0.2

    public init(pool: RedisPool, replica: String, say: @escaping @Sendable (String) -> Void) {
        self.pool = pool
        self.replica = replica
        self.say = say
    }

    public var fleetSize: Int { size.load(ordering: .relaxed) }

    /// Whether Redis answered the last look.
    public var isConnected: Bool { connected.load(ordering: .relaxed) }

    /// Looks once (the fleet's current state applied before this replica serves), then every 200 ms on a thread
    /// of its own until `stop`.
    public func start(_ registry: ServingRegistry) async {
        registryBox.withLock { $0 = registry }
        registry.join(self)
        registry.addMetrics { [self] in metrics }
        await look()
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: Self.lookInterval)
                let done = DispatchSemaphore(value: 0)
                Task {
                    await look()
                    done.signal()
                }
                done.wait()
            }
            exited.store(true, ordering: .releasing)
        }
        thread.name = "abtop-fleet"
        thread.start()
    }

    /// Stops looking, and waits (up to 10 s) for a look under way: nothing is applied after this returns.
    public func stop() {
        stopped.store(true, ordering: .relaxed)
        let deadline = Date().addingTimeInterval(10)
        while !exited.load(ordering: .acquiring), Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    }

    // MARK: - FleetSync

    public func check(_ payload: JSONObject) throws(ServingError) {
        if let problem = Self.plaintextProblem(payload) {
            throw ServingError(status: 400, code: "INVALID_PARAMETER_VALUE", message: problem)
        }
    }

    /// Why `payload` cannot be shared with a fleet (a key in plain text, which would be copied into Redis), naming
    /// the field and never the value; nil when it can.
    public static func plaintextProblem(_ payload: JSONObject) -> String? {
        guard let first = EndpointPromotion.plaintextSecrets(.object(payload), at: ConfigPath()).first else {
            return nil
        }
        return "\(first): a fleet shares each endpoint's config through Redis, so its keys must be "
            + "{{secrets/scope/key}} references every replica resolves itself, not plain text"
    }

    public func publish(_ name: String, payload: JSONObject?, weights: [Int]?) {
        moving.withLock { publishLocked(name, payload: payload, weights: weights) }
    }

    /// Whether this replica leads `task` for the next `seconds` (taken when no replica holds it; kept by renewing
    /// it in time). Nil when Redis does not answer.
    public func lead(_ task: String, seconds: Double) -> Bool? {
        let reply = pool.with { c in
            try c.command([
                "EVAL", FleetScripts.lead, "1", prefix + "lead:" + task, replica, String(Int(seconds * 1000)),
            ]).integer
        }
        return (reply ?? nil).map { $0 == 1 }
    }

    /// Publishes a new split of `name` as the holder of the lease on `task` (a rollout's leader); false when this
    /// replica does not hold it (any more), Redis did not answer or the endpoint is gone.
    public func publishSplit(_ name: String, weights: [Int], leading task: String) -> Bool {
        let version = pool.with { c in
            try c.command([
                "EVAL", FleetScripts.fencedSplit, "4", prefix + "version", prefix + "endpoint:" + name,
                prefix + "endpoints", prefix + "lead:" + task, weights.map(String.init).joined(separator: ","),
                replica, name,
            ]).integer
        }
        return (version ?? nil).map { $0 > 0 } ?? false
    }

    /// Sets `key` (under the fleet's prefix) as the holder of the lease on `task`; false when not held.
    public func set(_ key: String, _ value: String, leading task: String) -> Bool {
        let done = pool.with { c in
            try c.command(["EVAL", FleetScripts.fencedSet, "2", prefix + key, prefix + "lead:" + task, value, replica])
                .integer
        }
        return (done ?? nil) == 1
    }

    /// Gives up the lease on `task` if this replica holds it (a shutdown: another replica leads at once).
    public func release(_ task: String) {
        _ = pool.with { try $0.command(["EVAL", FleetScripts.release, "1", prefix + "lead:" + task, replica]) }
    }

    /// Publishes a new split of `name` and nothing else (its config stays the fleet's latest). False when Redis
    /// did not take it or the endpoint is gone.
    public func publishSplit(_ name: String, weights: [Int]) -> Bool {
        let version = pool.with { c in
            try c.command([
                "EVAL", FleetScripts.split, "3", prefix + "version", prefix + "endpoint:" + name, prefix + "endpoints",
                weights.map(String.init).joined(separator: ","), replica, name,
            ]).integer
        }
        return (version ?? nil).map { $0 > 0 } ?? false
    }

    public func admit(_ name: String, limits: [AIGatewayConfig.RateLimit], caller: String) -> FleetAdmission {
        var keys: [String] = []
        var arguments: [String] = []
        for (i, limit) in limits.enumerated() {
            if let calls = limit.calls {
                keys.append(bucket(name, i, limit, kind: "c", capacity: calls, caller: caller))
                arguments += [String(calls), String(limit.renewalPeriodSeconds), "c"]
            }
            if let tokens = limit.tokens {
                keys.append(bucket(name, i, limit, kind: "t", capacity: tokens, caller: caller))
                arguments += [String(tokens), String(limit.renewalPeriodSeconds), "t"]
            }
        }
        let reply = pool.with { try $0.command(["EVAL", FleetScripts.admit, String(keys.count)] + keys + arguments) }
        guard let reply, let text = reply.string, let wait = Double(text) else {
            fallbacks.add(1, ordering: .relaxed)
            return .unavailable
        }
        return wait > 0 ? .wait(wait) : .admitted
    }

    public func charge(_ name: String, limits: [AIGatewayConfig.RateLimit], tokens: Int, caller: String) {
        var keys: [String] = []
        var arguments: [String] = []
        for (i, limit) in limits.enumerated() {
            guard let capacity = limit.tokens else { continue }
            keys.append(bucket(name, i, limit, kind: "t", capacity: capacity, caller: caller))
            arguments += [String(capacity), String(limit.renewalPeriodSeconds)]
        }
        guard !keys.isEmpty else { return }
        _ = pool.with {
            try $0.command(["EVAL", FleetScripts.charge, String(keys.count)] + keys + arguments + [String(tokens)])
        }
    }

    /// A bucket's key: the endpoint, the limit's place and shape (a changed limit starts a new bucket) and, for a
    /// per-caller limit, a hash of the caller (a bearer token is a secret: never a key in Redis).
    private func bucket(
        _ name: String, _ i: Int, _ limit: AIGatewayConfig.RateLimit, kind: String, capacity: Int, caller: String
    ) -> String {
        let who =
            limit.key == .endpoint
            ? "*" : SHA256.hash(data: Data(caller.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
        return "\(prefix)rl:\(name):\(i):\(kind)\(capacity)/\(limit.renewalPeriodSeconds):\(limit.key.rawValue):\(who)"
    }

    /// This replica's view of the fleet, for `/metrics` (Prometheus sums the replicas' counters).
    var metrics: String {
        let labels = "{replica=\"\(replica)\"}"
        return """
            # HELP abtop_fleet_connected Whether this replica's last look at the fleet's Redis was answered.
            # TYPE abtop_fleet_connected gauge
            abtop_fleet_connected\(labels) \(isConnected ? 1 : 0)
            # HELP abtop_fleet_replicas Replicas heard from in the last 10 s, as this replica last saw it.
            # TYPE abtop_fleet_replicas gauge
            abtop_fleet_replicas\(labels) \(fleetSize)
            # HELP abtop_fleet_published_total Endpoint changes this replica published to the fleet.
            # TYPE abtop_fleet_published_total counter
            abtop_fleet_published_total\(labels) \(published.load(ordering: .relaxed))
            # HELP abtop_fleet_applied_total Other replicas' endpoint changes applied here.
            # TYPE abtop_fleet_applied_total counter
            abtop_fleet_applied_total\(labels) \(applied.load(ordering: .relaxed))
            # HELP abtop_fleet_local_rate_limit_total Calls this replica's own share of a limit decided (no Redis).
            # TYPE abtop_fleet_local_rate_limit_total counter
            abtop_fleet_local_rate_limit_total\(labels) \(fallbacks.load(ordering: .relaxed))

            """
    }

    // MARK: - Looking

    /// One look: heartbeat, the fleet's newer versions applied, this replica's own changes published.
    func look() async {
        guard let registry = registryBox.withLock({ $0 }) else { return }
        let fleet = pool.with { c -> (Int, [String: Int64], String) in
            let replies = try c.pipeline([
                ["SET", prefix + "generation", UUID().uuidString, "NX"], ["GET", prefix + "generation"],
                ["EVAL", FleetScripts.heartbeat, "1", prefix + "replicas", replica], ["HGETALL", prefix + "endpoints"],
            ])
            let replicas = replies[2]
            let index = replies[3].array ?? []
            var versions: [String: Int64] = [:]
            for pair in stride(from: 0, to: index.count - 1, by: 2) {
                if let name = index[pair].string, let v = index[pair + 1].integer { versions[name] = v }
            }
            return (Int(replicas.integer ?? 1), versions, replies[1].string ?? "")
        }
        guard let (replicas, versions, generation) = fleet else {
            if connected.exchange(false, ordering: .relaxed) {
                say(
                    "abtop serve: fleet: Redis at \(pool.address) does not answer (\(pool.lastError ?? "no reply")): "
                        + "serving on the last state applied, each rate limit at 1/\(fleetSize) here")
            }
            return
        }
        size.store(max(1, replicas), ordering: .relaxed)
        moving.withLock {
            // A version below the one agreed on: Redis came back from an older snapshot (the generation survived,
            // the versions went back). The same as an empty Redis: what this replica serves is published again.
            let rolledBack = versions.contains { name, v in (agreed[name]?.version ?? 0) > v }
            if rolledBack || self.generation.map({ $0 != generation }) == true {
                say(
                    "abtop serve: fleet: Redis lost the fleet's state (restarted empty, or from an older snapshot): publishing this replica's"
                )
                for name in agreed.keys {
                    agreed[name]!.version = 0
                    agreed[name]!.republish = true
                }
            }
            self.generation = generation
        }
        if !connected.exchange(true, ordering: .relaxed) {
            say("abtop serve: fleet: Redis at \(pool.address) answers; \(replicas) replica(s) serving")
        }
        for (name, version) in versions.sorted(by: { $0.key < $1.key }) {
            await applyIfNewer(name, version: version, registry: registry)
        }
        // This replica's own changes the fleet has not seen: endpoints it created before joining (or while cut
        // off), and splits moved here by the dashboard or a rollout.
        moving.withLock { publishOwnChanges(registry, versions: versions) }
        shareBreakers(registry)
    }

    /// Breakers, shared: a cooldown that started here (its failures) is published with its end; every replica
    /// cools the entity down until the latest end any replica published, so the fleet stops sending to a failing
    /// entity together. Each replica then sends its own probe.
    private func shareBreakers(_ registry: ServingRegistry) {
        let now = Date().timeIntervalSince1970
        for e in registry.endpoints {
            let names = e.config.servedEntities.map(\.name)
            let cooling = e.runtime.coolingDown
            guard !names.isEmpty, cooling.count == names.count else { continue }
            let keys = names.map { prefix + "breaker:" + e.name + ":" + $0 }
            var commands: [[String]] = []
            for (i, seconds) in cooling.enumerated() {
                guard let seconds else { continue }
                let until = now + seconds
                if let applied = breakersApplied[keys[i]], abs(applied - until) < 1 { continue }
                if let sent = breakersSent[keys[i]], abs(sent - until) < 1 { continue }
                commands.append([
                    "EVAL", FleetScripts.coolDown, "1", keys[i], String(until), String(Int(seconds * 1000) + 1_000),
                    replica,
                ])
                breakersSent[keys[i]] = until
            }
            commands.append(["MGET"] + keys)
            guard let replies = pool.with({ try $0.pipeline(commands) }), let values = replies.last?.array else {
                continue
            }
            for (i, value) in values.enumerated() where i < names.count {
                guard let text = value.string else { continue }
                let parts = text.split(separator: "|", maxSplits: 1)
                // Anyone can write Redis: a time that is not a number, or further off than a day, is no cooldown.
                guard let until = parts.first.flatMap({ Double($0) }), until.isFinite, until > now + 0.5,
                    until < now + 86_400, parts.count == 2, String(parts[1]) != replica
                else { continue }
                if let local = cooling[i], now + local >= until - 0.5 { continue }
                if e.runtime.coolDown(entity: i, seconds: until - now, reason: "its breaker opened on \(parts[1])") {
                    breakersApplied[keys[i]] = until
                }
            }
        }
    }

    private func publishOwnChanges(_ registry: ServingRegistry, versions: [String: Int64]) {
        let local = registry.shared
        for (name, payload, weights) in local where !registry.isChangingLocally(name) {
            let known = agreed[name]
            if let known, known.diverged { continue }
            if known == nil, versions[name] != nil { continue }
            if let problem = Self.plaintextProblem(payload) {
                if refusedToShare.insert(name).inserted {
                    say("abtop serve: fleet: endpoint '\(name)' is not shared: \(problem)")
                }
                continue
            }
            let dirty = known?.payload != payload || known?.weights != weights
            if let known, known.republish, !dirty {
                publishLocked(name, payload: payload, weights: weights, ifAbsent: true)
            } else if dirty {
                publishLocked(name, payload: payload, weights: weights)
            }
        }
        for (name, known) in agreed
        where known.payload != nil && !known.diverged && !local.contains(where: { $0.name == name }) {
            if versions[name] == known.version || known.republish { publishLocked(name, payload: nil, weights: nil) }
        }
    }

    /// The fleet's record of an endpoint, when its version is newer than the one agreed on here.
    private struct Record {
        let version: Int64
        let payload: JSONObject?
        let weights: [Int]?
    }

    private func newerRecord(_ name: String, version: Int64) -> Record? {
        guard version > agreed[name]?.version ?? 0,
            let record = pool.with({ try $0.command(["HGETALL", prefix + "endpoint:" + name]).array ?? [] })
        else { return nil }
        var fields: [String: String] = [:]
        for pair in stride(from: 0, to: record.count - 1, by: 2) {
            if let k = record[pair].string, let v = record[pair + 1].string { fields[k] = v }
        }
        let deleted = fields["deleted"] == "1"
        return Record(
            version: fields["version"].flatMap { Int64($0) } ?? version,
            payload: deleted ? nil : fields["payload"].flatMap { try? JSONParser.parse($0) }?.objectValue,
            weights: fields["weights"].map { $0.split(separator: ",").compactMap { Int($0) } })
    }

    private func applyIfNewer(_ name: String, version: Int64, registry: ServingRegistry) async {
        let read = moving.withLock { () -> (Record, Int?)? in
            // A change made here and not yet published is newer than anything the fleet has: it goes first.
            guard !registry.isChangingLocally(name) else { return nil }
            if let known = agreed[name], known.republish {
                let local = registry.shared.first { $0.name == name }
                if local?.payload != known.payload || local?.weights != known.weights { return nil }
            }
            guard let record = newerRecord(name, version: version) else { return nil }
            return (record, registry.revision(of: name))
        }
        guard let (record, revision) = read else { return }
        // Applied outside the lock (replacing a runtime waits for its requests), and only if the endpoint is as it
        // was when the record was read; then agreed on under the lock.
        let outcome = await registry.applyShared(
            name, payload: record.payload, weights: record.weights, ifRevision: .some(revision))
        moving.withLock {
            guard record.version > agreed[name]?.version ?? 0 else { return }
            switch outcome {
            case .skipped:
                return
            case .applied:
                applied.add(1, ordering: .relaxed)
                let local = registry.shared.first { $0.name == name }
                agreed[name] = Agreed(version: record.version, payload: local?.payload, weights: local?.weights)
            case .refused(let failure):
                say(
                    "abtop serve: fleet: endpoint '\(name)' version \(record.version) does not apply here: "
                        + failure.message)
                let local = registry.shared.first { $0.name == name }
                agreed[name] = Agreed(
                    version: record.version, payload: local?.payload, weights: local?.weights, diverged: true)
            }
        }
    }

    /// Publishes under `moving`; nothing to do when Redis does not answer (the next look publishes it then).
    /// `ifAbsent`: only when the fleet has no record of the endpoint (see `FleetScripts.publishIfAbsent`). A
    /// deleted endpoint's batches and rollout go with it.
    private func publishLocked(_ name: String, payload: JSONObject?, weights: [Int]?, ifAbsent: Bool = false) {
        let text = payload.map { JSONValue.object($0).rendered(pretty: false) } ?? ""
        let split = weights?.map(String.init).joined(separator: ",") ?? ""
        let version = pool.with { c -> Int64? in
            let v = try c.command([
                "EVAL", ifAbsent ? FleetScripts.publishIfAbsent : FleetScripts.publish, "3", prefix + "version",
                prefix + "endpoint:" + name, prefix + "endpoints", text, split, replica, payload == nil ? "1" : "",
                name,
            ]).integer
            if payload == nil {
                try c.command(["UNLINK", prefix + "stats:" + name, prefix + "rollout:" + name])
            }
            return v
        }
        guard let version, let version, version > 0 else { return }
        published.add(1, ordering: .relaxed)
        agreed[name] = Agreed(version: version, payload: payload, weights: weights)
    }
}
