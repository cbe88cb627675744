import ABCore
import ABEngine
import ABFleet
import Foundation
import Synchronization

/// A replica's contribution to the fleet's view: every endpoint session's events, gathered by a `FleetStatsSink`
/// subscribed to the session and sent once a second as one `FleetBatch` to the endpoint's Redis stream
/// (`abtop:stats:{endpoint}`), which `abtop watch --fleet` reads (`FleetMirror`). The streams keep the last
/// `retention` seconds (older batches are trimmed, so Redis holds about 150 bytes × requests/s × retention); a
/// replica cut off from Redis keeps its batches (up to `FleetBatch.maxItems` items) and sends them when Redis
/// answers again.
final class FleetStats: Sendable {
    let pool: RedisPool
    let replica: String
    private let sinks = Mutex<[FleetStatsSink]>([])
    private let stopped = Atomic<Bool>(false)
    private let sentBatches = Atomic<Int>(0)
    private let droppedItems = Atomic<Int>(0)
    private let exited = Atomic<Bool>(false)

    /// How long a stream keeps its batches: what a watcher (or a new rollout leader) that starts later sees.
    static let retention = 900.0
    /// A session with nothing to say still sends an empty batch this often: a silent session is a dead one.
    static let keepAlive = 5.0

    init(pool: RedisPool, replica: String) {
        self.pool = pool
        self.replica = replica
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: 1)
                send()
            }
            send()
            exited.store(true, ordering: .releasing)
        }
        thread.name = "abtop-fleet-stats"
        thread.start()
    }

    /// A sink for one endpoint session, subscribed by the session host; `attach` it once the session exists.
    func sink(endpoint: String) -> FleetStatsSink {
        let sink = FleetStatsSink(endpoint: endpoint, replica: replica)
        sinks.withLock { $0.append(sink) }
        return sink
    }

    /// Stops after a last send of what the ended sessions left (waits up to 5 s; the thread sends, alone).
    func stop() {
        stopped.store(true, ordering: .relaxed)
        let deadline = Date().addingTimeInterval(5)
        while !exited.load(ordering: .acquiring), Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    }

    var batchesSent: Int { sentBatches.load(ordering: .relaxed) }

    /// For `/metrics`: batches sent, and requests left out of them (Redis away so long a batch filled up).
    var metrics: String {
        let labels = "{replica=\"\(replica)\"}"
        return """
            # HELP abtop_fleet_batches_sent_total Per-second batches this replica sent to the fleet's view.
            # TYPE abtop_fleet_batches_sent_total counter
            abtop_fleet_batches_sent_total\(labels) \(batchesSent)
            # HELP abtop_fleet_batch_items_dropped_total Events left out of the fleet's view (Redis away too long).
            # TYPE abtop_fleet_batch_items_dropped_total counter
            abtop_fleet_batch_items_dropped_total\(labels) \(droppedItems.load(ordering: .relaxed))

            """
    }

    /// Sends each sink's batch (an empty one now and then, so watchers know the session is alive); a batch Redis
    /// did not take is kept for the next second. Sinks of ended sessions go once their last batch is sent.
    private func send() {
        let now = Date().timeIntervalSince1970
        for sink in sinks.withLock({ $0 }) {
            droppedItems.add(sink.takeDropped(), ordering: .relaxed)
            guard let (batch, origin) = sink.take(now: now, keepAlive: Self.keepAlive) else { continue }
            let text = batch.json(originStamp: origin)
            let oldest = String(Int64((now - Self.retention) * 1000))
            let sent = pool.with { c in
                try c.command(["XADD", "abtop:stats:" + sink.endpoint, "MINID", "~", oldest, "*", "b", text])
            }
            if case .string? = sent {
                sentBatches.add(1, ordering: .relaxed)
                sink.sent(at: now)
            } else {
                sink.putBack(batch)
            }
        }
        sinks.withLock { $0.removeAll { $0.finished } }
    }
}

/// One endpoint session's events since the last batch (see `FleetStats`).
final class FleetStatsSink: SessionObserver {
    let endpoint: String
    let replica: String
    private let state: Mutex<State>

    private struct State {
        var batch: FleetBatch
        var origin: UInt64 = 0
        var attached = false
        var ended = false
        var lastSent = 0.0
        var current: SplitEpoch?
        var dropped = 0
        var finished = false
    }

    init(endpoint: String, replica: String) {
        self.endpoint = endpoint
        self.replica = replica
        state = Mutex(State(batch: FleetBatch(replica: replica, session: UUID().uuidString, origin: 0)))
    }

    /// The session exists: its origin (monotonic and wall clock) and its first split.
    func attach(origin: UInt64, weights: Weights) {
        let wall = Date().timeIntervalSince1970 - Double(Int64(bitPattern: Monotonic.now() &- origin)) / 1e9
        state.withLock { s in
            s.origin = origin
            s.batch.origin = wall
            let first = SplitEpoch(index: 0, weights: weights, startedAt: 0)
            s.batch.epochs.append(first)
            s.current = first
            s.attached = true
        }
    }

    func observe(_ event: SessionEvent) {
        state.withLock { s in
            guard !s.ended else { return }
            // Past the bound (Redis away a long time) requests are dropped and counted; epochs and the end never.
            let full =
                s.batch.started.count + s.batch.finished.count + s.batch.feedback.count >= FleetBatch.maxItems / 2
            switch event {
            case .started, .finished, .feedback, .judged:
                if full {
                    s.dropped += 1
                    return
                }
            default:
                break
            }
            switch event {
            case .started(let entity, let ticket, let epoch):
                s.batch.started.append(.init(entity: entity, ticket: ticket, epoch: epoch))
            case .finished(let record):
                s.batch.finished.append(record)
            case .epochOpened(let epoch):
                s.batch.epochs.append(epoch)
                s.current = epoch
            case .feedback(let f, _):
                s.batch.feedback.append(f)
            case .judged(let j, _):
                s.batch.judged.append(j)
            case .ended:
                s.ended = true
            default:
                break
            }
        }
    }

    /// The batch to send now (and the origin its times are relative to); nil when there is nothing to send yet.
    func take(now: Double, keepAlive: Double) -> (FleetBatch, UInt64)? {
        state.withLock { s in
            guard s.attached, !s.finished else { return nil }
            guard !s.batch.isEmpty || s.ended || now - s.lastSent >= keepAlive else { return nil }
            var batch = s.batch
            if let current = s.current, !batch.epochs.contains(current) { batch.epochs.append(current) }
            s.batch.epochs = []
            s.batch.started = []
            s.batch.finished = []
            s.batch.feedback = []
            s.batch.judged = []
            if s.ended { s.finished = true }
            return (batch, s.origin)
        }
    }

    /// Redis did not take `batch`: it goes back before what came since.
    func putBack(_ batch: FleetBatch) {
        state.withLock { s in
            s.finished = false
            s.batch.epochs = batch.epochs + s.batch.epochs
            s.batch.started = batch.started + s.batch.started
            s.batch.finished = batch.finished + s.batch.finished
            s.batch.feedback = batch.feedback + s.batch.feedback
            s.batch.judged = batch.judged + s.batch.judged
        }
    }

    /// Events dropped since the last call.
    func takeDropped() -> Int {
        state.withLock { s in
            defer { s.dropped = 0 }
            return s.dropped
        }
    }

    func sent(at time: Double) {
        state.withLock { $0.lastSent = time }
    }

    var finished: Bool { state.withLock { $0.finished } }
}
