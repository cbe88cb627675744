import ABCore
import Synchronization

/// One run's state, and its only owner: the mode, the split epochs as the stats count them, the votes, the
/// stats, the event log and the latest answers. Every engine task hands its outcomes here; the dashboard, the
/// summary and the reports read from here; the journal and `/metrics` subscribe to its events.
public final class Session: Sendable {
    /// The endpoint as configured (its routes are the split of epoch 0; `snapshot().epoch` is the live one).
    public let endpoint: EndpointConfig
    /// How the verdicts are tested (α, margins, which metrics form the family): fixed for the session.
    public let analysisSettings: VerdictAnalysis.Settings
    private let currentMode: Mutex<RunMode>
    /// When the session started, on the monotonic clock.
    public let origin: UInt64
    private let stats: Mutex<StatsAggregator>
    private let log = Mutex(BoundedLog<EngineEvent>(capacity: 500))
    private let recent = Mutex(BoundedLog<RequestRecord>(capacity: 200))
    /// Compare-mode prompts whose answers are all in: what the dashboard's blind pairs are made of.
    private let groups = Mutex(BoundedLog<CompareGroup>(capacity: 100))
    private let observers: [any SessionObserver]
    private let recorded = Atomic<Int>(0)
    /// Changes of the split, votes and the end, one at a time: each is one atomic step for the router, the
    /// stats and every observer, so two reweights at once can neither lose an epoch nor record them out of order.
    private let changes = Mutex<Changes>(Changes())

    private struct Changes {
        var votes: [Vote] = []
        var judgements: [Judgement] = []
        var feedback: FeedbackTally?
        var ended = false
    }

    public init(
        endpoint: EndpointConfig, mode: RunMode, observers: [any SessionObserver] = [],
        origin: UInt64 = Monotonic.now(), analysis: VerdictAnalysis.Settings? = nil
    ) {
        self.endpoint = endpoint
        var settings =
            analysis
            ?? VerdictAnalysis.Settings(streaming: endpoint.settings.request.stream, paired: mode == .compare)
        // Cost is compared only when every entity has a price: the family is fixed now, at the start.
        settings.cost = settings.cost && endpoint.pricesKnown
        self.analysisSettings = settings
        self.currentMode = Mutex(mode)
        self.origin = origin
        self.observers = observers
        let epoch = SplitEpoch(index: 0, weights: endpoint.weights, startedAt: 0)
        stats = Mutex(
            StatsAggregator(
                entities: endpoint.servedEntities.map { EntityInfo($0, settings: endpoint.settings.entities[$0.name]) },
                epoch: epoch))
    }

    /// Split or compare; the dashboard's `c` switches it while traffic flows.
    public var mode: RunMode {
        currentMode.withLock { $0 }
    }

    /// Seconds since the session started.
    public func now() -> Double { seconds(at: Monotonic.now()) }

    public func seconds(at stamp: UInt64) -> Double { Double(Int64(bitPattern: stamp &- origin)) / 1e9 }

    /// A request was sent to `entity`: its ticket in the entity's issue order, which its outcome carries back
    /// (`RequestOutcome.issue`) so the verdicts read requests in the order they were sent; nil when it is not
    /// `analysed` (a fallback, a sticky session's later request).
    @discardableResult
    public func requestStarted(entity: Int, analysed: Bool = true, epoch: Int = 0) -> Int? {
        let ticket = stats.withLock { $0.requestStarted(entity: entity, analysed: analysed) }
        if let ticket {
            for observer in observers { observer.observe(.started(entity: entity, ticket: ticket, epoch: epoch)) }
        }
        return ticket
    }

    /// A rollout moved: every observer hears its state (the journal keeps it, `/metrics` shows it).
    public func rolloutMoved(_ state: RolloutState) {
        for observer in observers { observer.observe(.rollout(state)) }
    }

    /// A read of the verdicts was made (and may be shown): every observer hears it (the journal keeps the latest).
    public func analysed(_ read: AnalysisRead) {
        for observer in observers { observer.observe(.analysed(read)) }
    }

    /// A compare-mode prompt is about to be sent: its ticket in the prompts' order (for `recordPaired`).
    public func promptIssued() -> Int { stats.withLock { $0.promptIssued() } }

    /// The router picked `entity` in `epoch` for a split-mode request: counted now, for observed share and SRM.
    public func assigned(entity: Int, epoch: Int) {
        stats.withLock { $0.assigned(entity: entity, epoch: epoch) }
    }

    /// A compare-mode prompt's records, every entity's together, for the paired verdicts.
    public func recordPaired(_ records: [RequestRecord], ticket: Int? = nil) {
        let outcomes = records.map(\.outcome)
        stats.withLock { $0.recordPaired(outcomes, ticket: ticket) }
        guard let group = CompareGroup(records) else { return }
        groups.withLock { $0.add(group) }
        for observer in observers { observer.observe(.compared(group)) }
    }

    /// The newest compare groups whose answers are all in, oldest first.
    public var recentGroups: [CompareGroup] { groups.withLock { $0.items } }

    /// Observers first, then the stats: whatever a snapshot counts has already reached the journal's buffer.
    public func record(_ record: RequestRecord) {
        for observer in observers { observer.observe(.finished(record)) }
        let time = seconds(at: record.outcome.timing.end)
        stats.withLock { $0.record(record.outcome, at: time) }
        recent.withLock { $0.add(record) }
        recorded.add(1, ordering: .relaxed)
    }

