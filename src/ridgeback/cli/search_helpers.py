"""What ``ridgeback tune`` and ``ridgeback demo`` share: the pipeline they cross-validate on a
table, the fold progress bar, status lines, and the context of the report they write."""

from __future__ import annotations

import sys

from .progress import progress_enabled

__all__ = ["MLP_STEP", "PREPROCESS_STEP", "PREPROCESSING_GRID", "pipeline", "step_grid", "strip_step",
           "split_preprocessing", "fold_progress", "status", "report_context"]

#: the network's step name in the pipeline that ``tune`` cross-validates
MLP_STEP = "mlp"
#: the preprocessing's step name in that pipeline
PREPROCESS_STEP = "preprocess"
#: --grid names that are the preprocessing's parameters, not the network's (each candidate's
#: folds are then encoded with its own value)
PREPROCESSING_GRID = ("scaling",)


def status(args, text):
    """``text`` on stderr, unless progress output is off (--quiet, or stderr not a terminal)."""
    if progress_enabled(args.quiet):
        print(text, file=sys.stderr, flush=True)


def pipeline(estimator, preprocessor=None):
    """Preprocessing and network in one estimator: ``tune`` clones it per fold, so every fold
    fits its own imputation, scaling and one-hot categories on its training rows only."""
    from sklearn.pipeline import Pipeline

    from ..tabular.preprocessing import Preprocessor

    return Pipeline([(PREPROCESS_STEP, preprocessor or Preprocessor()), (MLP_STEP, estimator)])


def _step(name: str) -> str:
    return PREPROCESS_STEP if name in PREPROCESSING_GRID else MLP_STEP


def step_grid(grid: dict) -> dict:
    """``grid`` with the names of the :func:`pipeline`'s steps (``l2`` -> ``mlp__l2``,
    ``scaling`` -> ``preprocess__scaling``)."""
    return {f"{_step(k)}__{k}": v for k, v in grid.items()}


def strip_step(result):
    """The search's parameter names back without the pipeline prefixes (``mlp__l2`` -> ``l2``)."""
    prefixes = (f"{MLP_STEP}__", f"{PREPROCESS_STEP}__")
    for row in result.results_:
        row["params"] = {k.split("__", 1)[1] if k.startswith(prefixes) else k: v
                         for k, v in row["params"].items()}
    return result


def split_preprocessing(params: dict) -> tuple[dict, dict]:
    """``(network, preprocessing)``: a candidate's parameters (as :func:`strip_step` names them)
    split into the network's and the preprocessing's (``PREPROCESSING_GRID``).

    Examples
    --------
    >>> split_preprocessing({"l2": 0.01, "scaling": "quantile"})
    ({'l2': 0.01}, {'scaling': 'quantile'})
    """
    return ({k: v for k, v in params.items() if k not in PREPROCESSING_GRID},
            {k: v for k, v in params.items() if k in PREPROCESSING_GRID})


def fold_progress(args, description="folds"):
    """``(callback, close)``: one bar for the whole search, advanced once per finished (candidate,
    fold) fit, showing the halving rung (``callback.stage(rung, n_rungs, epochs)``, called by the
    search) and an ETA; silent when stderr is not a terminal or with --quiet."""
    import time

    from .progress import ProgressBar

    state = {"stage": "", "start": time.monotonic()}

    def callback(done, total):
        if "bar" not in state:
            state["bar"] = ProgressBar(total, description, enabled=progress_enabled(args.quiet))
        elapsed = time.monotonic() - state["start"]
        # later rungs' fits are longer: the ETA is a lower bound while the first rung runs
        eta = f"ETA {elapsed / done * (total - done):.0f}s" if done else ""
        state["bar"].update(done - state["bar"].count, f"{state['stage']} {eta}".strip())

    def stage(rung, n_rungs, epochs):
        state["stage"] = f"rung {rung + 1}/{n_rungs} ({epochs} epochs)"

    callback.stage = stage

    def close():
        if "bar" in state:
            state["bar"].close()

    return callback, close


def report_context(
    title,
    dataset,
    settings,
    model,
    metric,
    tune=None,
    path=None,
    comparison=None,
    image_shape=None,
    notes=(),
    model_name=None,
    models=(),
    errors=None,
):
    """The report's :class:`~ridgeback.report.context.RunContext` for a TabularModel ``model``: its
    training history, layers, weights and selected inputs (named ``model_name``), with the search
    (``tune``, as ``TuneResult.to_dict()`` writes it), ``path`` and ``comparison`` (dicts) when
    given, further ``models`` (:class:`~ridgeback.report.context.ModelSummary`) and the held-out
    ``errors`` (:class:`~ridgeback.report.errors.ErrorSummary`)."""
    from ..report.context import ComparisonRow, HistorySummary, PathSummary, RunContext, SearchSummary
    from ..report.document import model_summary

    imputed = list(model.preprocessor.imputed_columns_)
    notes = [*notes, f"Missing values imputed in: {', '.join(imputed)}." if imputed else "No missing values."]
    return RunContext(
        title=title,
        metric=metric,
        dataset=dataset,
        settings=settings,
        columns=model.preprocessor.plan_.to_list() if hasattr(model.preprocessor, "plan_") else None,
        history=HistorySummary.from_dict(model.estimator.history_.to_dict()),
        model=model_summary(
            model.estimator, list(model.feature_names_out_), name=model_name, image_shape=image_shape
        ),
        tune=None if tune is None else SearchSummary.from_dict(tune),
        path=None if path is None else PathSummary.from_dict(path),
        comparison=None if comparison is None else [ComparisonRow.from_dict(row) for row in comparison],
        notes=notes,
        models=list(models) or None,
        errors=errors,
    )
