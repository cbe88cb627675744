/// Target traffic percentages, one per served entity, always summing to exactly 100.
public struct Weights: Sendable, Hashable, CustomStringConvertible {
    public private(set) var percentages: [Int]

    /// Nil unless every value is in 0...100 and they sum to 100.
    public init?(_ percentages: [Int]) {
        guard !percentages.isEmpty, percentages.allSatisfy({ (0...100).contains($0) }),
            percentages.reduce(0, +) == 100
        else { return nil }
        self.percentages = percentages
    }

    /// 100 split as evenly as whole numbers allow, the remainder to the first entities (34/33/33).
    public static func even(count: Int) -> Weights {
        precondition(count > 0)
        return Weights(unchecked: Self.largestRemainder([Double](repeating: 1, count: count), total: 100))
    }

    private init(unchecked percentages: [Int]) {
        self.percentages = percentages
    }

    public var count: Int { percentages.count }

    public subscript(entity: Int) -> Int { percentages[entity] }

    /// The weights after moving `entity`'s target by `delta` points (clamped to 0…100).
    ///
    /// The other entities share what is left in proportion to their current weights (equally when all of
    /// them are at 0), rounded by largest remainder so the sum stays exactly 100.
    public func moving(_ entity: Int, by delta: Int) -> Weights {
        setting(entity, to: percentages[entity] + delta)
    }

    /// The weights with `entity` set to `target` (clamped), the others rescaled as in `moving`.
    public func setting(_ entity: Int, to target: Int) -> Weights {
        let count = percentages.count
        guard count > 1 else { return self }
        let newValue = min(100, max(0, target))
        let rest = 100 - newValue
        let others = (0..<count).filter { $0 != entity }
        let otherTotal = others.reduce(0) { $0 + percentages[$1] }
        let shares = others.map { otherTotal > 0 ? Double(percentages[$0]) : 1.0 }
        let rounded = Self.largestRemainder(shares, total: rest)
        var result = percentages
        result[entity] = newValue
        for (i, other) in others.enumerated() { result[other] = rounded[i] }
        return Weights(unchecked: result)
    }

    /// Scales `shares` to whole numbers summing to `total` (Hamilton's method): floor each exact quota, then
    /// give the leftover units to the largest remainders, ties to the earlier entity.
    public static func largestRemainder(_ shares: [Double], total: Int) -> [Int] {
        let sum = shares.reduce(0, +)
        guard sum > 0, total > 0 else { return [Int](repeating: 0, count: shares.count) }
        let quotas = shares.map { $0 / sum * Double(total) }
        var result = quotas.map { Int($0.rounded(.down)) }
        var leftover = total - result.reduce(0, +)
        let order = quotas.indices.sorted { a, b in
            let ra = quotas[a] - quotas[a].rounded(.down)
            let rb = quotas[b] - quotas[b].rounded(.down)
            return ra != rb ? ra > rb : a < b
        }
        var k = 0
        while leftover > 0 {
            result[order[k % order.count]] += 1
            leftover -= 1
            k += 1
        }
        return result
    }

    public var description: String { percentages.map(String.init).joined(separator: "/") }
}
