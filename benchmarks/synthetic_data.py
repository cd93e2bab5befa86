"""Synthetic diagnostic tables for the quality benchmark: shapes of data that real tables have
and the 13 public sets of ``quality_data.py`` lack, generated with a fixed seed.

They are not counted in the issue's 12 tables; ``bench_quality.py --datasets NAME`` runs them
like any other set (``quality_data.load`` dispatches here) and QUALITY.md's "Reading" quotes
them. Each generator returns a DataFrame whose target column is ``y``, and its task:

* ``zero_spend`` (binary, 1,300 rows): a heavy-tailed amount whose point mass at zero nearly
  decides the label (98.5% positive when it is spent, 2% when it is zero), beside income, age,
  counts and a yes/no column; the kind of leaky threshold a tree finds in one split.
* ``score_cutoff`` (binary, 4,269 rows): a credit-score-like integer column with a cut-off at
  550, refined by the term and the amount-to-income ratio, 1% label noise, and a row ID.
* ``step_regression`` (regression, 900 rows): a target made of steps (two thresholds and an
  interaction of two more) plus a linear term and noise.
* ``imbalanced`` (binary, 5,000 rows): scikit-learn's ``make_classification`` with 8% of the
  rows positive before 2% label noise.
* ``rare_shift`` (binary, 20,000 rows): 0.6% positives, shifted on four of 20 Gaussian columns
  (separable with a linear model), and a heavy-tailed amount.
* ``rare_logit`` (binary, 20,000 rows): 0.8% positives from a logistic model with two
  threshold terms and an interaction, plus a categorical column; hard (AUC near 0.78).
* ``wide`` (binary, 2,000 rows): 300 columns of which 20 informative and 20 redundant
  (``make_classification``); what a wide table costs the search.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: the seed every generator draws from (the train/test split has its own)
SEED = 100


def zero_spend(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    income = np.exp(rng.normal(1.0, 0.5, n))
    age = rng.uniform(18, 80, n)
    reports = rng.poisson(0.4, n)
    owner = rng.choice(["yes", "no"], n)
    dependents = rng.poisson(1.0, n)
    months = rng.integers(0, 500, n)
    active = rng.poisson(6, n)
    p_zero = 1 / (1 + np.exp(-(-1.3 + 0.8 * reports - 0.2 * (owner == "yes"))))
    zero = rng.random(n) < p_zero
    spend = np.where(zero, 0.0, np.exp(rng.normal(4.5, 1.2, n)))
    share = spend / (income * 1000) + 0.0005
    y = np.where(zero, rng.random(n) < 0.02, rng.random(n) < 0.985).astype(int)
    return pd.DataFrame(dict(reports=reports, age=age, income=income, share=share, expenditure=spend,
                             owner=owner, dependents=dependents, months=months, active=active, y=y))


def score_cutoff(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    education = rng.choice(["grad", "nograd"], n)
    self_employed = rng.choice(["yes", "no"], n)
    income = rng.uniform(2e5, 1e7, n)
    amount = income * rng.uniform(1, 4, n)
    term = rng.choice(np.arange(2, 21, 2), n)
    score = rng.integers(300, 901, n)
    assets = income * rng.uniform(0, 3, n)
    ok = np.where(score >= 550, ~((amount / income > 3.3) & (term > 12) & (rng.random(n) < 0.6)),
                  (term <= 4) & (rng.random(n) < 0.7))
    ok = np.where(rng.random(n) < 0.01, ~ok, ok)
    return pd.DataFrame(dict(loan_id=np.arange(n), dependents=rng.integers(0, 6, n), education=education,
                             self_employed=self_employed, income=income, amount=amount, term=term,
                             score=score, assets=assets, y=ok.astype(int)))


def step_regression(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, (n, 8))
    y = (3 * (X[:, 0] > 0.6) + 2 * (X[:, 1] > 0.3) * (X[:, 2] > 0.5) + X[:, 3]
         + rng.normal(0, 0.5, n))
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(8)]).assign(y=y)


def imbalanced(n: int, seed: int) -> pd.DataFrame:
    from sklearn.datasets import make_classification

    X, y = make_classification(n, 15, n_informative=6, n_redundant=3, weights=[0.92], flip_y=0.02,
                               class_sep=0.8, random_state=seed)
    return pd.DataFrame(X, columns=[f"f{i}" for i in range(15)]).assign(y=y)


def rare_shift(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 20))
    pos = rng.random(n) < 0.006
    X[pos, :4] += rng.normal([-3, 2, -2.5, 1.5], 1.0, (pos.sum(), 4))
    df = pd.DataFrame(X, columns=[f"v{i}" for i in range(20)])
    return df.assign(amount=np.exp(rng.normal(3, 1.5, n)), y=pos.astype(int))


def rare_logit(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 20))
    logit = (-5.6 + 0.7 * X[:, 0] - 0.6 * X[:, 1] + 0.5 * X[:, 2] + 1.2 * (X[:, 3] * X[:, 4] > 1.0)
             + 0.8 * (X[:, 5] > 1.5))
    pos = rng.random(n) < 1 / (1 + np.exp(-logit))
    df = pd.DataFrame(X, columns=[f"v{i}" for i in range(20)])
    return df.assign(kind=rng.choice(["a", "b", "c", "d"], n), y=pos.astype(int))


def wide(n: int, seed: int) -> pd.DataFrame:
    from sklearn.datasets import make_classification

    X, y = make_classification(n, 300, n_informative=20, n_redundant=20, random_state=seed)
    return pd.DataFrame(X, columns=[f"c{i}" for i in range(300)]).assign(y=y)


#: name -> (generator, rows, task)
SYNTHETIC = {
    "zero_spend": (zero_spend, 1300, "binary"),
    "score_cutoff": (score_cutoff, 4269, "binary"),
    "step_regression": (step_regression, 900, "regression"),
    "imbalanced": (imbalanced, 5000, "binary"),
    "rare_shift": (rare_shift, 20_000, "binary"),
    "rare_logit": (rare_logit, 20_000, "binary"),
    "wide": (wide, 2000, "binary"),
}


def generate(name: str) -> tuple[pd.DataFrame, str]:
    """``(table, task)`` of the synthetic set ``name``, drawn with ``SEED``."""
    if name not in SYNTHETIC:
        raise ValueError(f"`name` must be one of {', '.join(SYNTHETIC)}. Received: name={name!r}")
    make, rows, task = SYNTHETIC[name]
    return make(rows, SEED), task
