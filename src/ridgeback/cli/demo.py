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
from .._util.text import format_params
from .common import emit, format_table
from .exit_codes import ExitCode
from .search_helpers import fold_progress, pipeline, report_context, status, step_grid, strip_step

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


def pixels(X):
    """Every pixel stays an input, the blank border ones included (they would be dropped as
    constant columns), so that the inputs remain an 8x8 image in the report."""
    from ..tabular.preprocessing import Preprocessor

    return Preprocessor(numeric=[str(c) for c in X.columns])


def run_demo(args) -> int:
    """Tune each regularizer on three quarters of the digits, compare them on the last quarter,
    save the best combination with its report, and print the comparison."""
    from sklearn.model_selection import train_test_split

    from ..estimators.classifier import MLPClassifier
    from ..tabular.data import load_builtin

    start = time.perf_counter()
    seed = args.seed
    X_df, y_s = load_builtin("digits")
    X_train, X_test, y_train, y_test = train_test_split(
        X_df, y_s.to_numpy(), test_size=0.25, stratify=y_s.to_numpy(), random_state=seed
    )
    # preprocessing inside the pipeline: every fold (and every refit) scales on its own training rows
    run = _Searches(args, pipeline(MLPClassifier(**BASE, random_state=seed), pixels(X_df)), X_train, y_train,
                    start)
    rows = []
    none = run.search("none", {"l2": [0.0]})
    rows.append(_row("none", none.best_score_, none.best_estimator_, X_test, y_test, {}))
    path = run.l1_path()
    # The path (warm starts) locates the useful range of λ; the L1 row then scores a few strengths
    # around it with cold fits, the same procedure as every other row, so the CV scores compare.
    l1 = run.search("L1", {"l1": sorted({float(path.lambda_1se), float(path.lambda_min),
                                         float(path.lambda_min) / 3})})
    rows.append(_row("L1", l1.best_score_, l1.best_estimator_, X_test, y_test, l1.best_params_))
    l2 = run.search("L2", {"l2": L2_VALUES})
    rows.append(_row("L2", l2.best_score_, l2.best_estimator_, X_test, y_test, l2.best_params_))
    drop = run.search("dropout", {"dropout": DROPOUT_VALUES})
    rows.append(_row("dropout", drop.best_score_, drop.best_estimator_, X_test, y_test, drop.best_params_))
    combo = run.search(
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
    final, out = _save_final(args, combo.best_params_, X_train, y_train)
    comparison = [
        {k: v for k, v in r.items() if k != "params"} | {"params": to_json(r["params"])} for r in rows
    ]
    report = _write_report(out, final, run.searches, path, comparison, combo, l1, seed, X_df)
    elapsed = time.perf_counter() - start
    text = (
        f"{_comparison_table(rows)}\n\nL1 path: λ_min={path.lambda_min:.3g}, λ_1se={path.lambda_1se:.3g}\n"
        f"model saved in {out}\nreport: {report}  (open it in a browser)\nfinished in {elapsed:.1f}s"
    )
    emit(
        args,
        {"comparison": comparison, "report": str(report), "model_dir": str(out), "seconds": elapsed},
        text,
    )
    if not args.json:
        sys.stdout.flush()
    return ExitCode.OK


class _Searches:
    """The demo's cross-validated searches on the training rows: same folds, seed and workers for
    each, a status line and a fold progress bar each; ``searches`` keeps every result by name."""

    def __init__(self, args, estimator, X, y, start):
        self.args, self.estimator, self.X, self.y, self.start = args, estimator, X, y, start
        self.common = {"cv": CV, "n_jobs": args.n_jobs, "random_state": args.seed}
        self.searches = {}

    def search(self, name, grid):
        """``tune`` over ``grid`` (names without the pipeline's prefix), refitting the best."""
        from ..selection.search import tune

        status(self.args, f"[{time.perf_counter() - self.start:5.1f}s] cross-validating {name} ...")
        progress, close = fold_progress(self.args, f"{name} folds")
        try:
            result = tune(self.estimator, self.X, self.y, step_grid(grid), refit="best", progress=progress,
                          **self.common)
        finally:
            close()
        self.searches[name] = strip_step(result)
        return result

    def l1_path(self):
        """The cross-validated L1 path over eight strengths, not refitted."""
        from ..selection.search import regularization_path

        status(self.args, f"[{time.perf_counter() - self.start:5.1f}s] L1 regularization path ...")
        progress, close = fold_progress(self.args, "L1 path folds")
        try:
            return regularization_path(self.estimator, self.X, self.y, param="l1", n_values=8, min_ratio=1e-3,
                                       refit=False, progress=progress, **self.common)
        finally:
            close()


def _save_final(args, params, X_train, y_train):
    """``(model, out)``: the combination's choice as a model on raw tables, saved in --out (next
    to the report)."""
    from ..estimators.classifier import MLPClassifier
    from ..persist.model_dir import save
    from ..tabular.model import TabularModel

    final_mlp = MLPClassifier(**{**BASE, **params}, random_state=args.seed)
    final = TabularModel(final_mlp, pixels(X_train)).fit(X_train, y_train)
    out = Path(args.out)
    save(final, out)
    return final, out


def _write_report(out, final, searches, path, comparison, combo, l1, seed, X_df) -> Path:
    """OUT/run.json and OUT/report.html: every search, the L1 path, the comparison and the models."""
    from ..report.document import write_report

    tune_ctx = _all_searches(searches)
    path_ctx = path.to_dict()
    path_ctx["param"] = "l1"  # not the pipeline's "mlp__l1"
    path_ctx["metric"] = "accuracy"
    path_ctx["train_score"] = path_ctx.pop("mean_train_score", None)
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
    context = report_context(
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
        model_name=f"final model ({_text(combo.best_params_)}), refitted on the training rows",
        # the final model may carry no L1 at all; the L1 row's model shows what L1 did: exact zeros,
        # and the pixels it removed
        models=[_l1_context(l1, image_shape=(8, 8))],
    )
    return write_report(out, context)


def _comparison_table(rows) -> str:
    return format_table(
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


def _l1_context(l1_search, image_shape):
    """The L1 row's model for the report (a ``ModelSummary``), named with its share of exact zeros."""
    from ..report.context import ModelSummary
    from ..report.document import model_context

    sections = model_context(l1_search.best_estimator_, image_shape=image_shape)
    layers = sections["layers"]
    zeros = sum(r["n_zero"] for r in layers) / sum(int(np.prod(r["shape"])) for r in layers)
    name = (f"L1 model (l1={l1_search.best_params_['l1']:.3g}, the L1 row of the comparison): "
            f"{zeros:.1%} of its weights are exactly zero")
    return ModelSummary.from_dict({**sections, "model": name})


def _all_searches(searches: dict) -> dict:
    """Every candidate of every search in one table (same folds and seed), for the report.

    Missing strengths are filled with their default 0 so that rows compare; a candidate met in
    two searches (e.g. no regularization at all) is listed once.
    """
    from ..selection.result import TuneResult

    rows, seen = [], set()
    for name, result in searches.items():
        for r in result.results_:
            params = to_json({"l1": 0.0, "l2": 0.0, "dropout": 0.0, **r["params"]})
            key = tuple(sorted(params.items()))
            if key not in seen:
                seen.add(key)
                rows.append({**r, "params": params, "search": name})
    n_folds = next(iter(searches.values())).n_folds
    pooled = TuneResult.from_results(rows, n_folds)  # ranks the rows and finds both answers
    return {
        "results": pooled.results_,
        "best_params": pooled.best_params_,
        "best_index": pooled.best_index_,
        "best_score_index": pooled.best_index_,
        "one_se_index": pooled.one_se_index_,
        "one_se_params": pooled.one_se_params_,
        "metric": "accuracy",
        "n_folds": n_folds,
    }


def _text(params):
    return format_params(params, float_format=".3g")
