/// Turns outcomes into per-entity and per-epoch statistics, and hands out `Snapshot`s.
///
/// One owner (the session) mutates it; time is passed in as seconds since the session started.
public struct StatsAggregator: Sendable {
    public let entities: [EntityInfo]
    private var stats: [EntityStats]
    private var epochs: [EpochCounts]
    private var notSent: [Int]
    /// Seconds of history each snapshot carries for sparklines.
    public var sparklineSeconds = 120

    public init(entities: [EntityInfo], epoch: SplitEpoch) {
        precondition(entities.count == epoch.weights.count)
        self.entities = entities
        self.stats = [EntityStats](repeating: EntityStats(), count: entities.count)
        self.epochs = [EpochCounts(epoch: epoch)]
        self.notSent = [Int](repeating: 0, count: entities.count)
    }

    /// Counts a prompt `entity` should have had but was not sent (shown beside its requests, never as an error).
    public mutating func promptNotSent(entity: Int) {
        notSent[entity] += 1
    }

    public var currentEpoch: SplitEpoch { epochs[epochs.count - 1].epoch }

    /// Starts counting a new split epoch (call with each `Router.setWeights` that changed the split).
    public mutating func openEpoch(_ epoch: SplitEpoch) {
        guard epoch.index > currentEpoch.index else { return }
        epochs.append(EpochCounts(epoch: epoch))
    }

    public mutating func requestStarted(entity: Int) {
        stats[entity].inFlight += 1
    }

    /// Records a finished request. An outcome of an epoch not yet opened counts in the latest one.
    public mutating func record(_ outcome: RequestOutcome, at time: Double) {
        let entity = outcome.entity
        stats[entity].inFlight = max(0, stats[entity].inFlight - 1)
        stats[entity].record(outcome, second: Int(time))
        guard !outcome.isFallback, outcome.countsTowardSplit else { return }
        let e = epochs.lastIndex { $0.epoch.index <= outcome.epoch } ?? epochs.count - 1
        epochs[e].requests[outcome.arm] += 1
        if outcome.error != nil { epochs[e].errors[outcome.arm] += 1 }
    }

    public func snapshot(at time: Double) -> Snapshot {
        let second = Int(time)
        let current = epochs[epochs.count - 1]
        let epochTotal = current.requests.reduce(0, +)
        let total = stats.reduce(0) { $0 + $1.requests }
        let window = 5
        var recentRequests = 0
        var views: [EntitySnapshot] = []
        views.reserveCapacity(stats.count)
        for (i, s) in stats.enumerated() {
            let recent = s.seconds.window(count: sparklineSeconds, endingAt: second)
            // The current second is still filling: measure the rate over the whole seconds before it.
            recentRequests += recent.dropLast().suffix(window).reduce(0) { $0 + $1.requests }
            views.append(
                EntitySnapshot(
                    index: i, info: entities[i], targetPercentage: current.epoch.weights[i],
                    observedShare: epochTotal > 0 ? Double(current.requests[i]) / Double(epochTotal) : nil,
                    overallShare: total > 0 ? Double(s.requests) / Double(total) : nil,
                    requests: s.requests, successes: s.successes, inFlight: s.inFlight, errors: s.errors,
                    retries: s.retries, fallbacks: s.fallbacksServed,
                    e2e: s.e2e.percentiles, ttft: s.ttft.percentiles, tpot: s.tpot.percentiles,
                    tokens: s.tokens, costUSD: s.costKnown ? s.costUSD : nil,
                    decodeTokensPerSecond: s.decodeSeconds > 0 ? Double(s.decodeTokens) / s.decodeSeconds : nil,
                    recent: recent))
            views[i].notSent = notSent[i]
        }
        let elapsedWhole = min(window, max(1, second))
        return Snapshot(
            time: time, epoch: current.epoch,
            epochs: epochs.map { EpochSnapshot(epoch: $0.epoch, requests: $0.requests, errors: $0.errors) },
            entities: views, requestsPerSecond: Double(recentRequests) / Double(elapsedWhole))
    }
}

extension StatsAggregator {
    /// Verdicts for E2E latency, TTFT and error rate, each entity against the first (the control).
    ///
    /// Costs a sort of the samples, so the session calls it about once a second, not every frame.
    public func verdicts() -> [Verdict] {
        guard stats.count >= 2 else { return [] }
        var out: [Verdict] = []
        let control = stats[0]
        let a = entities[0].name
        for i in 1..<stats.count {
            let other = stats[i]
            let b = entities[i].name
            out.append(.latency(.latencyE2E, a: a, control.e2eSamples, b: b, other.e2eSamples))
            if !control.ttftSamples.isEmpty || !other.ttftSamples.isEmpty {
                out.append(.latency(.ttft, a: a, control.ttftSamples, b: b, other.ttftSamples))
            }
            out.append(
                .errorRate(
                    a: a, errorsA: control.errorCount, requestsA: control.requests,
                    b: b, errorsB: other.errorCount, requestsB: other.requests))
        }
        return out
    }

    /// Sample-ratio mismatch per epoch that has requests.
    public func srm() -> [SRMResult] {
        epochs.filter { $0.requests.reduce(0, +) > 0 }.map {
            SRMResult(epoch: $0.epoch.index, weights: $0.epoch.weights.percentages, observed: $0.requests)
        }
    }
}
