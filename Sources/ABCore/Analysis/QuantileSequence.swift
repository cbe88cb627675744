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
        // An infinite radius: the boundary cannot be crossed yet, so that side is unbounded ("no bound yet"), not
        // the sample's minimum or maximum.
        let lowerIndex = lowerRadius.isFinite ? Int((n * (p - lowerRadius) + 1).rounded(.down)) : 0
        let upperIndex = upperRadius.isFinite ? Int((n * (p + upperRadius)).rounded(.up)) : t + 1
        lower = lowerIndex >= 1 ? sample.lower(rank: min(lowerIndex, t)) : nil
        upper = upperIndex <= t ? sample.upper(rank: max(upperIndex, 1)) : nil
        estimate = sample.upper(rank: min(t, Int((n * p).rounded(.down)) + 1))
    }

    /// How far (as a share of t) the quantile's rank may sit below and above t·p, each side at `alpha`; infinite
    /// while the beta-binomial mixture cannot reach 1/α (the first ~20 observations at p50): confseq's finite
    /// answer there would make the interval [min, max], which misses the median with probability 2^(1−t).
    static func radii(p: Double, t: Double, alpha: Double) -> (lower: Double, upper: Double) {
        if p >= 0.9 {
            return (
                Boundaries.doubleStitching(p: 1 - p, t: t, alpha: alpha, tOpt: doubleStitchingTOpt) / t,
                Boundaries.doubleStitching(p: p, t: t, alpha: alpha, tOpt: doubleStitchingTOpt) / t
            )
        }
        let v = p * (1 - p) * t
        let vOpt = p * (1 - p) * betaBinomialTOpt
        let lowerMixture = Boundaries.BetaBinomialMixture(vOpt: vOpt, g: 1 - p, h: p)
        let upperMixture = Boundaries.BetaBinomialMixture(vOpt: vOpt, g: p, h: 1 - p)
        let lower = lowerMixture.reaches(v: v, alpha: alpha) ? lowerMixture.bound(v: v, alpha: alpha) : .infinity
        let upper = upperMixture.reaches(v: v, alpha: alpha) ? upperMixture.bound(v: v, alpha: alpha) : .infinity
        return (lower / t, upper / t)
    }

    /// Where each bound is tuned to be tightest, in observations per arm.
    public static let betaBinomialTOpt = 200.0
    public static let doubleStitchingTOpt = 30.0
}
