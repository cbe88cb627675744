import Foundation

/// One pair of answers to the same prompt, judged by the LLM judge in both orders: `first` shown as A, then
/// `second` shown as A. A verdict that flips with the order is a tie (position bias neutralised), and whether the
/// two orders agreed is the judge's consistency. A judgement that could not be made is kept with its failure, so
/// nothing is skipped silently.
public struct Judgement: Sendable, Equatable, Codable {
    /// The judge's verdict in one order, as it wrote it (MT-Bench's `[[A]]`, `[[B]]`, `[[C]]`).
    public enum Reading: String, Sendable, Codable, Hashable {
        case a = "A"
        case b = "B"
        case tie = "C"
    }

    /// Why no verdict was reached.
    public enum Failure: String, Sendable, Codable, CaseIterable {
        /// A call to the judge failed (an error, a timeout, its breaker open).
        case request
        /// The judge answered, but not in the form asked for.
        case format
        /// Serve: the other arm's fresh answer, to judge against, failed.
        case answer
        /// Too many pairs were waiting for the judge: this one was not sent.
        case backlog
        /// The run ended before the judge answered.
        case ended

        public var words: String {
            switch self {
            case .request: "the judge's call failed"
            case .format: "out of format"
            case .answer: "the other arm's answer failed"
            case .backlog: "backlog full, not sent"
            case .ended: "run ended first"
            }
        }
    }

    /// The compare-mode prompt the answers belong to; nil for a served request.
    public var group: Int?
    /// The prompt's text, when the judgement is read where it was made (`abtop diff`); not journaled.
    public var prompt = ""
    /// Serve: the `x-request-id` of the request whose answer was judged.
    public var requestID: String?
    public var promptID: String
    public var first: Int
    public var second: Int
    /// The verdict with `first` shown as A, and with `second` shown as A.
    public var inOrder: Reading?
    public var swapped: Reading?
    public var failure: Failure?
    /// Why it failed, in a line: what the judge answered out of format, or the call's error (an excerpt, never
    /// the whole reply).
    public var note: String?
    /// The judge's tokens and cost over both calls, and its wall time: accounted apart from the arms.
    public var inputTokens = 0
    public var outputTokens = 0
    public var costUSD: Double?
    public var seconds = 0.0

    public init(group: Int?, requestID: String? = nil, promptID: String, first: Int, second: Int) {
        self.group = group
        self.requestID = requestID
        self.promptID = promptID
        self.first = first
        self.second = second
    }

    /// The entity the judge preferred in both orders, or nil (a tie, a flip, or no verdict).
    public var winner: Int? {
        guard failure == nil else { return nil }
        switch (inOrder, swapped) {
        case (.a, .b): return first
        case (.b, .a): return second
        default: return nil
        }
    }

    /// Whether both orders gave the same preference (the same winner, or a tie twice); nil without a verdict.
    public var consistent: Bool? {
        guard failure == nil, let inOrder, let swapped else { return nil }
        switch (inOrder, swapped) {
        case (.a, .b), (.b, .a), (.tie, .tie): return true
        default: return false
        }
    }

    /// The judgement as a vote of `first` (A) against `second` (B), for win rates; nil without a verdict.
    public var vote: Vote? {
        guard failure == nil, inOrder != nil, swapped != nil else { return nil }
        let choice: Vote.Choice =
            switch winner {
            case first: .aBetter
            case second: .bBetter
            default: .tie
            }
        return Vote(a: first, b: second, choice: choice, group: group)
    }
}

/// The judge's record over a session: verdicts as votes (win rates and head to head, a family of their own like
/// the human votes'), consistency, failures by kind, and what judging cost.
public struct JudgeSummary: Sendable, Equatable {
    public var judged = 0
    public var consistent = 0
    public var failures: [Judgement.Failure: Int] = [:]
    public var inputTokens = 0
    public var outputTokens = 0
    /// Nil when any judgement's cost was unknown (the judge's model has no price).
    public var costUSD: Double? = 0
    public var seconds = 0.0
    public var votes: [Vote] = []

