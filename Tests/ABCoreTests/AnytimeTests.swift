import ABCore
import Foundation
import Testing

/// The anytime-valid methods against the authors' own packages (Fixtures/anytime.json, made by
/// make_anytime_fixtures.py with confseq and savvi).
@Suite struct AnytimeTests {
    let fixtures: JSONValue

    init() throws { fixtures = try Fixtures.json("anytime.json") }

    @Test func normalMixtureMatchesConfseq() {
        for c in fixtures["normal_mixture"].array {
            let mixture = Boundaries.NormalMixture(vOpt: c["v_opt"].double)
            #expect(close(mixture.logSuperMartingale(s: c["s"].double, v: c["v"].double), c["log_mixture"].double))
            #expect(close(mixture.bound(v: c["v"].double, alpha: c["alpha"].double), c["bound"].double))
        }
    }

    @Test func betaBinomialMixtureMatchesConfseq() {
        for c in fixtures["beta_binomial"].array {
            let m = Boundaries.BetaBinomialMixture(vOpt: c["v_opt"].double, g: c["g"].double, h: c["h"].double)
            let label = "v \(c["v"].double) g \(c["g"].double)"
            #expect(
                close(m.logSuperMartingale(s: c["s"].double, v: c["v"].double), c["log_mixture"].double), "\(label)")
            #expect(
                close(m.bound(v: c["v"].double, alpha: c["alpha"].double), c["bound"].double, relative: 1e-9),
                "\(label)")
        }
    }

    @Test func doubleStitchingMatchesConfseq() {
        for c in fixtures["double_stitching"].array {
            let b = Boundaries.doubleStitching(
                p: c["p"].double, t: c["t"].double, alpha: c["alpha"].double, tOpt: c["t_opt"].double)
            #expect(close(b, c["bound"].double, relative: 1e-12), "\(c["p"].double) \(c["t"].double): \(b)")
        }
    }

    /// The two-sample quantile test against confseq's `quantile_ab_p_value` (Theorem 5). abtop minimises over
    /// every cell edge of both arms where confseq visits the second arm's order statistics between the two minimiser
    /// regions; where those agree the p-values agree to the minimiser's precision (Brent to 2⁻²⁰ there), and
    /// abtop's is never smaller (it cannot miss a lower point).
    @Test func quantileABTestMatchesConfseq() {
        for c in fixtures["quantile_ab"].array {
            let test = QuantileABTest(
                a: SortedSample(c["a"].array.map(\.double)), b: SortedSample(c["b"].array.map(\.double)),
                p: c["p"].double, tOpt: c["t_opt"].double, alphaOpt: c["alpha_opt"].double)
            let reference = c["p_value"].double
            #expect(
                close(test.pValue, reference, relative: 1e-6), "\(c["name"].string!): \(test.pValue) vs \(reference)")
        }
    }

    @Test func quantileIntervalsMatchConfseqsDemo() {
        for c in fixtures["quantile_interval"].array {
            let sample = SortedSample(c["values"].array.map(\.double))
            let q = QuantileInterval(sample, p: c["p"].double, alpha: c["alpha"].double)
            let label = "\(c["name"].string!) p\(c["p"].double) α\(c["alpha"].double)"
            #expect(q.lower == optional(c["lower"]), "\(label) lower \(String(describing: q.lower))")
            #expect(q.upper == optional(c["upper"]), "\(label) upper \(String(describing: q.upper))")
        }
    }

    /// A histogram answers each rank with its bucket's edges: its interval contains the exact one.
    @Test func histogramIntervalsContainTheExactOnes() {
        for c in fixtures["quantile_interval"].array {
            let values = c["values"].array.map(\.double)
            var h = DurationHistogram()
            for v in values { h.record(nanoseconds: UInt64(v * 1e6)) }
            let exact = QuantileInterval(SortedSample(values), p: c["p"].double, alpha: c["alpha"].double)
            let bucketed = QuantileInterval(h.orderStatistics(), p: c["p"].double, alpha: c["alpha"].double)
            #expect((exact.lower == nil) == (bucketed.lower == nil) && (exact.upper == nil) == (bucketed.upper == nil))
            if let e = exact.lower, let b = bucketed.lower { #expect(b <= e && b >= e * 0.999) }
            if let e = exact.upper, let b = bucketed.upper { #expect(b >= e && b <= e * 1.001 + 0.001) }
        }
    }

    @Test func rateIntervalsMatchConfseq() {
        for c in fixtures["bernoulli_interval"].array {
            let i = BernoulliSequence.interval(
                successes: c["successes"].double, trials: c["trials"].int, alpha: c["alpha"].double)
            let label = "\(c["successes"].int)/\(c["trials"].int) α\(c["alpha"].double)"
            #expect(close(i.low, c["lower"].double, relative: 1e-6, absolute: 1e-12), "\(label) low \(i.low)")
            #expect(close(i.high, c["upper"].double, relative: 1e-6), "\(label) high \(i.high)")
        }
    }

    /// The separation p-value (one bisection on the crossing) equals the smallest α at which confseq's two
    /// intervals (α/2 each) stop overlapping.
    @Test func rateComparisonPValuesMatchTheReference() {
        for c in fixtures["rate_comparison"].array {
            let a = c["a"].array.map(\.int)
            let b = c["b"].array.map(\.int)
            let p = BernoulliSequence.separationPValue(a: (Double(a[0]), a[1]), b: (Double(b[0]), b[1]))
            #expect(close(p, c["p_value"].double, relative: 1e-5), "\(a) vs \(b): \(p) vs \(c["p_value"].double)")
        }
    }

    @Test func sequentialSRMMatchesSavvi() throws {
        for c in fixtures["srm"].array {
            let p = try #require(
                SRMResult.pValue(
                    observed: c["observed"].array.map(\.int), shares: c["weights"].array.map(\.double)))
            #expect(close(p, c["p_value"].double, relative: 1e-9), "\(c["observed"].array.map(\.int)): \(p)")
        }
    }

    @Test func srmIsMonotoneAndFlagsTrafficToAZeroWeight() {
        #expect(SRMResult(epoch: 0, weights: [100, 0], observed: [100, 3]).flagged)
        #expect(!SRMResult(epoch: 0, weights: [100, 0], observed: [100, 0]).flagged)
        let later = SRMResult(epoch: 0, weights: [50, 50], observed: [510, 490], runningMinimum: 0.0004)
        #expect(later.pValue == 0.0004 && later.flagged)
    }

    /// The win-rate interval is Robbins' normal mixture over ½-sub-Gaussian scores: confseq's bound divided by n.
    @Test func winRateIntervalIsTheNormalMixtureBound() {
        for c in fixtures["normal_mixture"].array where c["v_opt"].double == 12.5 {
            let n = Int(c["v"].double * 4)
            guard n > 0 else { continue }
            let score = c["s"].double + Double(n) / 2
            guard score >= 0, score <= Double(n) else { continue }
            let (rate, p) = WinRate.alwaysValid(score: score, votes: n, alpha: c["alpha"].double)
            let radius = c["bound"].double / Double(n)
            #expect(close(rate.lower, max(0, score / Double(n) - radius)))
            #expect(close(rate.upper, min(1, score / Double(n) + radius)))
            #expect(close(p, min(1, exp(-c["log_mixture"].double))))
        }
    }

    private func optional(_ v: JSONValue) -> Double? {
        if case .null = v { return nil }
        return v.double
    }
}

