#!/usr/bin/env python3
"""Reference values for abtop's anytime-valid statistics, computed with the methods' authors' own packages.

* confseq 0.0.11 (Howard & Ramdas): normal-mixture boundary, double-stitching quantile bound, the quantile
  confidence sequences of the package's demo/quantiles.py (copied below, unchanged but for the name), and the
  two-sample quantile test (quantile_ab_p_value).
* savvi 0.3.1 (Lindon et al.): the anytime-valid t-test (LinearRegression) and the sequential SRM test
  (Multinomial).

Run `make anytime-fixtures` to regenerate anytime.json beside this file. The packages need a compiler for
confseq: `apt-get install libboost-dev`, then `pip install ninja cmake scikit-build pybind11 savvi` and
`pip install --no-build-isolation confseq` (the Makefile target does this in a virtualenv). Every case is
deterministic (fixed seeds).
"""
import json
import math
import os

import numpy as np
import confseq
from confseq import boundaries, quantiles
import savvi
from savvi.linear_regression import LinearRegression
from savvi.multinomial import Multinomial

rng = np.random.default_rng(20261130)
# Where abtop tunes its quantile sequences (QuantileInterval's double stitching and beta-binomial t_opt).
T_OPT = 30
BB_T_OPT = 200
out = {"confseq_version": "0.0.11", "savvi_version": "0.3.1"}


def quantile_confidence_bound(values, p, lower_radius, upper_radius):
    """confseq demo/quantiles.py, verbatim."""
    sorted_values = sorted(values)
    t = len(values)
    lower_index = math.floor(t * (p - lower_radius) + 1)
    lower_confidence_bound = -math.inf if lower_index < 1 else sorted_values[lower_index - 1]
    upper_index = math.ceil(t * (p + upper_radius))
    upper_confidence_bound = math.inf if upper_index > t else sorted_values[upper_index - 1]
    return (lower_confidence_bound, upper_confidence_bound)


def uniform_quantile_confidence_bounds(values, p, t_min, alpha):
    """confseq demo/quantiles.py with use_double_stitching=True: `alpha` on each side."""
    t = len(values)
    upper = quantiles.double_stitching_bound(p, t, alpha, t_min) / t
    lower = quantiles.double_stitching_bound(1 - p, t, alpha, t_min) / t
    return quantile_confidence_bound(values, p, lower, upper)


def fixed_quantile_confidence_bounds(values, p, t_opt, alpha=0.05, alpha_opt=0.05):
    """confseq demo/quantiles.py, verbatim (`alpha` on each side)."""
    t = len(values)
    lower_boundary = boundaries.beta_binomial_mixture_bound(
        p * (1 - p) * t, alpha, v_opt=p * (1 - p) * t_opt, g=1 - p, h=p,
        alpha_opt=alpha_opt, is_one_sided=False)
    upper_boundary = boundaries.beta_binomial_mixture_bound(
        p * (1 - p) * t, alpha, v_opt=p * (1 - p) * t_opt, g=p, h=1 - p,
        alpha_opt=alpha_opt, is_one_sided=False)
    return quantile_confidence_bound(values, p, lower_boundary / t, upper_boundary / t)


def abtop_quantile_bounds(values, p, alpha):
    """abtop's QuantileInterval at level alpha: alpha / 2 a side, double stitching for p >= 0.9, else beta-binomial."""
    if p >= 0.9:
        return uniform_quantile_confidence_bounds(values, p, T_OPT, alpha / 2)
    return fixed_quantile_confidence_bounds(values, p, BB_T_OPT, alpha / 2)


def finite(x):
    return None if not math.isfinite(x) else float(x)


# Robbins' two-sided normal mixture.
out["normal_mixture"] = [
    {"s": s, "v": v, "v_opt": vo, "alpha": a,
     "log_mixture": float(boundaries.normal_log_mixture(s, v, vo, alpha_opt=0.05, is_one_sided=False)),
     "bound": float(boundaries.normal_mixture_bound(v, a, vo, alpha_opt=0.05, is_one_sided=False))}
    for s, v, vo, a in [(3.0, 10.0, 12.5, 0.05), (-7.5, 25.0, 12.5, 0.01), (40.0, 250.0, 12.5, 0.00625),
                        (0.0, 1.0, 12.5, 0.05), (120.0, 2500.0, 12.5, 0.025)]
]

