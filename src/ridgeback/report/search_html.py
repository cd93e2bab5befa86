"""The report's sections on a search: the chosen settings, the regularization path (its
figure and table) and the tuning results (the table of candidates, a figure per tuned
hyper-parameter, the halving rungs, the dropout rates).

The page around them is :mod:`~ridgeback.report.html`; their figures come from
:mod:`~ridgeback.report.search_plots`, which the page hands in as ``search_plots`` so that
matplotlib is loaded only when a report is drawn.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from .context import PathSummary, SearchSummary
from .markup import _e, _figure, _fmt, _params_text, _table

__all__: list[str] = []  # the sections are the report page's (html.py), not a public API

_LOG_PARAMS = ("l1", "l2", "group_l1", "learning_rate", "lr", "weight_decay", "alpha")
_DROPOUT_PARAMS = ("dropout", "input_dropout")


def _array(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _search_choices(tune: SearchSummary) -> list:
    """The search's answers: the best candidate, the 1-SE choice, and which one was refitted."""
    rows = []
    _, best = tune.answer("best")
    _, one_se = tune.answer("one_se")
    if best is not None:
        rows.append(["best CV score", _params_text(best)])
    if one_se is not None:
        rows.append(["1-SE choice (simplest within one standard error)", _params_text(one_se)])
    if tune.chosen == "linear":
        rows.append(["final model refitted on all rows with",
                     "the linear baseline: no network candidate beat it (see Notes)"])
    elif tune.refitted:
        which = "the 1-SE choice" if tune.refit == "1se" else "the best CV score"
        rows.append(["final model refitted on all rows with",
                     f"{which}, averaged half and half with the linear baseline (within one standard "
                     f"error of each other; see Notes)" if tune.chosen == "average" else which])
    return rows


def _param_name(path: PathSummary, default: str) -> str:
    return default if path.param is None else path.param


def _path_band(p: PathSummary) -> tuple[np.ndarray, str]:
    """The band around the validation score, and what it is."""
    std = _array(p.std_score)
    if p.se_score is not None:
        return _array(p.se_score), "± 1 SE"
    if p.n_folds:
        return std / math.sqrt(p.n_folds), "± 1 SE"
    return std, "± 1 std over folds"


def _path(p: PathSummary, search_plots, metric) -> str:
    band, label = _path_band(p)
    metric = p.score_name or metric
    name = _param_name(p, "λ")
    parts = []
    if any(v is not None and v > 0 for v in p.values):
        caption = _e(f"Cross-validated {metric} against the penalty strength {name}. "
                     f"The band is {label.replace('± ', '±')}. λ_1se is the largest strength whose mean "
                     "score lies within one standard error of the best: a simpler model that is "
                     "statistically as good."
                     + (f" {name} = 0 (no penalty) cannot sit on a log axis: it is in the "
                        "table only." if any(v == 0 for v in p.values) else ""))
        parts.append(_figure(search_plots.path_figure(p, np.nan_to_num(band), label, metric),
                             "validation score against penalty strength", caption))
    columns = {"values": (name, p.values), "mean_score": (f"CV {metric}", p.mean_score),
               "std_score": ("std", p.std_score), "train_score": (f"train {metric}", p.training_score),
               "n_nonzero": ("non-zero weights", p.n_nonzero),
               "n_active_features": ("active inputs", p.n_active_features)}
    cols = [(title, values) for title, values in columns.values() if values is not None]
    rows, classes = [], []
    for i, value in enumerate(p.values):
        tags = "".join(f' <span class="tag{c}">{t}</span>' for strength, t, c in
                       ((p.lambda_min, "λ_min", " best"), (p.lambda_1se, "λ_1se", ""))
                       if strength is not None and value is not None and math.isclose(value, strength))
        rows.append([_fmt(values[i]) + (tags if j == 0 else "") for j, (_, values) in enumerate(cols)])
        classes.append("chosen" if "λ_1se" in tags else ("best" if tags else ""))
    return "".join(parts) + _table([title for title, _ in cols], rows, classes)


def _marks(tune: SearchSummary) -> list:
    """Per candidate, whether it is the best and whether it is the 1-SE choice, as the search says."""
    marks = []
    for which in ("best", "one_se"):
        index, params = tune.answer(which)
        marks.append([i == index if index is not None else params is not None and c.params == params
                      for i, c in enumerate(tune.results)])
    return list(zip(*marks, strict=True))


