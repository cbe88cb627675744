/// Counts for one second of one entity, for sparklines.
public struct SecondBucket: Sendable, Equatable {
    public var requests = 0
    public var errors = 0
    public var latencySumMilliseconds = 0.0

    public init() {}

    /// Mean E2E latency of the successes that finished in this second.
    public var meanLatencyMilliseconds: Double? {
        let ok = requests - errors
        return ok > 0 ? latencySumMilliseconds / Double(ok) : nil
    }
}

/// A rolling window of per-second buckets (a ring), indexed by whole seconds since the session started.
public struct SecondBuckets: Sendable {
    public let capacity: Int
    private var ring: [SecondBucket]
    /// The newest second written, or -1.
    private var newest = -1

    public init(capacity: Int = 600) {
        self.capacity = capacity
        self.ring = [SecondBucket](repeating: SecondBucket(), count: capacity)
    }

    public mutating func record(second: Int, error: Bool, latencyMilliseconds: Double?) {
        guard second >= 0, second > newest - capacity else { return }
        advance(to: second)
        var bucket = ring[second % capacity]
        bucket.requests += 1
        if error {
            bucket.errors += 1
        } else if let latencyMilliseconds {
            bucket.latencySumMilliseconds += latencyMilliseconds
        }
        ring[second % capacity] = bucket
    }

    /// The last `count` seconds ending at `second` (inclusive), oldest first; seconds with nothing are empty.
    public func window(count: Int, endingAt second: Int) -> [SecondBucket] {
        let n = min(count, capacity)
        return (0..<n).map { offset in
            let s = second - (n - 1) + offset
            guard s >= 0, s <= newest, s > newest - capacity else { return SecondBucket() }
            return ring[s % capacity]
        }
    }

    private mutating func advance(to second: Int) {
        guard second > newest else { return }
        let start = max(newest + 1, second - capacity + 1)
        for s in start...second { ring[s % capacity] = SecondBucket() }
        newest = second
    }
}
