"""Benchmark (not a test): ``tune`` serial vs ``n_jobs=2``, and ``tune`` vs scikit-learn's
``GridSearchCV(MLPClassifier)`` on the same grid and folds.

Data: scikit-learn's digits (1,797 x 64, scaled to [0, 1]). Grid: 2 hidden sizes x 4 L2
strengths = 8 candidates, 3 stratified folds = 24 fits per search. Both libraries train with
Adam (lr 1e-3), batch 32, for exactly ``--epochs`` epochs (no early stopping, and scikit-learn's
convergence test switched off), so that both do the same work and wall times compare.

L2 mapping: scikit-learn adds ``alpha / (2 B) * ||W||^2`` to each minibatch's mean loss, with B
the rows of that minibatch (``sw_sum`` in its ``_backprop``); ridgeback adds ``l2 * ||W||^2``, so
``l2 = alpha / (2 B)`` with B = 32, the batch size both use.

The joblib worker pool is started before timing and each worker imports both libraries (a
warm-up call), so the ``n_jobs=2`` times measure the searches, not the one-off process start-up
and imports; that time is printed too.

Scores: the best mean CV accuracy of one search moves by a few thousandths with the split and
the initialization (one digit in 1,797 is 0.0006), so each search is run for several split
seeds (``--seeds``; seed k gives the folds ``StratifiedKFold(shuffle=True, random_state=k)``
and seeds both libraries' weights with k), and the scores are compared per seed and on their
mean. Wall times are the medians over the seeds.

``tune`` trains the candidates of a fold in lockstep (``lockstep=True``, its default: results
bit-identical to fitting them one by one); a fifth search, ``lockstep=False`` at ``n_jobs=1``,
shows what that buys.

Run: ``python benchmarks/bench_tune.py [--epochs 50] [--seeds 3]``.

``--halving``: successive halving against the full random search of the same candidates
(issue 16): 27 random candidates of ``HALVING_SPACE`` on digits, 3 folds, up to ``--epochs``
epochs with early stopping (the estimator's defaults), serially; for each seed both searches'
wall time and best mean CV accuracy, and whether halving chose the full search's best.
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


def _import_both(i):
    """Warm-up task: each worker imports both libraries once, before any search is timed (the
    first search to reach a fresh worker would otherwise pay ~1.5 s of imports alone), and loads
    ridgeback's compiled Adam update where numba is installed (~0.3 s per process)."""
    import sklearn.neural_network  # noqa: F401

    from ridgeback.engine import fastpaths as _kernels

    _kernels.adam_kernel()  # numba and the compiled Adam update, where installed (the first Adam's cost)
    time.sleep(0.2)  # hold this worker, so that the other warm-up task reaches the other one
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


HALVING_SPACE = {
    "l2": [0.0, 1e-5, 1e-4, 1e-3, 1e-2],
    "dropout": [0.0, 0.1, 0.2, 0.5],
    "hidden_layer_sizes": [(16,), (32,), (64,)],
    "learning_rate": [3e-4, 1e-3, 3e-3],
}


