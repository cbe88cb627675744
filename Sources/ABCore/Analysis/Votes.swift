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

    public init(a: Int, b: Int, choice: Choice) {
        self.a = a
        self.b = b
        self.choice = choice
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
    /// (wins + ½ ties) / votes, with its Wilson 95 % interval.
    public let rate: Proportion

    public var votes: Int { wins + ties + losses }

    /// Win rates of each entity over all its votes.
    public static func of(_ votes: [Vote], entityCount: Int) -> [WinRate] {
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
            return WinRate(
                entity: entity, wins: wins, ties: ties, losses: losses,
                rate: Proportion(successes: Double(wins) + 0.5 * Double(ties), trials: n))
        }
    }
}
