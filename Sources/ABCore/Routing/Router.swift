import Foundation

/// Chooses the served entity for each request from the current weights (DESIGN §4).
///
/// A value type with no clock and no IO: the caller passes which entities are available (the breaker's say)
/// and the time a reweight happens. One owner mutates it (the dispatcher).
public struct Router: Sendable {
    public let strategy: RoutingStrategy
    public let sticky: Bool
    /// The current split (the session keeps every epoch; the router needs only the one it picks by).
    public private(set) var epoch: SplitEpoch
    private var rng: SplitMix64
    /// Smooth weighted round-robin state: each entity's running credit.
    private var credit: [Int]
    /// Sticky keys already picked in this epoch (hashes; at most `seenKeysCap`, then forgotten and begun again).
    private var seenKeys = Set<UInt64>()
    /// Whether the last pick was for a sticky key already picked in this epoch: that pick was not randomised
    /// (the key's first pick was), so the sample-ratio check and the verdicts leave it out.
    public private(set) var lastPickRepeatedKey = false
    static let seenKeysCap = 1 << 21
    /// Thompson sampling: each arm's requests that succeeded and failed, and the share each arm keeps at least.
    private var outcomes: [(successes: Int, failures: Int)]
    public let floor: Double

    public init(
        weights: Weights, strategy: RoutingStrategy = .random, seed: UInt64 = 0, sticky: Bool = false,
        floor: Double = 0.05
    ) {
        self.strategy = strategy
        self.sticky = sticky
        self.epoch = SplitEpoch(index: 0, weights: weights, startedAt: 0)
        self.rng = SplitMix64(seed: seed)
        self.credit = [Int](repeating: 0, count: weights.count)
        self.outcomes = [(Int, Int)](repeating: (0, 0), count: weights.count)
        self.floor = floor
    }

    /// A request to `entity` succeeded or failed: what Thompson sampling learns from (other strategies ignore it).
    public mutating func observe(entity: Int, success: Bool) {
        guard strategy == .thompson, outcomes.indices.contains(entity) else { return }
        if success { outcomes[entity].successes += 1 } else { outcomes[entity].failures += 1 }
    }

    public var weights: Weights { epoch.weights }

    /// Applies new weights from the next pick on, opening a new epoch; unchanged weights change nothing.
    @discardableResult
    public mutating func setWeights(_ weights: Weights, at time: Double) -> SplitEpoch {
        precondition(weights.count == epoch.weights.count, "weights must cover every served entity")
        guard weights != epoch.weights else { return epoch }
        epoch = SplitEpoch(index: epoch.index + 1, weights: weights, startedAt: time)
        credit = [Int](repeating: 0, count: weights.count)
        seenKeys.removeAll()
        return epoch
    }

    /// The entity for the next request, or nil when no available entity has a share of the traffic.
    ///
    /// - Parameters:
    ///   - available: per entity, whether it may take traffic now (false while its breaker cools down); an
    ///     unavailable entity's share goes to the others in proportion to their weights.
    ///   - stickyKey: with sticky routing on, the same key goes to the same entity for the whole epoch.
    public mutating func pick(available: [Bool]? = nil, stickyKey: String? = nil) -> Int? {
        let w = epoch.weights.percentages
        let usable = available ?? [Bool](repeating: true, count: w.count)
        lastPickRepeatedKey = false
        if sticky, let stickyKey {
            if seenKeys.count >= Self.seenKeysCap { seenKeys.removeAll() }
            lastPickRepeatedKey = !seenKeys.insert(StableHash.of(stickyKey, salt: 0x5E55_1011)).inserted
            return stickyPick(key: stickyKey, weights: w, available: usable)
        }
        switch strategy {
        case .random:
            let total = w.indices.reduce(0) { usable[$1] ? $0 + w[$1] : $0 }
            guard total > 0 else { return nil }
            return weightedIndex(rng.below(total), weights: w, available: usable)
        case .thompson:
            let eligible = w.indices.filter { usable[$0] && w[$0] > 0 }
            guard !eligible.isEmpty else { return nil }
            // The floor: each arm at least `floor` of the picks, drawn uniformly; the rest by Thompson.
            if rng.unit() < min(1, floor * Double(eligible.count)) { return eligible[rng.below(eligible.count)] }
            var best = eligible[0]
            var bestDraw = -1.0
            for i in eligible {
                let draw = Self.beta(1 + Double(outcomes[i].successes), 1 + Double(outcomes[i].failures), &rng)
                if draw > bestDraw {
                    best = i
                    bestDraw = draw
                }
            }
            return best
        case .interleave:
            var total = 0
            var best: Int?
            for i in w.indices where usable[i] && w[i] > 0 {
                credit[i] += w[i]
                total += w[i]
                if best == nil || credit[i] > credit[best!] { best = i }
            }
            guard let best else { return nil }
            credit[best] -= total
            return best
        }
    }

    /// A Beta(a, b) draw: X / (X + Y) of two Gamma draws (Marsaglia & Tsang 2000).
    public static func beta(_ a: Double, _ b: Double, _ rng: inout SplitMix64) -> Double {
        let x = gamma(a, &rng)
        let y = gamma(b, &rng)
        return x + y > 0 ? x / (x + y) : 0.5
    }

    /// A Gamma(shape, 1) draw for shape ≥ 1 (Marsaglia & Tsang's squeeze method; shapes here are counts + 1).
    static func gamma(_ shape: Double, _ rng: inout SplitMix64) -> Double {
        let d = shape - 1.0 / 3
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x = 0.0
            var v = 0.0
            repeat {
                // Box–Muller: one standard normal from two uniforms.
                let u1 = max(rng.unit(), 1e-300)
                x = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * rng.unit())
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = rng.unit()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(max(u, 1e-300)) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// The entities to try after `arm` failed, in `served_entities` order, each once.
    public func fallbackOrder(after arm: Int, available: [Bool]? = nil) -> [Int] {
        let count = epoch.weights.count
        let usable = available ?? [Bool](repeating: true, count: count)
        return (0..<count).filter { $0 != arm && usable[$0] }
    }

    /// A hash of the key and the split picks the entity, so weights still hold over many keys, a new split deals
    /// the keys afresh, and every replica of a fleet (whatever its epochs' numbering: one restarted counts from 0)
    /// sends a key to the same entity with no shared state. When that entity is unavailable, a second hash picks
    /// among the available ones (other keys keep their entity).
    private func stickyPick(key: String, weights w: [Int], available: [Bool]) -> Int? {
        let salt = StableHash.of(epoch.weights.description, salt: 0x5711_C4E1)
        let first = Int(StableHash.of(key, salt: salt).multipliedFullWidth(by: 100).high)
        let choice = weightedIndex(first, weights: w, available: [Bool](repeating: true, count: w.count))
        if let choice, available[choice] { return choice }
        let total = w.indices.reduce(0) { available[$1] ? $0 + w[$1] : $0 }
        guard total > 0 else { return nil }
        let second = Int(StableHash.of(key, salt: salt &+ 0x5bd1_e995).multipliedFullWidth(by: UInt64(total)).high)
        return weightedIndex(second, weights: w, available: available)
    }

    /// The entity whose cumulative weight band (over available entities) contains `ticket`.
    private func weightedIndex(_ ticket: Int, weights w: [Int], available: [Bool]) -> Int? {
        var remaining = ticket
        for i in w.indices where available[i] {
            if remaining < w[i] { return i }
            remaining -= w[i]
        }
        return nil
    }
}
