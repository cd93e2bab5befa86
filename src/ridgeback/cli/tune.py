"""``ridgeback tune``: cross-validated choice of L1, L2, dropout and the network's size."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .._util.text import format_params
from .common import (
    emit,
    estimator_params,
    format_table,
    load_data,
    make_estimator,
    make_preprocessor,
    notes_on_stderr,
    parse_grid,
    resolve_metric,
    resolve_settings,
)
from .exit_codes import ExitCode
from .search_helpers import fold_progress, pipeline, report_context, status, step_grid, strip_step

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


def _params_text(params: dict) -> str:
    return format_params(params, empty="(defaults)", aliases={"hidden_layer_sizes": "hidden"})


def _results_table(result) -> str:
    """Every candidate by rank; ``*`` marks the best mean score, ``1se`` the one-standard-error choice."""
    rows = []
    for i, r in enumerate(result.results_):
        mark = "".join(m for m, idx in (("*", result.best_index_), ("1se", result.one_se_index_)) if idx == i)
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


def cmd_tune(args) -> int:
    """Search, refit the choice (--refit) on all rows, save it with its report, print the table."""
    # fewer epochs than `train`: every candidate is fitted once per fold (early stopping still applies)
    settings = resolve_settings(args, defaults={"epochs": TUNE_EPOCHS})
    args.settings = settings  # the column-role overrides reach the search and the refit
    base = estimator_params(settings)
    grid, n_iter = _search_space(args)
    X, y, task = _load_table(args, settings)
    from ..metrics import DEFAULT_METRIC

    metric = resolve_metric(settings, task, DEFAULT_METRIC[task])  # what picks the candidate
    estimator = make_estimator(task, base)
    for name, values in grid.items():  # check every candidate value before hours of fitting
        for value in values:
            make_estimator(task, {**base, name: value})
    n_candidates = n_iter or int(np.prod([len(v) for v in grid.values()]))
    status(args, f"tuning {n_candidates} candidates x {args.cv} folds ...")
    start = time.perf_counter()
    with notes_on_stderr(args.quiet):
        result = _search(args, estimator, X, y, grid, n_iter, settings.get("seed", 0), metric)
        refit_index = result.one_se_index_ if args.refit == "1se" else result.best_index_
        params = result.results_[refit_index]["params"]
        model, out = _refit_and_save(args, task, base, params, X, y)
    elapsed = time.perf_counter() - start
    args.columns = model.preprocessor.plan_.summary()
    # the search ran without a refit; the CLI refitted `refit_index` as a TabularModel: say so
    tune_ctx = {**result.to_dict(), "refit": args.refit, "refit_index": refit_index, "metric": metric}
    errors = _held_out_errors(result, refit_index, y.to_numpy(), task, args.cv)
    report = _write_report(args, out, model, settings, grid, n_iter, X, task, metric, tune_ctx, errors)
    emit(
        args,
        {
            "tune": tune_ctx,
            "refit": args.refit,
            "refit_params": params,
            "model_dir": str(out),
            "report": str(report),
            "columns": model.preprocessor.plan_.summary(),
            "plan": model.preprocessor.plan_.to_list(),
            "seconds": elapsed,
        },
        _summary_text(args, result, metric, out, report, elapsed),
    )
    return ExitCode.OK


def _search_space(args):
    """``(grid, n_iter)``: --grid searched in full, else --n-iter random candidates of ``DEFAULT_SPACE``."""
    grid = parse_grid(args.grid) if args.grid else DEFAULT_SPACE
    n_iter = args.n_iter if args.n_iter is not None else (None if args.grid else DEFAULT_N_ITER)
    if args.cv < 2:
        raise ValueError(f"`--cv` must be at least 2 folds. Received: cv={args.cv}")
    return grid, n_iter


def _load_table(args, settings):
    """``(X, y, task)`` of DATA, the task from the settings or inferred from the target."""
    from ..tabular.data import infer_task, split_target

    df = load_data(args.data)
    X, y = split_target(df, args.target, task=settings.get("task"))
    return X, y, settings.get("task") or infer_task(y)


def _search(args, estimator, X, y, grid, n_iter, seed, metric):
    """The cross-validated search (no refit: the CLI refits a TabularModel), parameter names
    without the pipeline's prefix."""
    from ..selection.search import tune

    progress, close_progress = fold_progress(args)
    try:
        result = tune(
            pipeline(estimator, make_preprocessor(args.settings)),
            X,
            y.to_numpy(),
            step_grid(grid),
            cv=args.cv,
            n_iter=n_iter,
            n_jobs=args.n_jobs,
            backend="dask" if args.scheduler else None,
            scheduler=args.scheduler,
            random_state=seed,
            refit=False,
            scoring=metric,
            progress=progress,
        )
    finally:
        close_progress()
    return strip_step(result)


def _refit_and_save(args, task, base, params, X, y):
    """``(model, out)``: the chosen ``params`` over the ``base`` settings, refitted on all rows as a
    TabularModel and saved in --out."""
    from ..persist.model_dir import save
    from ..tabular.model import TabularModel

    status(args, f"refitting {_params_text(params)} on all {len(X)} rows ...")
    estimator = make_estimator(task, {**base, **params})
    model = TabularModel(estimator, make_preprocessor(args.settings)).fit(X, y)
    out = Path(args.out)
    save(model, out)
    return model, out


def _held_out_errors(result, index, y, task, n_folds):
    """The report's errors part: the out-of-fold predictions of the refitted candidate (None when
    the search kept none, e.g. a fold diverged)."""
    from ..report.errors import held_out_errors

    oof = (result.oof_predictions_ or {}).get(index)
    if oof is None:
        return None
    source = (f"the out-of-fold predictions of candidate {index} (the one refitted): each row predicted "
              f"by that candidate's model of the one fold, of {n_folds}, that held the row out")
    classes = np.unique(y) if task == "classification" else None
    return held_out_errors(task, y, oof, classes, source=source)


def _write_report(args, out, model, settings, grid, n_iter, X, task, metric, tune_ctx, errors=None) -> Path:
    """RUNDIR/run.json and RUNDIR/report.html: the data set, the run's settings and the search."""
    from ..report.document import write_report

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
    return write_report(
        out,
        report_context(f"ridgeback tune: {args.data}", dataset, run_settings, model, metric, tune=tune_ctx,
                       errors=errors),
    )


def _summary_text(args, result, metric, out, report, elapsed) -> str:
    """The candidates' table, both answers and where the model and the report went."""
    best, one_se = result.results_[result.best_index_], result.results_[result.one_se_index_]
    return "\n".join(
        [
            _results_table(result),
            "",
            f"best (*):  {_params_text(best['params'])}  cv {metric} {best['mean_score']:.4f} "
            f"± {best['std_score']:.4f}",
            f"1-SE:      {_params_text(one_se['params'])}  cv {metric} {one_se['mean_score']:.4f} "
            f"(most regularized within one standard error of the best)",
            args.columns,
            f"refit on all data: {args.refit} -> model saved in {out} ({elapsed:.1f}s)",
            f"report: {report}",
        ]
    )
