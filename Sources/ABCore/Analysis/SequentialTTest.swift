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

/// The anytime-valid t-test of Lindon, Ham, Tingley & Bojinov, *Anytime-valid linear models and regression
/// adjusted causal inference in randomized experiments* (2024), as the authors' `savvi.LinearRegression`
/// computes it for one coefficient: a Bayes factor against "coefficient 0" under a Gaussian mixture of scale φ, so
/// P(∃n: p_n ≤ α) ≤ α and the interval covers at every n at once. Exact for Gaussian errors; for other data
/// (error indicators, log-latency ratios) asymptotically, as the paper shows.
public struct SequentialTTest: Sendable, Equatable {
    /// The estimated coefficient: a mean (one sample) or a difference of means B − A (two samples).
    public let estimate: Double
    public let standardError: Double
    /// Degrees of freedom ν = n − (coefficients) − 1.
    public let degreesOfFreedom: Double
    /// σ̂² / standard error²: the coefficient's effective sample size.
    public let z2: Double
    public let phi: Double

    /// One sample: is the mean of `x` zero? (regression on an intercept; ν = n − 2).
    public init?(oneSample x: Moments, phi: Double) {
        guard x.count >= 3 else { return nil }
        let n = Double(x.count)
        let sigma2 = x.squaredDeviations / (n - 1)
        guard sigma2 > 0 else { return nil }
        estimate = x.mean
        standardError = (sigma2 / n).squareRoot()
        degreesOfFreedom = n - 2
        z2 = n
        self.phi = phi
    }

    /// Two samples: is mean(B) − mean(A) zero? (regression on an intercept and B's indicator; ν = n − 3).
    public init?(a: Moments, b: Moments, phi: Double) {
        guard a.count >= 2, b.count >= 2 else { return nil }
        let n = Double(a.count + b.count)
        let sigma2 = (a.squaredDeviations + b.squaredDeviations) / (n - 2)
        guard sigma2 > 0 else { return nil }
        let inverse = 1 / Double(a.count) + 1 / Double(b.count)
        estimate = b.mean - a.mean
        standardError = (sigma2 * inverse).squareRoot()
        degreesOfFreedom = n - 3
        z2 = 1 / inverse
        self.phi = phi
    }

    /// The always-valid p-value at this n (take the running minimum over the reads for a monotone one).
    public var pValue: Double {
        let t2 = (estimate / standardError) * (estimate / standardError)
        let nu = degreesOfFreedom
        let r = phi / (phi + z2)
        let logBF = 0.5 * log(r) + 0.5 * (nu + 1) * (log(1 + t2 / nu) - log(1 + r * t2 / nu))
        return min(1, exp(-logBF))
    }

    /// The level-α interval for the coefficient at this n (intersect over the reads for a shrinking one).
    public func interval(alpha: Double) -> (low: Double, high: Double) {
        let nu = degreesOfFreedom
        let r = phi / (phi + z2)
        let power = pow(r * alpha * alpha, 1 / (nu + 1))
        let denominator = max(0, power - r)
        guard denominator > 0 else { return (-.infinity, .infinity) }
        let radius = standardError * (nu * (1 - power) / denominator).squareRoot()
        return (estimate - radius, estimate + radius)
    }
}
