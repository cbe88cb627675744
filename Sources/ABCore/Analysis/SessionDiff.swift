/// Two sessions of the same endpoint compared metric by metric (`abtop diff A B`): for each entity both ran, the
/// same verdicts a session has between its arms — each entity of session A against itself in session B — and the
/// prompts whose outcome got worse.
///
/// The entity's requests of each session, in the order they were issued, are the two arms (the k-th request of A
/// paired with the k-th of B for the rates and cost, the two samples for the quantiles), so every interval is the
/// always-valid one of docs/STATISTICS.md under the same assumptions: each session's requests i.i.d. within it. The
/// family is every metric for every entity compared: α is split over them (Bonferroni).
public enum SessionDiff {
    public struct Side: Sendable {
        public let label: String
        public let entities: [EntityInfo]
        public let records: [RequestRecord]

        public init(label: String, entities: [EntityInfo], records: [RequestRecord]) {
            self.label = label
            self.entities = entities
            self.records = records
        }
    }

    /// A prompt whose outcome got worse from A to B.
    public struct Regression: Sendable, Equatable {
        public let promptID: String
        public let prompt: String
        public let before: String
        public let after: String
    }

    public struct EntityDiff: Sendable {
        public let name: String
        public let verdicts: [Verdict]
        public var regressions: [Regression]
        /// Prompts whose outcome got better (the reverse of a regression), counted.
        public var improvements: Int
        /// Prompts both sessions sent this entity.
        public let promptsCompared: Int
        /// The LLM judge on A's and B's answers to the same prompts (`abtop diff --judge`): entity 0 is A's answer,
        /// 1 is B's; empty without a judge.
        public var judgements: [Judgement] = []

        /// Adds the judge's verdicts: a prompt whose old answer the judge preferred in both orders got worse (unless
        /// it is already listed), one whose new answer it preferred got better.
        public mutating func add(judgements: [Judgement], labels: (a: String, b: String)) {
            self.judgements = judgements
            var listed = Set(regressions.map(\.promptID))
            for j in judgements {
                switch j.winner {
                case 0? where !listed.contains(j.promptID):
                    listed.insert(j.promptID)
                    regressions.append(
                        Regression(
                            promptID: j.promptID, prompt: j.prompt, before: "answered",
                            after: "the judge preferred \(labels.a)'s answer in both orders"))
                case 1?: improvements += 1
                default: break
                }
            }
        }
    }

    /// One prompt both sessions' entity answered: the pair `abtop diff --judge` sends the judge (A's answer first).
    public struct JudgePair: Sendable {
        public let entity: String
        public let promptID: String
        public let prompt: String
        public let a: String
        public let b: String
    }

    /// Per entity both sessions ran, each prompt (its first request in each session) both answered with text, in B's
    /// order, at most `limit` in all.
    public static func judgePairs(_ a: Side, _ b: Side, limit: Int) -> [JudgePair] {
        var out: [JudgePair] = []
        for name in a.entities.map(\.name) where b.entities.contains(where: { $0.name == name }) {
            let ia = a.entities.firstIndex { $0.name == name }!
            let ib = b.entities.firstIndex { $0.name == name }!
            var firstA: [String: RequestRecord] = [:]
            for r in issued(a.records, entity: ia) where firstA[r.promptID] == nil { firstA[r.promptID] = r }
            var seen: Set<String> = []
            for r in issued(b.records, entity: ib) where seen.insert(r.promptID).inserted {
                guard let old = firstA[r.promptID], old.outcome.error == nil, r.outcome.error == nil,
                    !old.output.isEmpty, !r.output.isEmpty, out.count < limit
                else { continue }
                out.append(JudgePair(entity: name, promptID: r.promptID, prompt: r.prompt, a: old.output, b: r.output))
            }
        }
        return out
    }

    public static func compare(_ a: Side, _ b: Side, settings: VerdictAnalysis.Settings) -> [EntityDiff] {
        let names = a.entities.map(\.name).filter { n in b.entities.contains { $0.name == n } }
        var perEntity = settings
        perEntity.alpha = settings.alpha / Double(max(1, names.count))
        return names.map { name in
            let ia = a.entities.firstIndex { $0.name == name }!
            let ib = b.entities.firstIndex { $0.name == name }!
            let ra = issued(a.records, entity: ia)
            let rb = issued(b.records, entity: ib)
            var stats = StatsAggregator(
                entities: [
                    EntityInfo(name: a.label, model: a.entities[ia].model, provider: a.entities[ia].provider),
                    EntityInfo(name: b.label, model: b.entities[ib].model, provider: b.entities[ib].provider),
                ], epoch: SplitEpoch(index: 0, weights: .even(count: 2), startedAt: 0))
            for (side, records) in [(0, ra), (1, rb)] {
                for r in records {
                    var o = r.outcome
                    o.entity = side
                    o.arm = side
                    o.epoch = 0
                    o.issue = nil
                    stats.record(o, at: 0)
                }
            }
            var s = perEntity
            s.streaming = (ra + rb).contains { $0.outcome.streamed }
            s.paired = false
            s.cost = !ra.isEmpty && !rb.isEmpty && (ra + rb).allSatisfy { $0.outcome.costUSD != nil }
            s.checks = (ra + rb).contains { $0.outcome.checkPassed != nil }
            let (regressions, improvements, compared) = changes(ra, rb)
            return EntityDiff(
                name: name, verdicts: stats.verdicts(settings: s), regressions: regressions,
                improvements: improvements, promptsCompared: compared)
        }
    }

    /// The entity's analysed requests (no fallbacks, no sticky follow-ups, nothing cut off), in issue order.
    static func issued(_ records: [RequestRecord], entity: Int) -> [RequestRecord] {
        records.enumerated()
            .filter { _, r in
                r.outcome.entity == entity && !r.outcome.isFallback && !r.outcome.repeatsSession
                    && r.outcome.error != .cancelled
            }
            .sorted {
                ($0.element.outcome.issue ?? Int.max, $0.offset) < ($1.element.outcome.issue ?? Int.max, $1.offset)
            }
            .map(\.element)
    }

    /// Per prompt (its first request in each session): an error where there was an answer, or a failed check
    /// where it passed, is a regression; the reverse an improvement.
    static func changes(_ a: [RequestRecord], _ b: [RequestRecord]) -> ([Regression], Int, Int) {
        var firstA: [String: RequestRecord] = [:]
        for r in a where firstA[r.promptID] == nil { firstA[r.promptID] = r }
        var seen: Set<String> = []
        var regressions: [Regression] = []
        var improvements = 0
        for r in b where !seen.contains(r.promptID) {
            seen.insert(r.promptID)
            guard let old = firstA[r.promptID] else { continue }
            switch (old.outcome.error, r.outcome.error) {
            case (nil, let e?):
                regressions.append(
                    Regression(
                        promptID: r.promptID, prompt: r.prompt, before: "answered", after: "failed (\(e.rawValue))"))
                continue
            case (_?, nil):
                improvements += 1
                continue
            default: break
            }
            switch (old.outcome.checkPassed, r.outcome.checkPassed) {
            case (true?, false?):
                regressions.append(
                    Regression(
                        promptID: r.promptID, prompt: r.prompt, before: "check passed",
                        after: "check failed: \(r.check?.reason ?? "")"))
            case (false?, true?): improvements += 1
            default: break
            }
        }
        return (regressions, improvements, seen.filter { firstA[$0] != nil }.count)
    }
}