# The two-sided beta-binomial mixture bound.
out["beta_binomial"] = [
    {"v": v, "alpha": a, "v_opt": vo, "g": g, "h": h,
     "bound": float(boundaries.beta_binomial_mixture_bound(v, a, vo, g, h, 0.05, False)),
     "s": s_, "log_mixture": float(boundaries.beta_binomial_log_mixture(s_, v, vo, g, h, 0.05, False))}
    for v, a, vo, g, h, s_ in [(25, 0.01, 50, 0.5, 0.5, 3.0), (19, 0.0042, 9.5, 0.05, 0.95, 2.0),
                               (19, 0.0042, 9.5, 0.95, 0.05, -4.0), (2500, 0.001, 50, 0.5, 0.5, 40.0),
                               (0.95, 0.05, 9.5, 0.05, 0.95, 0.5)]
]

# Howard & Ramdas double stitching (Theorem 3).
out["double_stitching"] = [
    {"p": p, "t": t, "alpha": a, "t_opt": to,
     "bound": float(quantiles.double_stitching_bound(p, t, a, to))}
    for p, t, a, to in [(0.5, 10, 0.05, 100), (0.5, 100, 0.0125, 100), (0.95, 500, 0.003125, 100),
                        (0.05, 500, 0.003125, 100), (0.5, 100000, 0.001, 100), (0.95, 20, 0.025, 100)]
]

# Quantile confidence sequences at level alpha (alpha / 2 a side, as abtop's QuantileInterval).
qcs = []
for name, values in [("lognormal_30", rng.lognormal(6.5, 0.4, 30)), ("lognormal_400", rng.lognormal(6.5, 0.4, 400)),
                     ("uniform_2000", rng.uniform(100, 200, 2000))]:
    for p in (0.5, 0.95):
        for alpha in (0.05, 0.005):
            lo, hi = abtop_quantile_bounds(values.tolist(), p, alpha)
            qcs.append({"name": name, "values": values.tolist(), "p": p, "alpha": alpha,
                        "lower": finite(lo), "upper": finite(hi)})
out["quantile_interval"] = qcs


def separated(a, b, p, alpha):
    la, ua = abtop_quantile_bounds(a, p, alpha / 2)
    lb, ub = abtop_quantile_bounds(b, p, alpha / 2)
    return lb - ua > 0 or ub - la < 0


def quantile_p_value(a, b, p):
    """The smallest alpha at which both arms' sequences (alpha / 2 each) separate: bisection on log alpha."""
    if not separated(a, b, p, 1.0):
        return 1.0
    low, high = math.log(1e-12), 0.0
    if separated(a, b, p, math.exp(low)):
        return 1e-12
    for _ in range(40):
        mid = (low + high) / 2
        if separated(a, b, p, math.exp(mid)):
            high = mid
        else:
            low = mid
    return math.exp(high)


comparisons = []
for name, a, b in [("shift_20pct", rng.lognormal(6.5, 0.3, 300), rng.lognormal(6.5 + math.log(1.2), 0.3, 280)),
                   ("same", rng.lognormal(6.5, 0.3, 200), rng.lognormal(6.5, 0.3, 220)),
                   ("five_times", rng.lognormal(6.0, 0.3, 60), rng.lognormal(6.0 + math.log(5), 0.3, 40))]:
    for p in (0.5, 0.95):
        comparisons.append({"name": name, "a": a.tolist(), "b": b.tolist(), "p": p,
                            "p_value": quantile_p_value(a.tolist(), b.tolist(), p)})
out["quantile_comparison"] = comparisons


# Rates (error rates): confseq's beta-binomial confidence sequence, tuned to 100 trials (BernoulliSequence.tOpt).
out["bernoulli_interval"] = [
    {"successes": k, "trials": n, "alpha": a,
     "lower": float(boundaries.bernoulli_confidence_interval(k, n, a, 100, 0.05)[0]),
     "upper": float(boundaries.bernoulli_confidence_interval(k, n, a, 100, 0.05)[1])}
    for k, n, a in [(0, 10, 0.05), (3, 400, 0.01), (20, 400, 0.005), (200, 400, 0.05), (1, 5000, 0.0025),
                    (60, 1000, 0.0125), (10, 10, 0.05)]
]


