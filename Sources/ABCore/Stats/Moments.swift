import Foundation

/// Count, sum and sum of squares of a stream of numbers: all a t-test needs, in constant memory.
public struct Moments: Sendable, Equatable, Codable {
    public var count = 0
    public var sum = 0.0
    public var sumOfSquares = 0.0

    public init() {}

    public mutating func add(_ x: Double) {
        count += 1
        sum += x
        sumOfSquares += x * x
    }

    public var mean: Double { count > 0 ? sum / Double(count) : 0 }
    /// Σ (x − mean)², never negative.
    public var squaredDeviations: Double { max(0, sumOfSquares - sum * sum / Double(max(count, 1))) }
}
