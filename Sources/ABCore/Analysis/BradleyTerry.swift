/// Bradley-Terry strengths from pairwise votes, for comparing more than two entities at once.
///
/// P(i beats j) = pᵢ / (pᵢ + pⱼ). Ties (and "both bad") count half a win to each side. Every pair also gets
/// `priorTies` virtual ties, a weak prior that keeps an entity that won every vote at a large but finite strength.
/// Fitted by Hunter's MM algorithm; strengths are normalised to sum to 1.
public enum BradleyTerry {
    public struct Interval: Sendable, Equatable {
        public let lower: Double
        public let upper: Double
    }

    /// Strengths per entity, or nil with fewer than two entities.
    public static func strengths(_ votes: [Vote], entityCount k: Int, priorTies: Double = 1) -> [Double]? {
        guard k >= 2 else { return nil }
        var wins = [Double](repeating: 0, count: k)
        var games = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for i in 0..<k {
            for j in 0..<k where j != i {
                games[i][j] = priorTies
            }
            wins[i] = 0.5 * priorTies * Double(k - 1)
        }
        for vote in votes where vote.a != vote.b && vote.a < k && vote.b < k {
            games[vote.a][vote.b] += 1
            games[vote.b][vote.a] += 1
            wins[vote.a] += vote.score(for: vote.a)!
            wins[vote.b] += vote.score(for: vote.b)!
        }
        var p = [Double](repeating: 1 / Double(k), count: k)
        for _ in 0..<100_000 {
            var next = p
            for i in 0..<k {
                var denominator = 0.0
                for j in 0..<k where j != i && games[i][j] > 0 {
                    denominator += games[i][j] / (p[i] + p[j])
                }
                next[i] = denominator > 0 ? wins[i] / denominator : p[i]
            }
            let total = next.reduce(0, +)
            next = next.map { $0 / total }
            let change = zip(p, next).map { abs($0 - $1) / Swift.max($1, 1e-300) }.max() ?? 0
            p = next
            if change < 1e-14 { break }
        }
        return p
    }

    /// Percentile bootstrap intervals (resampling votes with replacement), reproducible through `seed`.
    public static func bootstrapIntervals(
        _ votes: [Vote], entityCount k: Int, priorTies: Double = 1,
        resamples: Int = 200, confidence: Double = 0.95,
        seed: UInt64 = 1
    ) -> [Interval]? {
        guard k >= 2, !votes.isEmpty else { return nil }
        var rng = SplitMix64(seed: seed)
        var draws = [[Double]](repeating: [], count: k)
        for _ in 0..<resamples {
            let sample = (0..<votes.count).map { _ in votes[rng.below(votes.count)] }
            guard let s = strengths(sample, entityCount: k, priorTies: priorTies) else { continue }
            for i in 0..<k { draws[i].append(s[i]) }
        }
        let tail = (1 - confidence) / 2
        return draws.map { values in
            let sorted = values.sorted()
            func at(_ q: Double) -> Double {
                sorted[Swift.min(sorted.count - 1, Swift.max(0, Int((q * Double(sorted.count - 1)).rounded())))]
            }
            return Interval(lower: at(tail), upper: at(1 - tail))
        }
    }
}
