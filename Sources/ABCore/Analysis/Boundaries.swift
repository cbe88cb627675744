import Foundation

/// Time-uniform boundaries from Howard, Ramdas, McAuliffe & Sekhon, *Time-uniform, nonparametric, nonasymptotic
/// confidence sequences* (Ann. Statist. 2021) and Howard & Ramdas, *Sequential estimation of quantiles with
/// applications to A/B-testing and best-arm identification* (Bernoulli 2022): the same formulas as the authors'
/// `confseq` package (`uniform_boundaries.h`), checked against it in `BoundaryTests`.
public enum Boundaries {
    /// Robbins' two-sided normal mixture: with S_t a sum whose increments are sub-Gaussian with variance process
    /// V_t, P(∃t: |S_t| ≥ bound(V_t)) ≤ α. `vOpt` is where the boundary is tightest (the mixture's ρ is tuned to it).
    public struct NormalMixture: Sendable, Equatable {
        public let rho: Double

        public init(vOpt: Double, alphaOpt: Double = 0.05) {
            let l = log(1 / alphaOpt)
            rho = vOpt / (2 * l + log(1 + 2 * l))
        }

        /// log of the mixture supermartingale at (s, v): its reciprocal is an always-valid p-value for "mean 0".
        public func logSuperMartingale(s: Double, v: Double) -> Double {
            0.5 * log(rho / (v + rho)) + s * s / (2 * (v + rho))
        }

        public func bound(v: Double, alpha: Double) -> Double {
            sqrt((v + rho) * (log(1 + v / rho) + 2 * log(1 / alpha)))
        }
    }

    /// Riemann ζ(1.4), the constant the double-stitching bound spends its error over epochs with (s = 1.4).
    static let zeta14 = 3.1055472779775806

    /// Theorem 3 of the quantile paper ("double stitching", δ = 0.5, s = 1.4, η = 2): with probability ≥ 1 − α, for
    /// all t at once, the number of the first t observations at or below the true p-quantile exceeds t·p by less
    /// than this (one side; the other side is the bound for 1 − p). Tightest near `tOpt` observations.
    public static func doubleStitching(p: Double, t: Double, alpha: Double, tOpt: Double) -> Double {
        let delta = 0.5
        let s = 1.4
        let eta = 2.0
        let k1 = (pow(eta, 0.25) + pow(eta, -0.25)) / 2.0.squareRoot()
        let k2 = (eta.squareRoot() + 1) / 2
        let tMax = max(t, tOpt)
        let logit = log(p / (1 - p))
        let r = p >= 0.5 ? p : min(0.5, 1 / (1 + exp(-(logit + 2 * delta * (tOpt * eta / tMax).squareRoot()))))
        let sigma2 = r * (1 - r)
        let j = (tMax / tOpt).squareRoot() * abs(logit) / (2 * delta) + 1
        let ell =
            s * log(log(eta * tMax / tOpt)) + s * log(j)
            + log(2 * zeta14 * (2 * zeta14 + 1) / (alpha * pow(log(eta), s)))
        let cp = (1 - 2 * p) / 3
        let term2 = k2 * cp * ell
        return delta * (eta * tMax * sigma2 / tOpt).squareRoot()
            + (k1 * k1 * sigma2 * tMax * ell + term2 * term2).squareRoot() + term2
    }
}
