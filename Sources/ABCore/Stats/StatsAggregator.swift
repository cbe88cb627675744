import Foundation

/// Turns outcomes into per-entity and per-epoch statistics, and hands out `Snapshot`s.
///
/// One owner (the session) mutates it; time is passed in as seconds since the session started.
public struct StatsAggregator: Sendable {
    public let entities: [EntityInfo]
    private var stats: [EntityStats]
    private var epochs: [EpochCounts]
    private var notSent: [Int]
    private var steered: [Int]
    /// Compare mode: entity i against the control (index 0 unused), per prompt, in the order prompts were sent.
    private var paired: [PairedSample]
    /// What the verdicts read, per entity, in issue order (see `IssueOrder`).
    private var analysis: [ArmAnalysis]
    /// Compare mode's prompts in the order they were sent.
    private var promptOrder = IssueOrder<[RequestOutcome]>()
    /// Error pairs of entity i against the control (k-th request with k-th, issue order), and how far each got.
    private var errorPairs: [PairCounts]
    /// The same pairs' cost differences, B − A in USD (pairs with both costs known).
    private var costPairs: [Moments]
    /// Check outcomes of entity i against the control: the k-th checked answer of each (issue order), passed.
    private var checkPairs: [PairCounts]
    /// Seconds of history each snapshot carries for sparklines.
    public var sparklineSeconds = 120

    public init(entities: [EntityInfo], epoch: SplitEpoch) {
        precondition(entities.count == epoch.weights.count)
        self.entities = entities
        self.stats = [EntityStats](repeating: EntityStats(), count: entities.count)
        self.epochs = [EpochCounts(epoch: epoch)]
        self.notSent = [Int](repeating: 0, count: entities.count)
        self.steered = [Int](repeating: 0, count: entities.count)
        self.paired = [PairedSample](repeating: PairedSample(), count: entities.count)
        self.analysis = [ArmAnalysis](repeating: ArmAnalysis(), count: entities.count)
        self.errorPairs = [PairCounts](repeating: PairCounts(), count: entities.count)
        self.costPairs = [Moments](repeating: Moments(), count: entities.count)
        self.checkPairs = [PairCounts](repeating: PairCounts(), count: entities.count)
    }

    /// The router picked `entity` in `epoch` (split mode, arms only): what observed share and SRM count.
    public mutating func assigned(entity: Int, epoch: Int) {
        let e = epochs.lastIndex { $0.epoch.index <= epoch } ?? epochs.count - 1
        epochs[e].assigned[entity] += 1
    }

    /// A compare-mode prompt is being sent: its ticket in the prompts' issue order (pass it to `recordPaired`).
    public mutating func promptIssued() -> Int { promptOrder.issue() }

    /// One compare-mode prompt's outcomes, all entities together (none if it was not sent), released to the paired
    /// verdicts in the order the prompts were sent. `ticket` nil: already in order (a replay, a test).
    public mutating func recordPaired(_ outcomes: [RequestOutcome], ticket: Int? = nil) {
        let released = ticket.map { promptOrder.resolve($0, outcomes) } ?? [outcomes]
        for group in released { addPaired(group) }
    }

    /// Each entity's per-prompt comparison against the control: the error pair, and the log ratio of E2E and TTFT,
    /// where a side that failed counts as infinitely slow (a failure is never an advantage) and a prompt both
    /// failed has no timing. Cancelled requests and fallbacks are left out.
    private mutating func addPaired(_ outcomes: [RequestOutcome]) {
        guard let control = outcomes.first(where: { $0.entity == 0 && !$0.isFallback }),
            control.error != .cancelled
        else { return }
        func logRatio(_ b: UInt64?, _ a: UInt64?, bFailed: Bool, aFailed: Bool) -> Double? {
            if bFailed && aFailed { return nil }
            if bFailed { return .infinity }
            if aFailed { return -.infinity }
            guard let b, let a else { return nil }
            return log(Double(max(1, b)) / Double(max(1, a)))
        }
        let aFailed = control.error != nil
        for o in outcomes where o.entity != 0 && !o.isFallback && o.error != .cancelled {
            let bFailed = o.error != nil
            paired[o.entity].errors.add(a: aFailed, b: bFailed)
            paired[o.entity].failuresA += aFailed ? 1 : 0
            paired[o.entity].failuresB += bFailed ? 1 : 0
            if let r = logRatio(
                o.timing.e2eNanoseconds, control.timing.e2eNanoseconds, bFailed: bFailed, aFailed: aFailed)
            {
                paired[o.entity].e2e.add(r)
            }
            if o.streamed || control.streamed,
                let r = logRatio(
                    o.timing.ttftNanoseconds, control.timing.ttftNanoseconds, bFailed: bFailed, aFailed: aFailed)
            {
                paired[o.entity].ttft.add(r)
            }
        }
    }

