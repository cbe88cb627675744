/// A proportion with its Wilson score interval (no continuity correction), as scipy's
/// `binomtest(k, n).proportion_ci(method="wilson")` gives it.
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

    public init(successes: Double, trials: Int, confidence: Double = 0.95) {
        self.successes = successes
        self.trials = trials
        guard trials > 0 else {
            estimate = 0
            lower = 0
            upper = 1
            return
        }
        let n = Double(trials)
        let p = successes / n
        let z = Normal.quantile(1 - (1 - confidence) / 2)
        let z2 = z * z
        let denominator = 1 + z2 / n
        let center = (p + z2 / (2 * n)) / denominator
        let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / denominator
        estimate = p
        lower = max(0, center - half)
        upper = min(1, center + half)
    }
}
