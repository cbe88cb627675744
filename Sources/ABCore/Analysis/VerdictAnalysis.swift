import Foundation

/// What one arm brings to the verdicts, all of it bounded: error indicators as moments (cancelled requests left
/// out) and the successes' latencies as order statistics (histograms live, exact samples in tests).
public struct ArmSample {
    public var name: String
    /// One observation per finished request: 1 failed, 0 succeeded.
    public var errors: Moments
    public var e2e: any OrderStatistics
    public var ttft: any OrderStatistics

    public init(name: String, errors: Moments, e2e: any OrderStatistics, ttft: any OrderStatistics) {
        self.name = name
        self.errors = errors
        self.e2e = e2e
        self.ttft = ttft
    }
}

/// Per-prompt differences of one entity against the control in compare mode (the same prompt to both).
public struct PairedSample: Sendable, Equatable, Codable {
    /// log(B's E2E / A's E2E) over prompts both answered.
    public var e2e = Moments()
    public var ttft = Moments()
    /// B failed − A failed (−1, 0, 1) over prompts both finished.
    public var errors = Moments()
    /// Over those same prompts: how many A failed, and how many B failed.
    public var failuresA = 0
    public var failuresB = 0

    public init() {}
}

/// The verdicts of a session, each entity against the first (the control), as one family: every comparison is
/// tested at α / (family size) (Bonferroni), so the chance that *any* verdict on screen is wrong stays ≤ α however
/// often and whenever the screen is read. The family is fixed when the session starts (metrics × entities − 1).
///
/// Keeps, per comparison, the running minimum of its p-value and the running intersection of its interval: the
/// state that makes the reads monotone. One owner (the session's analysis) calls it.
public struct VerdictAnalysis: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Family-wise error rate.
        public var alpha = 0.05
        /// "No meaningful difference" for latency: B / A within [1 / (1 + m), 1 + m].
        public var latencyMargin = 0.10
        /// "No meaningful difference" for error rates: B − A within ±m (a rate, 0.01 = 1 point).
        public var errorMargin = 0.01
        /// TTFT verdicts are in the family (streamed requests).
        public var streaming = true
        /// Paired verdicts are in the family (the session may run in compare mode).
        public var paired = false

        public init(
            alpha: Double = 0.05, latencyMargin: Double = 0.10, errorMargin: Double = 0.01, streaming: Bool = true,
            paired: Bool = false
        ) {
            self.alpha = alpha
            self.latencyMargin = latencyMargin
            self.errorMargin = errorMargin
            self.streaming = streaming
            self.paired = paired
        }
    }

    public let settings: Settings
    public let names: [String]
    private var memory: [String: Memory] = [:]

    fileprivate struct Memory {
        var p = 1.0
        var low = -Double.infinity
        var high = Double.infinity
        var ratioLow = 0.0
        var ratioHigh = Double.infinity
    }

    /// Mixture scale φ of the paired latency t-test: the prior on the effect has standard deviation σ/√φ, so
    /// φ ≈ σ²/δ² tunes it to effects δ of about 15–20 % at a log-ratio spread σ ≈ 0.5 (see docs/STATISTICS.md).
    static let latencyPhi = 8.0
    /// Fewer finished requests than these on a side: no test yet.
    static let minimumLatencySamples = 5
    static let minimumErrorSamples = 10

    public init(names: [String], settings: Settings = Settings()) {
        self.names = names
        self.settings = settings
    }

    /// The metrics compared for each entity against the control.
    public var metrics: [Verdict.Metric] {
        var m: [Verdict.Metric] = [.errorRate, .latencyE2EP50, .latencyE2EP95]
        if settings.streaming { m += [.ttftP50, .ttftP95] }
        if settings.paired {
            m += [.errorRatePaired, .latencyE2EPaired]
            if settings.streaming { m.append(.ttftPaired) }
        }
        return m
    }

    public var familySize: Int { max(1, (names.count - 1) * metrics.count) }
    /// The level each comparison is tested at.
    public var level: Double { settings.alpha / Double(familySize) }

    /// The primary comparisons: error rate and p50 latency (split), or their paired forms (compare mode).
    public static func isPrimary(_ metric: Verdict.Metric) -> Bool {
        [.errorRate, .latencyE2EP50, .errorRatePaired, .latencyE2EPaired].contains(metric)
    }

    /// Every primary comparison of `mode` is decided or shown to be within its margin (what `--until-decided`
    /// waits for): error rate and p50 latency in split mode, their paired forms in compare mode.
    public static func primaryDone(_ verdicts: [Verdict], mode: RunMode) -> Bool {
        let primary = verdicts.filter { $0.primary && $0.metric.isPaired == (mode == .compare) }
        return !primary.isEmpty && primary.allSatisfy { $0.state != .notYet }
    }

    /// Every verdict as it stands. `paired[i]` is entity i against the control (index 0 unused); pass none
    /// outside compare mode.
    public mutating func verdicts(arms: [ArmSample], paired: [PairedSample?] = []) -> [Verdict] {
        guard arms.count >= 2 else { return [] }
        var out: [Verdict] = []
        for i in 1..<arms.count {
            for metric in metrics {
                let pair = i < paired.count ? paired[i] : nil
                out.append(verdict(metric, a: arms[0], b: arms[i], paired: pair))
            }
        }
        return out
    }

    private mutating func verdict(_ metric: Verdict.Metric, a: ArmSample, b: ArmSample, paired: PairedSample?)
        -> Verdict
    {
        switch metric {
        case .errorRate: errorRate(a: a, b: b)
        case .latencyE2EP50, .latencyE2EP95, .ttftP50, .ttftP95: quantile(metric, a: a, b: b)
        case .latencyE2EPaired, .ttftPaired, .errorRatePaired: self.paired(metric, a: a, b: b, paired ?? .init())
        }
    }

    /// Folds this read into the comparison's memory and returns the monotone p-value and interval. An
    /// intersection that comes out empty means the data broke the methods' assumptions (drift: a provider's
    /// latency or errors changed during the run): the memory starts again from this read rather than keep a
    /// contradiction.
    private mutating func remember(
        _ metric: Verdict.Metric, b: String, p: Double, low: Double, high: Double, ratioLow: Double = 0,
        ratioHigh: Double = .infinity
    ) -> Memory {
        let key = "\(metric.rawValue)|\(b)"
        let fresh = Memory(
            p: min(1, p * Double(familySize)), low: low, high: high, ratioLow: ratioLow, ratioHigh: ratioHigh)
        guard var m = memory[key] else {
            memory[key] = fresh
            return fresh
        }
        m.p = min(m.p, fresh.p)
        m.low = max(m.low, low)
        m.high = min(m.high, high)
        m.ratioLow = max(m.ratioLow, ratioLow)
        m.ratioHigh = min(m.ratioHigh, ratioHigh)
        if m.low > m.high || m.ratioLow > m.ratioHigh { m = fresh }
        memory[key] = m
        return m
    }

    private var confidence: String { "always-valid \(VerdictText.exactPercent(1 - settings.alpha))" }
}

