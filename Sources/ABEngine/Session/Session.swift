import ABCore
import Synchronization

/// One run's state: outcomes → stats (and the sinks, such as the journal) → snapshots. Every engine task hands
/// its outcomes here; the dashboard and the summary read from here.
public final class Session: Sendable {
    public let endpoint: EndpointConfig
    private let currentMode: Mutex<RunMode>
    /// When the session started, on the monotonic clock.
    public let origin: UInt64
    private let stats: Mutex<StatsAggregator>
    private let log = Mutex<EventLog>(EventLog())
    private let recent = Mutex<RecentOutputs>(RecentOutputs())
    private let sinks: [any OutcomeSink]

    public init(endpoint: EndpointConfig, mode: RunMode, sinks: [any OutcomeSink] = [], origin: UInt64 = Monotonic.now()) {
        self.endpoint = endpoint
        self.currentMode = Mutex(mode)
        self.origin = origin
        self.sinks = sinks
        let epoch = SplitEpoch(index: 0, weights: endpoint.weights, startedAt: 0)
        stats = Mutex(StatsAggregator(entities: endpoint.servedEntities.map(EntityInfo.init), epoch: epoch))
    }

    /// Split or compare; the dashboard's `c` switches it while traffic flows.
    public var mode: RunMode {
        get { currentMode.withLock { $0 } }
        set { currentMode.withLock { $0 = newValue } }
    }

    /// Seconds since the session started.
    public func now() -> Double { seconds(at: Monotonic.now()) }

    public func seconds(at stamp: UInt64) -> Double { Double(Int64(bitPattern: stamp &- origin)) / 1e9 }

    public func requestStarted(entity: Int) {
        stats.withLock { $0.requestStarted(entity: entity) }
    }

    /// Sinks first, then the stats: whatever a snapshot counts has already reached the journal's buffer.
    public func record(_ record: RequestRecord) {
        for sink in sinks { sink.record(record) }
        let time = seconds(at: record.outcome.timing.end)
        stats.withLock { $0.record(record.outcome, at: time) }
        recent.withLock { $0.add(record) }
    }

    /// A prompt `entity` was not sent, and why: counted in the snapshot and written in the event log.
    public func promptNotSent(entity: Int, reason: String) {
        stats.withLock { $0.promptNotSent(entity: entity) }
        note(EngineEvent(time: now(), entity: entity, kind: .notSent,
                         message: "\(endpoint.servedEntities[entity].name): prompt not sent (\(reason))"))
    }

    public func openEpoch(_ epoch: SplitEpoch) {
        stats.withLock { $0.openEpoch(epoch) }
        note(EngineEvent(time: epoch.startedAt, entity: nil, kind: .split, message: "split \(epoch.weights) (epoch \(epoch.index))"))
    }

    public func note(_ event: EngineEvent) {
        log.withLock { $0.add(event) }
    }

    public func snapshot() -> Snapshot {
        let t = now()
        return stats.withLock { $0.snapshot(at: t) }
    }

    public func verdicts() -> [Verdict] { stats.withLock { $0.verdicts() } }
    public func srm() -> [SRMResult] { stats.withLock { $0.srm() } }
    public var events: [EngineEvent] { log.withLock { $0.events } }
    /// The latest finished requests, newest last: what the side-by-side pane shows.
    public var recentRecords: [RequestRecord] { recent.withLock { $0.records } }
}

/// Split: each prompt goes to one entity by weight. Compare: every entity gets every prompt.
public enum RunMode: String, Sendable, CaseIterable {
    case split
    case compare
}

/// A bounded log, oldest dropped first.
struct EventLog {
    private(set) var events: [EngineEvent] = []
    let capacity = 500

    mutating func add(_ event: EngineEvent) {
        if events.count == capacity { events.removeFirst(capacity / 5) }
        events.append(event)
    }
}

/// The last requests with their text, bounded.
struct RecentOutputs {
    private(set) var records: [RequestRecord] = []
    let capacity = 200

    mutating func add(_ record: RequestRecord) {
        if records.count == capacity { records.removeFirst(capacity / 4) }
        records.append(record)
    }
}
