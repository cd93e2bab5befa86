"""The run report: one self-contained ``report.html`` with its figures inline.

A run directory holds ``run.json`` (the context, :class:`~ridgeback.report.context.RunContext`
as JSON) and the ``report.html`` rendered from it. :func:`write_report` saves both;
:func:`render_report` re-renders the HTML from ``run.json`` alone (``ridgeback report RUNDIR``).
Figures are PNGs drawn with matplotlib and embedded as ``data:image/png;base64`` URIs; the
page has no external CSS, scripts, fonts or links, so it reads offline and can be mailed as
is. Rendering never reads the clock or any random state: the same ``run.json`` always gives
the same bytes. What a context holds is described in :mod:`ridgeback.report.context`.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from pathlib import Path

from .._util.files import atomic_write_text
from .._util.jsonify import to_json
from .._version import __version__
from ..engine.inspection import feature_norms, input_names, layer_summary, network_of, selected_features
from .context import ModelSummary, RunContext, WeightHistogram
from .html import render_html

__all__ = ["write_report", "render_report", "render_html", "model_context", "model_summary", "check_context",
           "RUN_FILE", "REPORT_FILE"]

RUN_FILE = "run.json"
REPORT_FILE = "report.html"


def write_report(rundir, context: RunContext | dict) -> Path:
    """Save ``context`` as ``RUNDIR/run.json`` and render ``RUNDIR/report.html`` (both atomically).

    Parameters
    ----------
    rundir : str or Path
        Created if it does not exist.
    context : RunContext or dict
        A dict is read by :meth:`RunContext.from_dict` (NumPy values converted, every part
        checked). ``created`` (the current UTC time) and ``ridgeback_version`` are filled in
        when absent.

    Returns
    -------
    Path
        The report's path.

    Examples
    --------
    >>> import tempfile
    >>> rundir = tempfile.mkdtemp()
    >>> path = write_report(rundir, {"title": "demo", "history": {"train_loss": [0.9, 0.5, 0.4]}})
    >>> path.name, (path.parent / "run.json").exists()
    ('report.html', True)
    """
    if isinstance(context, dict):
        context = RunContext.from_dict(_stamped(to_json(context, "context")))
    elif isinstance(context, RunContext):
        context = dataclasses.replace(context, **{k: v for k, v in _stamped({}).items()
                                                  if getattr(context, k) is None})
    else:
        raise ValueError("`context` must be a RunContext or a dict. "
                         f"Received: context of type {type(context).__name__}")
    rundir = Path(rundir)
    text = json.dumps(context.to_dict(), indent=1, allow_nan=False)
    # Render from the JSON round trip so that render_report gives the very same bytes.
    page = render_html(RunContext.from_dict(json.loads(text)))
    atomic_write_text(rundir / RUN_FILE, text + "\n")
    atomic_write_text(rundir / REPORT_FILE, page)
    return rundir / REPORT_FILE


def _stamped(context: dict) -> dict:
    """``context`` with ``created`` (now, UTC) and ``ridgeback_version`` added where absent."""
    context = dict(context)
    context.setdefault("created", datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
    context.setdefault("ridgeback_version", __version__)
    return context


def render_report(rundir) -> Path:
    """Re-render ``RUNDIR/report.html`` from ``RUNDIR/run.json``.

    Raises
    ------
    ValueError
        When ``run.json`` is missing, is not valid JSON, or does not follow the schema.

    Examples
    --------
    >>> import tempfile
    >>> rundir = tempfile.mkdtemp()
    >>> _ = write_report(rundir, {"title": "demo"})
    >>> render_report(rundir).name
    'report.html'
    """
    rundir = Path(rundir)
    run_file = rundir / RUN_FILE
    if not run_file.is_file():
        raise ValueError(f"`rundir` must contain {RUN_FILE} (written by `ridgeback tune` or `write_report`); "
                         f"{run_file} does not exist. Received: rundir={str(rundir)!r}")
    try:
        context = json.loads(run_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{run_file} must be valid UTF-8 JSON: {exc}. "
                         f"Received: rundir={str(rundir)!r}") from None
    if not isinstance(context, dict):
        raise ValueError(f"{run_file} must hold a JSON object. "
                         f"Received: a JSON {type(context).__name__} in rundir={str(rundir)!r}")
    atomic_write_text(rundir / REPORT_FILE, render_html(RunContext.from_dict(context)))
    return rundir / REPORT_FILE


def model_context(model, feature_names=None, *, image_shape=None, bins: int = 40) -> dict:
    """The ``layers``, ``weights`` and ``selected_features`` sections for a trained network.

    Parameters
    ----------
    model : Sequential, fitted MLPClassifier / MLPRegressor, or a Pipeline / TabularModel ending in one
    feature_names : sequence of str, optional
        Input names (default: the network's input names as :func:`ridgeback.selected_features`
        finds them: the preprocessing's output columns, or the estimator's ``feature_names_in_``).
        A model with feature groups lists its features instead, one per raw column, named by
        the column, with the norm of all their first-layer weights as ``importance``.
    image_shape : (int, int), optional
        Draw the inputs as an image of this shape (e.g. ``(8, 8)`` for digits), one pixel per input.
    bins : int
        Histogram bins per layer.

    Returns
    -------
    dict
        The sections as a context dict holds them; :func:`model_summary` gives them typed.

    Examples
    --------
    >>> from ridgeback import mlp
    >>> ctx = model_context(mlp([4, 3, 2], seed=0))
    >>> sorted(ctx), ctx["selected_features"]["n_inputs"]
    (['layers', 'selected_features', 'weights'], 4)
    """
    net = network_of(model)
    weights = {}
    for i, layer in enumerate(net.dense_layers):
        w = layer.weight.data
        weights[f"layer {i} ({w.shape[0]}×{w.shape[1]})"] = WeightHistogram.of(w, bins).to_dict()
    # one entry per feature: a raw column (all its inputs together) for a model with feature
    # groups, else per input column; an image shows the inputs themselves, one pixel each
    of = model
    if image_shape is not None:
        of, feature_names = net, input_names(model) if feature_names is None else feature_names
    selected = selected_features(of, feature_names)
    norms, names = feature_norms(of, feature_names)
    section = {"indices": selected.indices.tolist(), "names": selected.names, "n_inputs": int(norms.size),
               "importance": norms.tolist()}
    if names is not None:
        section["all_names"] = names
    if image_shape is not None:
        section["image_shape"] = [int(s) for s in image_shape]
    return to_json({"layers": layer_summary(model), "weights": weights, "selected_features": section},
                     "context")


def model_summary(model, feature_names=None, *, name: str | None = None, image_shape=None,
                  bins: int = 40) -> ModelSummary:
    """:func:`model_context` as a :class:`ModelSummary`, named ``name`` (e.g. "final model").

    Examples
    --------
    >>> from ridgeback import mlp
    >>> summary = model_summary(mlp([4, 3, 2], seed=0), name="untrained")
    >>> summary.name, summary.selected_features.n_inputs, len(summary.layers)
    ('untrained', 4, 2)
    """
    sections = model_context(model, feature_names, image_shape=image_shape, bins=bins)
    return ModelSummary.from_dict({**sections, "model": name} if name is not None else sections)


def check_context(context: dict) -> None:
    """Raise ValueError, naming the key, where ``context`` departs from the schema.

    The same check as :meth:`RunContext.from_dict`, for a dict that is not rendered yet.

    Examples
    --------
    >>> check_context({"history": {"train_loss": [1.0, 0.5]}})
    >>> check_context({"history": {"train_loss": "low"}})
    Traceback (most recent call last):
    ...
    ridgeback.report.parts.ContextError: `context['history']['train_loss']` must be a list of numbers \
(null for a missing value). Received: context['history']['train_loss']='low'
    """
    RunContext.from_dict(context)
