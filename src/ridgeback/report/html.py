"""Assembling the report page: sections, tables and inline figures, every data string escaped.

The :class:`~ridgeback.report.context.RunContext` reaching :func:`render_html` was checked
when it was built; this module only lays it out. The building blocks (escaping, values,
tables, inline figures) are :mod:`~ridgeback.report.markup`; the sections on a search (the
chosen settings, the regularization path, the tuning results) are
:mod:`~ridgeback.report.search_html`.
"""

from __future__ import annotations

from .context import (
    KNOWN_KEYS,
    ComparisonRow,
    HistorySummary,
    ModelSummary,
    RunContext,
    WeightHistogram,
)
from .markup import _e, _figure, _fmt, _key_values, _params_text, _table
from .search_html import _param_name, _path, _search_choices, _tune_sections

__all__ = ["render_html", "KNOWN_KEYS"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0 auto;
max-width:1180px;padding:0 24px 48px;color:#222;line-height:1.45}
h1{margin:24px 0 4px;font-size:1.7em}h2{margin-top:36px;border-bottom:2px solid #e4e4e4;padding-bottom:4px}
.meta{color:#666;margin:0 0 12px}nav{background:#f6f7f9;border:1px solid #e4e4e4;border-radius:6px;
padding:8px 14px;margin:12px 0;display:flex;flex-wrap:wrap;gap:4px 16px}
nav a{color:#1f5fa8;text-decoration:none;white-space:nowrap}
.absent{color:#888;font-size:.93em}table{border-collapse:collapse;margin:10px 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:4px 9px;text-align:left;vertical-align:top}
th{background:#f3f4f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.chosen td{background:#eaf6ea}tr.best td{background:#fdf1e6}
figure{margin:12px 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:.9em;max-width:900px}.tag{font-size:.8em;padding:1px 6px;border-radius:8px;
background:#2ca02c;color:#fff;margin-left:4px}.tag.best{background:#d9822b}ul.names{columns:4;font-size:.9em}
.kv{display:flex;gap:28px;flex-wrap:wrap}
"""

_TITLES = {
    "notes": "Notes", "settings": "Settings", "columns": "Columns", "history": "Learning curves",
    "path": "Regularization path",
    "tune": "Tuning results", "dropout": "Dropout-rate comparison", "errors": "Errors on held-out rows",
    "comparison": "Comparison",
    "weights": "Weights", "selected_features": "Selected input features",
}


# ---------------------------------------------------------------------------------------- sections
def _summary(ctx: RunContext) -> str:
    parts = []
    if ctx.dataset:
        parts.append("<div><h3>Data</h3>" + _table(None, _key_values(ctx.dataset)) + "</div>")
    choice = _search_choices(ctx.tune) if ctx.tune is not None else []
    path = ctx.path
    for key, label in (("lambda_min", "λ_min (best CV score)"),
                       ("lambda_1se", "λ_1se (largest within 1 SE)")):
        if path is not None and getattr(path, key) is not None:
            choice.append([_e(f"{label}, {_param_name(path, 'λ')}"), _fmt(getattr(path, key))])
    if choice:
        parts.append("<div><h3>Chosen settings</h3>" + _table(None, choice) + "</div>")
    return f'<div class="kv">{"".join(parts)}</div>' if parts else ""


def _history(h: HistorySummary, plots) -> str:
    if not (h.train_loss or h.val_loss):
        return '<p class="absent">The history holds no per-epoch losses.</p>'
    facts = [f"{h.n_epochs} epochs"]
    if h.best_epoch is not None:
        facts.append(f"best epoch {h.best_epoch + 1} (its weights were kept)")
    if h.stopped_early:
        facts.append("stopped early")
    caption = (_e("; ".join(facts)) + ". The training loss is the mean over each epoch's minibatches "
               "with dropout active; a validation curve that turns up while training keeps falling "
               "is overfitting.")
    return _figure(plots.learning_curves(h), "training and validation loss per epoch", caption)


def _errors(err, plots) -> str:
    """The held-out errors' figures, each caption saying which rows they are drawn on."""
    where = f"Drawn on {err.source}" + ("" if err.n_rows is None else f" ({err.n_rows} rows)")
    if err.task == "regression":
        shown = ("" if err.n_shown in (None, err.n_rows)
                 else f"; {err.n_shown} of them, drawn at random, shown")
        if not err.truth:
            return f'<p class="absent">{_e(where)}: no rows to draw.</p>'
        return _figure(plots.regression_errors_figure(err), "predicted against true values, and residuals",
                       _e(f"{where}{shown}. Points on the dashed line are predicted exactly; a pattern "
                          "in the residuals is an error the model makes systematically."))
    parts = []
    if err.confusion:
        parts.append(_figure(plots.confusion_calibration_figure(err),
                             "confusion matrix and reliability diagram",
                             _e(f"{where}. Left: each row is a true class, each column the predicted one. "
                                "Right: held-out rows binned by predicted probability; a calibrated model's "
                                "points lie on the diagonal.")))
    if err.roc is not None and err.pr is not None:
        parts.append(_figure(plots.roc_pr_figure(err), "ROC and precision-recall curves",
                             _e(f"{where}. The dashed lines are what ranking at random gives.")))
    return "".join(parts) or f'<p class="absent">{_e(where)}: nothing to draw.</p>'


def _comparison_cell(key: str, value) -> str:
    if key == "zero_fraction" and isinstance(value, (int, float)):
        return _e(f"{100 * value:.1f}%")
    if key == "params" and isinstance(value, dict):
        return _params_text(value)
    if key == "weight_norms" and isinstance(value, list):
        return _e(", ".join(f"{x:.3g}" if isinstance(x, float) else str(x) for x in value))
    return _fmt(value)


def _comparison(rows: list[ComparisonRow], plots, metric) -> str:
    cols = [("name", "setting"), ("cv_score", f"CV {metric}"), ("test_score", f"test {metric}"),
            ("zero_fraction", "zero weights"), ("weight_norms", "weight norms per layer"),
            ("active_features", "active inputs"), ("params", "chosen settings")]
    cols = [(k, t) for k, t in cols if any(getattr(r, k) is not None for r in rows)]
    cells = [[_comparison_cell(k, getattr(r, k)) for k, _ in cols] for r in rows]
    figure = ""
    if any(getattr(r, k) is not None for r in rows for k in ("cv_score", "test_score", "zero_fraction")):
        figure = _figure(plots.comparison_figure(rows, metric), "score and sparsity per setting")
    return figure + _table([t for _, t in cols], cells)


def _weights(m: ModelSummary, plots) -> str:
    histograms = {name: w if isinstance(w, WeightHistogram) else WeightHistogram.of(w, bins=40)
                  for name, w in (m.weights or {}).items()}
    zeros = {}
    for row in m.layers or []:
        if row.get("zero_fraction") is not None:
            zeros[f"layer {row.get('layer', len(zeros))}"] = row["zero_fraction"]
    if not zeros:
        zeros = {name: h.n_zero / h.n for name, h in histograms.items() if h.n}
    parts = []
    if histograms or zeros:
        caption = ("Each histogram counts the weights that are not exactly zero; the exact zeros (what "
                   "L1 and group L1 remove) are given as a share above each panel and in the bar chart.")
        parts.append(_figure(plots.weights_figure(histograms, zeros), "weight histograms per layer", caption))
    if m.layers:
        keys = list(dict.fromkeys(k for row in m.layers for k in row))
        rows = [[_e(f"{100 * r[k]:.1f}%") if k == "zero_fraction" and isinstance(r.get(k), (int, float))
                 else _fmt(r.get(k)) for k in keys] for r in m.layers]
        parts.append(_table([k.replace("_", " ") for k in keys], rows))
    return "".join(parts)


def _features(m: ModelSummary, plots) -> str:
    s = m.selected_features
    kept, n = len(s.indices), s.n_inputs
    if kept == n:
        parts = [f"<p>All {n} input features keep a non-zero first-layer weight: no input was removed.</p>"]
    else:
        parts = [f"<p>{kept} of {n} input features keep a non-zero first-layer weight "
                 f"({_e(f'{kept / n:.0%}')}); the other {n - kept} no longer influence any prediction.</p>"]
    png = plots.features_figure(s)
    if png is not None:
        parts.append(_figure(png, "input features kept by the network"))
    if not s.image_shape:
        names = s.names or [f"#{i}" for i in s.indices]
        shown = names[:300]
        more = f"<p class='absent'>… and {len(names) - 300} more.</p>" if len(names) > 300 else ""
        parts.append('<ul class="names">' + "".join(f"<li>{_e(x)}</li>" for x in shown) + "</ul>" + more)
    return "".join(parts)


def _model_sections(ctx: RunContext, plots) -> dict:
    """Weights and selected inputs of the main model, then of any further ones, each named."""
    models = [m for m in (ctx.model, *(ctx.models or [])) if m is not None]
    several = len(ctx.drawn_models) > 1
    body = {}
    for key, draw, present in (("weights", _weights, lambda m: m.weights or m.layers),
                               ("selected_features", _features, lambda m: m.selected_features)):
        parts = []
        for m in models:
            if not present(m):
                continue
            if several:
                parts.append(f"<h3>{_e(m.name or 'main model')}</h3>")
            elif m.name:
                parts.append(f"<p>Model shown: {_e(m.name)}.</p>")
            parts.append(draw(m, plots))
        if parts:
            body[key] = "".join(parts)
    return body


def _metrics(ctx: RunContext) -> tuple[str, str]:
    """The run's metric name, and the search's (its own where it names one)."""
    # scoring=None in selection means the estimator's own score: accuracy, or R² for regression
    task = (ctx.dataset or {}).get("task")
    metric = (ctx.metric or (ctx.tune and ctx.tune.score_name) or (ctx.path and ctx.path.score_name)
              or {"classification": "accuracy", "regression": "R²"}.get(task, "score"))
    return metric, (ctx.tune and ctx.tune.score_name) or metric


#: sections that only some runs have (a table's column plan): not listed as absent when missing
_OPTIONAL = ("columns",)


def _columns(columns: list) -> str:
    """The column plan: each input column's role, levels, share missing and what was done."""
    def missing(c):
        share = c.get("missing_share")
        return _e(f"{100 * share:.1f}%") if isinstance(share, (int, float)) else "—"

    rows = [[_e(c.get("column")), _e(c.get("role", "")), _fmt(c.get("cardinality")), missing(c),
             _e(c.get("action", "")), _e(c.get("reason", ""))] for c in columns]
    return ("<p>How each column of the table was read (roles are decided at fit from the training rows; "
            "--drop, --categorical, --numeric, --datetime and --id override them). Imputation: numbers "
            "by the median, with an indicator column; a missing category is a level of its own.</p>"
            + _table(["column", "role", "levels", "missing", "action", "why"], rows))


def _sections(ctx: RunContext, plots, search_plots) -> dict:
    """Each present section's HTML, keyed as in ``_TITLES``."""
    metric, tune_metric = _metrics(ctx)
    body = {}
    if ctx.notes:
        body["notes"] = "<ul>" + "".join(f"<li>{_e(n)}</li>" for n in ctx.notes) + "</ul>"
    if ctx.settings:
        body["settings"] = _table(["setting", "value"], _key_values(ctx.settings))
    if ctx.columns:
        body["columns"] = _columns(ctx.columns)
    if ctx.history is not None and not ctx.history.is_empty():
        body["history"] = _history(ctx.history, plots)
    if ctx.path is not None:
        body["path"] = _path(ctx.path, search_plots, metric)
    if ctx.tune is not None and ctx.tune.results:
        body.update(_tune_sections(ctx.tune, search_plots, tune_metric))
    if ctx.errors is not None:
        body["errors"] = _errors(ctx.errors, plots)
    if ctx.comparison:
        body["comparison"] = _comparison(ctx.comparison, plots, metric)
    body.update(_model_sections(ctx, plots))
    return body


def render_html(context: RunContext | dict) -> str:
    """The report page for a :class:`RunContext` (a dict is read by ``RunContext.from_dict``).

    Examples
    --------
    >>> page = render_html({"title": "<demo>", "notes": ["age: 3 missing values imputed"]})
    >>> "&lt;demo&gt;" in page and "<script" not in page
    True
    """
    from . import plots as _plots  # matplotlib is loaded only when a report is drawn
    from . import search_plots as _search_plots

    ctx = context if isinstance(context, RunContext) else RunContext.from_dict(context)
    body = _sections(ctx, _plots, _search_plots)
    title = ctx.title or "ridgeback report"
    meta = " · ".join(_e(x) for x in (ctx.created, ctx.ridgeback_version and
                                     f"ridgeback {ctx.ridgeback_version}") if x)
    nav = "".join(f'<a href="#{key}">{_e(_TITLES[key])}</a>' for key in _TITLES if key in body)
    absent = [_TITLES[key] for key in _TITLES if key not in body and key not in _OPTIONAL]
    unknown = sorted(ctx.extra)
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{_e(title)}</h1>", f'<p class="meta">{meta}</p>' if meta else "",
           f"<nav>{nav}</nav>" if nav else "", _summary(ctx)]
    if absent:
        out.append(f'<p class="absent">Not in this run: {_e(", ".join(absent).lower())}.</p>')
    if unknown:
        out.append(f'<p class="absent">Kept in run.json but not drawn: {_e(", ".join(unknown))}.</p>')
    for key in _TITLES:
        if key in body:
            out.append(f'<section id="{key}"><h2>{_e(_TITLES[key])}</h2>{body[key]}</section>')
    out.append("</body></html>\n")
    return "\n".join(x for x in out if x)