// MARK: - The three kinds of comparison

extension VerdictAnalysis {
    /// Both arms' error rates as confidence sequences (beta-binomial mixtures, exact for 0/1 outcomes) at half
    /// the level each: B − A lies in [L_B − U_A, U_B − L_A].
    fileprivate mutating func errorRate(a: ArmSample, b: ArmSample) -> Verdict {
        let metric = Verdict.Metric.errorRate
        let (nA, nB) = (a.errors.count, b.errors.count)
        let rateA = a.errors.mean
        let rateB = b.errors.mean
        let primary = Self.isPrimary(metric)
        guard nA >= Self.minimumErrorSamples, nB >= Self.minimumErrorSamples else {
            return Verdict(
                metric: metric, a: a.name, b: b.name, state: .notYet, pValue: nil, estimateA: rateA,
                estimateB: rateB, nA: nA, nB: nB, primary: primary,
                text: "error rate: too few finished requests to compare yet (n = \(nA) / \(nB))")
        }
        let m = rateComparison(metric, b: b.name, a: (a.errors.sum, nA), b: (b.errors.sum, nB))
        let margin = settings.errorMargin
        let state = Self.state(low: m.low, high: m.high, equivalentWithin: -margin, margin)
        let range = VerdictText.pointsRange(m.low, m.high)
        let rates = "\(VerdictText.percent(rateB, digits: 1)) vs \(VerdictText.percent(rateA, digits: 1))"
        let text: String
        switch state {
        case .decided:
            let (worse, better) = m.low > 0 ? (b.name, a.name) : (a.name, b.name)
            let shown =
                m.low > 0
                ? rates : "\(VerdictText.percent(rateA, digits: 1)) vs " + VerdictText.percent(rateB, digits: 1)
            text =
                "\(worse) fails more often than \(better): \(shown) (\(b.name) − \(a.name): \(range)) — "
                + "decided, \(confidence)"
        case .equivalent:
            text =
                "error rate: no meaningful difference — \(b.name) vs \(a.name) \(rates) (\(range); margin ±"
                + "\(VerdictText.points(margin))) — \(confidence)"
        case .notYet:
            text =
                "error rate: not decided yet — \(b.name) vs \(a.name) \(rates) (\(range)); "
                + VerdictText.moreNeeded(
                    estimate: rateB - rateA, low: m.low, high: m.high, margin: margin, n: nA + nB)
        }
        return Verdict(
            metric: metric, a: a.name, b: b.name, state: state, pValue: m.p, low: m.low, high: m.high,
            estimateA: rateA, estimateB: rateB, nA: nA, nB: nB, primary: primary, text: text)
    }

