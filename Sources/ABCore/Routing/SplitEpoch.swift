/// A stretch of time with one set of weights. Every change of the split opens a new epoch, and observed share
/// and sample-ratio mismatch are judged within an epoch, never across.
public struct SplitEpoch: Sendable, Hashable {
    /// 0 for the config's split, then 1, 2, … per change.
    public let index: Int
    public let weights: Weights
    /// Seconds since the session started.
    public let startedAt: Double

    public init(index: Int, weights: Weights, startedAt: Double) {
        self.index = index
        self.weights = weights
        self.startedAt = startedAt
    }
}