def _extra_columns(results: list) -> list:
    """Further numeric entries of the candidates (``mean_train_score``, ``mean_fit_time``...);
    the rung and the epochs reached only where they differ (a search of one rung has no rungs
    to tell apart)."""
    keys = dict.fromkeys(k for c in results for k in c.extra if k != "rank")
    numeric = [k for k in keys if all(c.extra.get(k) is None or (isinstance(c.extra.get(k), (int, float))
                                                                 and not isinstance(c.extra.get(k), bool))
                                      for c in results)]
    return [k for k in numeric if k not in ("rung", "epochs") or len({c.extra.get(k) for c in results}) > 1]


def _tune(t: SearchSummary, metric, top: int = 20) -> str:
    results = t.results
    marks = _marks(t)
    ranked = sorted(range(len(results)), reverse=True,
                    key=lambda i: -math.inf if results[i].mean_score is None else results[i].mean_score)
    keys = list(dict.fromkeys(k for c in results for k in c.params))
    extra = _extra_columns(results)
    rows, classes = [], []
    for rank, i in enumerate(ranked[:top]):
        c, (best, one_se) = results[i], marks[i]
        tags = (' <span class="tag best">best</span>' if best else "") + (' <span class="tag">1-SE</span>'
                                                                           if one_se else "")
        rows.append([str(rank + 1) + tags] + [_fmt(c.params.get(k)) for k in keys]
                    + [_fmt(c.mean_score), _fmt(c.std_score)] + [_fmt(c.extra.get(k)) for k in extra])
        classes.append("chosen" if one_se else ("best" if tags else ""))
    shown = f"the top {top} of {len(results)}" if len(results) > top else f"all {len(results)}"
    folds = f" over {t.n_folds} folds" if t.n_folds else ""
    intro = f"<p>Candidates sorted by cross-validated {_e(metric)}{_e(folds)} ({_e(shown)} shown).</p>"
    header = ["rank"] + keys + [f"CV {metric}", "std"] + [k.replace("_", " ") for k in extra]
    return intro + _table(header, rows, classes)


def _varied(results: list, names) -> list:
    out = []
    for name in names:
        values = [c.params.get(name) for c in results if name in c.params]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        if numeric and len(set(values)) > 1:  # sizes such as [64, 32] have no axis to sit on
            out.append(name)
    return out


def _rungs_text(rows: list) -> str:
    """How many candidates reached each rung, e.g. "4 candidates at 3 epochs, 1 at 9"."""
    reached = Counter(e for row in rows for e in row.get("rung_epochs") or [] if e is not None)
    (first, n), *rest = sorted(reached.items())
    return ", ".join([f"{n} candidate{'' if n == 1 else 's'} at {first:g} epochs",
                      *(f"{m} at {e:g}" for e, m in rest)])


def _tune_sections(t: SearchSummary, search_plots, metric) -> dict:
    """The search's table with a figure per tuned hyper-parameter, and the dropout figure."""
    rows = [c.to_dict() for c in t.results]
    names = list(dict.fromkeys(k for c in t.results for k in c.params))
    others = _varied(t.results, [k for k in names if k not in _DROPOUT_PARAMS])
    figure = ""
    if others:
        figure = _figure(search_plots.hyperparameter_figure(rows, others, metric, _LOG_PARAMS),
                         "score against each tuned hyper-parameter",
                         "Grey points: every candidate. Red: the best candidate at each value.")
    if any(len(row.get("rung_epochs") or []) > 1 for row in rows):
        figure += _figure(search_plots.halving_figure(rows, metric, t.best_index),
                          "score against epochs reached at each halving rung",
                          "Successive halving: each line is a candidate, its mean CV score at each rung "
                          f"it reached ({_e(_rungs_text(rows))}); only the best of a rung went on to "
                          "train longer." + (" Red: the best CV score." if t.best_index is not None else ""))
    body = {"tune": figure + _tune(t, metric)}
    rates = _varied(t.results, _DROPOUT_PARAMS)
    if rates:
        caption = ("Cross-validated score against the dropout rate; at each rate, the best candidate "
                   "over the other hyper-parameters, with the standard deviation over folds.")
        body["dropout"] = _figure(search_plots.hyperparameter_figure(rows, rates, metric),
                                  "score against dropout rate", caption)
    return body
