import Foundation

/// Pearson's chi-square goodness of fit: do observed counts match the expected split?
public struct ChiSquareTest: Sendable, Equatable {
    public let statistic: Double
    public let degreesOfFreedom: Int
    public let pValue: Double

    /// Compares `observed` with `expectedShares` (any positive scale). Categories with an expected share of 0
    /// are left out, unless they received traffic: then the split is plainly broken and p is 0.
    public init?(observed: [Int], expectedShares: [Double]) {
        precondition(observed.count == expectedShares.count)
        let total = Double(observed.reduce(0, +))
        let shareSum = expectedShares.reduce(0, +)
        guard total > 0, shareSum > 0 else { return nil }
        var chi2 = 0.0
        var categories = 0
        var impossible = false
        for (o, share) in zip(observed, expectedShares) {
            if share <= 0 {
                if o > 0 { impossible = true }
                continue
            }
            let e = total * share / shareSum
            chi2 += (Double(o) - e) * (Double(o) - e) / e
            categories += 1
        }
        guard categories >= 2 || impossible else { return nil }
        degreesOfFreedom = Swift.max(1, categories - 1)
        if impossible {
            statistic = .infinity
            pValue = 0
        } else {
            statistic = chi2
            pValue = Self.survival(chi2, degreesOfFreedom: degreesOfFreedom)
        }
    }

    /// P(χ²ₖ > x) = Q(k/2, x/2), the regularised upper incomplete gamma function.
    public static func survival(_ x: Double, degreesOfFreedom k: Int) -> Double {
        guard x > 0 else { return 1 }
        return IncompleteGamma.upperRegularized(Double(k) / 2, x / 2)
    }
}

/// Regularised incomplete gamma functions (series for x < a + 1, Lentz continued fraction otherwise).
public enum IncompleteGamma {
    public static func upperRegularized(_ a: Double, _ x: Double) -> Double {
        guard x > 0 else { return 1 }
        if x < a + 1 { return 1 - lowerSeries(a, x) }
        return upperContinuedFraction(a, x)
    }

    private static func lowerSeries(_ a: Double, _ x: Double) -> Double {
        var term = 1 / a
        var sum = term
        var n = a
        for _ in 0..<10_000 {
            n += 1
            term *= x / n
            sum += term
            if abs(term) < abs(sum) * 1e-17 { break }
        }
        return sum * exp(-x + a * log(x) - lgamma(a))
    }

    private static func upperContinuedFraction(_ a: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-17 { break }
        }
        return exp(-x + a * log(x) - lgamma(a)) * h
    }
}
