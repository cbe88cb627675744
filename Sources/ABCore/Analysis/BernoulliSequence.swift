import Foundation

/// Confidence sequences for a rate (errors out of requests) from Howard et al.'s two-sided beta-binomial mixture,
/// as the authors' `confseq.bernoulli_confidence_interval` computes them: exact for 0/1 outcomes at any n (no
/// normal approximation, so rare errors and lopsided splits keep the guarantee).
public enum BernoulliSequence {
    /// Where the mixture is tuned to be tightest, in requests per arm.
    public static let tOpt = 100.0

    /// log of the mixture supermartingale for "the rate is p", after `successes` of `trials`. Its reciprocal is an
    /// always-valid p-value for p; the level-α sequence is every p where it stays below log(1/α).
    public static func logMixture(successes: Double, trials: Int, p: Double, alphaOpt: Double = 0.05) -> Double {
        guard p > 0, p < 1 else {
            // Outside (0, 1) only a sample of all failures (p = 0) or all successes (p = 1) is possible.
            let possible = p <= 0 ? successes == 0 : successes == Double(trials)
            return possible ? 0 : .infinity
        }
        let n = Double(trials)
        return Boundaries.BetaBinomialMixture(vOpt: p * (1 - p) * tOpt, g: p, h: 1 - p, alphaOpt: alphaOpt)
            .logSuperMartingale(s: successes - p * n, v: p * (1 - p) * n)
    }

    /// The level-α interval for the rate after `successes` of `trials` (bisection on each side of the estimate).
    public static func interval(successes: Double, trials: Int, alpha: Double) -> (low: Double, high: Double) {
        guard trials > 0 else { return (0, 1) }
        let estimate = successes / Double(trials)
        let threshold = log(1 / alpha)
        func inside(_ p: Double) -> Bool { logMixture(successes: successes, trials: trials, p: p) < threshold }
        func edge(from a: Double, to b: Double) -> Double {
            // a is inside, b outside (or the end of [0, 1]); 50 halvings: 2⁻⁵⁰ of the span.
            if inside(b) { return b }
            var (lo, hi) = (a, b)
            for _ in 0..<50 {
                let mid = (lo + hi) / 2
                if inside(mid) { lo = mid } else { hi = mid }
            }
            return (lo + hi) / 2
        }
        return (edge(from: estimate, to: 0), edge(from: estimate, to: 1))
    }

    /// The always-valid p-value of "both arms have the same rate", when each arm's sequence is at α/2: the
    /// intervals separate at level α exactly when no common rate p keeps both mixtures below 2/α, so
    /// p = 2 / min over p of max(M_A(p), M_B(p)). The minimum lies between the two estimates, where one mixture
    /// rises as the other falls: found by bisection on their crossing.
    public static func separationPValue(a: (successes: Double, trials: Int), b: (successes: Double, trials: Int))
        -> Double
    {
        guard a.trials > 0, b.trials > 0 else { return 1 }
        let pa = a.successes / Double(a.trials)
        let pb = b.successes / Double(b.trials)
        func ma(_ p: Double) -> Double { logMixture(successes: a.successes, trials: a.trials, p: p) }
        func mb(_ p: Double) -> Double { logMixture(successes: b.successes, trials: b.trials, p: p) }
        var (lo, hi) = (min(pa, pb), max(pa, pb))
        // Between the estimates the lower one's mixture rises towards the higher estimate, the other's falls.
        let lowIsA = pa <= pb
        for _ in 0..<60 {
            let mid = (lo + hi) / 2
            let rising = lowIsA ? ma(mid) : mb(mid)
            let falling = lowIsA ? mb(mid) : ma(mid)
            if rising < falling { lo = mid } else { hi = mid }
        }
        let p = (lo + hi) / 2
        let least = max(ma(p), mb(p))
        return min(1, 2 * exp(-least))
    }
}
