"""``ridgeback tune`` and ``ridgeback demo``: cross-validated choice of L1, L2 and dropout."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from .common import (
    emit,
    estimator_params,
    format_table,
    load_data,
    make_estimator,
    notes_on_stderr,
    parse_grid,
    resolve_settings,
)
from .progress import progress_enabled

EXIT_OK = 0

#: searched by ``tune`` without --grid: random candidates from these lists (a laptop budget)
DEFAULT_SPACE = {
    "l1": [0.0, 1e-5, 1e-4, 1e-3],
    "l2": [0.0, 1e-5, 1e-4, 1e-3, 1e-2],
    "dropout": [0.0, 0.1, 0.2, 0.5],
    "input_dropout": [0.0, 0.1, 0.2],
    "hidden_layer_sizes": [(32,), (64,), (128,), (64, 32)],
}
DEFAULT_N_ITER = 12
TUNE_EPOCHS = 50


def _status(args, text):
    if progress_enabled(args.quiet):
        print(text, file=sys.stderr, flush=True)


def _params_text(params: dict) -> str:
    return (
        " ".join(f"{k.replace('hidden_layer_sizes', 'hidden')}={v}" for k, v in params.items())
        or "(defaults)"
    )


def _results_table(results, chosen: dict) -> str:
    rows = []
    for i, r in enumerate(results):
        mark = "".join(m for m, idx in (("*", chosen["best"]), ("1se", chosen["one_se"])) if idx == i)
        rows.append(
            {
                "rank": r.get("rank"),
                "params": _params_text(r["params"]),
                "score": r["mean_score"],
                "std": r["std_score"],
                "train": r.get("mean_train_score"),
                "mark": mark,
            }
        )
    rows.sort(key=lambda r: r["rank"] if r["rank"] is not None else 10**9)
    return format_table(
        rows,
        [
            ("rank", "rank", ""),
            ("cv score", "score", "{:.4f}"),
            ("± std", "std", "{:.4f}"),
            ("train", "train", "{:.4f}"),
            ("", "mark", ""),
            ("parameters", "params", ""),
        ],
    )


def _choices(result):
    from ..selection.search import one_se_index, regularization_rank

    mean = np.array([r["mean_score"] for r in result.results_], dtype=float)
    std = np.array([r["std_score"] for r in result.results_], dtype=float)
    if np.all(np.isnan(mean)):
        raise ValueError(
            "Every candidate diverged in cross-validation; lower the learning rate (--lr). "
            f"Received: candidates={len(mean)}"
        )
    best, one_se = one_se_index(
        mean, std, result.n_folds, regularization_rank([r["params"] for r in result.results_])
    )
    return {"best": int(best), "one_se": int(one_se)}


#: the network's step name in the pipeline that ``tune`` cross-validates
MLP_STEP = "mlp"


def _pipeline(estimator, preprocessor=None):
    """Preprocessing and network in one estimator: ``tune`` clones it per fold, so every fold
    fits its own imputation, scaling and one-hot categories on its training rows only."""
    from sklearn.pipeline import Pipeline

    from ..tabular.preprocessing import Preprocessor

    return Pipeline([("preprocess", preprocessor or Preprocessor()), (MLP_STEP, estimator)])


def _step_grid(grid: dict) -> dict:
    return {f"{MLP_STEP}__{k}": v for k, v in grid.items()}


def _strip_step(result):
    """The search's parameter names back without the pipeline prefix (``mlp__l2`` -> ``l2``)."""
    prefix = f"{MLP_STEP}__"
    for row in result.results_:
        row["params"] = {k.removeprefix(prefix): v for k, v in row["params"].items()}
    result.best_params_ = {k.removeprefix(prefix): v for k, v in result.best_params_.items()}
    return result


def fold_progress(args, description="folds"):
    """``(bar, callback)``: a bar advanced once per finished (candidate, fold) fit; silent when
    stderr is not a terminal or with --quiet."""
    from .progress import ProgressBar

    state = {}

    def callback(done, total):
        if "bar" not in state:
            state["bar"] = ProgressBar(total, description, enabled=progress_enabled(args.quiet))
        state["bar"].update(done - state["bar"].count)

    def close():
        if "bar" in state:
            state["bar"].close()

    return callback, close


