import Foundation

/// Sample-ratio mismatch for one split epoch, tested sequentially: Lindon & Malek, *Anytime-valid inference for
/// multinomial count data* (NeurIPS 2022), as the authors' `savvi.Multinomial` computes it. The Bayes factor of a
/// Dirichlet(k·θ₀) mixture against the configured shares θ₀ is an e-value at every count, so its reciprocal is a
/// p-value valid however often it is read: a healthy split is flagged with probability ≤ the threshold over the
/// whole run.
public struct SRMResult: Sendable, Equatable, Codable {
    public let epoch: Int
    public let weights: [Int]
    /// Assignments per entity, counted when the router picked (not when the request finished).
    public let observed: [Int]
    /// nil before the epoch's first assignment.
    public let pValue: Double?
    /// p ≤ `threshold`: the split is not doing what it says (a breaker open, a bug, a filter).
    public let flagged: Bool

    /// An SRM alarm should be rare and sure: 0.001.
    public static let threshold = 0.001
    /// The Dirichlet prior's concentration (savvi's default).
    public static let concentration = 100.0

    /// `runningMinimum`: the smallest p-value an earlier read of this epoch gave (the sequence is monotone).
    public init(epoch: Int, weights: [Int], observed: [Int], runningMinimum: Double? = nil) {
        self.epoch = epoch
        self.weights = weights
        self.observed = observed
        let p = Self.pValue(observed: observed, shares: weights.map(Double.init))
        let value = p.map { min($0, runningMinimum ?? 1) }
        self.pValue = value
        self.flagged = (value ?? 1) <= Self.threshold
    }

    /// 1 / Bayes factor, or nil without counts. An entity with no share that got traffic makes p 0.
    public static func pValue(observed: [Int], shares: [Double]) -> Double? {
        precondition(observed.count == shares.count)
        let total = shares.reduce(0, +)
        guard observed.reduce(0, +) > 0, total > 0 else { return nil }
        var logBF = 0.0
        var prior: [Double] = []
        var posterior: [Double] = []
        for (count, share) in zip(observed, shares) {
            if share <= 0 {
                if count > 0 { return 0 }
                continue
            }
            let theta = share / total
            prior.append(concentration * theta)
            posterior.append(concentration * theta + Double(count))
            logBF -= Double(count) * log(theta)
        }
        guard prior.count >= 2 else { return 1 }
        logBF += logBeta(posterior) - logBeta(prior)
        return min(1, exp(-logBF))
    }

    /// log B(v) = Σ log Γ(vᵢ) − log Γ(Σ vᵢ).
    static func logBeta(_ v: [Double]) -> Double {
        v.reduce(0) { $0 + lgamma($1) } - lgamma(v.reduce(0, +))
    }
}
