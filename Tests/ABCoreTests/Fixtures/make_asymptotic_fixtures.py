#!/usr/bin/env python3
"""Reference values for abtop's cost verdict (`MeanSequence`): the asymptotic confidence sequence of Waudby-Smith,
Arbour, Sinha, Kennedy & Ramdas (Ann. Statist. 2024) as the authors' R code computes it.

The authors' functions `asymptotic_confseq`, `std_conjmix_margin`, `best_rho2_exact`, `cumul_mean` and
`cumul_var` are R; R is not on this machine, so they are transcribed below line for line with numpy, and W_{-1}
comes from scipy (`scipy.special.lambertw(·, k=-1)`, where R uses `lamW::lambertWm1`). One departure, noted where
it is: the R `best_rho2_exact` reads a global `alpha` inside `exp(alpha^2 - 1)`; `asymptotic_confseq` calls it
with `alpha_opt = alpha`, so both are the same value, which is what is used here.

Run `python3 Tests/ABCoreTests/Fixtures/make_asymptotic_fixtures.py` (numpy and scipy) to regenerate
asymptotic.json beside this file. Deterministic (fixed seed).
"""
import json
import math
import os

import numpy as np
import scipy
from scipy.special import lambertw


def std_conjmix_margin(t, rho2, alpha):
    return np.sqrt(2 * (t * rho2 + 1) * np.log(np.sqrt(t * rho2 + 1) / alpha) / (t ** 2 * rho2))


def best_rho2_exact(t_opt, alpha_opt):
    # R: (-lambertWm1(-alpha_opt^2 * exp(alpha^2 - 1)) - 1) / t_opt, with alpha == alpha_opt (see above).
    w = lambertw(-alpha_opt ** 2 * math.exp(alpha_opt ** 2 - 1), k=-1).real
    return (-w - 1) / t_opt


def cumul_mean(x):
    t = np.arange(1, len(x) + 1)
    return np.cumsum(x) / t


def cumul_var(x):
    t = np.arange(1, len(x) + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (cumul_mean(x ** 2) - cumul_mean(x) ** 2) * t / (t - 1)


def asymptotic_confseq(x, t_opt, alpha):
    t = np.arange(1, len(x) + 1)
    mu = cumul_mean(x)
    var = cumul_var(x)
    rho2 = best_rho2_exact(t_opt, alpha)
    margin = np.sqrt(var) * std_conjmix_margin(t, rho2, alpha)
    margin[np.isnan(margin)] = np.inf
    return mu - margin, mu + margin


rng = np.random.default_rng(20261206)
out = {"numpy_version": np.__version__, "scipy_version": scipy.__version__, "rho2": [], "sequences": []}
for t_opt in (30, 100, 500):
    for alpha in (0.05, 0.05 / 6, 0.001):
        out["rho2"].append({"t_opt": t_opt, "alpha": alpha, "rho2": best_rho2_exact(t_opt, alpha)})
# Paired cost differences as abtop sees them: two arms' per-request costs (lognormal token counts times a price),
# the k-th of B minus the k-th of A.
for case, (scale_a, scale_b, sigma) in enumerate([(1.0, 1.0, 0.8), (1.0, 0.1, 1.0), (2.0, 2.3, 0.5)]):
    n = 400
    a = scale_a * rng.lognormal(0, sigma, n) * 1e-3
    b = scale_b * rng.lognormal(0, sigma, n) * 1e-3
    x = b - a
    for alpha, t_opt in ((0.05, 100), (0.05 / 6, 100)):
        low, high = asymptotic_confseq(x, t_opt, alpha)
        reads = [2, 5, 30, 100, 399]
        out["sequences"].append({
            "case": case, "alpha": alpha, "t_opt": t_opt, "x": x.tolist(),
            "reads": [{"t": t, "low": float(low[t - 1]), "high": float(high[t - 1])} for t in reads],
        })

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "asymptotic.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
