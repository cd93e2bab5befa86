"""The run report: one self-contained ``report.html`` with its figures inline.

A run directory holds ``run.json`` (the *context*, a plain JSON object) and the
``report.html`` rendered from it. :func:`write_report` saves both; :func:`render_report`
re-renders the HTML from ``run.json`` alone (``ridgeback report RUNDIR``). Figures are
PNGs drawn with matplotlib and embedded as ``data:image/png;base64`` URIs; the page has
no external CSS, scripts, fonts or links, so it reads offline and can be mailed as is.
Rendering never reads the clock or any random state: the same ``run.json`` always gives
the same bytes.

Context schema
--------------
Every key is optional; the report renders what is present and says what is absent.
Lists hold numbers (``null`` for a missing value, drawn as a gap); NumPy scalars, arrays
and tuples are accepted by :func:`write_report` and stored as JSON numbers and lists;
NaN and infinity are stored as ``null``. Unknown top-level keys are kept in ``run.json``
and listed, not drawn.

``title`` : str
``created`` : str, ISO 8601 (``write_report`` fills in the current UTC time when absent)
``ridgeback_version`` : str (``write_report`` fills it in when absent)
``model`` : str
    Which model the ``layers``, ``weights`` and ``selected_features`` sections describe
    (e.g. "final model: l2=0.001, dropout=0.1, refitted on all rows").
``metric`` : str
    Name of the score used everywhere below, higher is better (e.g. ``"accuracy"``,
    ``"neg_log_loss"``, ``"r2"``). ``tune.metric`` and ``path.metric`` override it.
``dataset`` : {``name``, ``n_rows``, ``n_features``, ``task``, ``target``, ...}
    Any further scalar entries are shown too.
``settings`` : {name: value}
    The run's settings (hyper-parameters, cv, seed, ...); nested dicts are shown as ``a.b``.
``history`` : {``train_loss``, ``val_loss``, ``train_accuracy``, ``val_accuracy``: [per epoch],
``best_epoch``: int, 0-based, as in :class:`ridgeback.History`, ``stopped_early``: bool}
    ``History.to_dict()`` fits as it is.
``tune`` : {``results``: [{``params``: {...}, ``mean_score``, ``std_score``, ...}, ...],
``best_params``: {...}, ``one_se_params``: {...}, ``metric``: str, ``n_folds``: int}
    One row per candidate (``std_score``: standard deviation over the folds). Extra
    numeric row entries (``mean_train_score``, ``mean_fit_time``...) become table columns;
    list entries (``fold_scores``...) are kept, not shown. ``TuneResult.to_dict()`` fits as
    it is: its ``best_score_index`` marks the best score, ``best_index`` with
    ``refit="1se"`` the 1-SE choice, and ``scoring`` names the metric.
``path`` : {``param``: "l1", ``values``: [λ], ``mean_score``, ``std_score``: [per λ],
``se_score``: [per λ], ``n_folds``: int, ``train_score``, ``n_nonzero``, ``n_active_features``:
[per λ], ``lambda_min``, ``lambda_1se``: float, ``metric``: str}
    The band drawn around the validation score is ``se_score`` when given, else
    ``std_score / sqrt(n_folds)`` when ``n_folds`` is given (both "±1 SE", the rule
    :func:`ridgeback.regularization_path` uses for λ_1se), else ``std_score`` (labelled
    "±1 std over folds"). λ = 0 cannot sit on the log axis and is left out of the figure
    (kept in the table). ``RegularizationPath.to_dict()`` fits as it is
    (``mean_train_score`` is read as ``train_score``, ``scoring`` as ``metric``).
``comparison`` : [{``name``, ``cv_score``, ``test_score``, ``zero_fraction``, ``weight_norms``: [per layer],
``active_features``: int, ``params``: {the chosen settings}}, ...]
    One row per regularization setting compared (e.g. none, L1, L2, dropout).
``layers`` : [rows of :func:`ridgeback.layer_summary`]
``weights`` : {layer name: [every weight value] or {``counts``, ``edges``, ``n_zero``, ``n``}}
    The histogram form counts the non-zero weights only (``len(edges) == len(counts) + 1``);
    ``n_zero`` of the ``n`` weights are exactly zero. :func:`model_context` builds it.
``selected_features`` : {``indices``: [kept input indices], ``names``: [their names] or null,
``n_inputs``: int, ``image_shape``: [h, w] (optional, ``h * w == n_inputs``; the inputs are then
drawn as an image, e.g. [8, 8] for digits), ``importance``: [per input] (optional, e.g. the L2
norm of each input's first-layer weights), ``all_names``: [per input] (optional)}
``models`` : [{``model``: str, ``layers``, ``weights``, ``selected_features``}, ...]
    Further models whose weights and selected features are drawn after the main one's, each
    under its ``model`` name (e.g. the L1 model of a comparison, whose exact zeros and removed
    inputs the final model may not show); each section has the form given above.
``notes`` : [str]
    Things the user should know, e.g. which columns had missing values imputed.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import numpy as np

from .._util.files import atomic_write_text
from .._util.jsonify import to_json
from .._version import __version__
from ..engine.inspection import input_names, layer_summary, network_of, selected_features
from .html import render_html

__all__ = ["write_report", "render_report", "render_html", "model_context", "check_context",
           "RUN_FILE", "REPORT_FILE"]

RUN_FILE = "run.json"
REPORT_FILE = "report.html"


def write_report(rundir, context: dict) -> Path:
    """Save ``context`` as ``RUNDIR/run.json`` and render ``RUNDIR/report.html`` (both atomically).

    Parameters
    ----------
    rundir : str or Path
        Created if it does not exist.
    context : dict
        See the schema in this module's docstring.

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
    if not isinstance(context, dict):
        raise ValueError(f"`context` must be a dict. Received: context of type {type(context).__name__}")
    context = to_json(context, "context")
    context.setdefault("created", datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
    context.setdefault("ridgeback_version", __version__)
    check_context(context)
    rundir = Path(rundir)
    text = json.dumps(context, indent=1, allow_nan=False)
    # Render from the JSON round trip so that render_report gives the very same bytes.
    page = render_html(json.loads(text))
    atomic_write_text(rundir / RUN_FILE, text + "\n")
    atomic_write_text(rundir / REPORT_FILE, page)
    return rundir / REPORT_FILE


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
    check_context(context)
    atomic_write_text(rundir / REPORT_FILE, render_html(context))
    return rundir / REPORT_FILE


def model_context(model, feature_names=None, *, image_shape=None, bins: int = 40) -> dict:
    """The ``layers``, ``weights`` and ``selected_features`` sections for a trained network.

    Parameters
    ----------
    model : Sequential, fitted MLPClassifier / MLPRegressor, or a Pipeline / TabularModel ending in one
    feature_names : sequence of str, optional
        Input names (default: the network's input names as :func:`ridgeback.selected_features`
        finds them: the preprocessing's output columns, or the estimator's ``feature_names_in_``).
    image_shape : (int, int), optional
        Draw the inputs as an image of this shape (e.g. ``(8, 8)`` for digits).
    bins : int
        Histogram bins per layer.

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
        nonzero = w[w != 0].astype(np.float64)
        counts, edges = np.histogram(nonzero, bins=bins) if nonzero.size else (np.zeros(0), np.zeros(1))
        weights[f"layer {i} ({w.shape[0]}×{w.shape[1]})"] = {
            "counts": counts.tolist(), "edges": edges.tolist(), "n_zero": int(w.size - nonzero.size),
            "n": int(w.size)}
    if feature_names is None:
        feature_names = input_names(model)
    selected = selected_features(model, feature_names)
    first = net.dense_layers[0].weight.data.astype(np.float64)
    section = {"indices": selected.indices.tolist(), "names": selected.names, "n_inputs": int(first.shape[0]),
               "importance": np.sqrt((first ** 2).sum(axis=1)).tolist()}
    if feature_names is not None:
        section["all_names"] = [str(n) for n in feature_names]
    if image_shape is not None:
        section["image_shape"] = [int(s) for s in image_shape]
    return to_json({"layers": layer_summary(model), "weights": weights, "selected_features": section},
                     "context")


_STRINGS = ("title", "created", "ridgeback_version", "metric", "model")


def _fail(where: str, expected: str, value) -> None:
    shown = repr(value)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    raise ValueError(f"`{where}` must be {expected}. Received: {where}={shown}")


def _is_number(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_type(where, value, kind, expected):
    if not isinstance(value, kind):
        _fail(where, expected, value)


def _check_numbers(where: str, value, length: int | None = None, per: str = "") -> None:
    if not isinstance(value, list) or not all(_is_number(v) for v in value):
        _fail(where, "a list of numbers (null for a missing value)", value)
    if length is not None and len(value) != length:
        raise ValueError(f"`{where}` must have {length} entries, one per {per}. "
                         f"Received: {where} with {len(value)} entries")


def check_context(context: dict) -> None:
    """Raise ValueError, naming the key, where ``context`` departs from the schema.

    Examples
    --------
    >>> check_context({"history": {"train_loss": [1.0, 0.5]}})
    >>> check_context({"history": {"train_loss": "low"}})
    Traceback (most recent call last):
    ...
    ValueError: `context['history']['train_loss']` must be a list of numbers (null for a missing value). \
Received: context['history']['train_loss']='low'
    """
    _check_type("context", context, dict, "a dict")
    for key in _STRINGS:
        if key in context:
            _check_type(f"context[{key!r}]", context[key], str, "a string")
    for key in ("dataset", "settings"):
        if key in context:
            _check_type(f"context[{key!r}]", context[key], dict, "a dict")
    if "history" in context:
        h = context["history"]
        _check_type("context['history']", h, dict, "a dict")
        for key in ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "penalty"):
            if h.get(key) is not None:
                _check_numbers(f"context['history'][{key!r}]", h[key])
        best = h.get("best_epoch")
        n_epochs = max(len(h.get(k) or []) for k in ("train_loss", "val_loss"))
        if best is not None and not (_is_int(best) and 0 <= best < max(n_epochs, 1)):
            _fail("context['history']['best_epoch']", f"an epoch index in [0, {n_epochs}) or null", best)
    if "tune" in context:
        t = context["tune"]
        _check_type("context['tune']", t, dict, "a dict")
        _check_type("context['tune']['results']", t.get("results"), list, "a list of candidate dicts")
        for i, row in enumerate(t["results"]):
            where = f"context['tune']['results'][{i}]"
            _check_type(where, row, dict, "a dict with 'params' and 'mean_score'")
            _check_type(f"{where}['params']", row.get("params"), dict, "a dict of hyper-parameters")
            for key in ("mean_score", "std_score"):
                if not _is_number(row.get(key)):
                    _fail(f"{where}[{key!r}]", "a number or null", row.get(key))
        for key in ("best_params", "one_se_params"):
            if t.get(key) is not None:
                _check_type(f"context['tune'][{key!r}]", t[key], dict, "a dict of hyper-parameters or null")
        for key in ("best_index", "best_score_index"):
            if t.get(key) is not None and not (_is_int(t[key]) and 0 <= t[key] < len(t["results"])):
                _fail(f"context['tune'][{key!r}]", f"a row index in [0, {len(t['results'])}) or null", t[key])
    if "path" in context:
        p = context["path"]
        _check_type("context['path']", p, dict, "a dict")
        values = p.get("values")
        if not values:
            _fail("context['path']['values']", "a non-empty list of penalty strengths", values)
        _check_numbers("context['path']['values']", values)
        for key in ("mean_score", "std_score", "se_score", "train_score", "mean_train_score", "n_nonzero",
                    "n_active_features"):
            if key in ("mean_score", "std_score") or p.get(key) is not None:
                _check_numbers(f"context['path'][{key!r}]", p.get(key), len(values),
                               "value in context['path']['values']")
        for key in ("lambda_min", "lambda_1se"):
            if not _is_number(p.get(key)):
                _fail(f"context['path'][{key!r}]", "a number or null", p.get(key))
        if p.get("n_folds") is not None and not (_is_int(p["n_folds"]) and p["n_folds"] >= 2):
            _fail("context['path']['n_folds']", "an integer >= 2 or null", p["n_folds"])
    for key in ("comparison", "layers"):
        if key in context:
            _check_type(f"context[{key!r}]", context[key], list, "a list of dicts")
            for i, row in enumerate(context[key]):
                _check_type(f"context[{key!r}][{i}]", row, dict, "a dict")
    for i, row in enumerate(context.get("comparison") or []):
        if "name" not in row:
            _fail(f"context['comparison'][{i}]", "a dict with a 'name'", row)
    if "weights" in context:
        _check_type("context['weights']", context["weights"], dict, "a dict of layer name to weights")
        for name, w in context["weights"].items():
            where = f"context['weights'][{name!r}]"
            if isinstance(w, list):
                _check_numbers(where, w)
                continue
            _check_type(where, w, dict, "a list of weights or a dict with counts, edges, n_zero, n")
            _check_numbers(f"{where}['counts']", w.get("counts"))
            _check_numbers(f"{where}['edges']", w.get("edges"), len(w["counts"]) + 1, "bin boundary")
            for key in ("n_zero", "n"):
                if not (_is_int(w.get(key)) and w[key] >= 0):
                    _fail(f"{where}[{key!r}]", "an integer >= 0", w.get(key))
    if "selected_features" in context:
        _check_selected(context["selected_features"])
    if "models" in context:
        _check_type("context['models']", context["models"], list, "a list of model dicts")
        for i, extra in enumerate(context["models"]):
            where = f"context['models'][{i}]"
            _check_type(where, extra, dict, "a dict with 'model', 'layers', 'weights', 'selected_features'")
            if not isinstance(extra.get("model"), str):
                _fail(f"{where}['model']", "a string naming the model", extra.get("model"))
            try:  # the same schema as the main model's sections, with the errors pointing here
                check_context({k: extra[k] for k in ("layers", "weights", "selected_features") if k in extra})
            except ValueError as exc:
                raise ValueError(str(exc).replace("context[", f"{where}[")) from None
    if "notes" in context:
        notes = context["notes"]
        if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
            _fail("context['notes']", "a list of strings", notes)


def _check_selected(s) -> None:
    where = "context['selected_features']"
    _check_type(where, s, dict, "a dict with 'indices' and 'n_inputs'")
    n = s.get("n_inputs")
    if not (_is_int(n) and n >= 1):
        _fail(f"{where}['n_inputs']", "an integer >= 1", n)
    indices = s.get("indices")
    if not isinstance(indices, list) or not all(_is_int(i) and 0 <= i < n for i in indices):
        _fail(f"{where}['indices']", f"a list of input indices in [0, {n})", indices)
    if s.get("names") is not None:
        _check_type(f"{where}['names']", s["names"], list, "a list of names or null")
        if len(s["names"]) != len(indices):
            _fail(f"{where}['names']", f"a list of {len(indices)} names, one per index", s["names"])
    shape = s.get("image_shape")
    if shape is not None and not (isinstance(shape, list) and len(shape) == 2
                                  and all(_is_int(v) for v in shape) and shape[0] * shape[1] == n):
        _fail(f"{where}['image_shape']", f"[height, width] with height * width == n_inputs ({n})", shape)
    if s.get("importance") is not None:
        _check_numbers(f"{where}['importance']", s["importance"], n, "input")
    if s.get("all_names") is not None and not (isinstance(s["all_names"], list) and len(s["all_names"]) == n):
        _fail(f"{where}['all_names']", f"a list of {n} names, one per input", s["all_names"])
