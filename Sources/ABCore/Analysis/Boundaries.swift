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

    /// The two-sided beta-binomial mixture (confseq's `BetaBinomialMixture`, `is_one_sided = false`): for sums of
    /// increments in [−g, h] with mean 0 and variance process V_t, P(∃t: S_t ≥ bound(V_t)) ≤ α on each side's own
    /// process. Tighter than the normal mixture for skewed increments (rare events, tail quantiles).
    public struct BetaBinomialMixture: Sendable, Equatable {
        public let g: Double
        public let h: Double
        public let r: Double
        let normalizer: Double

        public init(vOpt: Double, g: Double, h: Double, alphaOpt: Double = 0.05) {
            self.g = g
            self.h = h
            let rho = NormalMixture(vOpt: vOpt, alphaOpt: alphaOpt).rho
            r = max(rho - g * h, 1e-3 * g * h)
            normalizer = Boundaries.logBeta(r / (g * (g + h)), r / (h * (g + h)))
        }

        public func logSuperMartingale(s: Double, v: Double) -> Double {
            let gh = g + h
            return v / (g * h) * log(gh) - ((v + h * s) / (h * gh)) * log(g) - ((v - g * s) / (g * gh)) * log(h)
                + Boundaries.logBeta((r + v - g * s) / (g * gh), (r + v + h * s) / (h * gh)) - normalizer
        }

        /// Whether the mixture can reach 1/α at all at variance process v (at the largest possible sum, v/g). When it
        /// cannot, confseq's `bound` still returns v/g, a finite number that bounds nothing: callers that turn the
        /// bound into an interval must treat that side as unbounded ("no bound yet").
        public func reaches(v: Double, alpha: Double) -> Bool {
            logSuperMartingale(s: v / g, v: v) >= log(1 / alpha)
        }

        /// The s where the mixture reaches 1/α at variance process v (bisection on (0, v/g], as confseq finds it;
        /// v/g when it never does: see `reaches`).
        public func bound(v: Double, alpha: Double) -> Double {
            let threshold = log(1 / alpha)
            let top = v / g
            if logSuperMartingale(s: top, v: v) < threshold { return top }
            var (lo, hi) = (0.0, top)
            for _ in 0..<60 {
                let mid = (lo + hi) / 2
                if logSuperMartingale(s: mid, v: v) < threshold { lo = mid } else { hi = mid }
            }
            return (lo + hi) / 2
        }
    }

    static func logBeta(_ a: Double, _ b: Double) -> Double { lgamma(a) + lgamma(b) - lgamma(a + b) }

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
