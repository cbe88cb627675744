/// A rate with an interval: errors out of requests, checks passed out of checked, a win rate.
public struct Proportion: Sendable, Equatable, Codable {
    /// Successes; may be fractional (a tie counts half a win).
    public let successes: Double
    public let trials: Int
    public let estimate: Double
    public let lower: Double
    public let upper: Double

    /// An interval computed elsewhere (the always-valid win rate).
    public init(successes: Double, trials: Int, estimate: Double, lower: Double, upper: Double) {
        self.successes = successes
        self.trials = trials
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
    }

    /// The rate with its always-valid interval (`BernoulliSequence` at level α): tables are read live and whenever
    /// a run stops, so a fixed-horizon interval (Wilson's, shown before) would not keep its 95 % at the moment it
    /// is read; this one holds at every n at once, exact for 0/1 outcomes.
    public init(alwaysValid successes: Int, of trials: Int, alpha: Double = 0.05) {
        let (low, high) = BernoulliSequence.interval(successes: Double(successes), trials: trials, alpha: alpha)
        self.init(
            successes: Double(successes), trials: trials,
            estimate: trials > 0 ? Double(successes) / Double(trials) : 0, lower: low, upper: high)
    }
}
