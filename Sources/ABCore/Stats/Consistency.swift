/// How alike an entity's answers to the same prompt are when the prompt is sent more than once (`run --repeat N`,
/// or a prompt file cycled): of the pairs of answers to one prompt, how many are the same text, and how many agree
/// on the prompt's check. A model that answers the same question differently each time is harder to trust than
/// its averages say.
///
/// Kept as counts per entity, prompt and answer (a stable hash of the text), so memory is the number of distinct
/// answers, and the same records give the same figures live and rebuilt from the journal.
public struct Consistency: Sendable {
    public struct Figures: Sendable, Equatable {
        public var entity: String
        /// Prompts answered at least twice.
        public var prompts = 0
        /// Pairs of answers to the same prompt, and those with the same text.
        public var pairs = 0
        public var identical = 0
        /// Pairs of checked answers to the same prompt, and those whose checks agree (both passed or both failed).
        public var checkPairs = 0
        public var checksAgree = 0

        public init(
            entity: String, prompts: Int = 0, pairs: Int = 0, identical: Int = 0, checkPairs: Int = 0,
            checksAgree: Int = 0
        ) {
            self.entity = entity
            self.prompts = prompts
            self.pairs = pairs
            self.identical = identical
            self.checkPairs = checkPairs
            self.checksAgree = checksAgree
        }

        public var identicalShare: Double? { pairs > 0 ? Double(identical) / Double(pairs) : nil }
        public var checksAgreeShare: Double? { checkPairs > 0 ? Double(checksAgree) / Double(checkPairs) : nil }
    }

    private struct Tally: Sendable {
        var answers: [UInt64: Int] = [:]
        var passed = 0
        var failed = 0
    }

    private var tallies: [[String: Tally]]
    public let names: [String]

    public init(names: [String]) {
        self.names = names
        tallies = [[String: Tally]](repeating: [:], count: names.count)
    }

    /// An answered request (fallbacks and failures say nothing of how an entity answers a prompt).
    public mutating func add(_ r: RequestRecord) {
        let e = r.outcome.entity
        guard e < tallies.count, r.outcome.error == nil, !r.outcome.isFallback else { return }
        var t = tallies[e][r.promptID] ?? Tally()
        t.answers[StableHash.of(r.output), default: 0] += 1
        if let passed = r.outcome.checkPassed {
            if passed { t.passed += 1 } else { t.failed += 1 }
        }
        tallies[e][r.promptID] = t
    }

    /// Each entity's figures; empty when no prompt was answered twice by the same entity.
    public var figures: [Figures] {
        func pairs(_ n: Int) -> Int { n * (n - 1) / 2 }
        let all = names.indices.map { e -> Figures in
            var f = Figures(entity: names[e])
            for t in tallies[e].values {
                let n = t.answers.values.reduce(0, +)
                guard n >= 2 else { continue }
                f.prompts += 1
                f.pairs += pairs(n)
                f.identical += t.answers.values.reduce(0) { $0 + pairs($1) }
                f.checkPairs += pairs(t.passed + t.failed)
                f.checksAgree += pairs(t.passed) + pairs(t.failed)
            }
            return f
        }
        return all.contains { $0.prompts > 0 } ? all : []
    }
}
