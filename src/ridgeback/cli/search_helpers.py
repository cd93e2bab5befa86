"""What ``ridgeback tune`` and ``ridgeback demo`` share: the pipeline they cross-validate on a
table, the fold progress bar, status lines, and the context of the report they write."""

from __future__ import annotations

import sys

from .progress import progress_enabled

__all__ = ["MLP_STEP", "pipeline", "step_grid", "strip_step", "fold_progress", "status", "report_context"]

#: the network's step name in the pipeline that ``tune`` cross-validates
MLP_STEP = "mlp"


def status(args, text):
    """``text`` on stderr, unless progress output is off (--quiet, or stderr not a terminal)."""
    if progress_enabled(args.quiet):
        print(text, file=sys.stderr, flush=True)


def pipeline(estimator, preprocessor=None):
    """Preprocessing and network in one estimator: ``tune`` clones it per fold, so every fold
    fits its own imputation, scaling and one-hot categories on its training rows only."""
    from sklearn.pipeline import Pipeline

    from ..tabular.preprocessing import Preprocessor

    return Pipeline([("preprocess", preprocessor or Preprocessor()), (MLP_STEP, estimator)])


def step_grid(grid: dict) -> dict:
    """``grid`` with the names of the :func:`pipeline`'s network step (``l2`` -> ``mlp__l2``)."""
    return {f"{MLP_STEP}__{k}": v for k, v in grid.items()}


def strip_step(result):
    """The search's parameter names back without the pipeline prefix (``mlp__l2`` -> ``l2``)."""
    prefix = f"{MLP_STEP}__"
    for row in result.results_:
        row["params"] = {k.removeprefix(prefix): v for k, v in row["params"].items()}
    return result


def fold_progress(args, description="folds"):
    """``(callback, close)``: a bar advanced once per finished (candidate, fold) fit; silent when
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


def report_context(
    title, dataset, settings, model, metric, tune=None, path=None, comparison=None, image_shape=None, notes=()
):
    """The report's context for a TabularModel ``model``: its training history, layers, weights and
    selected inputs, with the search (``tune``), ``path`` and ``comparison`` sections given."""
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
