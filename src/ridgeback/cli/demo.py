"""``ridgeback demo``: L1, L2 and dropout each tuned by cross-validation on built-in digits.

The table compares five networks of the same shape on a held-out quarter of the digits:
no regularization, L1 alone (strengths around λ_min of a cross-validated path), L2 alone,
dropout alone (each chosen by 3-fold CV) and the best combination of the three chosen
values (again by CV). Everything is seeded: the same seed prints the same table.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from .._util.jsonify import to_json
from .common import emit, format_table
from .tune import _choices, _pipeline, _report_context, _status, _step_grid, _strip_step, fold_progress

EXIT_OK = 0
BASE = {"hidden_layer_sizes": (64,), "learning_rate": 3e-3, "batch_size": 64, "max_epochs": 40, "patience": 8}
L2_VALUES = [1e-5, 1e-4, 1e-3, 1e-2]
DROPOUT_VALUES = [0.1, 0.2, 0.3, 0.5]
CV = 3


def _row(name, cv_score, estimator, X_test, y_test, params):
    from ..engine.inspection import layer_summary

    layers = layer_summary(estimator)
    n = sum(int(np.prod(r["shape"])) for r in layers)
    return {
        "name": name,
        "params": params,
        "cv_score": float(cv_score),
        "test_score": float(estimator.score(X_test, y_test)),
        "zero_fraction": sum(r["n_zero"] for r in layers) / n,
        "weight_norms": [round(r["l2_norm"], 3) for r in layers],
        "active_features": int(layers[0]["active_inputs"]),
    }


def run_demo(args) -> int:
    from sklearn.base import clone
    from sklearn.model_selection import train_test_split

    from ..estimators.mlp import MLPClassifier
    from ..persist.model_dir import save
    from ..report.document import write_report
    from ..selection.search import regularization_path, tune
    from ..tabular.data import load_builtin
    from ..tabular.model import TabularModel
    from ..tabular.preprocessing import Preprocessor

    start = time.perf_counter()
    seed = args.seed
    X_df, y_s = load_builtin("digits")
    X_train_df, X_test_df, y_train, y_test = train_test_split(
        X_df, y_s.to_numpy(), test_size=0.25, stratify=y_s.to_numpy(), random_state=seed
    )
    # preprocessing inside the pipeline: every fold (and every refit) scales on its own training rows
    # every pixel stays an input, the blank border ones included, so the inputs remain an 8x8 image
    pixels = Preprocessor(numeric=[str(c) for c in X_df.columns])
    base = _pipeline(MLPClassifier(**BASE, random_state=seed), pixels)
    X_train, X_test = X_train_df, X_test_df
    common = {"cv": CV, "n_jobs": args.n_jobs, "random_state": seed}
    rows, searches = [], {}

    def search(name, grid):
        _status(args, f"[{time.perf_counter() - start:5.1f}s] cross-validating {name} ...")
        progress, close = fold_progress(args, f"{name} folds")
        try:
            result = tune(base, X_train, y_train, _step_grid(grid), refit="best", progress=progress, **common)
        finally:
            close()
        searches[name] = _strip_step(result)
        return result

    none = search("none", {"l2": [0.0]})
    rows.append(_row("none", none.best_score_, none.best_estimator_, X_test, y_test, {}))

    _status(args, f"[{time.perf_counter() - start:5.1f}s] L1 regularization path ...")
    progress, close = fold_progress(args, "L1 path folds")
    try:
        path = regularization_path(
            base, X_train, y_train, param="l1", n_values=8, min_ratio=1e-3, refit=False, progress=progress,
            **common
        )
    finally:
        close()
    # The path (warm starts) locates the useful range of λ; the L1 row then scores a few strengths
    # around it with cold fits, the same procedure as every other row, so the CV scores compare.
    l1_values = sorted({float(path.lambda_1se), float(path.lambda_min), float(path.lambda_min) / 3})
    l1 = search("L1", {"l1": l1_values})
    rows.append(_row("L1", l1.best_score_, l1.best_estimator_, X_test, y_test, l1.best_params_))
    l2 = search("L2", {"l2": L2_VALUES})
    rows.append(_row("L2", l2.best_score_, l2.best_estimator_, X_test, y_test, l2.best_params_))
    drop = search("dropout", {"dropout": DROPOUT_VALUES})
    rows.append(_row("dropout", drop.best_score_, drop.best_estimator_, X_test, y_test, drop.best_params_))
    combo = search(
        "combination",
        {
            "l1": [0.0, l1.best_params_["l1"]],
            "l2": [0.0, l2.best_params_["l2"]],
            "dropout": [0.0, drop.best_params_["dropout"]],
        },
    )
    rows.append(
        _row("best combination", combo.best_score_, combo.best_estimator_, X_test, y_test, combo.best_params_)
    )

    # the combination's choice as a model on raw tables, saved next to the report
    final_mlp = MLPClassifier(**{**BASE, **combo.best_params_}, random_state=seed)
    final = TabularModel(final_mlp, clone(pixels)).fit(X_train_df, y_train)
    out = Path(args.out)
    save(final, out)
    tune_ctx = _all_searches(searches)
    path_ctx = path.to_dict()
    path_ctx["param"] = "l1"  # not the pipeline's "mlp__l1"
    path_ctx["metric"] = "accuracy"
    path_ctx["train_score"] = path_ctx.pop("mean_train_score", None)
    comparison = [
        {k: v for k, v in r.items() if k != "params"} | {"params": to_json(r["params"])} for r in rows
    ]
    settings = {
        **{k: (list(v) if isinstance(v, tuple) else v) for k, v in BASE.items()},
        "cv": CV,
        "seed": seed,
        "test_size": 0.25,
        "l2_values": L2_VALUES,
        "dropout_values": DROPOUT_VALUES,
    }
    dataset = {
        "name": "digits (built-in)",
        "n_rows": int(len(X_df)),
        "n_features": int(X_df.shape[1]),
        "task": "classification",
        "target": "digit",
    }
    context = _report_context(
        "ridgeback demo: L1, L2 and dropout on digits",
        dataset,
        settings,
        final,
        "accuracy",
        tune=tune_ctx,
        path=path_ctx,
        comparison=comparison,
        image_shape=(8, 8),
        notes=[
            "Test accuracy is on a stratified 25% of the digits never used for tuning.",
            "The L1 strengths tried are λ_1se, λ_min and λ_min / 3 of the cross-validated path.",
            "Scaling is fitted inside each cross-validation fold, on that fold's training rows only.",
        ],
    )
    context["model"] = f"final model ({_text(combo.best_params_)}), refitted on the training rows"
    # the final model may carry no L1 at all; the L1 row's model shows what L1 did: exact zeros,
    # and the pixels it removed
    context["models"] = [_l1_context(l1, image_shape=(8, 8))]
    report = write_report(out, context)
    elapsed = time.perf_counter() - start
    table = format_table(
        [
            r | {"norms": " ".join(f"{v:.1f}" for v in r["weight_norms"]), "choice": _text(r["params"])}
            for r in rows
        ],
        [
            ("regularization", "name", ""),
            ("cv accuracy", "cv_score", "{:.4f}"),
            ("test accuracy", "test_score", "{:.4f}"),
            ("zero weights", "zero_fraction", "{:.1%}"),
            ("weight norm / layer", "norms", ""),
            ("active inputs", "active_features", ""),
            ("chosen", "choice", ""),
        ],
    )
    text = (
        f"{table}\n\nL1 path: λ_min={path.lambda_min:.3g}, λ_1se={path.lambda_1se:.3g}\n"
        f"model saved in {out}\nreport: {report}  (open it in a browser)\nfinished in {elapsed:.1f}s"
    )
    emit(
        args,
        {"comparison": comparison, "report": str(report), "model_dir": str(out), "seconds": elapsed},
        text,
    )
    if not args.json:
        sys.stdout.flush()
    return EXIT_OK


def _l1_context(l1_search, image_shape) -> dict:
    from ..report.document import model_context

    model = l1_search.best_estimator_
    context = model_context(model, image_shape=image_shape)
    layers = context["layers"]
    zeros = sum(r["n_zero"] for r in layers) / sum(int(np.prod(r["shape"])) for r in layers)
    context["model"] = (f"L1 model (l1={l1_search.best_params_['l1']:.3g}, the L1 row of the comparison): "
                        f"{zeros:.1%} of its weights are exactly zero")
    return context


def _all_searches(searches: dict) -> dict:
    """Every candidate of every search in one table (same folds and seed), for the report.

    Missing strengths are filled with their default 0 so that rows compare; a candidate met in
    two searches (e.g. no regularization at all) is listed once.
    """
    from types import SimpleNamespace

    rows, seen = [], set()
    for name, result in searches.items():
        for r in result.results_:
            params = to_json({"l1": 0.0, "l2": 0.0, "dropout": 0.0, **r["params"]})
            key = tuple(sorted(params.items()))
            if key not in seen:
                seen.add(key)
                rows.append({**r, "params": params, "search": name})
    order = np.argsort([-np.nan_to_num(r["mean_score"], nan=-np.inf) for r in rows], kind="stable")
    for rank, i in enumerate(order, start=1):
        rows[i]["rank"] = rank
    n_folds = next(iter(searches.values())).n_folds
    chosen = _choices(SimpleNamespace(results_=rows, n_folds=n_folds))
    return {
        "results": rows,
        "best_params": rows[chosen["best"]]["params"],
        "best_index": chosen["best"],
        "best_score_index": chosen["best"],
        "one_se_params": rows[chosen["one_se"]]["params"],
        "metric": "accuracy",
        "n_folds": n_folds,
    }


def _text(params):
    return " ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items()) or "-"