    /// Requests recorded so far (a cheap "has anything changed").
    public var recordedCount: Int { recorded.load(ordering: .relaxed) }

    /// The router picked `entity` while a breaker held another out: counted apart from the split's assignments.
    public func steered(entity: Int) {
        stats.withLock { $0.steered(entity: entity) }
    }

    /// A prompt `entity` was not sent, and why: counted in the snapshot and written in the event log.
    public func promptNotSent(entity: Int, reason: String) {
        stats.withLock { $0.promptNotSent(entity: entity) }
        note(
            EngineEvent(
                time: now(), entity: entity, kind: .notSent,
                message: "\(endpoint.servedEntities[entity].name): prompt not sent (\(reason))"))
    }

    /// Changes the split as one step: `apply` moves the router (given the session's clock) and returns its epoch;
    /// a new epoch is opened in the stats, logged and sent to every observer before any other change starts.
    @discardableResult
    public func reweight(_ apply: (Double) -> SplitEpoch) -> SplitEpoch {
        changes.withLock { c in
            let before = stats.withLock { $0.currentEpoch.index }
            let epoch = apply(now())
            guard epoch.index > before, !c.ended else { return epoch }
            stats.withLock { $0.openEpoch(epoch) }
            note(
                EngineEvent(
                    time: epoch.startedAt, entity: nil, kind: .split,
                    message: "split \(epoch.weights) (epoch \(epoch.index))"))
            for observer in observers { observer.observe(.epochOpened(epoch)) }
            return epoch
        }
    }

    /// Switches between split and compare (the dashboard's `c`) as one step: logged and sent to every observer
    /// (the journal keeps each switch, so a report names the mode the session ended in, as the summary does).
    public func switchMode(to mode: RunMode) {
        changes.withLock { c in
            guard !c.ended, currentMode.withLock({ $0 }) != mode else { return }
            currentMode.withLock { $0 = mode }
            let at = now()
            note(EngineEvent(time: at, entity: nil, kind: .mode, message: "mode: \(mode.rawValue)"))
            for observer in observers { observer.observe(.modeChanged(mode, at: at)) }
        }
    }

    /// Takes a client's feedback on one of this session's requests (serve's `POST /feedback`) and passes it on;
    /// false when the session ended, or the metric is one too many or changes kind (boolean or number).
    @discardableResult
    public func feedback(_ f: Feedback) -> Bool {
        changes.withLock { c in
            guard !c.ended else { return false }
            if c.feedback == nil { c.feedback = FeedbackTally(entities: endpoint.servedEntities.count) }
            // Mutated in place: a copy would copy the arm's values on every feedback (quadratic).
            guard c.feedback!.add(f) else { return false }
            let at = now()
            for observer in observers { observer.observe(.feedback(f, at: at)) }
            return true
        }
    }

    /// The feedback taken so far, per metric and entity.
    public var feedbackTally: FeedbackTally {
        changes.withLock { $0.feedback ?? FeedbackTally(entities: endpoint.servedEntities.count) }
    }

    /// Counts a blind vote (compare mode) and passes it on.
    public func vote(_ vote: Vote) {
        changes.withLock { c in
            guard !c.ended else { return }
            c.votes.append(vote)
            let at = now()
            for observer in observers { observer.observe(.voted(vote, at: at)) }
        }
    }

    /// Keeps the LLM judge's verdict on a pair of answers (or why it has none) and passes it on; after the end,
    /// nothing is kept.
    public func judged(_ judgement: Judgement) {
        changes.withLock { c in
            guard !c.ended else { return }
            c.judgements.append(judgement)
            let at = now()
            for observer in observers { observer.observe(.judged(judgement, at: at)) }
        }
    }

    /// The judge's verdicts so far, in the order they came.
    public var judgements: [Judgement] { changes.withLock { $0.judgements } }

    /// Ends the session (once): observers hear `.ended` and nothing after it.
    public func end() {
        let first = changes.withLock { c -> Bool in
            defer { c.ended = true }
            return !c.ended
        }
        guard first else { return }
        for observer in observers { observer.observe(.ended) }
    }

    public func note(_ event: EngineEvent) {
        log.withLock { $0.add(event) }
    }

    public func snapshot() -> Snapshot {
        let t = now()
        return stats.withLock { $0.snapshot(at: t) }
    }

    /// The statistics as they stand: a copy taken under the lock (the transport threads record through it), so
    /// an analysis over it runs outside the lock.
    public func statistics() -> StatsAggregator { stats.withLock { $0 } }

    /// The sample-ratio check as it stands (one read; `SessionAnalysis` keeps the running minimum).
    public func srm() -> [SRMResult] { statistics().srm() }
    public var votes: [Vote] { changes.withLock { $0.votes } }
    public var events: [EngineEvent] { log.withLock { $0.items } }
    /// The latest finished requests, newest last: what the side-by-side pane shows.
    public var recentRecords: [RequestRecord] { recent.withLock { $0.items } }
}

/// The newest `capacity` items, oldest dropped first (a fifth at a time, so adding stays cheap).
struct BoundedLog<Element: Sendable>: Sendable {
    private(set) var items: [Element] = []
    let capacity: Int

    mutating func add(_ item: Element) {
        if items.count == capacity { items.removeFirst(max(1, capacity / 5)) }
        items.append(item)
    }
}
