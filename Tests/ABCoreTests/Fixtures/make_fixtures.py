#!/usr/bin/env python3
"""Computes the reference values abtop's statistics are tested against, with scipy.

Run `make fixtures` (or this file) to regenerate stats.json beside it. Every case is deterministic
(fixed seeds), so the output only changes when this script does.
"""
import json
import os

import numpy as np
from scipy import optimize, stats

rng = np.random.default_rng(20261124)
out = {"scipy_version": __import__("scipy").__version__}

# Normal quantiles.
out["normal_quantile"] = [{"p": p, "z": float(stats.norm.ppf(p))} for p in
                          [0.975, 0.995, 0.8, 0.5, 0.001, 1e-10, 0.999999]]
out["normal_two_sided_p"] = [{"z": z, "p": float(2 * stats.norm.sf(abs(z)))} for z in
                             [0.0, 0.5, 1.959963984540054, 3.0, 6.5, 10.0]]

# Bradley-Terry with ties counted half and one virtual tie per pair, maximum likelihood by scipy.optimize.
def bradley_terry(votes, k, prior=1.0):
    w = np.zeros((k, k))  # w[i, j]: points i scored against j
    for a, b, choice in votes:
        if choice == "a_better":
            w[a, b] += 1
        elif choice == "b_better":
            w[b, a] += 1
        else:
            w[a, b] += 0.5
            w[b, a] += 0.5
    for i in range(k):
        for j in range(k):
            if i != j:
                w[i, j] += 0.5 * prior

    def nll(theta_rest):
        theta = np.concatenate([[0.0], theta_rest])
        total = 0.0
        for i in range(k):
            for j in range(k):
                if i != j and w[i, j] > 0:
                    total -= w[i, j] * (theta[i] - np.logaddexp(theta[i], theta[j]))
        return total

    r = optimize.minimize(nll, np.zeros(k - 1), method="BFGS", options={"gtol": 1e-12, "maxiter": 10000})
    p = np.exp(np.concatenate([[0.0], r.x]))
    return (p / p.sum()).tolist()

bt = []
choices = ["a_better", "b_better", "tie", "both_bad"]
for name, k, n, bias in [("three_entities", 3, 60, [0.6, 0.3, 0.1]), ("four_entities", 4, 150, [0.4, 0.3, 0.2, 0.1]),
                         ("two_entities", 2, 25, [0.7, 0.3])]:
    votes = []
    for _ in range(n):
        a, b = rng.choice(k, 2, replace=False)
        pa = bias[a] / (bias[a] + bias[b])
        r = rng.random()
        choice = "tie" if r < 0.1 else ("both_bad" if r < 0.15 else ("a_better" if rng.random() < pa else "b_better"))
        votes.append((int(a), int(b), choice))
    bt.append({"name": name, "entities": k, "votes": [{"a": a, "b": b, "choice": c} for a, b, c in votes],
               "strengths": bradley_terry(votes, k)})
out["bradley_terry"] = bt

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stats.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote", path)