def halving_benchmark(X, y, epochs, seeds, n_candidates=27, folds=3):
    """Halving vs the full random search of the same ``n_candidates`` candidates, per seed."""
    rows = []
    for seed in range(seeds):
        est = MLPClassifier((32,), max_epochs=epochs, random_state=seed)
        timed = {}
        for search in ("random", "halving"):
            start = time.perf_counter()
            result = tune(est, X, y, HALVING_SPACE, cv=folds, n_iter=n_candidates, search=search,
                          refit=False)
            timed[search] = (time.perf_counter() - start, result)
        (t_full, full), (t_half, half) = timed["random"], timed["halving"]
        rows.append((seed, t_full, full.best_score_, t_half, half.best_score_,
                     half.best_index_ == full.best_index_))
        print(f"seed {seed}: full {t_full:6.1f}s best {full.best_score_:.4f} | halving {t_half:6.1f}s "
              f"best {half.best_score_:.4f} ({t_half / t_full:.0%} of the time, "
              f"{full.best_score_ - half.best_score_:+.4f} behind, same choice: "
              f"{half.best_index_ == full.best_index_}) rungs "
              f"{[(r['candidates'], r['epochs']) for r in half.search['rungs']]}", flush=True)
    t_full = float(np.median([r[1] for r in rows]))
    t_half = float(np.median([r[3] for r in rows]))
    gap = max(r[2] - r[4] for r in rows)
    print(f"median time: full {t_full:.1f}s, halving {t_half:.1f}s ({t_half / t_full:.0%}); "
          f"largest score gap {gap:+.4f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=3, help="split/initialization seeds 0..SEEDS-1")
    parser.add_argument("--halving", action="store_true",
                        help="successive halving vs the full random search of the same 27 candidates")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    if args.halving:
        print(f"digits {X.shape}: 27 random candidates x {args.folds} folds, up to {args.epochs} epochs "
              f"(early stopping, patience 10), serial; cpu_count={os.cpu_count()}")
        halving_benchmark(X, y, args.epochs, args.seeds, folds=args.folds)
        return
    grid_rb = {"hidden_layer_sizes": SIZES, "l2": [a / (2 * BATCH) for a in ALPHAS]}
    grid_sk = {"hidden_layer_sizes": SIZES, "alpha": ALPHAS}
    n_cand = len(SIZES) * len(ALPHAS)
    print(f"digits {X.shape}, {n_cand} candidates x {args.folds} folds = {n_cand * args.folds} fits, "
          f"{args.epochs} epochs each, split seeds 0..{args.seeds - 1}; cpu_count={os.cpu_count()}")

    start = time.perf_counter()
    _import_both(-1)  # this process runs the n_jobs=1 searches
    Parallel(n_jobs=2)(delayed(_import_both)(i) for i in range(4))
    print(f"joblib pool start-up and imports in the workers (excluded below): "
          f"{time.perf_counter() - start:.1f} s")
    print(f"parallel capacity before (pure-Python control, 2 workers vs 1): {parallel_capacity():.2f}x")

    def run_ridgeback(n_jobs, seed, folds, lockstep=True):
        est = MLPClassifier(learning_rate=1e-3, batch_size=BATCH, max_epochs=args.epochs,
                            early_stopping=False)
        result = tune(est, X, y, grid_rb, cv=folds, n_jobs=n_jobs, random_state=seed, refit=False,
                      lockstep=lockstep)
        best = result.results_[result.best_index_]
        return best["mean_score"], best["params"]

    def run_ridgeback_one_by_one(n_jobs, seed, folds):
        return run_ridgeback(n_jobs, seed, folds, lockstep=False)

    def run_sklearn(n_jobs, seed, folds):
        sk = SkMLP(solver="adam", learning_rate_init=1e-3, batch_size=BATCH, max_iter=args.epochs,
                   early_stopping=False, tol=0.0, n_iter_no_change=args.epochs + 1, random_state=seed)
        search = GridSearchCV(sk, grid_sk, cv=folds, n_jobs=n_jobs, refit=False).fit(X, y)
        return search.best_score_, search.cv_results_["params"][search.best_index_]

    searches = [(f"ridgeback tune n_jobs={n}", run_ridgeback, n) for n in (1, 2)]
    searches += [(f"sklearn GridSearchCV n_jobs={n}", run_sklearn, n) for n in (1, 2)]
    # what training the candidates of a fold in lockstep buys (the same results, bit for bit)
    searches += [("ridgeback tune n_jobs=1 lockstep=False", run_ridgeback_one_by_one, 1)]
    walls = {name: [] for name, _, _ in searches}
    scores = {name: [] for name, _, _ in searches}
    print(f"{'seed':>4s}  {'search':40s} {'wall s':>7s} {'best mean CV acc':>17s}  best params")
    for seed in range(args.seeds):
        folds = list(StratifiedKFold(args.folds, shuffle=True, random_state=seed).split(X, y))
        for name, run, n_jobs in searches:  # interleaved: a load burst hits every search alike
            start = time.perf_counter()
            score, params = run(n_jobs, seed, folds)
            walls[name].append(time.perf_counter() - start)
            scores[name].append(score)
            print(f"{seed:4d}  {name:40s} {walls[name][-1]:7.1f} {score:17.4f}  {params}", flush=True)
    print(f"(load average now {os.getloadavg()[0]:.1f}; parallel capacity after: {parallel_capacity():.2f}x)")

    print(f"\n{'search':40s} {'median wall s':>14s} {'mean best CV acc':>17s} {'(SE over seeds)':>16s}")
    for name, _, _ in searches:
        n = len(scores[name])
        se = np.std(scores[name], ddof=1) / np.sqrt(n) if n > 1 else float("nan")
        print(f"{name:40s} {np.median(walls[name]):14.1f} {np.mean(scores[name]):17.4f} {se:16.4f}")
    (rb1, rb2, sk1, sk2, rb1_alone) = (np.median(walls[name]) for name, _, _ in searches)
    diff = np.subtract(scores[searches[0][0]], scores[searches[2][0]])
    print(f"speed-up ridgeback n_jobs=2 vs 1: {rb1 / rb2:.2f}x; sklearn n_jobs=2 vs 1: {sk1 / sk2:.2f}x")
    print(f"speed-up ridgeback vs sklearn: {sk1 / rb1:.2f}x (n_jobs=1), {sk2 / rb2:.2f}x (n_jobs=2)")
    print(f"speed-up of lockstep (n_jobs=1): {rb1_alone / rb1:.2f}x; ridgeback one by one vs sklearn: "
          f"{sk1 / rb1_alone:.2f}x; scores identical: {scores[searches[0][0]] == scores[searches[4][0]]}")
    print(f"score difference ridgeback - sklearn per seed: {', '.join(f'{d:+.4f}' for d in diff)}; "
          f"mean {diff.mean():+.4f}")


if __name__ == "__main__":
    main()
