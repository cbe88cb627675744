import ABCore

/// `ai_gateway.rate_limits` for one endpoint: a token bucket per limit (and per caller for per-user limits)
/// that holds `calls` (or `tokens`) and refills over the renewal period, so a limit of 60 calls a minute
/// allows a burst of 60 and then one a second. Pure: the caller passes the time.
///
/// abtop has no directory of users, groups or service principals: `user`, `user_group` and `service_principal`
/// limits all apply per caller, a caller being the bearer token it sent (or "anonymous").
public struct RateLimiter: Sendable {
    public let limits: [AIGatewayConfig.RateLimit]
    private var buckets: [Key: Bucket] = [:]
    /// Buckets are pruned when there are more than this (then it doubles, so pruning stays amortised O(1)).
    private var pruneAt = Self.pruneFloor
    static let pruneFloor = 10_000
    /// However many distinct callers come (a client may send a new bearer token with every request), at most
    /// this many buckets are kept; past it the longest-idle go (forgetting their debt: per-caller limits without
    /// `--token` are advisory, since any caller can be a new one; see docs/SECURITY.md).
    static let maxBuckets = 100_000

    private struct Key: Hashable {
        let limit: Int
        let caller: String
    }

    private struct Bucket {
        var level: Double
        var at: Double
        var capacity: Double
        var period: Double

        /// Full again by `now`: the same as no bucket at all, so it can be dropped.
        func isFull(at now: Double) -> Bool { level + max(0, now - at) * capacity / period >= capacity }
    }

    /// How many callers' buckets are kept (for tests and /metrics).
    public var bucketCount: Int { buckets.count }

    public init(limits: [AIGatewayConfig.RateLimit]) {
        self.limits = limits
    }

    /// Admits one call, or says how many seconds until it would be admitted. A call limit takes one from its
    /// bucket; a token limit admits while its bucket is above zero (tokens are charged after the answer).
    public mutating func admit(caller: String, now: Double) -> Double? {
        var wait = 0.0
        for (i, limit) in limits.enumerated() {
            let key = self.key(i, limit, caller)
            if let calls = limit.calls {
                let level = refilled(key, capacity: Double(calls), period: limit.renewalPeriodSeconds, now: now)
                if level < 1 { wait = max(wait, retryAfter(missing: 1 - level, capacity: calls, period: limit)) }
            }
            if let tokens = limit.tokens {
                let level = refilled(key, capacity: Double(tokens), period: limit.renewalPeriodSeconds, now: now)
                if level <= 0 { wait = max(wait, retryAfter(missing: 1 - level, capacity: tokens, period: limit)) }
            }
        }
        defer { pruneIfNeeded(now: now) }
        if wait > 0 { return wait }
        for (i, limit) in limits.enumerated() where limit.calls != nil {
            buckets[self.key(i, limit, caller)]!.level -= 1
        }
        return nil
    }

    /// Charges an answered request's tokens to every token limit.
    public mutating func charge(tokens: Int, caller: String, now: Double) {
        for (i, limit) in limits.enumerated() {
            guard let capacity = limit.tokens else { continue }
            let key = self.key(i, limit, caller)
            _ = refilled(key, capacity: Double(capacity), period: limit.renewalPeriodSeconds, now: now)
            buckets[key]!.level -= Double(tokens)
        }
        pruneIfNeeded(now: now)
    }

    /// Drops the buckets that are full again (nothing is forgotten), then, over `maxBuckets`, the longest idle.
    private mutating func pruneIfNeeded(now: Double) {
        guard buckets.count > pruneAt else { return }
        buckets = buckets.filter { !$0.value.isFull(at: now) }
        // Still crowded with live buckets: keep the most recent half, so the next prune is far off (amortised).
        if buckets.count > Self.maxBuckets / 2 {
            let keep = buckets.sorted { $0.value.at > $1.value.at }.prefix(Self.maxBuckets / 2)
            buckets = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
        pruneAt = min(Self.maxBuckets, max(Self.pruneFloor, buckets.count * 2))
    }

    private func key(_ i: Int, _ limit: AIGatewayConfig.RateLimit, _ caller: String) -> Key {
        Key(limit: i, caller: limit.key == .endpoint ? "" : caller)
    }

    /// The bucket's level now, stored back; a new bucket starts full.
    private mutating func refilled(_ key: Key, capacity: Double, period: Int, now: Double) -> Double {
        var bucket = buckets[key] ?? Bucket(level: capacity, at: now, capacity: capacity, period: Double(period))
        bucket.level = min(capacity, bucket.level + max(0, now - bucket.at) * capacity / Double(period))
        bucket.at = now
        buckets[key] = bucket
        return bucket.level
    }

    private func retryAfter(missing: Double, capacity: Int, period: AIGatewayConfig.RateLimit) -> Double {
        guard capacity > 0 else { return Double(period.renewalPeriodSeconds) }
        return missing * Double(period.renewalPeriodSeconds) / Double(capacity)
    }
}
