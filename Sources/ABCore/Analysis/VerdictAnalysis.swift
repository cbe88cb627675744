import Foundation

/// What one arm brings to the verdicts, all of it bounded and all of it taken in the order the requests were
/// issued (see `IssueOrder`): the first n requests sent to the arm, every one of them finished, so a slow arm's
/// sample is not its fast requests first. Error indicators as moments, the successes' latencies as order
/// statistics (histograms live, exact samples in tests), and the error pairs against the control.
public struct ArmSample {
    public var name: String
    /// One observation per request in the issued prefix: 1 failed, 0 succeeded.
    public var errors: Moments
    public var e2e: any OrderStatistics
    public var ttft: any OrderStatistics
    /// This arm's k-th request against the control's k-th (both in issue order): failed or not. Unused for the
    /// control itself.
    public var errorPairs: PairCounts
    /// Cost per request (USD) of the priced requests in the issued prefix, and how many had no price.
    public var costs: Moments
    public var unpriced: Int
    /// The same pairs as `errorPairs`, B's cost − A's (USD), where both are priced.
    public var costPairs: Moments
    /// Answers checked against their prompt's `expect`: 1 passed, 0 failed, in issue order.
    public var checks: Moments
    /// The k-th checked answer of this arm against the control's k-th: passed or not.
    public var checkPairs: PairCounts

    public init(
        name: String, errors: Moments, e2e: any OrderStatistics, ttft: any OrderStatistics,
        errorPairs: PairCounts = PairCounts(), costs: Moments = Moments(), costPairs: Moments = Moments(),
        unpriced: Int = 0, checks: Moments = Moments(), checkPairs: PairCounts = PairCounts()
    ) {
        self.checks = checks
        self.checkPairs = checkPairs
        self.name = name
        self.errors = errors
        self.e2e = e2e
        self.ttft = ttft
        self.errorPairs = errorPairs
        self.costs = costs
        self.costPairs = costPairs
        self.unpriced = unpriced
    }
}

/// Per-prompt comparisons of one entity against the control in compare mode (the same prompt to both), in the
/// order the prompts were sent.
public struct PairedSample: Sendable, Equatable {
    /// log(B's E2E / A's E2E) per prompt either answered: +∞ where B failed and A answered, −∞ the reverse (a
    /// failure is never an advantage); prompts both failed carry no timing and are left out.
    public var e2e = LogRatioHistogram()
    public var ttft = LogRatioHistogram()
    /// B failed against A failed, per prompt both finished.
    public var errors = PairCounts()
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
    public struct Settings: Sendable, Equatable, Codable {
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
        /// The cost verdict is in the family: every entity has a price (`EndpointConfig.pricesKnown`).
        public var cost = true
        /// "No meaningful difference" for cost: B − A within ±m of A's cost per request (0.10 = 10 %).
        public var costMargin = 0.10
        /// Check pass rates are in the family: the prompts carry `expect` (a run with such a prompt file).
        public var checks = false

        public init(
            alpha: Double = 0.05, latencyMargin: Double = 0.10, errorMargin: Double = 0.01, streaming: Bool = true,
            paired: Bool = false, cost: Bool = true, costMargin: Double = 0.10, checks: Bool = false
        ) {
            self.checks = checks
            self.alpha = alpha
            self.latencyMargin = latencyMargin
            self.errorMargin = errorMargin
            self.streaming = streaming
            self.paired = paired
            self.cost = cost
            self.costMargin = costMargin
        }

        /// A journal written before the cost verdict has no `cost`: its family had none.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            alpha = try c.decode(Double.self, forKey: .alpha)
            latencyMargin = try c.decode(Double.self, forKey: .latencyMargin)
            errorMargin = try c.decode(Double.self, forKey: .errorMargin)
            streaming = try c.decode(Bool.self, forKey: .streaming)
            paired = try c.decode(Bool.self, forKey: .paired)
            cost = try c.decodeIfPresent(Bool.self, forKey: .cost) ?? false
            costMargin = try c.decodeIfPresent(Double.self, forKey: .costMargin) ?? 0.10
            checks = try c.decodeIfPresent(Bool.self, forKey: .checks) ?? false
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
        /// A read contradicted the running interval: under the methods' assumptions that happens with
        /// probability ≤ α, so it says the assumptions broke (the arms changed during the run).
        var drifted = false
    }

