/// Mann-Whitney U test, two-sided, normal approximation with tie correction and continuity correction.
///
/// Matches scipy's `mannwhitneyu(x, y, alternative="two-sided", method="asymptotic")`: `u` is U for the first
/// sample, `z` is (max(U₁, U₂) − n₁n₂/2 − ½) / σ with σ corrected for ties.
public struct MannWhitney: Sendable, Equatable {
    public let u: Double
    public let z: Double
    public let pValue: Double

    /// Nil when a sample is empty.
    public init?(_ x: [Double], _ y: [Double]) {
        let n1 = x.count
        let n2 = y.count
        guard n1 > 0, n2 > 0 else { return nil }
        var pooled = [(value: Double, first: Bool)]()
        pooled.reserveCapacity(n1 + n2)
        for v in x { pooled.append((v, true)) }
        for v in y { pooled.append((v, false)) }
        pooled.sort { $0.value < $1.value }

        // Average ranks for ties; collect Σ(t³ − t) over tie groups.
        var rankSumX = 0.0
        var tieTerm = 0.0
        var i = 0
        while i < pooled.count {
            var j = i
            while j + 1 < pooled.count && pooled[j + 1].value == pooled[i].value { j += 1 }
            let averageRank = Double(i + j + 2) / 2
            let t = Double(j - i + 1)
            if t > 1 { tieTerm += t * t * t - t }
            for k in i...j where pooled[k].first { rankSumX += averageRank }
            i = j + 1
        }
        let a = Double(n1)
        let b = Double(n2)
        let n = a + b
        let u1 = rankSumX - a * (a + 1) / 2
        let u2 = a * b - u1
        let mu = a * b / 2
        let variance = a * b / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        u = u1
        guard variance > 0 else {
            z = 0
            pValue = 1
            return
        }
        z = (Swift.max(u1, u2) - mu - 0.5) / variance.squareRoot()
        pValue = Swift.min(1, 2 * Normal.survival(z))
    }
}

/// The median of a sample (mean of the two middle values for an even count).
public func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let s = values.sorted()
    let mid = s.count / 2
    return s.count % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}
