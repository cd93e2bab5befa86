"""Assembling the report page: sections, tables and inline figures, every data string escaped.

The context reaching :func:`render_html` has been checked by
:func:`ridgeback.report.check_context`; this module only lays it out.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re

import numpy as np

__all__ = ["render_html", "data_uri", "KNOWN_KEYS"]

KNOWN_KEYS = frozenset(("title", "created", "ridgeback_version", "metric", "model", "dataset", "settings",
                        "history", "tune", "path", "comparison", "layers", "weights", "selected_features",
                        "models", "notes"))

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
    "notes": "Notes", "settings": "Settings", "history": "Learning curves", "path": "Regularization path",
    "tune": "Tuning results", "dropout": "Dropout-rate comparison", "comparison": "Comparison",
    "weights": "Weights", "selected_features": "Selected input features",
}
_LOG_PARAMS = ("l1", "l2", "group_l1", "learning_rate", "lr", "weight_decay", "alpha")
_DROPOUT_PARAMS = ("dropout", "input_dropout")


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value) -> str:
    """A value as escaped text: compact numbers, '—' for missing."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return _e(f"{value:.4g}")
    if isinstance(value, (list, dict)):
        return _e(json.dumps(value, ensure_ascii=False))
    return _e(value)


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI for an ``<img src>``."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _array(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _figure(png: bytes, alt: str, caption: str = "") -> str:
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure><img src="{data_uri(png)}" alt="{_e(alt)}">{cap}</figure>'


def _table(header: list | None, rows: list, classes: list | None = None) -> str:
    """``rows`` hold already-escaped cell HTML; numeric-looking cells are right-aligned."""
    head = f"<thead><tr>{''.join(f'<th>{_e(h)}</th>' for h in header)}</tr></thead>" if header else ""
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes and classes[i] else ""
        cells = "".join(f'<td class="num">{c}</td>' if _numeric_text(c) else f"<td>{c}</td>" for c in row)
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table>{head}<tbody>{''.join(body)}</tbody></table>"


_NUMBER = re.compile(r"-?\d[\d.,]*(e[-+]?\d+)?%?( <span.*)?", flags=re.IGNORECASE)


def _numeric_text(cell: str) -> bool:
    return _NUMBER.fullmatch(cell) is not None


def _key_values(mapping: dict, prefix: str = "") -> list:
    rows = []
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows.extend(_key_values(value, f"{name}."))
        else:
            rows.append([_e(name), _fmt(value)])
    return rows


def _params_text(params: dict | None) -> str:
    if not params:
        return "—"
    return ", ".join(f"{_e(k)}={_fmt(v)}" for k, v in params.items())


# ---------------------------------------------------------------------------------------- sections
def _summary(ctx: dict) -> str:
    parts = []
    if ctx.get("dataset"):
        parts.append("<div><h3>Data</h3>" + _table(None, _key_values(ctx["dataset"])) + "</div>")
    choice = []
    tune, path = ctx.get("tune") or {}, ctx.get("path") or {}
    if tune.get("top_params") is not None:
        choice.append(["best CV score", _params_text(tune["top_params"])])
    if tune.get("one_se_params") is not None:
        choice.append(["1-SE choice (simplest within one standard error)",
                       _params_text(tune["one_se_params"])])
    if tune.get("refit") in ("1se", "best"):
        choice.append(["final model refitted on all rows with",
                       "the 1-SE choice" if tune["refit"] == "1se" else "the best CV score"])
    for key, label in (("lambda_min", "λ_min (best CV score)"),
                       ("lambda_1se", "λ_1se (largest within 1 SE)")):
        if path.get(key) is not None:
            choice.append([_e(f"{label}, {path.get('param', 'λ')}"), _fmt(path[key])])
    if choice:
        parts.append("<div><h3>Chosen settings</h3>" + _table(None, choice) + "</div>")
    return f'<div class="kv">{"".join(parts)}</div>' if parts else ""


def _history(ctx, plots) -> str:
    h = ctx["history"]
    if not (h.get("train_loss") or h.get("val_loss")):
        return '<p class="absent">The history holds no per-epoch losses.</p>'
    facts = [f"{max(len(h.get('train_loss') or []), len(h.get('val_loss') or []))} epochs"]
    if h.get("best_epoch") is not None:
        facts.append(f"best epoch {h['best_epoch'] + 1} (its weights were kept)")
    if h.get("stopped_early"):
        facts.append("stopped early")
    caption = (_e("; ".join(facts)) + ". The training loss is the mean over each epoch's minibatches "
               "with dropout active; a validation curve that turns up while training keeps falling "
               "is overfitting.")
    return _figure(plots.learning_curves(h), "training and validation loss per epoch", caption)


