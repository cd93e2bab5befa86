"""Benchmark (not a test): ``tune`` serial vs ``n_jobs=2``, and ``tune`` vs scikit-learn's
``GridSearchCV(MLPClassifier)`` on the same grid and folds.

Data: scikit-learn's digits (1,797 x 64, scaled to [0, 1]). Grid: 2 hidden sizes x 4 L2
strengths = 8 candidates, 3 stratified folds = 24 fits per search. Both libraries train with
Adam (lr 1e-3), batch 32, for exactly ``--epochs`` epochs (no early stopping, and scikit-learn's
convergence test switched off), so that both do the same work and wall times compare.

L2 mapping: scikit-learn adds ``alpha / (2 B) * ||W||^2`` to each minibatch's mean loss, with B
the rows of that minibatch (``sw_sum`` in its ``_backprop``); ridgeback adds ``l2 * ||W||^2``, so
``l2 = alpha / (2 B)`` with B = 32, the batch size both use.

The joblib worker pool is started before timing (a warm-up call), so the ``n_jobs=2`` time
measures the search, not the one-off process start-up; the start-up time is printed too.

Run: ``python benchmarks/bench_tune.py [--epochs 50] [--repeat 2]``.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
from joblib import Parallel, delayed
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neural_network import MLPClassifier as SkMLP

from ridgeback import MLPClassifier, tune

ALPHAS = [1e-4, 1e-2, 1e-1, 1.0]
SIZES = [(32,), (64,)]
BATCH = 32  # both libraries


def _noop(i):
    return i


def _spin(n=5_000_000):
    total = 0
    for i in range(n):
        total += i
    return total


def parallel_capacity(repeat=4):
    """Speed-up of 2 joblib workers over 1 process on pure-Python work: what the machine
    offers right now (about 2 on two idle cores, about 1 when another job holds a core)."""
    with Parallel(n_jobs=2) as parallel:
        parallel(delayed(_noop)(i) for i in range(2))
        start = time.perf_counter()
        for _ in range(repeat):
            _spin()
        serial = time.perf_counter() - start
        start = time.perf_counter()
        parallel(delayed(_spin)() for _ in range(repeat))
        return serial / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    folds = list(StratifiedKFold(args.folds, shuffle=True, random_state=0).split(X, y))
    grid_rb = {"hidden_layer_sizes": SIZES, "l2": [a / (2 * BATCH) for a in ALPHAS]}
    grid_sk = {"hidden_layer_sizes": SIZES, "alpha": ALPHAS}
    n_cand = len(SIZES) * len(ALPHAS)
    print(f"digits {X.shape}, {n_cand} candidates x {args.folds} folds = {n_cand * args.folds} fits, "
          f"{args.epochs} epochs each; cpu_count={os.cpu_count()}")

    est = MLPClassifier(learning_rate=1e-3, batch_size=BATCH, max_epochs=args.epochs, early_stopping=False)
    start = time.perf_counter()
    Parallel(n_jobs=2)(delayed(_noop)(i) for i in range(2))
    print(f"joblib pool start-up (excluded below): {time.perf_counter() - start:.1f} s")
    print(f"parallel capacity before (pure-Python control, 2 workers vs 1): {parallel_capacity():.2f}x")

    sk = SkMLP(solver="adam", learning_rate_init=1e-3, batch_size=BATCH, max_iter=args.epochs,
               early_stopping=False, tol=0.0, n_iter_no_change=args.epochs + 1, random_state=0)

    def run_ridgeback(n_jobs):
        result = tune(est, X, y, grid_rb, cv=folds, n_jobs=n_jobs, random_state=0, refit=False)
        best = result.results_[result.best_index_]
        return best["mean_score"], best["params"]

    def run_sklearn(n_jobs):
        search = GridSearchCV(sk, grid_sk, cv=folds, n_jobs=n_jobs, refit=False).fit(X, y)
        return search.best_score_, search.cv_results_["params"][search.best_index_]

    searches = [(f"ridgeback tune n_jobs={n}", run_ridgeback, n) for n in (1, 2)]
    searches += [(f"sklearn GridSearchCV n_jobs={n}", run_sklearn, n) for n in (1, 2)]
    walls = {name: [] for name, _, _ in searches}
    outcome = {}
    # interleaved repeats, best time kept: the machine is shared, and the minimum is the
    # least disturbed measurement
    for _ in range(args.repeat):
        for name, run, n_jobs in searches:
            start = time.perf_counter()
            outcome[name] = run(n_jobs)
            walls[name].append(time.perf_counter() - start)
    rows = [(name, min(walls[name]), *outcome[name]) for name, _, _ in searches]
    print(f"(best of {args.repeat} interleaved runs; load average now {os.getloadavg()[0]:.1f}; "
          f"parallel capacity after: {parallel_capacity():.2f}x)")

    print(f"{'search':34s} {'wall s':>8s} {'best mean CV acc':>17s}  best params")
    for name, wall, score, params in rows:
        print(f"{name:34s} {wall:8.1f} {score:17.4f}  {params}")
    rb1, rb2, sk1, sk2 = (r[1] for r in rows)
    print(f"speed-up ridgeback n_jobs=2 vs 1: {rb1 / rb2:.2f}x; sklearn n_jobs=2 vs 1: {sk1 / sk2:.2f}x")
    print(f"wall ratio ridgeback / sklearn (n_jobs=1): {rb1 / sk1:.2f}; "
          f"score difference (ridgeback - sklearn): {rows[0][2] - rows[2][2]:+.4f}")


if __name__ == "__main__":
    main()
