/// Everything the dashboard, the headless summary and the report show, as one immutable value.
///
/// Cheap to take at every frame: counters, percentiles and a short window of per-second buckets, no raw samples.
public struct Snapshot: Sendable {
    /// Seconds since the session started.
    public let time: Double
    public var epoch: SplitEpoch
    public let epochs: [EpochSnapshot]
    public let entities: [EntitySnapshot]
    /// Requests over the last few seconds, per second.
    public let requestsPerSecond: Double

    public var totalRequests: Int { entities.reduce(0) { $0 + $1.requests } }
    public var inFlight: Int { entities.reduce(0) { $0 + $1.inFlight } }

    /// A snapshot of nothing (a serving endpoint list with no endpoint yet).
    public static func empty(time: Double) -> Snapshot {
        Snapshot(
            time: time, epoch: SplitEpoch(index: 0, weights: .even(count: 1), startedAt: 0), epochs: [],
            entities: [], requestsPerSecond: 0)
    }
}

public struct EpochSnapshot: Sendable, Equatable {
    public let epoch: SplitEpoch
    /// The router's picks per entity in this epoch (split mode): what observed share and SRM count.
    public let assigned: [Int]
    /// Arm requests per entity in this epoch that finished (cancelled ones left out).
    public let requests: [Int]
    public let errors: [Int]
}

public struct EntitySnapshot: Sendable {
    public let index: Int
    public let info: EntityInfo
    public let targetPercentage: Int
    /// Share of this epoch's assignments (router picks) that went to this entity (0…1); nil before the epoch's
    /// first pick, and in compare mode (every entity gets every prompt).
    public let observedShare: Double?
    /// Share of the router's picks over the whole run (all epochs); nil before the first, and in compare mode.
    public let overallShare: Double?
    public let requests: Int
    public let successes: Int
    public let inFlight: Int
    public let errors: [ErrorKind: Int]
    public let retries: Int
    public let fallbacks: Int
    public let e2e: Percentiles?
    public let ttft: Percentiles?
    public let tpot: Percentiles?
    public let tokens: TokenTotals
    /// USD; nil when no request had a known price.
    public let costUSD: Double?
    /// Output tokens per second while decoding (after the first token), over streamed successes.
    public let decodeTokensPerSecond: Double?
    /// Per-second buckets, oldest first, ending at the snapshot's second.
    public let recent: [SecondBucket]
    /// Answers checked against their prompt's `"expect"`, and how many met it.
    public internal(set) var checks = CheckTally()
    /// Prompts this entity should have had but was not sent (compare mode, its breaker open).
    public internal(set) var notSent = 0
    /// Picks made while a breaker held another entity out: the breaker moved them here, not the split.
    public internal(set) var steered = 0
    /// Requests cut off by the run itself (quit, client gone, the run's deadline): not errors.
    public internal(set) var cancelled = 0
    /// Split-mode assignments (router picks) over all epochs.
    public internal(set) var assigned = 0

    public var errorCount: Int { errors.values.reduce(0, +) }

    /// Errors out of requests, with its always-valid 95 % interval.
    public var errorRate: Proportion { Proportion(alwaysValid: errorCount, of: requests) }
}

/// Answers checked against their prompts' expectations, and how many met them.
public struct CheckTally: Sendable, Equatable, Codable {
    public var run = 0
    public var passed = 0

    public init(run: Int = 0, passed: Int = 0) {
        self.run = run
        self.passed = passed
    }

    /// The pass rate with its always-valid 95 % interval.
    public var rate: Proportion { Proportion(alwaysValid: passed, of: run) }
}