    /// Where the quantile tests' mixtures are tightest, in observations per arm: p50 a little past the ~130 per arm
    /// a 20 % difference takes (100–300 all decide within 3 % of each other in `Benchmarks verdicts`; 10 takes
    /// 3.4× as long), p95 later (its data are rarer).
    static let medianTOpt = 200.0
    /// The quantile tests read latencies in cells of 0.2 % (see `QuantileABTest.init`): intervals at most 0.2 %
    /// wider than the exact values would give, and a read several times cheaper.
    static let cellResolution = 0.002
    static let tailTOpt = 300.0
    /// Fewer finished requests than these on a side: no test yet.
    static let minimumLatencySamples = 5
    static let minimumErrorSamples = 10
    /// The cost verdict's sequence is asymptotic (`MeanSequence`): no read before this many priced pairs. On very
    /// skewed costs (prompt lengths lognormal σ 1.6) intervals read at 30 pairs missed the true difference in 7 %
    /// of sessions, at 50 in 5–8 %, at 100 in 2 %; at σ 1 none did (`CostVerdictTests`).
    static let minimumCostPairs = 50
    /// Where the cost sequence is tightest, in pairs: large cost differences (a 10× cheaper model) decide well
    /// before it, small ones after.
    static let costTOpt = 100.0

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
        if settings.cost { m.append(.cost) }
        if settings.checks { m.append(.checkPassRate) }
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
    public static func primaryDone(_ verdicts: [Verdict], mode: RunMode, required: Set<Verdict.Metric>? = nil)
        -> Bool
    {
        let wanted = pending(verdicts, mode: mode, required: required, includeDone: true)
        return !wanted.isEmpty && wanted.allSatisfy { $0.state != .notYet }
    }

    /// The comparisons a run waits for (the primary ones, or those `required` names: `--decide`), still open
    /// unless `includeDone`.
    public static func pending(
        _ verdicts: [Verdict], mode: RunMode, required: Set<Verdict.Metric>? = nil, includeDone: Bool = false
    ) -> [Verdict] {
        verdicts.filter { v in
            (v.metric.inBothModes || v.metric.isPaired == (mode == .compare))
                && (required.map { $0.contains(v.metric) } ?? v.primary)
                && (includeDone || v.state == .notYet)
        }
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
        case .cost: cost(a: a, b: b)
        case .checkPassRate: checks(a: a, b: b)
        }
    }

    /// Folds this read into the comparison's memory and returns the monotone p-value and interval. An
    /// intersection that comes out empty cannot happen under the methods' assumptions except with the probability
    /// already spent (≤ α/m): it means the data broke them — a provider's latency or errors changed during the
    /// run. The memory then keeps what it had (a decided comparison stays decided, with its interval) and is
    /// marked as drifted, which the sentence says.
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
        var next = m
        next.p = min(m.p, fresh.p)
        next.low = max(m.low, low)
        next.high = min(m.high, high)
        next.ratioLow = max(m.ratioLow, ratioLow)
        next.ratioHigh = min(m.ratioHigh, ratioHigh)
        if next.low > next.high || next.ratioLow > next.ratioHigh {
            m.drifted = true
        } else {
            m = next
        }
        memory[key] = m
        return m
    }

    /// The words added to a drifted comparison's sentence.
    static let driftNote =
        " — but later data contradict this interval: the arms changed during the run (what is shown is what "
        + "held before; compare them again in a new session)"

    private var confidence: String { "always-valid \(VerdictText.exactPercent(1 - settings.alpha))" }
}

// MARK: - The three kinds of comparison

