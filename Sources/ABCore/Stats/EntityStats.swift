/// Running measurements of one served entity (DESIGN §5). Mutated only by `StatsAggregator`.
struct EntityStats: Sendable {
    /// Requests the router sent to this entity (its arm), fallbacks excluded.
    var requests = 0
    var successes = 0
    var errors: [ErrorKind: Int] = [:]
    var retries = 0
    /// Requests this entity answered as a fallback for another; kept out of its comparison.
    var fallbacksServed = 0
    var inFlight = 0
    var e2e = DurationHistogram()
    var ttft = DurationHistogram()
    var tpot = DurationHistogram()
    /// Raw E2E and TTFT of successes in milliseconds, for the rank tests (histograms lose the ties' exactness).
    var e2eSamples: [Double] = []
    var ttftSamples: [Double] = []
    var tokens = TokenTotals()
    var costUSD = 0.0
    var costKnown = false
    /// Σ (output tokens − 1) and Σ (E2E − TTFT) over streamed successes: decode speed as one ratio.
    var decodeTokens = 0
    var decodeSeconds = 0.0
    var seconds = SecondBuckets()

    mutating func record(_ o: RequestOutcome, second: Int) {
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
        e2e.record(nanoseconds: e2eNanos)
        e2eSamples.append(e2eMs)
        if let ttftNanos = o.timing.ttftNanoseconds {
            ttft.record(nanoseconds: ttftNanos)
            ttftSamples.append(Double(ttftNanos) / 1e6)
            if let tpotNanos = o.timing.tpotNanoseconds(outputTokens: o.usage.output) {
                tpot.record(nanoseconds: tpotNanos)
                decodeTokens += o.usage.output - 1
                decodeSeconds += Double(e2eNanos - ttftNanos) / 1e9
            }
        }
    }

    var errorCount: Int { errors.values.reduce(0, +) }
}

/// Counts per entity within one split epoch (arms only), for observed share and SRM.
struct EpochCounts: Sendable {
    let epoch: SplitEpoch
    var requests: [Int]
    var errors: [Int]

    init(epoch: SplitEpoch) {
        self.epoch = epoch
        self.requests = [Int](repeating: 0, count: epoch.weights.count)
        self.errors = requests
    }
}
