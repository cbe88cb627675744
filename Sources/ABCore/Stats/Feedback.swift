/// A judgement a client sent about one served request (`POST /feedback`, as TensorZero's feedback API takes it):
/// a metric and a boolean or numeric value, with an optional comment. Journaled beside its request; each metric
/// is compared between the arms (`FeedbackAnalysis`).
public struct Feedback: Sendable, Equatable, Codable {
    /// The request's `x-request-id`.
    public var requestID: String
    /// The entity that answered it.
    public var entity: Int
    public var metric: String
    public var value: Double
    /// The value was `true` / `false` (stored as 1 / 0).
    public var isBoolean: Bool
    public var comment: String?

    public init(requestID: String, entity: Int, metric: String, value: Double, isBoolean: Bool, comment: String?) {
        self.requestID = requestID
        self.entity = entity
        self.metric = metric
        self.value = value
        self.isBoolean = isBoolean
        self.comment = comment
    }

    /// The longest metric name and comment taken; a metric name is letters, digits, `_`, `-` and `.`.
    public static let maxNameLength = 64
    public static let maxCommentLength = 2_000
    /// At most this many metrics per endpoint (each is a comparison and a row of every report).
    public static let maxMetrics = 32

    public static func isMetricName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= maxNameLength
            && s.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                    || "_-.".unicodeScalars.contains($0)
            }
    }
}

/// Feedback per metric and entity, as the stats keep it: each arm's values in the order they came (for the k-th
/// pairing the comparisons use) and their moments.
public struct FeedbackTally: Sendable {
    public struct Arm: Sendable, Equatable {
        public var values: [Double] = []
        public var moments = Moments()
    }

    public struct Metric: Sendable, Equatable {
        public var name: String
        public var isBoolean: Bool
        public var arms: [Arm]
    }

    public private(set) var metrics: [Metric] = []
    let entities: Int

    public init(entities: Int) { self.entities = entities }

    /// Adds one; false when the metric is new and the endpoint already has `Feedback.maxMetrics`, or the value's
    /// kind (boolean or number) differs from the metric's first.
    @discardableResult
    public mutating func add(_ f: Feedback) -> Bool {
        guard f.entity >= 0, f.entity < entities else { return false }
        if let i = metrics.firstIndex(where: { $0.name == f.metric }) {
            guard metrics[i].isBoolean == f.isBoolean else { return false }
            metrics[i].arms[f.entity].values.append(f.value)
            metrics[i].arms[f.entity].moments.add(f.value)
            return true
        }
        guard metrics.count < Feedback.maxMetrics else { return false }
        var m = Metric(name: f.metric, isBoolean: f.isBoolean, arms: [Arm](repeating: Arm(), count: entities))
        m.arms[f.entity].values.append(f.value)
        m.arms[f.entity].moments.add(f.value)
        metrics.append(m)
        return true
    }

    /// Whether `f` would be taken (the same checks as `add`, without adding).
    public func accepts(_ f: Feedback) -> Bool {
        guard f.entity >= 0, f.entity < entities else { return false }
        if let m = metrics.first(where: { $0.name == f.metric }) { return m.isBoolean == f.isBoolean }
        return metrics.count < Feedback.maxMetrics
    }
}

/// Each feedback metric compared between every entity and the first, as a family of its own (like the votes):
/// its α split over `Feedback.maxMetrics` × entities (fixed in advance), apart from the verdicts' family. A boolean metric's rates are tested
/// exactly by betting on the k-th feedback of each arm paired (`RateDifferenceTest`); a numeric one's means by the
/// asymptotic sequence on the paired differences (`MeanSequence`), as cost is.
public enum FeedbackAnalysis {
    public struct Comparison: Sendable, Equatable {
        public var metric: String
        public var a: String
        public var b: String
        public var state: Verdict.State
        public var low: Double?
        public var high: Double?
        public var estimateA: Double?
        public var estimateB: Double?
        public var nA: Int
        public var nB: Int
        public var text: String
    }

    static let minimumPairs = 10

    public static func compare(_ tally: FeedbackTally, names: [String], alpha: Double) -> [Comparison] {
        guard names.count >= 2, !tally.metrics.isEmpty else { return [] }
        // Split over every metric an endpoint may take, not those that came so far: the family is fixed before the
        // first feedback arrives, so a metric read while alone has not spent more than its share.
        let level = alpha / Double(Feedback.maxMetrics * (names.count - 1))
        let confidence = "always-valid \(VerdictText.exactPercent(1 - alpha)) (own family)"
        var out: [Comparison] = []
        for m in tally.metrics {
            let a = m.arms[0]
            for i in 1..<names.count {
                let b = m.arms[i]
                let n = min(a.values.count, b.values.count)
                var c = Comparison(
                    metric: m.name, a: names[0], b: names[i], state: .notYet,
                    estimateA: a.moments.count > 0 ? a.moments.mean : nil,
                    estimateB: b.moments.count > 0 ? b.moments.mean : nil, nA: a.values.count, nB: b.values.count,
                    text: "")
                let shown = { (x: Double?) -> String in
                    guard let x else { return "—" }
                    return m.isBoolean ? VerdictText.percent(x, digits: 0) : fixedPoint(x, places: 2)
                }
                guard n >= minimumPairs else {
                    c.text = "feedback \(m.name): too few to compare yet (\(a.values.count) / \(b.values.count))"
                    out.append(c)
                    continue
                }
                if m.isBoolean {
                    var pairs = PairCounts()
                    for k in 0..<n { pairs.add(a: a.values[k] >= 0.5, b: b.values[k] >= 0.5) }
                    let interval = RateDifferenceTest.interval(pairs, alpha: level)
                    (c.low, c.high) = (interval.low, interval.high)
                } else {
                    var diffs = Moments()
                    for k in 0..<n { diffs.add(b.values[k] - a.values[k]) }
                    if diffs.squaredDeviations > 0 {
                        let interval = MeanSequence.interval(diffs, tOpt: 100, alpha: level)
                        (c.low, c.high) = (interval.low, interval.high)
                    }
                }
                let values = "\(shown(c.estimateB)) vs \(shown(c.estimateA))"
                if let low = c.low, let high = c.high, low > 0 || high < 0 {
                    c.state = .decided
                    let (higher, lower) = low > 0 ? (c.b, c.a) : (c.a, c.b)
                    let what = m.isBoolean ? "gets \(m.name) more often" : "scores higher on \(m.name)"
                    c.text =
                        "\(higher) \(what) than \(lower): \(low > 0 ? values : "\(shown(c.estimateA)) vs \(shown(c.estimateB))") "
                        + "— decided, \(confidence)\(m.isBoolean ? "" : ", asymptotic")"
                } else {
                    c.text = "feedback \(m.name): not decided yet — \(c.b) vs \(c.a) \(values) over \(n) pairs"
                }
                out.append(c)
            }
        }
        return out
    }
}
