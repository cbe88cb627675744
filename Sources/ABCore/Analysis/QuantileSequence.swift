import Foundation

/// Ordered observations one arm has: exact (a sorted array) or bucketed (a histogram), read by rank.
///
/// A bucketed source answers a rank with its bucket's edges: `lower(rank:)` ≤ the true order statistic ≤
/// `upper(rank:)`. Interval ends taken that way contain the interval the exact values would give, so the
/// guarantee is kept and only the width grows (by the bucket's resolution: 0.1 % for `DurationHistogram`).
public protocol OrderStatistics {
    var count: Int { get }
    /// A value at or below the `rank`-th smallest observation (1-based).
    func lower(rank: Int) -> Double
    /// A value at or above the `rank`-th smallest observation (1-based).
    func upper(rank: Int) -> Double
}

/// An exact sample, sorted once (tests and the simulation benchmark; the live stats use histograms).
public struct SortedSample: OrderStatistics, Sendable {
    public let values: [Double]

    public init(_ values: [Double]) { self.values = values.sorted() }

    /// Values already in ascending order (kept sorted by the caller, e.g. by insertion).
    public init(sorted values: [Double]) { self.values = values }

    public var count: Int { values.count }
    public func lower(rank: Int) -> Double { values[rank - 1] }
    public func upper(rank: Int) -> Double { values[rank - 1] }
}

/// A confidence sequence for one quantile of one arm (Howard & Ramdas 2022), with probability ≥ 1 − α holding the
/// true quantile at every t at once, as order statistics the way the authors' `demo/quantiles.py` forms them. The
/// bound on the count below the quantile is the two-sided beta-binomial mixture (their Theorem 1, tighter for
/// central quantiles: 25 % narrower at p50 from 100 observations on) or, for tail quantiles (p ≥ 0.9), double
/// stitching (Theorem 3, tighter there at the sample sizes abtop sees).
public struct QuantileInterval: Sendable, Equatable {
    /// nil when too few observations bound that side yet (−∞ / +∞).
    public let lower: Double?
    public let upper: Double?
    /// The empirical quantile (the order statistic at ⌊t·p⌋ + 1, its bucket's upper edge when bucketed).
    public let estimate: Double?

    /// The level-α interval for the p-quantile (α split evenly over the two sides).
    public init(_ sample: some OrderStatistics, p: Double, alpha: Double) {
        let t = sample.count
        guard t > 0 else {
            lower = nil
            upper = nil
            estimate = nil
            return
        }
        let n = Double(t)
        let (lowerRadius, upperRadius) = Self.radii(p: p, t: n, alpha: alpha / 2)
        let lowerIndex = Int((n * (p - lowerRadius) + 1).rounded(.down))
        let upperIndex = Int((n * (p + upperRadius)).rounded(.up))
        lower = lowerIndex >= 1 ? sample.lower(rank: min(lowerIndex, t)) : nil
        upper = upperIndex <= t ? sample.upper(rank: max(upperIndex, 1)) : nil
        estimate = sample.upper(rank: min(t, Int((n * p).rounded(.down)) + 1))
    }

    /// How far (as a share of t) the quantile's rank may sit below and above t·p, each side at `alpha`.
    static func radii(p: Double, t: Double, alpha: Double) -> (lower: Double, upper: Double) {
        if p >= 0.9 {
            return (
                Boundaries.doubleStitching(p: 1 - p, t: t, alpha: alpha, tOpt: doubleStitchingTOpt) / t,
                Boundaries.doubleStitching(p: p, t: t, alpha: alpha, tOpt: doubleStitchingTOpt) / t
            )
        }
        let v = p * (1 - p) * t
        let vOpt = p * (1 - p) * betaBinomialTOpt
        let lower = Boundaries.BetaBinomialMixture(vOpt: vOpt, g: 1 - p, h: p).bound(v: v, alpha: alpha)
        let upper = Boundaries.BetaBinomialMixture(vOpt: vOpt, g: p, h: 1 - p).bound(v: v, alpha: alpha)
        return (lower / t, upper / t)
    }

    /// Where each bound is tuned to be tightest, in observations per arm.
    public static let betaBinomialTOpt = 200.0
    public static let doubleStitchingTOpt = 30.0
}

/// The A/B comparison of one quantile: both arms' sequences at α/2 each, so with probability ≥ 1 − α the
/// difference B − A lies in [L_B − U_A, U_B − L_A] and the ratio B / A in [L_B / U_A, U_B / L_A] at every t.
public struct QuantileComparison: Sendable, Equatable {
    public let a: QuantileInterval
    public let b: QuantileInterval
    /// Bounds of B − A; nil while a side is unbounded.
    public let differenceLow: Double?
    public let differenceHigh: Double?
    public let ratioLow: Double?
    public let ratioHigh: Double?

    public init(a sampleA: some OrderStatistics, b sampleB: some OrderStatistics, p: Double, alpha: Double) {
        a = QuantileInterval(sampleA, p: p, alpha: alpha / 2)
        b = QuantileInterval(sampleB, p: p, alpha: alpha / 2)
        differenceLow = Self.minus(b.lower, a.upper)
        differenceHigh = Self.minus(b.upper, a.lower)
        ratioLow = Self.ratio(b.lower, a.upper)
        ratioHigh = Self.ratio(b.upper, a.lower)
    }

    /// The two arms' intervals do not overlap: the quantiles differ.
    public var separated: Bool {
        if let l = differenceLow, l > 0 { return true }
        if let h = differenceHigh, h < 0 { return true }
        return false
    }

    /// The always-valid p-value of "the quantiles are equal": the smallest α at which the intervals separate
    /// (found by bisection on log α; the intervals only widen as α falls, so the answer is one threshold).
    public static func pValue(a: some OrderStatistics, b: some OrderStatistics, p: Double) -> Double {
        guard QuantileComparison(a: a, b: b, p: p, alpha: 1).separated else { return 1 }
        var low = log(1e-12)
        var high = 0.0
        if QuantileComparison(a: a, b: b, p: p, alpha: exp(low)).separated { return 1e-12 }
        for _ in 0..<40 {
            let mid = (low + high) / 2
            if QuantileComparison(a: a, b: b, p: p, alpha: exp(mid)).separated { high = mid } else { low = mid }
        }
        return exp(high)
    }

    private static func minus(_ x: Double?, _ y: Double?) -> Double? {
        guard let x, let y else { return nil }
        return x - y
    }

    private static func ratio(_ x: Double?, _ y: Double?) -> Double? {
        guard let x, let y, y > 0 else { return nil }
        return x / y
    }
}
