import Foundation

/// Outcomes of two arms taken in pairs: the k-th request each arm was sent (in the order they were issued) makes the
/// k-th pair, scored Z = B's outcome − A's outcome for a yes/no metric (an error, a failed check, a judge's loss), so
/// Z ∈ {−1, 0, 1} and its mean is exactly rate_B − rate_A. Three counts hold everything the test needs.
public struct PairCounts: Sendable, Equatable, Codable {
    /// Pairs where B had the event and A did not (Z = 1), neither or both (Z = 0), A and not B (Z = −1).
    public var bOnly = 0
    public var same = 0
    public var aOnly = 0

    public init(bOnly: Int = 0, same: Int = 0, aOnly: Int = 0) {
        self.bOnly = bOnly
        self.same = same
        self.aOnly = aOnly
    }

    public mutating func add(a: Bool, b: Bool) {
        if a == b { same += 1 } else if b { bOnly += 1 } else { aOnly += 1 }
    }

    public var count: Int { bOnly + same + aOnly }
    /// The estimate of rate_B − rate_A.
    public var meanDifference: Double { count > 0 ? Double(bOnly - aOnly) / Double(count) : 0 }
}

/// An exact anytime-valid test and confidence sequence for the difference of two rates, by betting (Waudby-Smith &
/// Ramdas, *Estimating means of bounded random variables by betting*, JRSS B 2024, applied to the paired
/// differences Z ∈ [−1, 1] as their two-sample construction does).
///
/// For a candidate difference m, a bettor stakes a fixed fraction λ of its wealth on each Z: wealth
/// Π (1 + λ(Z − m)) is a nonnegative martingale when the mean of Z is m, whatever Z's distribution in [−1, 1], so
/// by Ville's inequality it exceeds 1/α with probability ≤ α ever. abtop averages 2 × 12 such bettors (λ on a
/// geometric grid of fractions of the largest safe stake, on both sides of m): an average of martingales is one,
/// its cost over the best bettor in hindsight is at most log 24, and with fixed stakes the wealth depends only on
/// the three counts — bounded memory, no ordering inside the counts, and exact at every n (no normal
/// approximation, so rare events and small samples keep the guarantee). The p-value of "no difference" is
/// 1 / wealth at m = 0; the confidence sequence is every m whose wealth stays below 1/α.
public enum RateDifferenceTest {
    /// Stakes as fractions of the largest safe one: 0.01 · 1.5^k, k = 0…11 (0.01 to 0.86).
    static let fractions: [Double] = (0..<12).map { 0.01 * pow(1.5, Double($0)) }

    /// log of the averaged bettors' wealth against "the mean difference is m" (m in (−1, 1)).
    public static func logWealth(_ c: PairCounts, m: Double) -> Double {
        let (plus, zero, minus) = (Double(c.bOnly), Double(c.same), Double(c.aOnly))
        var terms: [Double] = []
        terms.reserveCapacity(2 * fractions.count)
        for f in fractions {
            // Betting the mean is above m: λ = f / (1 + m) keeps 1 + λ(Z − m) ≥ 1 − f > 0 at Z = −1.
            let up = f / (1 + m)
            terms.append(plus * log1p(up * (1 - m)) + zero * log1p(-up * m) + minus * log1p(up * (-1 - m)))
            // Below m: λ = −f / (1 − m), safe at Z = 1.
            let down = -f / (1 - m)
            terms.append(plus * log1p(down * (1 - m)) + zero * log1p(-down * m) + minus * log1p(down * (-1 - m)))
        }
        let top = terms.max() ?? 0
        return top + log(terms.reduce(0) { $0 + exp($1 - top) } / Double(terms.count))
    }

    /// The always-valid p-value of "both rates are equal" at this read (take the running minimum over reads).
    public static func pValue(_ c: PairCounts) -> Double {
        guard c.count > 0 else { return 1 }
        return min(1, exp(-logWealth(c, m: 0)))
    }

    /// The level-α confidence sequence for rate_B − rate_A at this read (intersect over reads).
    public static func interval(_ c: PairCounts, alpha: Double) -> (low: Double, high: Double) {
        guard c.count > 0 else { return (-1, 1) }
        let threshold = log(1 / alpha)
        let estimate = min(max(c.meanDifference, -1 + 1e-12), 1 - 1e-12)
        func inside(_ m: Double) -> Bool { logWealth(c, m: m) < threshold }
        func edge(to end: Double) -> Double {
            // The wealth only grows as m moves away from the estimate; 44 halvings: 2⁻⁴⁴ of the span.
            let far = end * (1 - 1e-12)
            if inside(far) { return end }
            var (lo, hi) = (estimate, far)
            for _ in 0..<44 {
                let mid = (lo + hi) / 2
                if inside(mid) { lo = mid } else { hi = mid }
            }
            // The rejected side of the last step: the interval never claims more than the data allow.
            return hi
        }
        return (edge(to: -1), edge(to: 1))
    }
}