def _report_context(
    title, dataset, settings, model, metric, tune=None, path=None, comparison=None, image_shape=None, notes=()
):
    from ..report.document import model_context

    context = {
        "title": title,
        "metric": metric,
        "dataset": dataset,
        "settings": settings,
        "history": model.estimator.history_.to_dict(),
    }
    context.update(model_context(model.estimator, list(model.feature_names_out_), image_shape=image_shape))
    if tune is not None:
        context["tune"] = tune
    if path is not None:
        context["path"] = path
    if comparison is not None:
        context["comparison"] = comparison
    imputed = list(model.preprocessor.imputed_columns_)
    notes = list(notes)
    notes.append(f"Missing values imputed in: {', '.join(imputed)}." if imputed else "No missing values.")
    context["notes"] = notes
    return context


def cmd_tune(args) -> int:
    from ..persist.model_dir import save
    from ..report.document import write_report
    from ..selection.search import tune
    from ..tabular.data import infer_task, split_target
    from ..tabular.model import TabularModel

    # fewer epochs than `train`: every candidate is fitted once per fold (early stopping still applies)
    settings = resolve_settings(args, defaults={"epochs": TUNE_EPOCHS})
    base = estimator_params(settings)
    grid = parse_grid(args.grid) if args.grid else DEFAULT_SPACE
    n_iter = args.n_iter if args.n_iter is not None else (None if args.grid else DEFAULT_N_ITER)
    if args.cv < 2:
        raise ValueError(f"`--cv` must be at least 2 folds. Received: cv={args.cv}")
    df = load_data(args.data)
    X, y = split_target(df, args.target, task=settings.get("task"))
    task = settings.get("task") or infer_task(y)
    estimator = make_estimator(task, base)
    for name, values in grid.items():  # check every candidate value before hours of fitting
        for value in values:
            make_estimator(task, {**base, name: value})
    n_candidates = n_iter or int(np.prod([len(v) for v in grid.values()]))
    _status(args, f"tuning {n_candidates} candidates x {args.cv} folds ...")
    start = time.perf_counter()
    progress, close_progress = fold_progress(args)
    with notes_on_stderr(args.quiet):
        try:
            result = tune(
                _pipeline(estimator),
                X,
                y.to_numpy(),
                _step_grid(grid),
                cv=args.cv,
                n_iter=n_iter,
                n_jobs=args.n_jobs,
                backend="dask" if args.scheduler else None,
                scheduler=args.scheduler,
                random_state=settings.get("seed", 0),
                refit=False,
                progress=progress,
            )
        finally:
            close_progress()
        _strip_step(result)
        chosen = _choices(result)
        which = chosen["one_se" if args.refit == "1se" else "best"]
        params = dict(result.results_[which]["params"])
        _status(args, f"refitting {_params_text(params)} on all {len(X)} rows ...")
        model = TabularModel(make_estimator(task, {**base, **params})).fit(X, y)
        out = Path(args.out)
        save(model, out)
    elapsed = time.perf_counter() - start
    metric = "accuracy" if task == "classification" else "r2"
    tune_ctx = result.to_dict()
    tune_ctx.update(
        {
            "best_params": result.results_[chosen["best"]]["params"],
            "best_index": chosen["best"],
            "best_score_index": chosen["best"],
            "one_se_params": result.results_[chosen["one_se"]]["params"],
            "metric": metric,
        }
    )
    dataset = {
        "name": str(args.data),
        "n_rows": int(len(X)),
        "n_features": int(X.shape[1]),
        "task": task,
        "target": args.target,
    }
    run_settings = {
        **{k: (list(v) if isinstance(v, tuple) else v) for k, v in settings.items()},
        "cv": args.cv,
        "n_iter": n_iter,
        "refit": args.refit,
        "grid": {k: [list(v) if isinstance(v, tuple) else v for v in vals] for k, vals in grid.items()},
    }
    report = write_report(
        out,
        _report_context(f"ridgeback tune: {args.data}", dataset, run_settings, model, metric, tune=tune_ctx),
    )
    best, one_se = (result.results_[chosen[k]] for k in ("best", "one_se"))
    text = "\n".join(
        [
            _results_table(result.results_, chosen),
            "",
            f"best (*):  {_params_text(best['params'])}  cv {metric} {best['mean_score']:.4f} "
            f"± {best['std_score']:.4f}",
            f"1-SE:      {_params_text(one_se['params'])}  cv {metric} {one_se['mean_score']:.4f} "
            f"(most regularized within one standard error of the best)",
            f"refit on all data: {args.refit} -> model saved in {out} ({elapsed:.1f}s)",
            f"report: {report}",
        ]
    )
    emit(
        args,
        {
            "tune": tune_ctx,
            "refit": args.refit,
            "refit_params": params,
            "model_dir": str(out),
            "report": str(report),
            "seconds": elapsed,
        },
        text,
    )
    return EXIT_OK


def cmd_demo(args) -> int:
    from .demo import run_demo

    return run_demo(args)