def _path(ctx, plots, metric) -> str:
    p = ctx["path"]
    std = _array(p["std_score"])
    if p.get("se_score") is not None:
        band, label = _array(p["se_score"]), "± 1 SE"
    elif p.get("n_folds"):
        band, label = std / math.sqrt(p["n_folds"]), "± 1 SE"
    else:
        band, label = std, "± 1 std over folds"
    metric = p.get("metric") or metric
    parts = []
    if any(v is not None and v > 0 for v in p["values"]):
        caption = _e(f"Cross-validated {metric} against the penalty strength {p.get('param', 'λ')}. "
                     f"The band is {label.replace('± ', '±')}. λ_1se is the largest strength whose mean "
                     "score lies within one standard error of the best: a simpler model that is "
                     "statistically as good."
                     + (f" {p.get('param', 'λ')} = 0 (no penalty) cannot sit on a log axis: it is in the "
                        "table only." if any(v == 0 for v in p["values"]) else ""))
        parts.append(_figure(plots.path_figure(p, np.nan_to_num(band), label, metric),
                             "validation score against penalty strength", caption))
    cols = [("values", p.get("param", "λ")), ("mean_score", f"CV {metric}"), ("std_score", "std"),
            ("train_score", f"train {metric}"), ("n_nonzero", "non-zero weights"),
            ("n_active_features", "active inputs")]
    cols = [(k, t) for k, t in cols if p.get(k) is not None]
    rows, classes = [], []
    for i, value in enumerate(p["values"]):
        tags = "".join(f' <span class="tag{c}">{t}</span>' for key, t, c in
                       (("lambda_min", "λ_min", " best"), ("lambda_1se", "λ_1se", ""))
                       if p.get(key) is not None and value is not None and math.isclose(value, p[key]))
        rows.append([_fmt(p[k][i]) + (tags if k == "values" else "") for k, _ in cols])
        classes.append("chosen" if "λ_1se" in tags else ("best" if tags else ""))
    return "".join(parts) + _table([t for _, t in cols], rows, classes)


def _tune(ctx, metric, top: int = 20) -> str:
    t = ctx["tune"]
    results = list(t["results"])
    ranked = sorted(results, key=lambda r: -math.inf if r.get("mean_score") is None else r["mean_score"],
                    reverse=True)
    keys = list(dict.fromkeys(k for r in results for k in r["params"]))
    extra = [k for k in dict.fromkeys(k for r in results for k in r)
             if k not in ("params", "mean_score", "std_score", "rank") and all(
                 r.get(k) is None or (isinstance(r.get(k), (int, float)) and not isinstance(r.get(k), bool))
                 for r in results)]
    rows, classes = [], []
    for i, r in enumerate(ranked[:top]):
        tags = ""
        if t.get("top_params") is not None and r["params"] == t["top_params"]:
            tags += ' <span class="tag best">best</span>'
        if t.get("one_se_params") is not None and r["params"] == t["one_se_params"]:
            tags += ' <span class="tag">1-SE</span>'
        rows.append([str(i + 1) + tags] + [_fmt(r["params"].get(k)) for k in keys]
                    + [_fmt(r.get("mean_score")), _fmt(r.get("std_score"))] + [_fmt(r.get(k)) for k in extra])
        classes.append("chosen" if "1-SE" in tags else ("best" if tags else ""))
    shown = f"the top {top} of {len(results)}" if len(results) > top else f"all {len(results)}"
    folds = f" over {t['n_folds']} folds" if t.get("n_folds") else ""
    intro = f"<p>Candidates sorted by cross-validated {_e(metric)}{_e(folds)} ({_e(shown)} shown).</p>"
    header = ["rank"] + keys + [f"CV {metric}", "std"] + [k.replace("_", " ") for k in extra]
    return intro + _table(header, rows, classes)


def _varied(results: list, names) -> list:
    out = []
    for name in names:
        values = [r["params"].get(name) for r in results if name in r["params"]]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        if numeric and len(set(values)) > 1:  # sizes such as [64, 32] have no axis to sit on
            out.append(name)
    return out


