import Foundation

/// Per-prompt log ratios (log of B's time / A's time on the same prompt) in fixed memory, read by rank for the
/// paired quantile sequence: bins 1/1024 wide (0.1 % in the ratio) over e^±12, and counters for the ends, where a
/// prompt B failed and A answered sits at +∞ and the reverse at −∞ (a failure is never an advantage).
public struct LogRatioHistogram: Sendable, Equatable {
    static let binsPerUnit = 1024.0
    static let range = 12.0
    static let binCount = Int(2 * range * binsPerUnit)

    private var bins: [UInt32] = []
    /// −∞ (A failed, B answered) or below e^−12; +∞ (B failed) or above e^12.
    public private(set) var belowRange = 0
    public private(set) var aboveRange = 0
    /// Of those, the infinite ones (a side failed): the ends that have no finite bound at all.
    public private(set) var minusInfinity = 0
    public private(set) var plusInfinity = 0
    public private(set) var count = 0

    public init() {}

    public mutating func add(_ logRatio: Double) {
        count += 1
        if logRatio == -.infinity { minusInfinity += 1 }
        if logRatio == .infinity { plusInfinity += 1 }
        guard logRatio > -Self.range else {
            belowRange += 1
            return
        }
        guard logRatio < Self.range else {
            aboveRange += 1
            return
        }
        if bins.isEmpty { bins = [UInt32](repeating: 0, count: Self.binCount) }
        bins[Self.bin(of: logRatio)] &+= 1
    }

    static func bin(of x: Double) -> Int {
        min(binCount - 1, max(0, Int(((x + range) * binsPerUnit).rounded(.down))))
    }

    /// The values by rank, as cells: (−∞, −12) below the range, the bins, then [12, ∞) above (the ends bound
    /// their values from one side only, so an interval reaching them is unbounded there).
    public func orderStatistics() -> HistogramRanks {
        var cumulative: [UInt64] = []
        var lows: [Double] = []
        var highs: [Double] = []
        var total: UInt64 = 0
        if belowRange > 0 {
            total += UInt64(belowRange)
            cumulative.append(total)
            lows.append(-.infinity)
            highs.append(-Self.range)
        }
        for (i, n) in bins.enumerated() where n > 0 {
            total += UInt64(n)
            cumulative.append(total)
            lows.append(Double(i) / Self.binsPerUnit - Self.range)
            highs.append(Double(i + 1) / Self.binsPerUnit - Self.range)
        }
        if aboveRange > 0 {
            total += UInt64(aboveRange)
            cumulative.append(total)
            lows.append(Self.range)
            highs.append(.infinity)
        }
        return HistogramRanks(cumulative: cumulative, lows: lows, highs: highs)
    }
}