/// The cost verdict's asymptotic confidence sequence against the authors' R functions (Fixtures/asymptotic.json,
/// made by make_asymptotic_fixtures.py, which transcribes them).
@Suite struct AsymptoticSequenceTests {
    let fixtures: JSONValue

    init() throws { fixtures = try Fixtures.json("asymptotic.json") }

    @Test func rhoMatchesTheAuthorsExactTuning() {
        for c in fixtures["rho2"].array {
            let r = MeanSequence.rho2(tOpt: c["t_opt"].double, alphaOpt: c["alpha"].double)
            #expect(close(r, c["rho2"].double, relative: 1e-12), "t_opt \(c["t_opt"].double) α \(c["alpha"].double)")
        }
    }

    @Test func intervalsMatchTheAuthorsSequenceAtEveryRead() {
        for c in fixtures["sequences"].array {
            let x = c["x"].array.map(\.double)
            for read in c["reads"].array {
                var m = Moments()
                for v in x.prefix(Int(read["t"].double)) { m.add(v) }
                let i = MeanSequence.interval(m, tOpt: c["t_opt"].double, alpha: c["alpha"].double)
                let label = "case \(c["case"].double) t \(read["t"].double) α \(c["alpha"].double)"
                #expect(close(i.low, read["low"].double, relative: 1e-9), "\(label): \(i.low)")
                #expect(close(i.high, read["high"].double, relative: 1e-9), "\(label): \(i.high)")
            }
        }
    }

    /// The p-value is the level at which the interval's edge reaches 0: just above it 0 is outside, just below
    /// inside. A p-value computed from the wrong margin would miss on one side.
    @Test func thePValueIsWhereTheIntervalReachesZero() {
        var checked = 0
        for c in fixtures["sequences"].array {
            var m = Moments()
            for v in c["x"].array.map(\.double).prefix(100) { m.add(v) }
            let alphaOpt = c["alpha"].double
            let p = MeanSequence.pValue(m, tOpt: 100, alphaOpt: alphaOpt)
            guard p > 1e-12, p < 0.5 else { continue }
            // The interval tuned at alphaOpt, read at level p: the p-value's ρ² stays fixed.
            let r2 = MeanSequence.rho2(tOpt: 100, alphaOpt: alphaOpt)
            func excludesZero(_ level: Double) -> Bool {
                let sd = (m.squaredDeviations / Double(m.count - 1)).squareRoot()
                let half = sd * MeanSequence.margin(t: Double(m.count), rho2: r2, alpha: level)
                return abs(m.mean) > half
            }
            #expect(excludesZero(p * 1.001) && !excludesZero(p * 0.999), "p \(p)")
            checked += 1
        }
        #expect(checked >= 1, "no case with a p-value to check")
    }
}
