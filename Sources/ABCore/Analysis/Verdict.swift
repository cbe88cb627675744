/// One plain-words answer to "is this difference real?" between two entities.
public struct Verdict: Sendable, Equatable, Codable {
    public enum Metric: String, Sendable, Codable, CaseIterable {
        case latencyE2E = "latency_e2e"
        case ttft
        case errorRate = "error_rate"

        var label: String {
            switch self {
            case .latencyE2E: "p50 latency"
            case .ttft: "p50 TTFT"
            case .errorRate: "error rates"
            }
        }
    }

    public let metric: Metric
    public let a: String
    public let b: String
    public let pValue: Double?
    public let nA: Int
    public let nB: Int
    /// p below the threshold (0.05): the difference is real.
    public let significant: Bool
    /// Relative difference of B against A (medians, or error rates), when defined.
    public let effect: Double?
    public let text: String

    /// The significance threshold for verdicts.
    public static let alpha = 0.05
    /// Fewer samples than this on either side: too early to say anything.
    public static let minimumSamples = 5

    /// Compares the latency samples (milliseconds, successes only) of entity `a` and `b` with Mann-Whitney U.
    public static func latency(_ metric: Metric, a: String, _ x: [Double], b: String, _ y: [Double]) -> Verdict {
        let label = metric.label
        guard x.count >= minimumSamples, y.count >= minimumSamples,
            let test = MannWhitney(x, y), let mx = median(x), let my = median(y)
        else {
            return Verdict(
                metric: metric, a: a, b: b, pValue: nil, nA: x.count, nB: y.count, significant: false,
                effect: nil, text: "\(label): too few requests to tell yet (n = \(x.count) / \(y.count))")
        }
        let effect = mx > 0 ? (my - mx) / mx : nil
        let n = "n = \(x.count) / \(y.count)"
        let text: String
        let significant = test.pValue < alpha
        if significant {
            let (slow, fast, slowM, fastM) = my > mx ? (b, a, my, mx) : (a, b, mx, my)
            let pct = fastM > 0 ? Int(((slowM - fastM) / fastM * 100).rounded()) : 0
            let what = metric == .ttft ? "TTFT" : "p50"
            text = "\(slow) is \(pct)% slower at \(what) than \(fast) (\(formatP(test.pValue)), \(n))"
        } else {
            text =
                "\(label) differ? not yet (\(formatP(test.pValue)), \(n))\(moreNeeded(z: test.z, n: x.count + y.count))"
        }
        return Verdict(
            metric: metric, a: a, b: b, pValue: test.pValue, nA: x.count, nB: y.count,
            significant: significant, effect: effect, text: text)
    }

    /// Compares error rates (errors out of requests) with a two-proportion z-test.
    public static func errorRate(
        a: String, errorsA: Int, requestsA: Int,
        b: String, errorsB: Int, requestsB: Int
    ) -> Verdict {
        let n = "n = \(requestsA) / \(requestsB)"
        guard requestsA >= minimumSamples, requestsB >= minimumSamples else {
            return Verdict(
                metric: .errorRate, a: a, b: b, pValue: nil, nA: requestsA, nB: requestsB,
                significant: false, effect: nil, text: "error rates: too few requests to tell yet (\(n))")
        }
        let rateA = Double(errorsA) / Double(requestsA)
        let rateB = Double(errorsB) / Double(requestsB)
        let effect = rateA > 0 ? (rateB - rateA) / rateA : nil
        guard
            let test = TwoProportionTest(
                successesA: errorsA, trialsA: requestsA,
                successesB: errorsB, trialsB: requestsB)
        else {
            let what = errorsA == 0 ? "no errors on either side" : "every request failed on both sides"
            return Verdict(
                metric: .errorRate, a: a, b: b, pValue: nil, nA: requestsA, nB: requestsB,
                significant: false, effect: effect, text: "error rates: \(what) (\(n))")
        }
        let significant = test.pValue < alpha
        let text: String
        if significant {
            let (worse, better, worseRate, betterRate) = rateB > rateA ? (b, a, rateB, rateA) : (a, b, rateA, rateB)
            text =
                "\(worse) fails more often than \(better): "
                + "\(percent(worseRate)) vs \(percent(betterRate)) (\(formatP(test.pValue)), \(n))"
        } else {
            let more = moreNeeded(z: test.z, n: requestsA + requestsB)
            text =
                "error rates differ? not yet: "
                + "\(percent(rateA)) vs \(percent(rateB)) (\(formatP(test.pValue)), \(n))\(more)"
        }
        return Verdict(
            metric: .errorRate, a: a, b: b, pValue: test.pValue, nA: requestsA, nB: requestsB,
            significant: significant, effect: effect, text: text)
    }

    /// "p < 0.001" or "p = 0.21".
    public static func formatP(_ p: Double) -> String {
        if p < 0.001 { return "p < 0.001" }
        if p < 0.01 { return "p = \(fixedPoint(p, places: 3))" }
        return "p = \(fixedPoint(p, places: 2))"
    }

    /// How many more requests (both sides together) would make an effect of the size seen so far significant at
    /// 5 % with 80 % power: the z statistic grows with √n, so n needs to grow by ((1.96 + 0.84) / |z|)².
    static func moreNeeded(z: Double, n: Int) -> String {
        guard abs(z) > 0.05 else { return "; no difference in sight" }
        let needed =
            Double(n) * ((Normal.z95 + 0.8416212335729143) / abs(z)) * ((Normal.z95 + 0.8416212335729143) / abs(z))
        let more = max(0, needed - Double(n))
        return "; about \(roundedCount(more)) more requests to tell"
    }

    private static func roundedCount(_ x: Double) -> Int {
        guard x >= 100 else { return Int(x.rounded(.up)) }
        var scale = 1.0
        while x / scale >= 100 { scale *= 10 }
        return Int((x / scale).rounded(.up) * scale)
    }

    private static func percent(_ rate: Double) -> String {
        "\(fixedPoint(rate * 100, places: 1))%"
    }

}

/// Sample-ratio mismatch for one split epoch: do the observed counts fit the weights?
public struct SRMResult: Sendable, Equatable, Codable {
    public let epoch: Int
    public let weights: [Int]
    public let observed: [Int]
    public let pValue: Double?
    /// p < 0.001: the split is not doing what it says (a bug, a filter, a crash on one side).
    public let flagged: Bool

    public static let threshold = 0.001

    public init(epoch: Int, weights: [Int], observed: [Int]) {
        self.epoch = epoch
        self.weights = weights
        self.observed = observed
        let test = ChiSquareTest(observed: observed, expectedShares: weights.map(Double.init))
        self.pValue = test?.pValue
        self.flagged = (test?.pValue ?? 1) < Self.threshold
    }
}
