#!/usr/bin/env python3
"""Reference values for abtop's judge-human agreement (`JudgeAgreement.kappa`): Cohen's kappa as scikit-learn's
`sklearn.metrics.cohen_kappa_score` computes it, over the three outcomes abtop uses (0: the pair's first entity won,
1: the other did, 2: a tie), for label sequences of many lengths and skews, agreeing ones and chance ones.

Run `python3 Tests/ABCoreTests/Fixtures/make_kappa_fixtures.py` (numpy and scikit-learn) to regenerate kappa.json
beside this file. Deterministic (fixed seed).
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import cohen_kappa_score

rng = np.random.default_rng(26)
cases = []
for i in range(60):
    n = int(rng.integers(2, 400))
    p = rng.dirichlet([1, 1, 1])
    judge = rng.choice(3, size=n, p=p)
    agree = float(rng.uniform(0, 1))
    human = np.where(rng.uniform(size=n) < agree, judge, rng.choice(3, size=n, p=rng.dirichlet([1, 1, 1])))
    if len(set(judge.tolist()) | set(human.tolist())) == 1:
        continue  # sklearn returns nan where chance agreement is certain; abtop says "undefined"
    kappa = cohen_kappa_score(judge, human, labels=[0, 1, 2])
    cases.append({"judge": judge.tolist(), "human": human.tolist(), "kappa": float(kappa),
                  "agreed": int((judge == human).sum())})

out = {"generator": f"scikit-learn {sklearn.__version__} cohen_kappa_score", "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kappa.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print(f"{len(cases)} cases -> {path}")
