/// One plain-words answer to "is this difference real?" between two entities, valid whenever it is read.
///
/// `state` says what is known: `decided` (the always-valid interval of B − A excludes no difference), `equivalent`
/// (the interval lies inside the margin the user set), or `notYet`. `pValue` is the always-valid p-value, already
/// adjusted for the family (Bonferroni: the raw value × the family's size), so `pValue ≤ α` exactly when decided;
/// the interval is at the family's per-comparison level. Both are kept monotone over the reads (running minimum,
/// running intersection), which the time-uniform guarantees allow.
public struct Verdict: Sendable, Equatable, Codable {
    public enum Metric: String, Sendable, Codable, CaseIterable {
        case errorRate = "error_rate"
        case latencyE2EP50 = "latency_e2e_p50"
        case latencyE2EP95 = "latency_e2e_p95"
        case ttftP50 = "ttft_p50"
        case ttftP95 = "ttft_p95"
        /// Compare mode: per prompt, B's E2E / A's E2E (a failed side infinitely slow); the interval is of the
        /// median prompt's ratio.
        case latencyE2EPaired = "latency_e2e_paired"
        case ttftPaired = "ttft_paired"
        /// Compare mode: per prompt, B failed − A failed.
        case errorRatePaired = "error_rate_paired"
        /// Cost per 1,000 requests: the k-th request of each arm (issue order) paired, B's cost − A's, in both
        /// modes (in compare mode the k-th requests are mostly the same prompt).
        case cost = "cost_per_1k_requests"
        /// Answers that pass their prompt's `expect`: B's pass rate − A's, the k-th checked answer of each paired.
        case checkPassRate = "check_pass_rate"

        /// How the metric is named in a sentence.
        public var label: String {
            switch self {
            case .errorRate, .errorRatePaired: "error rate"
            case .latencyE2EP50: "p50 latency"
            case .latencyE2EP95: "p95 latency"
            case .ttftP50: "p50 TTFT"
            case .ttftP95: "p95 TTFT"
            case .latencyE2EPaired: "latency per prompt"
            case .ttftPaired: "TTFT per prompt"
            case .cost: "cost per 1,000 requests"
            case .checkPassRate: "checks passed"
            }
        }

        /// The quantile a latency metric compares, nil for the others.
        public var quantile: Double? {
            switch self {
            case .latencyE2EP50, .ttftP50: 0.5
            case .latencyE2EP95, .ttftP95: 0.95
            default: nil
            }
        }

        public var isTTFT: Bool { self == .ttftP50 || self == .ttftP95 || self == .ttftPaired }
        public var isPaired: Bool { self == .latencyE2EPaired || self == .ttftPaired || self == .errorRatePaired }
        /// Read in split and compare mode alike.
        public var inBothModes: Bool { self == .cost || self == .checkPassRate }
    }

    public enum State: String, Sendable, Codable, CaseIterable {
        case decided
        case notYet = "not_yet"
        case equivalent
    }

    public let metric: Metric
    public let a: String
    public let b: String
    public let state: State
    /// Always-valid, family-adjusted; nil while the test cannot run yet (too few requests).
    public let pValue: Double?
    /// Bounds of B − A: milliseconds for latency quantiles, a difference of rates (0…1) for error rates, USD per
    /// 1,000 requests for cost; nil where unbounded so far. Paired latency has no difference in milliseconds: see the ratio.
    public let low: Double?
    public let high: Double?
    /// Bounds of B / A (latency metrics).
    public let ratioLow: Double?
    public let ratioHigh: Double?
    /// The point estimates the sentence quotes: A's and B's quantile in ms, error rate (0…1), or USD per 1,000
    /// requests; for paired
    /// latency, nil and `ratio` holds the geometric-mean ratio.
    public let estimateA: Double?
    public let estimateB: Double?
    public let ratio: Double?
    public let nA: Int
    public let nB: Int
    /// A primary comparison: `run --until-decided` waits for these.
    public let primary: Bool
    public let text: String
    /// A later read contradicted the running interval: the arms changed during the run (the verdict shows what
    /// held before, and its sentence says so).
    public var drift = false

    /// Decided: kept for readers of the first JSON contract (`significant`).
    public var significant: Bool { state == .decided }

    public init(
        metric: Metric, a: String, b: String, state: State, pValue: Double?, low: Double? = nil,
        high: Double? = nil, ratioLow: Double? = nil, ratioHigh: Double? = nil, estimateA: Double? = nil,
        estimateB: Double? = nil, ratio: Double? = nil, nA: Int, nB: Int, primary: Bool, text: String,
        drift: Bool = false
    ) {
        self.drift = drift
        self.metric = metric
        self.a = a
        self.b = b
        self.state = state
        self.pValue = pValue
        self.low = low
        self.high = high
        self.ratioLow = ratioLow
        self.ratioHigh = ratioHigh
        self.estimateA = estimateA
        self.estimateB = estimateB
        self.ratio = ratio
        self.nA = nA
        self.nB = nB
        self.primary = primary
        self.text = text
    }

    /// "p < 0.001" or "p = 0.21".
    public static func formatP(_ p: Double) -> String {
        if p < 0.001 { return "p < 0.001" }
        if p < 0.01 { return "p = \(fixedPoint(p, places: 3))" }
        return "p = \(fixedPoint(p, places: 2))"
    }
}
