/// Speed, reliability, cost and quality per arm in one table: the scorecard the summary, the reports, `--json` and
/// the dashboard (`v`) all show, with the same columns and the same words. A quality column appears only when that
/// signal exists (checks run, votes cast, the judge asked, feedback sent). Point estimates: whether a difference
/// is real is the verdicts' job, and each column names the verdict family that decides it.
public struct Scorecard: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var entity: String
        public var requests: Int
        public var errorRate: Double?
        public var p50ms: Double?
        public var p95ms: Double?
        public var ttftP50ms: Double?
        public var costPer1k: Double?
        /// Share of checked answers that passed (`expect` in the prompt file).
        public var checkPassRate: Double?
        /// (wins + ½ ties) / votes, over the blind votes this arm took part in.
        public var voteScore: Double?
        /// (wins + ½ ties) / pairs, over the judge's verdicts this arm took part in (a flip is a tie).
        public var judgeScore: Double?
        /// Each feedback metric's mean (a boolean's share of true), in `Scorecard.feedbackMetrics` order.
        public var feedback: [Double?] = []
    }

    public var rows: [Row]
    /// The feedback metrics shown, at most three (the first sent).
    public var feedbackMetrics: [String]
    public var hasChecks: Bool
    public var hasVotes: Bool
    public var hasJudge: Bool
    public var hasTTFT: Bool
    public var hasCost: Bool

    public init(
        snapshot: Snapshot, votes: [Vote] = [], judgements: [Judgement] = [], feedback: FeedbackTally? = nil
    ) {
        let n = snapshot.entities.count
        let voteRates = WinRate.of(votes, entityCount: n)
        let judgeRates = WinRate.of(JudgeSummary(judgements).votes, entityCount: n)
        let metrics = Array((feedback?.metrics ?? []).filter { $0.arms.count == n }.prefix(3))
        rows = snapshot.entities.enumerated().map { i, e in
            Row(
                entity: e.info.name, requests: e.requests,
                errorRate: e.requests > 0 ? Double(e.errorCount) / Double(e.requests) : nil, p50ms: e.e2e?.p50,
                p95ms: e.e2e?.p95, ttftP50ms: e.ttft?.p50,
                costPer1k: e.costUSD.flatMap { e.requests > 0 ? $0 / Double(e.requests) * 1000 : nil },
                checkPassRate: e.checks.run > 0 ? Double(e.checks.passed) / Double(e.checks.run) : nil,
                voteScore: voteRates[i].votes > 0 ? voteRates[i].rate.estimate : nil,
                judgeScore: judgeRates[i].votes > 0 ? judgeRates[i].rate.estimate : nil,
                feedback: metrics.map { m in m.arms[i].moments.count > 0 ? m.arms[i].moments.mean : nil })
        }
        feedbackMetrics = metrics.map(\.name)
        hasChecks = rows.contains { $0.checkPassRate != nil }
        hasVotes = rows.contains { $0.voteScore != nil }
        hasJudge = rows.contains { $0.judgeScore != nil }
        hasTTFT = rows.contains { $0.ttftP50ms != nil }
        hasCost = rows.contains { $0.costPer1k != nil }
        booleanFeedback = metrics.map(\.isBoolean)
    }

    private var booleanFeedback: [Bool]

    /// The column headings, then one row of cells per arm: the same words on every screen and page.
    public var header: [String] {
        var h = ["entity", "requests", "errors", "p50", "p95"]
        if hasTTFT { h.append("TTFT p50") }
        if hasCost { h.append("$ / 1k req") }
        if hasChecks { h.append("checks pass") }
        if hasVotes { h.append("votes score") }
        if hasJudge { h.append("judge score") }
        h += feedbackMetrics.map { "feedback \($0)" }
        return h
    }

    public var cells: [[String]] {
        func percent(_ x: Double?) -> String {
            x.map { VerdictText.percent($0, digits: $0 > 0 && $0 < 0.01 ? 1 : 0) } ?? "—"
        }
        func ms(_ x: Double?) -> String { x.map(VerdictText.duration) ?? "—" }
        return rows.map { r in
            var c = [r.entity, String(r.requests), percent(r.errorRate), ms(r.p50ms), ms(r.p95ms)]
            if hasTTFT { c.append(ms(r.ttftP50ms)) }
            if hasCost { c.append(r.costPer1k.map(VerdictText.money) ?? "—") }
            if hasChecks { c.append(percent(r.checkPassRate)) }
            if hasVotes { c.append(percent(r.voteScore)) }
            if hasJudge { c.append(percent(r.judgeScore)) }
            for (value, boolean) in zip(r.feedback, booleanFeedback) {
                c.append(boolean ? percent(value) : value.map { fixedPoint($0, places: 2) } ?? "—")
            }
            return c
        }
    }

    /// What the columns mean, once, under the table.
    public static let legend =
        "errors: share of requests that failed · p50/p95: end-to-end latency · scores: (wins + ½ ties) / pairs "
        + "(the judge's in both orders, a flip is a tie) · point estimates: the verdicts say which differences are real"
}
