/// Two-proportion z-test with the pooled standard error: are two error rates different?
public struct TwoProportionTest: Sendable, Equatable {
    public let z: Double
    /// Two-sided.
    public let pValue: Double

    /// Nil when either side has no trials or the pooled rate is 0 or 1 (no variation to test).
    public init?(successesA: Int, trialsA: Int, successesB: Int, trialsB: Int) {
        guard trialsA > 0, trialsB > 0 else { return nil }
        let na = Double(trialsA)
        let nb = Double(trialsB)
        let pa = Double(successesA) / na
        let pb = Double(successesB) / nb
        let pooled = Double(successesA + successesB) / (na + nb)
        let se = (pooled * (1 - pooled) * (1 / na + 1 / nb)).squareRoot()
        guard se > 0 else { return nil }
        z = (pa - pb) / se
        pValue = Normal.twoSidedP(z)
    }
}