extension VerdictAnalysis {
    /// The error rates compared directly: the k-th request of each arm (in issue order) paired, and the
    /// difference's confidence sequence by betting (`RateDifferenceTest`), exact for 0/1 outcomes at every n.
    fileprivate mutating func errorRate(a: ArmSample, b: ArmSample) -> Verdict {
        let metric = Verdict.Metric.errorRate
        let (nA, nB) = (a.errors.count, b.errors.count)
        let rateA = a.errors.mean
        let rateB = b.errors.mean
        let primary = Self.isPrimary(metric)
        let pairs = b.errorPairs
        guard let (m, state, range) = rateReading(metric, b: b.name, pairs) else {
            return Verdict(
                metric: metric, a: a.name, b: b.name, state: .notYet, pValue: nil, estimateA: rateA,
                estimateB: rateB, nA: nA, nB: nB, primary: primary,
                text: "error rate: too few finished requests to compare yet (n = \(nA) / \(nB))")
        }
        let margin = settings.errorMargin
        let rates = "\(VerdictText.percent(rateB, digits: 1)) vs \(VerdictText.percent(rateA, digits: 1))"
        var text: String
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
                    estimate: pairs.meanDifference, low: m.low, high: m.high, margin: margin, n: nA + nB)
        }
        if m.drifted { text += Self.driftNote }
        return Verdict(
            metric: metric, a: a.name, b: b.name, state: state, pValue: m.p, low: m.low, high: m.high,
            estimateA: rateA, estimateB: rateB, nA: nA, nB: nB, primary: primary, text: text, drift: m.drifted)
    }

    /// A rate comparison read: its memory, state (margin `errorMargin`) and range in points; nil with fewer pairs
    /// than a test needs.
    fileprivate mutating func rateReading(_ metric: Verdict.Metric, b name: String, _ pairs: PairCounts)
        -> (m: Memory, state: Verdict.State, range: String)?
    {
        guard pairs.count >= Self.minimumErrorSamples else { return nil }
        let m = rateComparison(metric, b: name, pairs)
        let margin = settings.errorMargin
        return (
            m, Self.state(low: m.low, high: m.high, equivalentWithin: -margin, margin),
            VerdictText.pointsRange(m.low, m.high)
        )
    }

    /// A rate difference from its pairs (`RateDifferenceTest` at the comparison's level), folded into memory.
    fileprivate mutating func rateComparison(_ metric: Verdict.Metric, b name: String, _ pairs: PairCounts) -> Memory {
        let interval = RateDifferenceTest.interval(pairs, alpha: level)
        return remember(
            metric, b: name, p: RateDifferenceTest.pValue(pairs), low: interval.low, high: interval.high)
    }

    /// A quantile of E2E or TTFT: Howard & Ramdas' two-sample test (`QuantileABTest`). The state comes from the
    /// ratio's confidence sequence (decided when it excludes 1, equivalent inside the margin); the difference in
    /// ms quoted beside it is the same test inverted for a shift, also at the comparison's level.
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
        let test = QuantileABTest(
            a: sampleA, b: sampleB, p: p, tOpt: p >= 0.9 ? Self.tailTOpt : Self.medianTOpt, alphaOpt: level,
            resolution: Self.cellResolution)
        let difference = test.differenceInterval(alpha: level)
        let ratios = test.ratioInterval(alpha: level)
        let m = remember(
            metric, b: b.name, p: test.pValue, low: difference.low ?? -.infinity,
            high: difference.high ?? .infinity, ratioLow: ratios.low ?? 0, ratioHigh: ratios.high ?? .infinity)
        let estA = test.a.estimate
        let estB = test.b.estimate
        let margin = settings.latencyMargin
        var state = Verdict.State.notYet
        if m.ratioLow > 1 || m.ratioHigh < 1 {
            state = .decided
        } else if m.ratioLow >= 1 / (1 + margin), m.ratioHigh <= 1 + margin {
            state = .equivalent
        }
        let ratio = estA > 0 ? estB / estA : nil
        let values = "\(VerdictText.duration(estB)) vs \(VerdictText.duration(estA))"
        var text: String
        switch state {
        case .decided:
            let bSlower = m.ratioLow > 1
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
        if m.drifted { text += Self.driftNote }
        return Verdict(
            metric: metric, a: a.name, b: b.name, state: state, pValue: m.p,
            low: m.low.isFinite ? m.low : nil, high: m.high.isFinite ? m.high : nil,
            ratioLow: m.ratioLow > 0 ? m.ratioLow : nil, ratioHigh: m.ratioHigh.isFinite ? m.ratioHigh : nil,
            estimateA: estA, estimateB: estB, ratio: ratio, nA: nA, nB: nB, primary: primary, text: text,
            drift: m.drifted)
    }

    /// Compare mode, per prompt: the error difference by betting on the prompts' pairs, and for latency the
    /// median per-prompt ratio from the quantile sequence of the log ratios (a sign test's confidence sequence:
    /// exact and nonparametric, so stalls and retries cannot make an A/A pair look different; a failed side
    /// counts as infinitely slow).
    fileprivate mutating func paired(_ metric: Verdict.Metric, a: ArmSample, b: ArmSample, _ sample: PairedSample)
        -> Verdict
    {
        let primary = Self.isPrimary(metric)
        if metric == .errorRatePaired {
            let n = sample.errors.count
            guard n >= Self.minimumErrorSamples else {
                return Verdict(
                    metric: metric, a: a.name, b: b.name, state: .notYet, pValue: nil, nA: n, nB: n,
                    primary: primary, text: "error rate per prompt: too few prompts to compare yet (\(n))")
            }
            let m = rateComparison(metric, b: b.name, sample.errors)
            let margin = settings.errorMargin
            let state = Self.state(low: m.low, high: m.high, equivalentWithin: -margin, margin)
            let range = VerdictText.pointsRange(m.low, m.high)
            let rateA = Double(sample.failuresA) / Double(n)
            let rateB = Double(sample.failuresB) / Double(n)
            var text: String
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
            if m.drifted { text += Self.driftNote }
            return Verdict(
                metric: metric, a: a.name, b: b.name, state: state, pValue: m.p, low: m.low, high: m.high,
                estimateA: rateA, estimateB: rateB, ratio: nil, nA: n, nB: n, primary: primary, text: text,
                drift: m.drifted)
        }
        let x = metric == .ttftPaired ? sample.ttft : sample.e2e
        guard x.count >= Self.minimumLatencySamples else {
            return Verdict(
                metric: metric, a: a.name, b: b.name, state: .notYet, pValue: nil, nA: x.count, nB: x.count,
                primary: primary, text: "\(metric.label): too few prompts answered yet (\(x.count))")
        }
        let ranks = x.orderStatistics()
        let interval = QuantileInterval(ranks, p: 0.5, alpha: level)
        let pRaw = Self.medianPValue(ranks)
        let m = remember(
            metric, b: b.name, p: pRaw, low: interval.lower ?? -.infinity, high: interval.upper ?? .infinity,
            ratioLow: interval.lower.map(exp) ?? 0, ratioHigh: interval.upper.map(exp) ?? .infinity)
        let margin = settings.latencyMargin
        let state = Self.state(
            low: log(max(m.ratioLow, 1e-300)), high: log(m.ratioHigh), equivalentWithin: -log(1 + margin),
            log(1 + margin))
        let median = interval.estimate ?? 0
        let ratio = median.isFinite ? exp(median) : (median > 0 ? Double.infinity : 0)
        let bounded = m.ratioLow > 0 && m.ratioHigh.isFinite
        let range = bounded ? VerdictText.ratioRange(m.ratioLow, m.ratioHigh) : "too few to bound it yet"
        var text: String
        switch state {
        case .decided:
            let bSlower = m.ratioLow > 1
            let (slow, fast) = bSlower ? (b.name, a.name) : (a.name, b.name)
            let shownRange =
                bSlower
                ? VerdictText.ratioRange(m.ratioLow, m.ratioHigh)
                : VerdictText.ratioRange(1 / m.ratioHigh, m.ratioLow > 0 ? 1 / m.ratioLow : .infinity)
            let times = bSlower ? ratio : 1 / ratio
            text =
                "\(slow) is \(times > 1 && times.isFinite ? VerdictText.times(times) + " " : "")slower than \(fast) "
                + "\(metric.isTTFT ? "to first token " : "")on the median prompt (\(shownRange), over "
                + "\(x.count) prompts; a failure counts as slower) — decided, \(confidence)"
        case .equivalent:
            text =
                "\(metric.label): no meaningful difference — \(b.name) / \(a.name) within \(range) on the median "
                + "prompt over \(x.count) prompts (margin ±\(VerdictText.percent(margin, digits: 0))) — \(confidence)"
        case .notYet:
            text =
                "\(metric.label): not decided yet — \(b.name) / \(a.name) \(VerdictText.times(ratio)) "
                + "(\(range)) on the median prompt over \(x.count) prompts; "
                + (bounded
                    ? VerdictText.moreNeeded(
                        estimate: median, low: log(m.ratioLow), high: log(m.ratioHigh), margin: log(1 + margin),
                        n: x.count, unit: "prompts")
                    : "more prompts needed to bound it")
        }
        if m.drifted { text += Self.driftNote }
        return Verdict(
            metric: metric, a: a.name, b: b.name, state: state, pValue: m.p, low: nil, high: nil,
            ratioLow: m.ratioLow > 0 ? m.ratioLow : nil, ratioHigh: m.ratioHigh.isFinite ? m.ratioHigh : nil,
            ratio: ratio.isFinite ? ratio : nil, nA: x.count, nB: x.count, primary: primary, text: text,
            drift: m.drifted)
    }

    /// The always-valid p-value of "the median log ratio is 0": the smallest α at which the median's interval
    /// excludes 0 (bisection on log α; the interval only widens as α falls).
    static func medianPValue(_ ranks: HistogramRanks) -> Double {
        func excludes(_ alpha: Double) -> Bool {
            let i = QuantileInterval(ranks, p: 0.5, alpha: alpha)
            return (i.lower ?? -.infinity) > 0 || (i.upper ?? .infinity) < 0
        }
        guard excludes(1) else { return 1 }
        var low = log(1e-12)
        var high = 0.0
        if excludes(exp(low)) { return 1e-12 }
        for _ in 0..<40 {
            let mid = (low + high) / 2
            if excludes(exp(mid)) { high = mid } else { low = mid }
        }
        return exp(high)
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

// MARK: - Cost

extension VerdictAnalysis {
    /// Cost per 1,000 requests: the mean of the paired differences (B's k-th request − A's k-th, issue order,
    /// failures at what they were billed) by the asymptotic confidence sequence of `MeanSequence`. Decided when
    /// the interval excludes 0; equivalent when it lies within ±`costMargin` of A's cost per request.
    fileprivate mutating func cost(a: ArmSample, b: ArmSample) -> Verdict {
        let metric = Verdict.Metric.cost
        let pairs = b.costPairs
        let perK = 1_000.0
        let estA = a.costs.count > 0 ? a.costs.mean * perK : nil
        let estB = b.costs.count > 0 ? b.costs.mean * perK : nil
        let primary = Self.isPrimary(metric)
        func notYet(_ text: String) -> Verdict {
            Verdict(
                metric: metric, a: a.name, b: b.name, state: .notYet, pValue: nil, estimateA: estA, estimateB: estB,
                nA: a.costs.count, nB: b.costs.count, primary: primary, text: text)
        }
        let unpriced = [a, b].filter { $0.costs.count == 0 && $0.unpriced > 0 }.map(\.name)
        if !unpriced.isEmpty {
            return notYet(
                "cost: no price known for \(unpriced.joined(separator: " and ")) (add it under abtop.prices)")
        }
        guard pairs.count >= Self.minimumCostPairs, pairs.squaredDeviations > 0 else {
            return notYet("\(metric.label): too few priced requests to compare yet (\(pairs.count) pairs)")
        }
        let interval = MeanSequence.interval(pairs, tOpt: Self.costTOpt, alpha: level)
        let m = remember(
            metric, b: b.name, p: MeanSequence.pValue(pairs, tOpt: Self.costTOpt, alphaOpt: level),
            low: interval.low * perK, high: interval.high * perK)
        let band = settings.costMargin * (estA ?? 0)
        let state = Self.state(low: m.low, high: m.high, equivalentWithin: -band, band)
        let (costA, costB) = (estA ?? 0, estB ?? 0)
        let values = "\(VerdictText.money(costB)) vs \(VerdictText.money(costA))"
        let range = VerdictText.moneyRange(m.low, m.high)
        let guarantee = "\(confidence) (asymptotic)"
        var text: String
        switch state {
        case .decided:
            let bDearer = m.low > 0
            let (dear, cheap) = bDearer ? (b.name, a.name) : (a.name, b.name)
            let (hi, lo) = bDearer ? (costB, costA) : (costA, costB)
            let times = lo > 0 && hi / lo > 1 ? " (\(VerdictText.times(hi / lo)))" : ""
            text =
                "\(dear) costs more than \(cheap)\(times): \(VerdictText.money(hi)) vs \(VerdictText.money(lo)) per "
                + "1,000 requests (\(b.name) − \(a.name): \(range)) — decided, \(guarantee)"
        case .equivalent:
            text =
                "\(metric.label): no meaningful difference — \(b.name) vs \(a.name) \(values) (\(range); margin ±"
                + "\(VerdictText.percent(settings.costMargin, digits: 0)) of \(a.name)'s) — \(guarantee)"
        case .notYet:
            text =
                "\(metric.label): not decided yet — \(b.name) vs \(a.name) \(values) (\(b.name) − \(a.name): \(range)); "
                + VerdictText.moreNeeded(
                    estimate: pairs.mean * perK, low: m.low, high: m.high, margin: band, n: 2 * pairs.count)
        }
        if m.drifted { text += Self.driftNote }
        return Verdict(
            metric: metric, a: a.name, b: b.name, state: state, pValue: m.p, low: m.low, high: m.high,
            estimateA: estA, estimateB: estB, ratio: costA > 0 ? costB / costA : nil, nA: a.costs.count,
            nB: b.costs.count, primary: primary, text: text, drift: m.drifted)
    }
}

// MARK: - Checks

extension VerdictAnalysis {
    /// How often each arm's answers pass their prompt's `expect`: the k-th checked answer of each arm (issue order)
    /// paired, the difference of pass rates by betting (`RateDifferenceTest`, exact), margin as for error rates.
    /// Only answers are checked (a failed request has no answer to check): this compares the quality of what the
    /// arms answered; their errors are the error rate's.
    fileprivate mutating func checks(a: ArmSample, b: ArmSample) -> Verdict {
        let metric = Verdict.Metric.checkPassRate
        let pairs = b.checkPairs
        let (rateA, rateB) = (a.checks.mean, b.checks.mean)
        let (nA, nB) = (a.checks.count, b.checks.count)
        guard let (m, state, range) = rateReading(metric, b: b.name, pairs) else {
            return Verdict(
                metric: metric, a: a.name, b: b.name, state: .notYet, pValue: nil, estimateA: rateA,
                estimateB: rateB, nA: nA, nB: nB, primary: false,
                text: "\(metric.label): too few checked answers to compare yet (n = \(nA) / \(nB))")
        }
        let margin = settings.errorMargin
        var text: String
        switch state {
        case .decided:
            let bBetter = m.low > 0
            let (better, worse) = bBetter ? (b.name, a.name) : (a.name, b.name)
            let (hi, lo) = bBetter ? (rateB, rateA) : (rateA, rateB)
            text =
                "\(better) passes its checks more often than \(worse): \(VerdictText.percent(hi, digits: 1)) vs "
                + "\(VerdictText.percent(lo, digits: 1)) (\(b.name) − \(a.name): \(range)) — decided, \(confidence)"
        case .equivalent:
            text =
                "\(metric.label): no meaningful difference — \(b.name) vs \(a.name) \(VerdictText.percent(rateB, digits: 1)) "
                + "vs \(VerdictText.percent(rateA, digits: 1)) (\(range); margin ±\(VerdictText.points(margin))) — \(confidence)"
        case .notYet:
            text =
                "\(metric.label): not decided yet — \(b.name) vs \(a.name) \(VerdictText.percent(rateB, digits: 1)) vs "
                + "\(VerdictText.percent(rateA, digits: 1)) (\(range)); "
                + VerdictText.moreNeeded(
                    estimate: pairs.meanDifference, low: m.low, high: m.high, margin: margin, n: nA + nB,
                    unit: "checked answers")
        }
        if m.drifted { text += Self.driftNote }
        return Verdict(
            metric: metric, a: a.name, b: b.name, state: state, pValue: m.p, low: m.low, high: m.high,
            estimateA: rateA, estimateB: rateB, nA: nA, nB: nB, primary: false, text: text, drift: m.drifted)
    }
}
