"""Which metric should ``tune`` select by? (issue 17: choose the default per task by measurement.)

For each data set of ``quality_data.py`` and each of ``--splits`` seeded train/test splits, one
cross-validated search with ``ridgeback.tune`` (5 stratified folds, a fixed grid of 12 candidates:
l2 x dropout x width, 50 epochs with early stopping, the pipeline the CLI builds:
``Preprocessor`` + ``MLPClassifier``/``MLPRegressor``). Every selection metric then picks the
candidate with the best mean fold score by that metric; that candidate is refitted on the whole
training split and scored on the held-out test split by the task's metric (binary: ROC AUC,
multiclass: accuracy, regression: R²; test log-loss is recorded for classifiers too).

Selection metrics (scikit-learn scorer names): classification ``accuracy``,
``balanced_accuracy``, ``neg_log_loss``, ``roc_auc`` (binary) / ``roc_auc_ovr`` (multiclass);
regression ``r2``, ``neg_root_mean_squared_error``, ``neg_mean_absolute_error``.

One search serves every selection metric: the fold fits do not depend on the scoring (they are
seeded), so the search is run once with a scorer that records all the metrics of every (candidate,
fold) test side, and each metric's choice is the arg-max of its mean, as ``tune(scoring=NAME)``
makes it (``--check`` runs ``tune(scoring=NAME, refit="best")`` on one case and asserts the same
choice). Training rows are capped (``--max-train``, default 800) to keep the study affordable.

Run: ``python benchmarks/bench_metric.py [--quick] [--write]``; ``--write`` replaces the
``metric:begin``/``metric:end`` block of ``benchmarks/QUALITY.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import quality_data  # noqa: E402
from bench_quality import replace_block, set_threads  # noqa: E402

GRID = {
    "mlp__l2": [1e-5, 1e-3, 1e-2],
    "mlp__dropout": [0.0, 0.3],
    "mlp__hidden_layer_sizes": [(32,), (128,)],
}
SELECT = {
    "binary": ["accuracy", "balanced_accuracy", "neg_log_loss", "roc_auc"],
    "multiclass": ["accuracy", "balanced_accuracy", "neg_log_loss", "roc_auc_ovr"],
    "regression": ["r2", "neg_root_mean_squared_error", "neg_mean_absolute_error"],
}
HELD_OUT = {"binary": "roc_auc", "multiclass": "accuracy", "regression": "r2"}
N_CANDIDATES = int(np.prod([len(v) for v in GRID.values()]))
EPOCHS = 50  # as `ridgeback tune`


def _hash(X) -> str:
    values = pd.util.hash_pandas_object(pd.DataFrame(X).reset_index(drop=True), index=False).to_numpy()
    return hashlib.sha1(values.tobytes()).hexdigest()


def all_metrics(task: str, estimator, X, y) -> dict:
    from sklearn.metrics import (
        accuracy_score,
        balanced_accuracy_score,
        log_loss,
        mean_absolute_error,
        r2_score,
        roc_auc_score,
    )

    y = np.asarray(y)
    if task == "regression":
        pred = estimator.predict(X)
        return {
            "r2": r2_score(y, pred),
            "neg_root_mean_squared_error": -float(np.sqrt(np.mean((y - pred) ** 2))),
            "neg_mean_absolute_error": -mean_absolute_error(y, pred),
        }
    classes = estimator.classes_
    proba = estimator.predict_proba(X)
    pred = classes[np.argmax(proba, axis=1)]
    out = {
        "accuracy": accuracy_score(y, pred),
        "balanced_accuracy": balanced_accuracy_score(y, pred),
        "neg_log_loss": -log_loss(y, proba, labels=classes),
    }
    if task == "binary":
        out["roc_auc"] = roc_auc_score(y == classes[1], proba[:, 1])
    else:
        out["roc_auc_ovr"] = roc_auc_score(y, proba, multi_class="ovr", labels=classes)
    return {k: float(v) for k, v in out.items()}


def _pipeline(task: str, seed: int):
    from sklearn.pipeline import Pipeline

    from ridgeback import MLPClassifier, MLPRegressor, Preprocessor

    cls = MLPRegressor if task == "regression" else MLPClassifier
    return Pipeline([("preprocess", Preprocessor()), ("mlp", cls(max_epochs=EPOCHS, random_state=seed))])


def _folds(ds, seed: int, k: int = 5):
    from sklearn.model_selection import KFold, StratifiedKFold

    X, y = ds.train[ds.features], ds.train["y"]
    split = KFold if ds.task == "regression" else StratifiedKFold
    return list(split(n_splits=k, shuffle=True, random_state=seed).split(X, y))


def _candidate_key(estimator) -> str:
    p = estimator.get_params()
    return json.dumps({k: p[k] for k in GRID}, default=list, sort_keys=True)


def study_one(ds, seed: int) -> dict:
    """One search on ``ds``'s training split; per selection metric, the chosen candidate and its
    held-out scores."""
    from sklearn.base import clone

    from ridgeback import tune

    X, y = ds.train[ds.features], ds.train["y"].to_numpy()
    if ds.task != "regression":
        y = y.astype(str)
    folds = _folds(ds, seed)
    fold_of = {_hash(X.iloc[test]): i for i, (_, test) in enumerate(folds)}
    records: dict = {}

    def recorder(estimator, X_part, y_part):
        metrics = all_metrics(ds.task, estimator, X_part, y_part)
        fold = fold_of.get(_hash(X_part))
        if fold is not None:  # the test side of a fold (the train side is scored too)
            records[(_candidate_key(estimator), fold)] = metrics
        return metrics[HELD_OUT[ds.task] if ds.task == "regression" else "accuracy"]

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = tune(
            _pipeline(ds.task, seed), X, y, GRID, cv=folds, refit=False, scoring=recorder, random_state=seed
        )
    search_seconds = time.perf_counter() - start
    keys = [
        json.dumps({k: r["params"][k] for k in GRID}, default=list, sort_keys=True) for r in result.results_
    ]
    X_test, y_test = ds.test[ds.features], ds.test["y"].to_numpy()
    if ds.task != "regression":
        y_test = y_test.astype(str)
    refits: dict = {}
    out = {"search_seconds": search_seconds, "choices": {}}
    for metric in SELECT[ds.task]:
        means = [np.mean([records[(key, f)][metric] for f in range(len(folds))]) for key in keys]
        chosen = int(np.nanargmax(means))
        if chosen not in refits:
            est = clone(_pipeline(ds.task, seed)).set_params(**result.results_[chosen]["params"])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.fit(X, y)
            refits[chosen] = all_metrics(ds.task, est, X_test, y_test)
        out["choices"][metric] = {
            "index": chosen,
            "params": keys[chosen],
            "cv": float(means[chosen]),
            "test": refits[chosen][HELD_OUT[ds.task]],
            "test_all": refits[chosen],
        }
    return out


def check(name: str = "breast_cancer", seed: int = 0, max_train: int = 300) -> None:
    """``tune(scoring=NAME, refit="best")`` chooses what the recording scorer's arg-max chooses."""
    from ridgeback import tune

    ds = quality_data.load(name, split_seed=seed, max_rows=int(max_train / (1 - quality_data.TEST_SIZE)))
    mine = study_one(ds, seed)
    X, y = ds.train[ds.features], ds.train["y"].to_numpy().astype(str)
    for metric in ("neg_log_loss", "accuracy"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = tune(
                _pipeline(ds.task, seed),
                X,
                y,
                GRID,
                cv=_folds(ds, seed),
                refit="best",
                scoring=metric,
                random_state=seed,
            )
        assert res.best_index_ == mine["choices"][metric]["index"], (
            metric,
            res.best_index_,
            mine["choices"][metric],
        )
        print(f"check {name}: tune(scoring={metric!r}).best_index_ = {res.best_index_}, as recorded")


def aggregate(results: dict) -> dict:
    """Per task: per selection metric, the mean held-out score over data sets (each the mean over
    its splits), wins (best or tied best on a data set) and the mean difference to the task's
    first metric (accuracy / r2, today's default)."""
    out = {}
    for task, metrics in SELECT.items():
        names = [n for n, r in results.items() if r["task"] == task and r["splits"]]
        if not names:
            continue
        per = {
            m: np.array(
                [np.mean([s["choices"][m]["test"] for s in results[n]["splits"].values()]) for n in names]
            )
            for m in metrics
        }
        best = np.max(np.stack([per[m] for m in metrics]), axis=0)
        out[task] = {
            "datasets": names,
            "per_dataset": {m: per[m].tolist() for m in metrics},
            "mean": {m: float(per[m].mean()) for m in metrics},
            "wins": {m: int(np.sum(per[m] >= best - 1e-12)) for m in metrics},
            "vs_first": {m: float((per[m] - per[metrics[0]]).mean()) for m in metrics},
            "n_splits": {n: len(results[n]["splits"]) for n in names},
            "paired": {m: _paired(results, names, m, metrics[0]) for m in metrics},
        }
        ranked = sorted(metrics, key=lambda m: (-out[task]["mean"][m], -out[task]["wins"][m]))
        out[task]["recommended"] = ranked[0]
    return out


def _paired(results: dict, names: list, metric: str, first: str) -> tuple[int, int, int]:
    """Over every (data set, split): how often selecting by ``metric`` gave a better, the same or a
    worse held-out score than selecting by ``first``."""
    d = [
        s["choices"][metric]["test"] - s["choices"][first]["test"]
        for n in names
        for s in results[n]["splits"].values()
    ]
    return (sum(x > 1e-12 for x in d), sum(abs(x) <= 1e-12 for x in d), sum(x < -1e-12 for x in d))


def markdown(results: dict, agg: dict, max_train: int, splits: int) -> str:
    lines = [
        "_Generated by `make bench-quality` (`benchmarks/bench_metric.py --write`); do not edit by hand._",
        "",
        f"Each data set: {splits} seeded train/test splits (training rows capped at {max_train}), one 5-fold "
        f"`ridgeback.tune` search per split over a fixed grid of {N_CANDIDATES} "
        "candidates (l2 1e-5/1e-3/1e-2 x dropout 0/0.3 x width 32/128, 50 epochs, early stopping). Each "
        "selection metric picks the best mean fold score; the pick is refitted on the training split and "
        "scored on the test split (binary: ROC AUC, multiclass: accuracy, regression: R²). Cells: mean "
        "over splits.",
        "",
    ]
    for task, a in agg.items():
        metrics = SELECT[task]
        lines += [f"**{task}** (held-out {HELD_OUT[task]})", ""]
        lines += [
            "| data set | splits | " + " | ".join(f"select by `{m}`" for m in metrics) + " |",
            "|" + "---|" * (len(metrics) + 2),
        ]
        for i, n in enumerate(a["datasets"]):
            row = [a["per_dataset"][m][i] for m in metrics]
            top = max(row)
            cells = [f"**{v:.4f}**" if v >= top - 1e-12 else f"{v:.4f}" for v in row]
            lines.append(f"| {n} | {a['n_splits'][n]} | " + " | ".join(cells) + " |")
        lines.append("| **mean** | | " + " | ".join(f"{a['mean'][m]:.4f}" for m in metrics) + " |")
        lines.append("| best on (data sets) | | " + " | ".join(str(a["wins"][m]) for m in metrics) + " |")
        lines.append(
            f"| mean − `{metrics[0]}` | | " + " | ".join(f"{a['vs_first'][m]:+.4f}" for m in metrics) + " |"
        )
        lines.append(
            f"| better / same / worse than `{metrics[0]}` (data set x split) | | "
            + " | ".join("{} / {} / {}".format(*a["paired"][m]) for m in metrics)
            + " |"
        )
        lines += ["", f"Measured best default for {task}: **`{a['recommended']}`**.", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 small data sets, 1 split")
    ap.add_argument("--datasets", help="comma-separated names (default: all)")
    ap.add_argument("--splits", type=int, default=3)
    ap.add_argument("--max-train", type=int, default=800)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--check", action="store_true", help="assert tune(scoring=...) makes the recorded choice")
    ap.add_argument("--results", type=Path)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--quality-md", type=Path, default=HERE / "QUALITY.md")
    args = ap.parse_args(argv)
    set_threads(args.threads)
    if args.check:
        check()
    names = (
        args.datasets.split(",")
        if args.datasets
        else (quality_data.QUICK if args.quick else quality_data.NAMES)
    )
    splits = 1 if args.quick else args.splits
    path = args.results or (
        Path(tempfile.gettempdir()) / "rb_metric_quick.json" if args.quick else HERE / "metric_results.json"
    )
    results = {} if args.fresh or not path.exists() else json.loads(path.read_text())
    started = time.perf_counter()
    for seed in range(splits):  # split by split, so that a cut-short run still covers every data set
        for name in names:
            ds = quality_data.load(
                name, split_seed=seed, max_rows=int(args.max_train / (1 - quality_data.TEST_SIZE))
            )
            if len(ds.train) > args.max_train:
                ds.train = ds.train.iloc[: args.max_train]
            entry = results.setdefault(name, {"task": ds.task, "splits": {}})
            if str(seed) in entry["splits"]:
                continue
            entry["splits"][str(seed)] = study_one(ds, seed)
            picks = {m: round(c["test"], 4) for m, c in entry["splits"][str(seed)]["choices"].items()}
            print(
                f"{name:14s} split {seed}  {entry['splits'][str(seed)]['search_seconds']:6.1f}s  {picks}",
                flush=True,
            )
            path.write_text(json.dumps(results, indent=1))
    agg = aggregate({n: results[n] for n in names if n in results})
    text = markdown({n: results[n] for n in names if n in results}, agg, args.max_train, splits)
    print(text)
    print(f"\nthis invocation: {time.perf_counter() - started:.0f} s")
    if args.write:
        replace_block(args.quality_md, "metric", text)
        print(f"wrote {args.quality_md}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
