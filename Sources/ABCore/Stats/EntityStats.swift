/// Running measurements of one served entity (DESIGN §5). Mutated only by `StatsAggregator`.
struct EntityStats: Sendable {
    /// Requests the router sent to this entity (its arm) that finished, fallbacks and cancelled ones excluded.
    var requests = 0
    /// Requests cut off by the run itself (quitting, a client gone, the run's own deadline): neither a success
    /// nor an error, kept out of error rates and latencies.
    var cancelled = 0
    var successes = 0
    var errors: [ErrorKind: Int] = [:]
    var retries = 0
    /// Requests this entity answered as a fallback for another; kept out of its comparison.
    var fallbacksServed = 0
    var inFlight = 0
    var e2e = DurationHistogram()
    var ttft = DurationHistogram()
    var tpot = DurationHistogram()
    var tokens = TokenTotals()
    var costUSD = 0.0
    var costKnown = false
    /// Σ (output tokens − 1) and Σ (E2E − TTFT) over streamed successes: decode speed as one ratio.
    var decodeTokens = 0
    var decodeSeconds = 0.0
    var seconds = SecondBuckets()
    /// Answers checked against their prompt's expectation, and how many met it.
    var checks = CheckTally()

    mutating func record(_ o: RequestOutcome, second: Int) {
        if o.error == .cancelled {
            if !o.isFallback { cancelled += 1 }
            tokens.add(o.usage)
            if let cost = o.costUSD {
                costUSD += cost
                costKnown = true
            }
            return
        }
        if o.isFallback {
            fallbacksServed += 1
        } else {
            requests += 1
            retries += o.retries
        }
        tokens.add(o.usage)
        if let cost = o.costUSD {
            costUSD += cost
            costKnown = true
        }
        let e2eNanos = o.timing.e2eNanoseconds
        let e2eMs = Double(e2eNanos) / 1e6
        if !o.isFallback {
            seconds.record(second: second, error: o.error != nil, latencyMilliseconds: e2eMs)
        }
        guard !o.isFallback else { return }
        guard o.error == nil else {
            errors[o.error!, default: 0] += 1
            return
        }
        successes += 1
        if let passed = o.checkPassed {
            checks.run += 1
            if passed { checks.passed += 1 }
        }
        e2e.record(nanoseconds: e2eNanos)
        if let ttftNanos = o.timing.ttftNanoseconds {
            ttft.record(nanoseconds: ttftNanos)
            if let tpotNanos = o.timing.tpotNanoseconds(outputTokens: o.usage.output) {
                tpot.record(nanoseconds: tpotNanos)
                decodeTokens += o.usage.output - 1
                decodeSeconds += Double(e2eNanos - ttftNanos) / 1e9
            }
        }
    }

    var errorCount: Int { errors.values.reduce(0, +) }
}

/// Counts per entity within one split epoch (arms only). Observed share and SRM use the assignments, counted
/// when the router picks: counting finished requests would make a slower arm look short-changed.
struct EpochCounts: Sendable {
    let epoch: SplitEpoch
    var assigned: [Int]
    var requests: [Int]
    var errors: [Int]

    init(epoch: SplitEpoch) {
        self.epoch = epoch
        self.assigned = [Int](repeating: 0, count: epoch.weights.count)
        self.requests = assigned
        self.errors = assigned
    }
}

/// One entity's requests as the verdicts read them: released in issue order (`IssueOrder`), so each is a prefix of
/// what was sent. A request cut off by the run (quit, deadline, a client gone) is right-censored: its latency is at
/// least what it had taken (kept apart, as a lower end), and it is left out of the error rate (whether it would
/// have failed is unknown).
struct ArmAnalysis: Sendable {
    var order = IssueOrder<RequestOutcome>()
    var errors = Moments()
    var e2e = DurationHistogram()
    var ttft = DurationHistogram()
    var e2eCensored = DurationHistogram()
    var ttftCensored = DurationHistogram()
    /// What the pairs read of each finished request, in issue order (`PairingQueue`).
    var paired = PairingQueue<PairedItem>()
    /// Cost per request over the finished requests in issue order (every one priced), for the cost verdict's
    /// estimates; nil costs are left out and counted.
    var costs = Moments()
    var unpriced = 0
    /// Passed or not, per answered request whose prompt had a check, in issue order; and all of them as moments,
    /// for the estimates.
    var checkOutcomes = PairingQueue<Bool>()
    var checks = Moments()

    mutating func take(_ o: RequestOutcome) {
        if o.error == .cancelled {
            e2eCensored.record(nanoseconds: o.timing.e2eNanoseconds)
            if let t = o.timing.ttftNanoseconds {
                ttft.record(nanoseconds: t)
            } else if o.streamed {
                ttftCensored.record(nanoseconds: o.timing.e2eNanoseconds)
            }
            return
        }
        let failed = o.error != nil
        errors.add(failed ? 1 : 0)
        paired.append(PairedItem(failed: failed, cost: o.costUSD))
        if let c = o.costUSD { costs.add(c) } else { unpriced += 1 }
        if let passed = o.checkPassed {
            checkOutcomes.append(passed)
            checks.add(passed ? 1 : 0)
        }
        guard !failed else { return }
        e2e.record(nanoseconds: o.timing.e2eNanoseconds)
        if let t = o.timing.ttftNanoseconds { ttft.record(nanoseconds: t) }
    }
}

/// One finished request as the pairs read it: whether it failed, and what it cost (nil: no price known).
struct PairedItem: Sendable {
    var failed: Bool
    var cost: Double?
}
