import Foundation

/// Turns outcomes into per-entity and per-epoch statistics, and hands out `Snapshot`s.
///
/// One owner (the session) mutates it; time is passed in as seconds since the session started.
public struct StatsAggregator: Sendable {
    public let entities: [EntityInfo]
    private var stats: [EntityStats]
    private var epochs: [EpochCounts]
    private var notSent: [Int]
    /// Compare mode: entity i against the control (index 0 unused), per prompt.
    private var paired: [PairedSample]
    /// Seconds of history each snapshot carries for sparklines.
    public var sparklineSeconds = 120

    public init(entities: [EntityInfo], epoch: SplitEpoch) {
        precondition(entities.count == epoch.weights.count)
        self.entities = entities
        self.stats = [EntityStats](repeating: EntityStats(), count: entities.count)
        self.epochs = [EpochCounts(epoch: epoch)]
        self.notSent = [Int](repeating: 0, count: entities.count)
        self.paired = [PairedSample](repeating: PairedSample(), count: entities.count)
    }

    /// The router picked `entity` in `epoch` (split mode, arms only): what observed share and SRM count.
    public mutating func assigned(entity: Int, epoch: Int) {
        let e = epochs.lastIndex { $0.epoch.index <= epoch } ?? epochs.count - 1
        epochs[e].assigned[entity] += 1
    }

    /// One compare-mode prompt's outcomes, all entities together: each entity's per-prompt difference against the
    /// control (cancelled requests and fallbacks left out; latency only where both succeeded).
    public mutating func recordPaired(_ outcomes: [RequestOutcome]) {
        guard let control = outcomes.first(where: { $0.entity == 0 && !$0.isFallback }),
            control.error != .cancelled
        else { return }
        for o in outcomes where o.entity != 0 && !o.isFallback && o.error != .cancelled {
            paired[o.entity].errors.add((o.error == nil ? 0 : 1) - (control.error == nil ? 0 : 1))
            paired[o.entity].failuresA += control.error == nil ? 0 : 1
            paired[o.entity].failuresB += o.error == nil ? 0 : 1
            guard o.error == nil, control.error == nil else { continue }
            let ratio = Double(max(1, o.timing.e2eNanoseconds)) / Double(max(1, control.timing.e2eNanoseconds))
            paired[o.entity].e2e.add(log(ratio))
            if let b = o.timing.ttftNanoseconds, let a = control.timing.ttftNanoseconds {
                paired[o.entity].ttft.add(log(Double(max(1, b)) / Double(max(1, a))))
            }
        }
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
        guard !outcome.isFallback, outcome.countsTowardSplit, outcome.error != .cancelled else { return }
        let e = epochs.lastIndex { $0.epoch.index <= outcome.epoch } ?? epochs.count - 1
        epochs[e].requests[outcome.arm] += 1
        if outcome.error != nil { epochs[e].errors[outcome.arm] += 1 }
    }

    public func snapshot(at time: Double) -> Snapshot {
        let second = Int(time)
        let current = epochs[epochs.count - 1]
        let epochTotal = current.assigned.reduce(0, +)
        let assignedPerEntity = stats.indices.map { i in epochs.reduce(0) { $0 + $1.assigned[i] } }
        let assignedTotal = assignedPerEntity.reduce(0, +)
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
                    observedShare: epochTotal > 0 ? Double(current.assigned[i]) / Double(epochTotal) : nil,
                    overallShare: assignedTotal > 0 ? Double(assignedPerEntity[i]) / Double(assignedTotal) : nil,
                    requests: s.requests, successes: s.successes, inFlight: s.inFlight, errors: s.errors,
                    retries: s.retries, fallbacks: s.fallbacksServed,
                    e2e: s.e2e.percentiles, ttft: s.ttft.percentiles, tpot: s.tpot.percentiles,
                    tokens: s.tokens, costUSD: s.costKnown ? s.costUSD : nil,
                    decodeTokensPerSecond: s.decodeSeconds > 0 ? Double(s.decodeTokens) / s.decodeSeconds : nil,
                    recent: recent))
            views[i].notSent = notSent[i]
            views[i].cancelled = s.cancelled
            views[i].checks = s.checks
            views[i].assigned = assignedPerEntity[i]
        }
        let elapsedWhole = min(window, max(1, second))
        return Snapshot(
            time: time, epoch: current.epoch,
            epochs: epochs.map {
                EpochSnapshot(epoch: $0.epoch, assigned: $0.assigned, requests: $0.requests, errors: $0.errors)
            },
            entities: views, requestsPerSecond: Double(recentRequests) / Double(elapsedWhole))
    }
}

extension StatsAggregator {
    /// Each entity's data for the verdicts: bounded (moments and histograms), whatever the number of requests.
    public var armSamples: [ArmSample] {
        stats.indices.map { i in
            ArmSample(
                name: entities[i].name, errors: stats[i].errorMoments, e2e: stats[i].e2e.orderStatistics(),
                ttft: stats[i].ttft.orderStatistics())
        }
    }

    /// The verdicts of one read (a replayed journal, a test): the running state starts afresh.
    public func verdicts(settings: VerdictAnalysis.Settings = .init()) -> [Verdict] {
        var analysis = VerdictAnalysis(names: entities.map(\.name), settings: settings)
        return analysis.verdicts(arms: armSamples, paired: settings.paired ? pairedSamples : [])
    }

    /// Compare mode's per-prompt differences, entity i against the control (index 0 unused).
    public var pairedSamples: [PairedSample?] { paired.map { $0.e2e.count + $0.errors.count > 0 ? $0 : nil } }

    /// The sequential sample-ratio check per epoch with assignments, on the router's picks. `previous`: the last
    /// read's results, whose p-values this read's cannot exceed (the running minimum).
    public func srm(previous: [SRMResult] = []) -> [SRMResult] {
        epochs.filter { $0.assigned.reduce(0, +) > 0 }.map { counts in
            SRMResult(
                epoch: counts.epoch.index, weights: counts.epoch.weights.percentages, observed: counts.assigned,
                runningMinimum: previous.first { $0.epoch == counts.epoch.index }?.pValue)
        }
    }
}