    public init(_ judgements: [Judgement]) {
        for j in judgements {
            inputTokens += j.inputTokens
            outputTokens += j.outputTokens
            seconds += j.seconds
            if j.inputTokens + j.outputTokens > 0 { costUSD = costUSD.flatMap { c in j.costUSD.map { c + $0 } } }
            if let failure = j.failure {
                failures[failure, default: 0] += 1
                if failure == .format, let note = j.note, formatSamples.count < 3 { formatSamples.append(note) }
                continue
            }
            guard let vote = j.vote else { continue }
            judged += 1
            if j.consistent == true { consistent += 1 }
            votes.append(vote)
        }
    }

    public var failed: Int { failures.values.reduce(0, +) }
    /// A few replies the judge gave out of format (its first ones), as it wrote them: what to fix in the rubric or
    /// the model.
    public var formatSamples: [String] = []
    /// The share of judged pairs whose two orders agreed; nil before any.
    public var consistency: Double? { judged == 0 ? nil : Double(consistent) / Double(judged) }
    public var ties: Int { votes.filter { $0.choice == .tie }.count }

    /// Failures in words, most frequent first: "2 out of format, 1 the judge's call failed".
    public var failureWords: String {
        failures.sorted { ($0.value, $1.key.rawValue) > ($1.value, $0.key.rawValue) }
            .map { "\($0.value) \($0.key.words)" }.joined(separator: ", ")
    }
}

/// How often the judge and the people voting agree, on the pairs both judged: the rate, and Cohen's κ (agreement
/// beyond what the two marginal distributions give by chance) over three outcomes relative to the pair's
/// lower-numbered entity: it wins, the other wins, a tie (a vote "both bad" counts as a tie).
public struct JudgeAgreement: Sendable, Equatable {
    public let pairs: Int
    public let agreed: Int
    /// Nil when chance agreement is already certain (both raters gave one outcome only).
    public let kappa: Double?

    public var rate: Double { Double(agreed) / Double(pairs) }

    /// Nil when no vote was cast on a pair the judge judged.
    public static func of(_ judgements: [Judgement], votes: [Vote]) -> JudgeAgreement? {
        var byPair: [Key: Int] = [:]
        for j in judgements {
            guard let group = j.group, let vote = j.vote else { continue }
            byPair[Key(group: group, low: min(j.first, j.second), high: max(j.first, j.second))] = outcome(vote)
        }
        var judge: [Int] = []
        var human: [Int] = []
        for v in votes {
            guard let group = v.group else { continue }
            let key = Key(group: group, low: min(v.a, v.b), high: max(v.a, v.b))
            guard let j = byPair[key] else { continue }
            judge.append(j)
            human.append(outcome(v))
        }
        return kappa(judge, human)
    }

    /// Cohen's κ of two raters' labels (0, 1, 2), as `sklearn.metrics.cohen_kappa_score` computes it.
    public static func kappa(_ x: [Int], _ y: [Int]) -> JudgeAgreement? {
        guard !x.isEmpty, x.count == y.count else { return nil }
        let n = Double(x.count)
        let agreed = zip(x, y).filter { $0 == $1 }.count
        let observed = Double(agreed) / n
        var chance = 0.0
        for label in 0..<3 {
            chance += Double(x.filter { $0 == label }.count) / n * Double(y.filter { $0 == label }.count) / n
        }
        let kappa: Double? = chance >= 1 ? nil : (observed - chance) / (1 - chance)
        return JudgeAgreement(pairs: x.count, agreed: agreed, kappa: kappa)
    }

    private struct Key: Hashable {
        let group: Int
        let low: Int
        let high: Int
    }

    /// 0: the lower-numbered entity won; 1: the other did; 2: a tie.
    private static func outcome(_ v: Vote) -> Int {
        let low = min(v.a, v.b)
        switch v.choice {
        case .tie, .bothBad: return 2
        case .aBetter: return v.a == low ? 0 : 1
        case .bBetter: return v.b == low ? 0 : 1
        }
    }
}