    /// Two rates compared by their sequences (α/2 each), folded into the comparison's memory.
    fileprivate mutating func rateComparison(
        _ metric: Verdict.Metric, b name: String, a: (Double, Int), b: (Double, Int)
    ) -> Memory {
        let ia = BernoulliSequence.interval(successes: a.0, trials: a.1, alpha: level / 2)
        let ib = BernoulliSequence.interval(successes: b.0, trials: b.1, alpha: level / 2)
        let p = BernoulliSequence.separationPValue(a: (a.0, a.1), b: (b.0, b.1))
        return remember(metric, b: name, p: p, low: ib.low - ia.high, high: ib.high - ia.low)
    }

    /// A quantile of E2E or TTFT: both arms' confidence sequences (Howard & Ramdas) at half the level each.
    fileprivate mutating func quantile(_ metric: Verdict.Metric, a: ArmSample, b: ArmSample) -> Verdict {
        let p = metric.quantile!
        let sampleA = metric.isTTFT ? a.ttft : a.e2e
        let sampleB = metric.isTTFT ? b.ttft : b.e2e
        let (nA, nB) = (sampleA.count, sampleB.count)
        let primary = Self.isPrimary(metric)
        guard nA >= Self.minimumLatencySamples, nB >= Self.minimumLatencySamples else {
            return Verdict(
                metric: metric, a: a.name, b: b.name, state: .notYet, pValue: nil, nA: nA, nB: nB,
                primary: primary, text: "\(metric.label): too few successes to compare yet (n = \(nA) / \(nB))")
        }
        let comparison = QuantileComparison(a: sampleA, b: sampleB, p: p, alpha: level)
        let pRaw = QuantileComparison.pValue(a: sampleA, b: sampleB, p: p)
        let m = remember(
            metric, b: b.name, p: pRaw, low: comparison.differenceLow ?? -.infinity,
            high: comparison.differenceHigh ?? .infinity, ratioLow: comparison.ratioLow ?? 0,
            ratioHigh: comparison.ratioHigh ?? .infinity)
        let estA = comparison.a.estimate ?? 0
        let estB = comparison.b.estimate ?? 0
        let margin = settings.latencyMargin
        var state = Self.state(low: m.low, high: m.high, equivalentWithin: nil)
        if state == .notYet, m.ratioLow >= 1 / (1 + margin), m.ratioHigh <= 1 + margin { state = .equivalent }
        let ratio = estA > 0 ? estB / estA : nil
        let values = "\(VerdictText.duration(estB)) vs \(VerdictText.duration(estA))"
        let text: String
        switch state {
        case .decided:
            let bSlower = m.low > 0
            let (slow, fast) = bSlower ? (b.name, a.name) : (a.name, b.name)
            let range = bSlower ? VerdictText.durationRange(m.low, m.high) : VerdictText.durationRange(-m.high, -m.low)
            let times = (bSlower ? ratio : ratio.map { 1 / $0 }).flatMap { $0 > 1 ? VerdictText.times($0) + ": " : nil }
            let shown = bSlower ? values : "\(VerdictText.duration(estA)) vs \(VerdictText.duration(estB))"
            text =
                "\(slow)'s \(metric.label) is \(range) slower than \(fast)'s "
                + "(\(times ?? "")\(shown)) — decided, \(confidence)"
        case .equivalent:
            text =
                "\(metric.label): no meaningful difference — \(b.name) / \(a.name) within "
                + "\(VerdictText.ratioRange(m.ratioLow, m.ratioHigh)) (margin ±\(VerdictText.percent(margin, digits: 0)); "
                + "\(values)) — \(confidence)"
        case .notYet:
            let more =
                m.ratioLow > 0 && m.ratioHigh.isFinite
                ? VerdictText.moreNeeded(
                    estimate: log(max(ratio ?? 1, 1e-9)), low: log(m.ratioLow), high: log(m.ratioHigh),
                    margin: log(1 + margin), n: nA + nB)
                : "more requests needed to bound it"
            let range =
                m.low.isFinite || m.high.isFinite
                ? "\(b.name) − \(a.name): \(VerdictText.durationRange(m.low, m.high, signed: true))"
                : "too few to bound the difference yet"
            text = "\(metric.label): not decided yet — \(b.name) vs \(a.name) \(values) (\(range)); \(more)"
        }
        return Verdict(
            metric: metric, a: a.name, b: b.name, state: state, pValue: m.p,
            low: m.low.isFinite ? m.low : nil, high: m.high.isFinite ? m.high : nil,
            ratioLow: m.ratioLow > 0 ? m.ratioLow : nil, ratioHigh: m.ratioHigh.isFinite ? m.ratioHigh : nil,
            estimateA: estA, estimateB: estB, ratio: ratio, nA: nA, nB: nB, primary: primary, text: text)
    }