def rates_separated(a, b, alpha):
    la, ua = boundaries.bernoulli_confidence_interval(a[0], a[1], alpha / 2, 100, 0.05)
    lb, ub = boundaries.bernoulli_confidence_interval(b[0], b[1], alpha / 2, 100, 0.05)
    return lb > ua or ub < la


def rate_p_value(a, b):
    """The smallest alpha at which the two rates' sequences (alpha / 2 each) separate: bisection on log alpha."""
    if not rates_separated(a, b, 1.0):
        return 1.0
    low, high = math.log(1e-15), 0.0
    for _ in range(60):
        mid = (low + high) / 2
        if rates_separated(a, b, math.exp(mid)):
            high = mid
        else:
            low = mid
    return math.exp(high)


out["rate_comparison"] = [
    {"a": list(a), "b": list(b), "p_value": rate_p_value(a, b)}
    for a, b in [((20, 400), (48, 400)), ((3, 1000), (9, 100)), ((50, 1000), (70, 1000)), ((0, 200), (6, 200)),
                 ((5, 100), (5, 100))]
]


def ttest_rows(rows, p):
    model = LinearRegression(alpha=0.05, p=p, phi=1.0)
    for row in rows:
        model.update(np.array(row, dtype=float))
    ci = model.calculate_conf_int()
    pv = model.calculate_p_value()
    return model, ci, pv


# Two-sample t-test: y on [1, is_b]. The coefficient of is_b is mean(B) - mean(A).
two = []
for name, ya, yb, alpha in [
    ("errors_5_vs_12", (rng.random(400) < 0.05).astype(float), (rng.random(380) < 0.12).astype(float), 0.01),
    ("errors_equal", (rng.random(300) < 0.2).astype(float), (rng.random(300) < 0.2).astype(float), 0.05),
    ("normal_shift", rng.normal(1.0, 2.0, 150), rng.normal(1.6, 2.0, 170), 0.005),
]:
    rows = [[y, 1.0, 0.0] for y in ya] + [[y, 1.0, 1.0] for y in yb]
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    model = LinearRegression(alpha=alpha, p=2, phi=1.0)
    for row in rows:
        model.update(np.array(row, dtype=float))
    ci = model.calculate_conf_int()
    pv = model.calculate_p_value()
    two.append({"name": name, "a": ya.tolist(), "b": yb.tolist(), "alpha": alpha, "phi": 1.0,
                "estimate": float(model.beta[1]), "lower": float(ci[1, 0]), "upper": float(ci[1, 1]),
                "p_value": float(min(1.0, pv[1]))})
out["t_test_two_sample"] = two

one = []
for name, d, alpha in [("log_ratio_shift", rng.normal(0.18, 0.5, 120), 0.01), ("log_ratio_none", rng.normal(0.0, 0.5, 90), 0.05),
                       ("error_diffs", rng.choice([-1.0, 0.0, 0.0, 0.0, 1.0, 1.0], 200), 0.02)]:
    model = LinearRegression(alpha=alpha, p=1, phi=1.0)
    for x in d:
        model.update(np.array([x, 1.0]))
    ci = model.calculate_conf_int()
    pv = model.calculate_p_value()
    one.append({"name": name, "x": d.tolist(), "alpha": alpha, "phi": 1.0, "estimate": float(model.beta[0]),
                "lower": float(ci[0, 0]), "upper": float(ci[0, 1]), "p_value": float(min(1.0, pv[0]))})
out["t_test_one_sample"] = one

# Sequential SRM (Lindon & Malek), k = 100.
srm = []
for weights, counts in [([50, 50], [510, 490]), ([50, 50], [600, 400]), ([55, 45], [55, 45]), ([70, 20, 10], [700, 180, 120]),
                        ([90, 10], [880, 140]), ([50, 50], [5, 0])]:
    theta = np.array(weights, dtype=float) / sum(weights)
    test = Multinomial(alpha=0.001, theta_0=theta, k=100)
    test.update(np.array(counts))
    srm.append({"weights": weights, "observed": counts, "p_value": float(min(1.0, test.calculate_p_value()))})
out["srm"] = srm

