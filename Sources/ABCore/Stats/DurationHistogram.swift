/// The percentiles shown everywhere, in milliseconds.
public struct Percentiles: Sendable, Equatable, Codable {
    public var p50: Double
    public var p90: Double
    public var p95: Double
    public var p99: Double
    public var max: Double

    public init(p50: Double, p90: Double, p95: Double, p99: Double, max: Double) {
        self.p50 = p50
        self.p90 = p90
        self.p95 = p95
        self.p99 = p99
        self.max = max
    }
}

/// Durations in microseconds, 1 µs to 1 hour, 3 significant digits (a value is kept within 0.1 %).
///
/// HdrHistogram's log-linear layout and answers (the same buckets, percentiles and max as the `Histogram` package,
/// checked against it in `DurationHistogramTests`), written out as a flat array so the percentile walk is a plain
/// loop over the buckets in use: through the package's generic iterator an unoptimised (debug) build spent 50 ms a
/// dashboard frame on it. Memory is fixed per histogram (23,552 counters, allocated at the first value).
public struct DurationHistogram: Sendable {
    /// 2,048 sub-buckets give single-unit resolution up to 2,000 (3 significant digits); each bucket doubles.
    static let halfCountMagnitude = 10
    static let halfCount = 1 << halfCountMagnitude
    static let subBucketCount = 2 * halfCount
    static let leadingZeroCountBase = 64 - 11
    static let highestTrackable: UInt64 = 3_600_000_000
    /// Buckets to reach an hour in microseconds (2,048 · 2^21 > 3.6·10⁹), plus one half-bucket.
    static let length = (22 + 1) * halfCount

    private var counts: [UInt64] = []
    public private(set) var count: UInt64 = 0
    private var maxValue: UInt64 = 0
    private var minValue: UInt64 = .max
    /// The lowest and highest counters in use: the walk reads only between them.
    private var lowIndex = Int.max
    private var highIndex = -1

    public init() {}

    public mutating func record(nanoseconds: UInt64) {
        let micros = Swift.max(1, Swift.min(nanoseconds / 1_000, Self.highestTrackable))
        if counts.isEmpty { counts = [UInt64](repeating: 0, count: Self.length) }
        let index = Self.index(of: micros)
        counts[index] += 1
        count += 1
        maxValue = Swift.max(maxValue, micros)
        minValue = Swift.min(minValue, micros)
        lowIndex = Swift.min(lowIndex, index)
        highIndex = Swift.max(highIndex, index)
    }

    /// p50, p90, p95, p99 (each the highest value equivalent to the bucket where the cumulative count reaches
    /// the level, as HdrHistogram's `valueAtPercentile`) and the max, in one walk; nil when nothing was recorded.
    public var percentiles: Percentiles? {
        guard count > 0 else { return nil }
        let found = values(at: [50, 90, 95, 99])
        func ms(_ v: UInt64) -> Double { Double(v) / 1_000 }
        return Percentiles(
            p50: ms(found[0]), p90: ms(found[1]), p95: ms(found[2]), p99: ms(found[3]),
            max: ms(Self.highestEquivalent(maxValue)))
    }

    /// One percentile, in milliseconds (0: the smallest value; 100: the largest recorded).
    public func valueAtPercentile(_ percentile: Double) -> Double {
        guard count > 0 else { return 0 }
        if percentile <= 0 { return Double(minValue) / 1_000 }
        if percentile >= 100 { return Double(maxValue) / 1_000 }
        return Double(values(at: [percentile])[0]) / 1_000
    }

    /// The values at ascending `levels` (percent), in microseconds.
    private func values(at levels: [Double]) -> [UInt64] {
        let targets = levels.map { level in
            Swift.max(1, UInt64((Swift.min(Swift.max(level.nextDown, 0), 100) * Double(count) / 100).rounded(.up)))
        }
        var found = [UInt64](repeating: 0, count: levels.count)
        var next = 0
        var cumulative: UInt64 = 0
        counts.withUnsafeBufferPointer { buffer in
            var i = lowIndex
            while i <= highIndex, next < targets.count {
                cumulative += buffer[i]
                while next < targets.count && cumulative >= targets[next] {
                    let value = Self.highestEquivalent(Self.value(at: i))
                    found[next] = Swift.max(Swift.min(value, maxValue), minValue)
                    next += 1
                }
                i += 1
            }
        }
        return found
    }

    /// The recorded values by rank, for the quantile confidence sequences: each rank answered with its bucket's
    /// edges in milliseconds (a value recorded as v µs was in [v, v + 1) µs, so the upper edge adds one).
    /// Built in one pass over the buckets in use; each rank is then a binary search.
    public func orderStatistics() -> HistogramRanks {
        var cumulative: [UInt64] = []
        var lows: [Double] = []
        var highs: [Double] = []
        var total: UInt64 = 0
        if count > 0 {
            for i in lowIndex...highIndex where counts[i] > 0 {
                total += counts[i]
                let value = Self.value(at: i)
                cumulative.append(total)
                lows.append(Double(value) / 1_000)
                highs.append(Double(Self.highestEquivalent(value) + 1) / 1_000)
            }
            // Values below 1 µs were kept as 1 µs and values past an hour as an hour: the end buckets then only
            // bound their values from one side.
            if minValue <= 1 { lows[0] = 0 }
            if maxValue >= Self.highestTrackable { highs[highs.count - 1] = .infinity }
        }
        return HistogramRanks(cumulative: cumulative, lows: lows, highs: highs)
    }

    // HdrHistogram's index arithmetic, for a lowest discernible value of 1 (unit magnitude 0).

    static func bucket(of value: UInt64) -> Int {
        leadingZeroCountBase - (value | UInt64(subBucketCount - 1)).leadingZeroBitCount
    }

    static func index(of value: UInt64) -> Int {
        let bucket = bucket(of: value)
        let subBucket = Int(value >> UInt64(bucket))
        return ((bucket + 1) << halfCountMagnitude) + (subBucket - halfCount)
    }

    static func value(at index: Int) -> UInt64 {
        var bucket = (index >> halfCountMagnitude) - 1
        var subBucket = (index & (halfCount - 1)) + halfCount
        if bucket < 0 {
            subBucket -= halfCount
            bucket = 0
        }
        return UInt64(subBucket) << UInt64(bucket)
    }

    /// The largest value that lands in the same bucket as `value`.
    static func highestEquivalent(_ value: UInt64) -> UInt64 {
        let bucket = bucket(of: value)
        let subBucket = Int(value >> UInt64(bucket))
        let lowest = UInt64(subBucket) << UInt64(bucket)
        let size: UInt64 = 1 << UInt64(subBucket >= subBucketCount ? bucket + 1 : bucket)
        return lowest + size - 1
    }
}

/// A histogram's values by rank (see `DurationHistogram.orderStatistics`): bounded by the buckets in use.
public struct HistogramRanks: OrderStatistics, Sendable {
    let cumulative: [UInt64]
    let lows: [Double]
    let highs: [Double]

    public var count: Int { Int(cumulative.last ?? 0) }

    public func lower(rank: Int) -> Double { lows[bucket(of: rank)] }
    public func upper(rank: Int) -> Double { highs[bucket(of: rank)] }

    /// The first bucket whose cumulative count reaches `rank`.
    private func bucket(of rank: Int) -> Int {
        var low = 0
        var high = cumulative.count - 1
        let target = UInt64(max(1, rank))
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] >= target { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