def _comparison(ctx, plots, metric) -> str:
    rows = ctx["comparison"]
    cols = [("name", "setting"), ("cv_score", f"CV {metric}"), ("test_score", f"test {metric}"),
            ("zero_fraction", "zero weights"), ("weight_norms", "weight norms per layer"),
            ("active_features", "active inputs"), ("params", "chosen settings")]
    cols = [(k, t) for k, t in cols if any(r.get(k) is not None for r in rows)]
    cells = []
    for r in rows:
        cell = []
        for k, _ in cols:
            v = r.get(k)
            if k == "zero_fraction" and isinstance(v, (int, float)):
                cell.append(_e(f"{100 * v:.1f}%"))
            elif k == "params" and isinstance(v, dict):
                cell.append(_params_text(v))
            elif k == "weight_norms" and isinstance(v, list):
                cell.append(_e(", ".join(f"{x:.3g}" if isinstance(x, float) else str(x) for x in v)))
            else:
                cell.append(_fmt(v))
        cells.append(cell)
    figure = ""
    if any(r.get(k) is not None for r in rows for k in ("cv_score", "test_score", "zero_fraction")):
        figure = _figure(plots.comparison_figure(rows, metric), "score and sparsity per setting")
    return figure + _table([t for _, t in cols], cells)


def _weights(ctx, plots) -> str:
    histograms = {}
    for name, w in (ctx.get("weights") or {}).items():
        if isinstance(w, list):
            values = np.array([v for v in w if v is not None], dtype=np.float64)
            nonzero = values[values != 0]
            counts, edges = np.histogram(nonzero, bins=40) if nonzero.size else (np.zeros(0), np.zeros(1))
            w = {"counts": counts.tolist(), "edges": edges.tolist(),
                 "n_zero": int(values.size - nonzero.size), "n": int(values.size)}
        histograms[name] = w
    zeros = {}
    for row in ctx.get("layers") or []:
        if row.get("zero_fraction") is not None:
            zeros[f"layer {row.get('layer', len(zeros))}"] = row["zero_fraction"]
    if not zeros:
        zeros = {name: h["n_zero"] / h["n"] for name, h in histograms.items() if h["n"]}
    parts = []
    if histograms or zeros:
        caption = ("Each histogram counts the weights that are not exactly zero; the exact zeros (what "
                   "L1 and group L1 remove) are given as a share above each panel and in the bar chart.")
        parts.append(_figure(plots.weights_figure(histograms, zeros), "weight histograms per layer", caption))
    if ctx.get("layers"):
        keys = list(dict.fromkeys(k for row in ctx["layers"] for k in row))
        rows = [[_e(f"{100 * r[k]:.1f}%") if k == "zero_fraction" and isinstance(r.get(k), (int, float))
                 else _fmt(r.get(k)) for k in keys] for r in ctx["layers"]]
        parts.append(_table([k.replace("_", " ") for k in keys], rows))
    return "".join(parts)


def _features(ctx, plots) -> str:
    s = ctx["selected_features"]
    kept, n = len(s["indices"]), s["n_inputs"]
    if kept == n:
        parts = [f"<p>All {n} input features keep a non-zero first-layer weight: no input was removed.</p>"]
    else:
        parts = [f"<p>{kept} of {n} input features keep a non-zero first-layer weight "
                 f"({_e(f'{kept / n:.0%}')}); the other {n - kept} no longer influence any prediction.</p>"]
    png = plots.features_figure(s)
    if png is not None:
        parts.append(_figure(png, "input features kept by the network"))
    if not s.get("image_shape"):
        names = s.get("names") or [f"#{i}" for i in s["indices"]]
        shown = names[:300]
        more = f"<p class='absent'>… and {len(names) - 300} more.</p>" if len(names) > 300 else ""
        parts.append('<ul class="names">' + "".join(f"<li>{_e(x)}</li>" for x in shown) + "</ul>" + more)
    return "".join(parts)