# Howard & Ramdas' two-sample quantile test (Theorem 5): confseq.quantiles.quantile_ab_p_value(a_values, b_values,
# quantile_p, t_opt, alpha_opt=0.05), the beta-binomial mixture over both arms' order statistics. Its own generator,
# so the sections above keep their values. log_superMG_min is -log(p_value), the minimised log supermartingale
# (p_value = min(1, exp(-log_superMG_min))); null where p_value is 1.
qrng = np.random.default_rng(20261201)
QAB_ALPHA_OPT = 0.05
qab_cases = [
    ("equal_n5", [3.0, 1.0, 4.0, 1.0, 5.0], [3.0, 1.0, 4.0, 1.0, 5.0], 0.5, BB_T_OPT),
    ("equal_lognormal_200", *([qrng.lognormal(6.5, 0.4, 200).tolist()] * 2), 0.5, BB_T_OPT),
    ("same_dist_200_220_p50", qrng.lognormal(6.5, 0.3, 200).tolist(), qrng.lognormal(6.5, 0.3, 220).tolist(),
     0.5, BB_T_OPT),
    ("same_dist_250_240_p95", qrng.lognormal(6.5, 0.3, 250).tolist(), qrng.lognormal(6.5, 0.3, 240).tolist(),
     0.95, T_OPT),
    ("shift_20pct_p50", qrng.lognormal(6.5, 0.3, 300).tolist(),
     qrng.lognormal(6.5 + math.log(1.2), 0.3, 280).tolist(), 0.5, BB_T_OPT),
    ("shift_20pct_p95", qrng.lognormal(6.5, 0.3, 400).tolist(),
     qrng.lognormal(6.5 + math.log(1.2), 0.3, 380).tolist(), 0.95, T_OPT),
    ("five_times_p50", qrng.lognormal(6.0, 0.3, 60).tolist(), qrng.lognormal(6.0 + math.log(5), 0.3, 40).tolist(),
     0.5, BB_T_OPT),
    ("five_times_p95", qrng.lognormal(6.0, 0.3, 60).tolist(), qrng.lognormal(6.0 + math.log(5), 0.3, 40).tolist(),
     0.95, T_OPT),
    # confseq's documented example, quantile_ab_p_value(1:1000, 86:1085, .5, 100), and the same at 400 a side.
    ("integers_1_1000_vs_86_1085", [float(i) for i in range(1, 1001)], [float(i) for i in range(86, 1086)], 0.5, 100),
    ("integers_1_400_vs_61_460", [float(i) for i in range(1, 401)], [float(i) for i in range(61, 461)], 0.5, 100),
    ("ties_integers_1_6_vs_2_7", qrng.integers(1, 6, 150).astype(float).tolist(),
     qrng.integers(2, 7, 160).astype(float).tolist(), 0.5, BB_T_OPT),
    ("lopsided_20_vs_300_p50", qrng.lognormal(6.5, 0.3, 20).tolist(),
     qrng.lognormal(6.5 + math.log(1.5), 0.3, 300).tolist(), 0.5, BB_T_OPT),
    ("lopsided_300_vs_20_p95", qrng.lognormal(6.5, 0.3, 300).tolist(),
     qrng.lognormal(6.5 + math.log(1.5), 0.3, 20).tolist(), 0.95, T_OPT),
    ("shift_15pct_t_opt_50", qrng.lognormal(6.5, 0.3, 150).tolist(),
     qrng.lognormal(6.5 + math.log(1.15), 0.3, 150).tolist(), 0.5, 50),
    ("shift_30pct_p90_t_opt_500", qrng.lognormal(6.5, 0.3, 200).tolist(),
     qrng.lognormal(6.5 + math.log(1.3), 0.3, 200).tolist(), 0.9, 500),
]
qab = []
for name, a, b, p, t_opt in qab_cases:
    pv = float(quantiles.quantile_ab_p_value(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64),
                                             p, t_opt, QAB_ALPHA_OPT))
    qab.append({"name": name, "a": a, "b": b, "p": p, "t_opt": t_opt, "alpha_opt": QAB_ALPHA_OPT, "p_value": pv,
                "log_superMG_min": -math.log(pv) if pv < 1 else None})
out["quantile_ab"] = qab

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "anytime.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
