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

    private struct Key: Hashable {
        let limit: Int
        let caller: String
    }

    private struct Bucket {
        var level: Double
        var at: Double
    }

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
        if buckets.count > 10_000 { buckets = buckets.filter { now - $0.value.at < 120 } }
    }

    private func key(_ i: Int, _ limit: AIGatewayConfig.RateLimit, _ caller: String) -> Key {
        Key(limit: i, caller: limit.key == .endpoint ? "" : caller)
    }

    /// The bucket's level now, stored back; a new bucket starts full.
    private mutating func refilled(_ key: Key, capacity: Double, period: Int, now: Double) -> Double {
        var bucket = buckets[key] ?? Bucket(level: capacity, at: now)
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