def _normalized(ctx: dict) -> dict:
    """Read ``TuneResult.to_dict()`` and ``RegularizationPath.to_dict()`` as they come.

    The tune section gets ``top_params`` (the best mean score) and ``one_se_params``; the
    path section gets ``train_score`` from ``mean_train_score``; ``scoring`` names the metric.
    """
    ctx = dict(ctx)
    if ctx.get("tune"):
        t = dict(ctx["tune"])
        results = t["results"]
        t["metric"] = t.get("metric") or t.get("scoring")
        top = t.get("best_params")
        if t.get("best_score_index") is not None:
            top = results[t["best_score_index"]]["params"]
        one_se = t.get("one_se_params")
        if one_se is None and t.get("refit") == "1se" and t.get("best_index") is not None:
            one_se = results[t["best_index"]]["params"]
        t["top_params"], t["one_se_params"] = top, one_se
        ctx["tune"] = t
    if ctx.get("path"):
        p = dict(ctx["path"])
        if p.get("train_score") is None:
            p["train_score"] = p.get("mean_train_score")
        p["metric"] = p.get("metric") or p.get("scoring")
        ctx["path"] = p
    return ctx


def render_html(context: dict) -> str:
    """The report page for a checked ``context`` (see :mod:`ridgeback.report`), as a string.

    Examples
    --------
    >>> page = render_html({"title": "<demo>", "notes": ["age: 3 missing values imputed"]})
    >>> "&lt;demo&gt;" in page and "<script" not in page
    True
    """
    from . import plots as _plots  # matplotlib is loaded only when a report is drawn

    ctx = _normalized(context)
    # scoring=None in selection means the estimator's own score: accuracy, or R² for regression
    task = (ctx.get("dataset") or {}).get("task")
    metric = (ctx.get("metric") or (ctx.get("tune") or {}).get("metric")
              or (ctx.get("path") or {}).get("metric")
              or {"classification": "accuracy", "regression": "R²"}.get(task, "score"))
    tune_metric = (ctx.get("tune") or {}).get("metric") or metric
    body = {}
    if ctx.get("notes"):
        body["notes"] = "<ul>" + "".join(f"<li>{_e(n)}</li>" for n in ctx["notes"]) + "</ul>"
    if ctx.get("settings"):
        body["settings"] = _table(["setting", "value"], _key_values(ctx["settings"]))
    if ctx.get("history"):
        body["history"] = _history(ctx, _plots)
    if ctx.get("path"):
        body["path"] = _path(ctx, _plots, metric)
    if ctx.get("tune") and ctx["tune"]["results"]:
        results = ctx["tune"]["results"]
        others = _varied(results, [k for k in dict.fromkeys(k for r in results for k in r["params"])
                                   if k not in _DROPOUT_PARAMS])
        figure = ""
        if others:
            figure = _figure(_plots.hyperparameter_figure(results, others, tune_metric, _LOG_PARAMS),
                             "score against each tuned hyper-parameter",
                             "Grey points: every candidate. Red: the best candidate at each value.")
        body["tune"] = figure + _tune(ctx, tune_metric)
        rates = _varied(results, _DROPOUT_PARAMS)
        if rates:
            caption = ("Cross-validated score against the dropout rate; at each rate, the best candidate "
                       "over the other hyper-parameters, with the standard deviation over folds.")
            body["dropout"] = _figure(_plots.hyperparameter_figure(results, rates, tune_metric),
                                      "score against dropout rate", caption)
    if ctx.get("comparison"):
        body["comparison"] = _comparison(ctx, _plots, metric)
    # the main model, then any further ones (e.g. the L1 model of a comparison), each named
    models = [ctx, *(ctx.get("models") or [])]
    drawn = [m for m in models if m.get("weights") or m.get("layers") or m.get("selected_features")]
    several = len(drawn) > 1
    for key, draw, present in (("weights", _weights, ("weights", "layers")),
                               ("selected_features", _features, ("selected_features",))):
        parts = []
        for m in models:
            if not any(m.get(k) for k in present):
                continue
            if several:
                parts.append(f"<h3>{_e(m.get('model') or 'main model')}</h3>")
            elif m.get("model"):
                parts.append(f"<p>Model shown: {_e(m['model'])}.</p>")
            parts.append(draw(m, _plots))
        if parts:
            body[key] = "".join(parts)

    title = ctx.get("title") or "ridgeback report"
    meta = " · ".join(_e(x) for x in (ctx.get("created"), ctx.get("ridgeback_version") and
                                     f"ridgeback {ctx['ridgeback_version']}") if x)
    nav = "".join(f'<a href="#{key}">{_e(_TITLES[key])}</a>' for key in _TITLES if key in body)
    absent = [_TITLES[key] for key in _TITLES if key not in body]
    unknown = sorted(k for k in ctx if k not in KNOWN_KEYS)
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
