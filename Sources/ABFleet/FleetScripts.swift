/// The Lua scripts the fleet runs inside Redis. Each runs atomically (Redis runs one script at a time), so a
/// publish, a bucket's take and a heartbeat are each one indivisible step across every replica; times are Redis'
/// own clock (`TIME`), so replicas whose clocks differ still share one bucket correctly.
enum FleetScripts {
    /// KEYS: version counter, the endpoint's hash, the index of endpoints. ARGV: payload, weights, origin,
    /// deleted ("1" or ""), name. Returns the new version.
    static let publish = """
        local v = redis.call('INCR', KEYS[1])
        redis.call('HSET', KEYS[2], 'version', v, 'payload', ARGV[1], 'weights', ARGV[2], 'origin', ARGV[3],
          'deleted', ARGV[4])
        redis.call('HSET', KEYS[3], ARGV[5], v)
        return v
        """

    /// `publish`, unless the endpoint already has a record (after Redis restarted empty, the first replica to
    /// publish an endpoint wins; the others apply it). Same KEYS and ARGV; returns the new version, or 0.
    static let publishIfAbsent = """
        if redis.call('HEXISTS', KEYS[3], ARGV[5]) == 1 then return 0 end
        local v = redis.call('INCR', KEYS[1])
        redis.call('HSET', KEYS[2], 'version', v, 'payload', ARGV[1], 'weights', ARGV[2], 'origin', ARGV[3],
          'deleted', ARGV[4])
        redis.call('HSET', KEYS[3], ARGV[5], v)
        return v
        """

    /// A new split only (the dashboard of `abtop watch --fleet`): the endpoint's record keeps its payload and gets
    /// a new version. KEYS: version counter, the endpoint's hash, the index. ARGV: weights, origin, name. Returns
    /// the new version, or -1 when the endpoint is gone.
    static let split = """
        local p = redis.call('HGET', KEYS[2], 'payload')
        if not p or redis.call('HGET', KEYS[2], 'deleted') == '1' then return -1 end
        local v = redis.call('INCR', KEYS[1])
        redis.call('HSET', KEYS[2], 'version', v, 'weights', ARGV[1], 'origin', ARGV[2])
        redis.call('HSET', KEYS[3], ARGV[3], v)
        return v
        """

    /// `split`, by the holder of a lease only (a rollout's leader: one that lost its lease can no longer move the
    /// fleet). KEYS: as `split`, then the lease. ARGV: as `split`. Returns -2 when this replica does not hold it.
    static let fencedSplit = """
        if redis.call('GET', KEYS[4]) ~= ARGV[2] then return -2 end
        local p = redis.call('HGET', KEYS[2], 'payload')
        if not p or redis.call('HGET', KEYS[2], 'deleted') == '1' then return -1 end
        local v = redis.call('INCR', KEYS[1])
        redis.call('HSET', KEYS[2], 'version', v, 'weights', ARGV[1], 'origin', ARGV[2])
        redis.call('HSET', KEYS[3], ARGV[3], v)
        return v
        """

    /// SET by the holder of a lease only. KEYS: the key, the lease. ARGV: the value, this replica. Returns 1 when set.
    static let fencedSet = """
        if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
        redis.call('SET', KEYS[1], ARGV[1])
        return 1
        """

    /// Gives a lease up, if this replica holds it. KEYS: the lease. ARGV: this replica.
    static let release = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """

    /// One token bucket per key, refilled continuously (capacity per period, as `RateLimiter` does locally).
    /// KEYS: the buckets. ARGV: per bucket capacity, period (s) and kind ("c": calls, "t": tokens). A call is
    /// admitted only when every bucket allows it; then each calls bucket loses one. Returns "0" when admitted, else
    /// the seconds to wait.
    static let admit = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
        local levels = {}
        local wait = 0
        for i = 1, #KEYS do
          local cap = tonumber(ARGV[3 * i - 2])
          local period = tonumber(ARGV[3 * i - 1])
          local kind = ARGV[3 * i]
          local b = redis.call('HMGET', KEYS[i], 'level', 'at')
          local level = tonumber(b[1])
          local at = tonumber(b[2])
          if level == nil or at == nil then level = cap; at = now end
          if cap <= 0 then
            wait = math.max(wait, period)
          else
            level = math.min(cap, level + math.max(0, now - at) * cap / period)
            if kind == 'c' and level < 1 then wait = math.max(wait, (1 - level) * period / cap) end
            if kind == 't' and level <= 0 then wait = math.max(wait, (1 - level) * period / cap) end
          end
          levels[i] = level
        end
        if wait > 0 then return tostring(wait) end
        for i = 1, #KEYS do
          local level = levels[i]
          if ARGV[3 * i] == 'c' then level = level - 1 end
          redis.call('HSET', KEYS[i], 'level', tostring(level), 'at', tostring(now))
          redis.call('PEXPIRE', KEYS[i], math.ceil(tonumber(ARGV[3 * i - 1]) * 2000))
        end
        return '0'
        """

    /// Charges answered tokens. KEYS: the token buckets. ARGV: per bucket capacity and period, then the tokens.
    static let charge = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
        local tokens = tonumber(ARGV[#ARGV])
        for i = 1, #KEYS do
          local cap = tonumber(ARGV[2 * i - 1])
          local period = tonumber(ARGV[2 * i])
          local b = redis.call('HMGET', KEYS[i], 'level', 'at')
          local level = tonumber(b[1])
          local at = tonumber(b[2])
          if level == nil or at == nil then level = cap; at = now end
          if cap > 0 then level = math.min(cap, level + math.max(0, now - at) * cap / period) end
          redis.call('HSET', KEYS[i], 'level', tostring(level - tokens), 'at', tostring(now))
          redis.call('PEXPIRE', KEYS[i], math.ceil(period * 2000))
        end
        return 0
        """

    /// A breaker opened on a replica: the fleet cools the entity down until the latest time any replica asked.
    /// KEYS: the entity's breaker key. ARGV: until (wall-clock seconds), expiry (ms), replica. Returns 1 when it
    /// moved the time.
    static let coolDown = """
        local cur = redis.call('GET', KEYS[1])
        if cur then
          local u = tonumber(string.match(cur, '^[^|]+'))
          if u and u >= tonumber(ARGV[1]) then return 0 end
        end
        redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[3], 'PX', ARGV[2])
        return 1
        """

    /// Leads (or keeps leading) a task of the fleet for `ARGV[2]` ms. KEYS: the lease. ARGV: this replica, ms.
    /// Returns 1 when this replica leads.
    static let lead = """
        local cur = redis.call('GET', KEYS[1])
        if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
        if not cur then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
        return 0
        """

    /// KEYS: the replicas' sorted set. ARGV: this replica. Marks it alive now, forgets replicas silent for a
    /// minute, and returns how many were heard from in the last 10 s.
    static let heartbeat = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
        redis.call('ZADD', KEYS[1], now, ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60)
        return redis.call('ZCOUNT', KEYS[1], now - 10, '+inf')
        """
}
