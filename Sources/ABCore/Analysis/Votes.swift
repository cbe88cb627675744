import Foundation

/// A blind vote between the outputs of two entities for the same prompt (compare mode).
public struct Vote: Sendable, Equatable, Codable {
    public enum Choice: String, Sendable, Codable, CaseIterable {
        case aBetter = "a_better"
        case bBetter = "b_better"
        case tie
        case bothBad = "both_bad"
    }

    /// The entity shown as A and the one shown as B (sides are shuffled per prompt).
    public let a: Int
    public let b: Int
    public let choice: Choice
    /// The compare group (one prompt's answers) the vote was cast on: nil in a journal from before it was kept.
    public let group: Int?

    public init(a: Int, b: Int, choice: Choice, group: Int? = nil) {
        self.a = a
        self.b = b
        self.choice = choice
        self.group = group
    }

    /// Points for `entity` in this vote: 1 a win, ½ a tie or both bad, 0 a loss; nil if it was not in the vote.
    public func score(for entity: Int) -> Double? {
        guard entity == a || entity == b else { return nil }
        switch choice {
        case .tie, .bothBad: return 0.5
        case .aBetter: return entity == a ? 1 : 0
        case .bBetter: return entity == b ? 1 : 0
        }
    }
}

/// One entity's record over the votes it took part in.
public struct WinRate: Sendable, Equatable, Codable {
    public let entity: Int
    public let wins: Int
    public let ties: Int
    public let losses: Int
    /// (wins + ½ ties) / votes, with an always-valid interval (see `alwaysValid`).
    public let rate: Proportion
    /// The always-valid p-value of "win rate ½" (no better, no worse than the others), for this entity alone.
    public let pValue: Double

    public var votes: Int { wins + ties + losses }

    /// Win rates of each entity over all its votes, each interval at α / (entities), so all hold together with
    /// probability ≥ 1 − α however often they are read.
    public static func of(_ votes: [Vote], entityCount: Int, alpha: Double = 0.05) -> [WinRate] {
        (0..<entityCount).map { entity in
            var wins = 0
            var ties = 0
            var losses = 0
            for vote in votes {
                switch vote.score(for: entity) {
                case 1: wins += 1
                case 0.5: ties += 1
                case 0: losses += 1
                default: break
                }
            }
            let n = wins + ties + losses
            let score = Double(wins) + 0.5 * Double(ties)
            let (rate, p) = alwaysValid(score: score, votes: n, alpha: alpha / Double(max(1, entityCount)))
            return WinRate(entity: entity, wins: wins, ties: ties, losses: losses, rate: rate, pValue: p)
        }
    }
}

extension WinRate {
    /// Where the win-rate interval is tightest, in votes.
    static let tOpt = 50.0

    /// A confidence sequence for a mean of scores in [0, 1] (win 1, tie ½, loss 0): scores are ½-sub-Gaussian
    /// (Hoeffding), so Robbins' normal mixture with variance process n / 4 bounds the centred sum at every n at
    /// once (Howard et al. 2021). Nonasymptotic: valid from the first vote. Returns the interval and the
    /// always-valid p-value of "½".
    public static func alwaysValid(score: Double, votes n: Int, alpha: Double) -> (Proportion, Double) {
        guard n > 0 else {
            return (Proportion(successes: 0, trials: 0, estimate: 0, lower: 0, upper: 1), 1)
        }
        let mixture = Boundaries.NormalMixture(vOpt: tOpt / 4)
        let v = Double(n) / 4
        let radius = mixture.bound(v: v, alpha: alpha) / Double(n)
        let estimate = score / Double(n)
        let p = min(1, exp(-mixture.logSuperMartingale(s: score - Double(n) / 2, v: v)))
        let proportion = Proportion(
            successes: score, trials: n, estimate: estimate, lower: max(0, estimate - radius),
            upper: min(1, estimate + radius))
        return (proportion, p)
    }
}

/// Who beats whom, pair by pair, from the blind votes: with three or more entities a win rate over everyone hides
/// that B beats A while losing to C. Each pair's rate is A's score against B alone (win 1, tie ½), with an
/// always-valid interval at α / (pairs), so every pair's interval holds together, however often read.
public struct HeadToHead: Sendable, Equatable {
    public let a: Int
    public let b: Int
    /// A's score against B, with its interval.
    public let rate: Proportion
    public let votes: Int

    /// The entity that beats the other (its interval clear of ½), or nil while it is open.
    public var winner: Int? {
        guard votes > 0 else { return nil }
        if rate.lower > 0.5 { return a }
        if rate.upper < 0.5 { return b }
        return nil
    }

    public static func of(_ votes: [Vote], entityCount: Int, alpha: Double = 0.05) -> [HeadToHead] {
        let pairs = entityCount * (entityCount - 1) / 2
        var out: [HeadToHead] = []
        for a in 0..<entityCount {
            for b in (a + 1)..<max(a + 1, entityCount) {
                let mine = votes.filter { Set([$0.a, $0.b]) == Set([a, b]) }
                guard !mine.isEmpty else { continue }
                let score = mine.reduce(0.0) { $0 + ($1.score(for: a) ?? 0) }
                let (rate, _) = WinRate.alwaysValid(
                    score: score, votes: mine.count, alpha: alpha / Double(max(1, pairs)))
                out.append(HeadToHead(a: a, b: b, rate: rate, votes: mine.count))
            }
        }
        return out
    }
}
