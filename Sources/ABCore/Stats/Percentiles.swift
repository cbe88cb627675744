import Histogram

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

/// An HdrHistogram of durations recorded in microseconds (1 µs to 1 hour, 3 significant digits).
public struct DurationHistogram: Sendable {
    private var histogram = Histogram<UInt64>(
        highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)

    public init() {}

    public var count: UInt64 { histogram.totalCount }

    public mutating func record(nanoseconds: UInt64) {
        let micros = Swift.max(1, Swift.min(nanoseconds / 1_000, 3_600_000_000))
        _ = histogram.record(micros)
    }

    /// Nil when nothing was recorded.
    ///
    /// One pass over the recorded values for all four percentiles (the snapshot takes 24 of these per frame;
    /// `valueAtPercentile` would scan the counts once per percentile). Same values as `valueAtPercentile`.
    public var percentiles: Percentiles? {
        let total = histogram.totalCount
        guard total > 0 else { return nil }
        let levels = [50.0, 90, 95, 99]
        let targets = levels.map { level in Swift.max(1, UInt64((level.nextDown * Double(total) / 100).rounded(.up))) }
        var found = [UInt64](repeating: 0, count: levels.count)
        var next = 0
        var cumulative: UInt64 = 0
        let low = histogram.min
        let high = histogram.maxRecorded
        for step in histogram.recordedValues() {
            cumulative += UInt64(step.count)
            while next < targets.count && cumulative >= targets[next] {
                found[next] = Swift.max(Swift.min(histogram.highestEquivalentForValue(step.value), high), low)
                next += 1
            }
            if next == targets.count { break }
        }
        func ms(_ v: UInt64) -> Double { Double(v) / 1_000 }
        return Percentiles(
            p50: ms(found[0]), p90: ms(found[1]), p95: ms(found[2]), p99: ms(found[3]),
            max: ms(histogram.max))
    }

    /// The histogram's own percentile, for checking the one-pass version.
    public func valueAtPercentile(_ percentile: Double) -> Double {
        Double(histogram.valueAtPercentile(percentile)) / 1_000
    }

    public var meanMilliseconds: Double? {
        histogram.totalCount > 0 ? histogram.mean / 1_000 : nil
    }

    public mutating func add(_ other: DurationHistogram) {
        histogram.add(other.histogram)
    }
}