    /// Compare mode: a one-sample anytime-valid t-test on the per-prompt differences.
    fileprivate mutating func paired(_ metric: Verdict.Metric, a: ArmSample, b: ArmSample, _ sample: PairedSample)
        -> Verdict
    {
        let primary = Self.isPrimary(metric)
        if metric == .errorRatePaired {
            // The two rates over the same prompts, each as its own sequence: valid whatever the pairing does to
            // their dependence (a union bound), exact for 0/1 outcomes.
            let n = sample.errors.count
            guard n >= Self.minimumErrorSamples else {
                return Verdict(
                    metric: metric, a: a.name, b: b.name, state: .notYet, pValue: nil, nA: n, nB: n,
                    primary: primary, text: "error rate per prompt: too few prompts to compare yet (\(n))")
            }
            let m = rateComparison(
                metric, b: b.name, a: (Double(sample.failuresA), n), b: (Double(sample.failuresB), n))
            let margin = settings.errorMargin
            let state = Self.state(low: m.low, high: m.high, equivalentWithin: -margin, margin)
            let range = VerdictText.pointsRange(m.low, m.high)
            let rateA = Double(sample.failuresA) / Double(n)
            let rateB = Double(sample.failuresB) / Double(n)
            let text: String
            switch state {
            case .decided:
                let (worse, better) = m.low > 0 ? (b.name, a.name) : (a.name, b.name)
                text =
                    "\(worse) fails more often than \(better) on the same prompts (\(b.name) − \(a.name): "
                    + "\(range) over \(n) prompts) — decided, \(confidence)"
            case .equivalent:
                text =
                    "error rate per prompt: no meaningful difference (\(range) over \(n) prompts; margin ±"
                    + "\(VerdictText.points(margin))) — \(confidence)"
            case .notYet:
                text =
                    "error rate per prompt: not decided yet (\(b.name) − \(a.name): \(range) over \(n) prompts); "
                    + VerdictText.moreNeeded(
                        estimate: rateB - rateA, low: m.low, high: m.high, margin: margin, n: n, unit: "prompts")
            }
            return Verdict(
                metric: metric, a: a.name, b: b.name, state: state, pValue: m.p, low: m.low, high: m.high,
                estimateA: rateA, estimateB: rateB, ratio: nil, nA: n, nB: n, primary: primary, text: text)
        }
        let x = metric == .ttftPaired ? sample.ttft : sample.e2e
        guard x.count >= Self.minimumLatencySamples, let test = SequentialTTest(oneSample: x, phi: Self.latencyPhi)
        else {
            return Verdict(
                metric: metric, a: a.name, b: b.name, state: .notYet, pValue: nil, nA: x.count, nB: x.count,
                primary: primary, text: "\(metric.label): too few prompts answered by both yet (\(x.count))")
        }
        let interval = test.interval(alpha: level)
        let m = remember(
            metric, b: b.name, p: test.pValue, low: interval.low, high: interval.high, ratioLow: exp(interval.low),
            ratioHigh: exp(interval.high))
        let margin = settings.latencyMargin
        let state = Self.state(
            low: log(max(m.ratioLow, 1e-300)), high: log(m.ratioHigh), equivalentWithin: -log(1 + margin),
            log(1 + margin))
        let ratio = exp(x.mean)
        let bounded = m.ratioLow > 0 && m.ratioHigh.isFinite
        let range = bounded ? VerdictText.ratioRange(m.ratioLow, m.ratioHigh) : "too few to bound it yet"
        let text: String
        switch state {
        case .decided:
            let bSlower = m.ratioLow > 1
            let (slow, fast) = bSlower ? (b.name, a.name) : (a.name, b.name)
            let shownRange = bSlower ? range : VerdictText.ratioRange(1 / m.ratioHigh, 1 / m.ratioLow)
            let times = bSlower ? ratio : 1 / ratio
            text =
                "\(slow) is \(times > 1 ? VerdictText.times(times) + " " : "")slower than \(fast) "
                + "\(metric.isTTFT ? "to first token " : "")per prompt (\(shownRange), geometric mean over "
                + "\(x.count) prompts) — decided, \(confidence)"
        case .equivalent:
            text =
                "\(metric.label): no meaningful difference — \(b.name) / \(a.name) within \(range) over "
                + "\(x.count) prompts (margin ±\(VerdictText.percent(margin, digits: 0))) — \(confidence)"
        case .notYet:
            text =
                "\(metric.label): not decided yet — \(b.name) / \(a.name) \(VerdictText.times(ratio)) "
                + "(\(range)) over \(x.count) prompts; "
                + VerdictText.moreNeeded(
                    estimate: x.mean, low: m.low, high: m.high, margin: log(1 + margin), n: x.count, unit: "prompts")
        }
        return Verdict(
            metric: metric, a: a.name, b: b.name, state: state, pValue: m.p, low: nil, high: nil,
            ratioLow: m.ratioLow > 0 ? m.ratioLow : nil, ratioHigh: m.ratioHigh.isFinite ? m.ratioHigh : nil,
            ratio: ratio, nA: x.count,
            nB: x.count, primary: primary, text: text)
    }

    /// Decided when the interval excludes 0; equivalent when it lies inside [lowMargin, highMargin].
    static func state(low: Double, high: Double, equivalentWithin margin: Double?, _ highMargin: Double = 0)
        -> Verdict.State
    {
        if low > 0 || high < 0 { return .decided }
        if let margin, low >= margin, high <= highMargin { return .equivalent }
        return .notYet
    }
}
