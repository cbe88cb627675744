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
    private var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)

    public init() {}

    public var count: UInt64 { histogram.totalCount }

    public mutating func record(nanoseconds: UInt64) {
        let micros = Swift.max(1, Swift.min(nanoseconds / 1_000, 3_600_000_000))
        _ = histogram.record(micros)
    }

    /// Nil when nothing was recorded.
    public var percentiles: Percentiles? {
        guard histogram.totalCount > 0 else { return nil }
        func ms(_ p: Double) -> Double { Double(histogram.valueAtPercentile(p)) / 1_000 }
        return Percentiles(p50: ms(50), p90: ms(90), p95: ms(95), p99: ms(99), max: Double(histogram.max) / 1_000)
    }

    public var meanMilliseconds: Double? {
        histogram.totalCount > 0 ? histogram.mean / 1_000 : nil
    }

    public mutating func add(_ other: DurationHistogram) {
        histogram.add(other.histogram)
    }
}