    /// Counts a pick of `entity` made while a breaker held another entity out of the draw: not an assignment of
    /// the split, so not in the sample-ratio check; shown so the summary can say what moved the traffic.
    public mutating func steered(entity: Int) {
        steered[entity] += 1
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

    /// A request was sent to `entity`: counted in flight, and if it is `analysed` given its ticket in the entity's
    /// issue order, to be carried back in `RequestOutcome.issue`. Not analysed: fallbacks (they stay out of the
    /// comparison) and a sticky session's later requests (only a session's first pick was randomised).
    @discardableResult
    public mutating func requestStarted(entity: Int, analysed: Bool = true) -> Int? {
        stats[entity].inFlight += 1
        return analysed ? analysis[entity].order.issue() : nil
    }

    /// Records a finished request. An outcome of an epoch not yet opened counts in the latest one.
    public mutating func record(_ outcome: RequestOutcome, at time: Double) {
        let entity = outcome.entity
        stats[entity].inFlight = max(0, stats[entity].inFlight - 1)
        stats[entity].record(outcome, second: Int(time))
        if !outcome.isFallback, !outcome.repeatsSession {
            let released = outcome.issue.map { analysis[entity].order.resolve($0, outcome) } ?? [outcome]
            for o in released { analysis[entity].take(o) }
            if !released.isEmpty { pairErrors(entity) }
        }
        guard !outcome.isFallback, outcome.countsTowardSplit, outcome.error != .cancelled else { return }
        let e = epochs.lastIndex { $0.epoch.index <= outcome.epoch } ?? epochs.count - 1
        epochs[e].requests[outcome.arm] += 1
        if outcome.error != nil { epochs[e].errors[outcome.arm] += 1 }
    }

    /// Pairs entity i's released outcomes with the control's, k-th with k-th (both in issue order): their errors
    /// and, where both are priced, their costs. Then forgets the outcomes every pairing has used: what stays is
    /// the lead one side has over the other.
    private mutating func pairErrors(_ entity: Int) {
        for i in (entity == 0 ? Array(stats.indices.dropFirst()) : [entity]) {
            var k = errorPairs[i].count
            while let a = analysis[0].paired[k], let b = analysis[i].paired[k] {
                errorPairs[i].add(a: a.failed, b: b.failed)
                if let ca = a.cost, let cb = b.cost { costPairs[i].add(cb - ca) }
                k += 1
            }
            analysis[i].paired.forget(before: k)
            var c = checkPairs[i].count
            while let a = analysis[0].checkOutcomes[c], let b = analysis[i].checkOutcomes[c] {
                checkPairs[i].add(a: a, b: b)
                c += 1
            }
            analysis[i].checkOutcomes.forget(before: c)
        }
        analysis[0].paired.forget(before: errorPairs.dropFirst().map(\.count).min() ?? analysis[0].paired.count)
        analysis[0].checkOutcomes.forget(
            before: checkPairs.dropFirst().map(\.count).min() ?? analysis[0].checkOutcomes.count)
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
            views[i].steered = steered[i]
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
    /// Each entity's data for the verdicts, in issue order: moments and histograms (bounded, whatever the number
    /// of requests) and one bit per request for the error pairs.
    public var armSamples: [ArmSample] {
        stats.indices.map { i in
            let a = analysis[i]
            return ArmSample(
                name: entities[i].name, errors: a.errors,
                e2e: CensoredSample(finished: a.e2e.orderStatistics(), censored: a.e2eCensored.orderStatistics()),
                ttft: CensoredSample(finished: a.ttft.orderStatistics(), censored: a.ttftCensored.orderStatistics()),
                errorPairs: errorPairs[i], costs: a.costs, costPairs: costPairs[i], unpriced: a.unpriced,
                checks: a.checks, checkPairs: checkPairs[i])
        }
    }

    /// The verdicts of one read (a replayed journal, a test): the running state starts afresh.
    public func verdicts(settings: VerdictAnalysis.Settings = .init()) -> [Verdict] {
        var analysis = VerdictAnalysis(names: entities.map(\.name), settings: settings)
        return analysis.verdicts(arms: armSamples, paired: settings.paired ? pairedSamples : [])
    }

    /// Compare mode's per-prompt differences, entity i against the control (index 0 unused).
    public var pairedSamples: [PairedSample?] { paired.map { $0.e2e.count + $0.errors.count > 0 ? $0 : nil } }

    /// Requests sent to each entity that the verdicts cannot read yet: in flight, or finished behind one that is.
    public var awaitingAnalysis: [Int] { analysis.map(\.order.outstanding) }

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
