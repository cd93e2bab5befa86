"""The search's figures, each returned as PNG bytes: the regularization path, the score against
each tuned hyper-parameter, and successive halving's rungs.

They are drawn as every figure of the report is (:mod:`~ridgeback.report.plots`): on a figure
of their own, never through ``pyplot``. The inputs are a
:class:`~ridgeback.report.context.PathSummary` and the rows of a search as
``TuneResult.results_`` holds them; ``None`` stands for a missing value.
"""

from __future__ import annotations

import numpy as np

from .plots import CHOSEN, MUTED, TRAIN, VALID, _floats, _new, _png

__all__ = ["path_figure", "hyperparameter_figure", "halving_figure"]


#: how each panel marks the chosen strengths: (attribute, colour, line style, legend text)
_LAMBDAS = (("lambda_min", VALID, ":", "λ_min (best score)"),
            ("lambda_1se", CHOSEN, "--", "λ_1se (simplest within 1 SE)"))


def path_figure(path, band: np.ndarray, band_label: str, metric: str) -> bytes:
    """Cross-validated score against the penalty strength (log axis), ±1 SE band, λ_min and λ_1se.

    ``path`` is a :class:`~ridgeback.report.context.PathSummary`; the strengths shown are the
    positive ones (a log axis cannot show λ = 0), in increasing order.
    """
    values = _floats(path.values)
    keep = values > 0  # a log axis cannot show lambda = 0
    order = np.argsort(values[keep])

    def shown(per_value):
        return np.asarray(per_value, dtype=np.float64)[keep][order]

    sparsity = [k for k in ("n_active_features", "n_nonzero") if getattr(path, k)]
    fig, axes = _new(11, 4.2, 2 if sparsity else 1)
    name = "lambda" if path.param is None else path.param
    _path_scores(axes[0], path, shown, shown(band), band_label, metric, name)
    if sparsity:
        _path_sparsity(axes[1], path, shown, sparsity, axes[0].get_xlim(), name)
    return _png(fig)


def _path_scores(ax, path, shown, band, band_label, metric, name) -> None:
    """The left panel: validation (and training) score per strength, the band and the choices."""
    x, mean = shown(_floats(path.values)), shown(_floats(path.mean_score))
    ax.set_xscale("log")
    ax.fill_between(x, mean - band, mean + band, color=VALID, alpha=0.18, label=f"validation {band_label}")
    ax.plot(x, mean, color=VALID, marker="o", ms=3.5, lw=1.8, label="validation (CV mean)")
    if path.training_score:
        ax.plot(x, shown(_floats(path.training_score)), color=TRAIN, ls="--", lw=1.5, label="training")
    for key, color, style, text in _LAMBDAS:
        strength = getattr(path, key)
        if strength is not None and strength > 0:
            ax.axvline(strength, color=color, ls=style, lw=1.6, label=f"{text} = {strength:.3g}")
    if np.isfinite(mean).any():
        best = int(np.nanargmax(mean))
        ax.axhline(mean[best] - band[best], color=MUTED, ls="-.", lw=1, label="best − 1 SE")
    ax.text(0.01, 0.02, "← overfitting\n(weak penalty)", transform=ax.transAxes, fontsize=9,
            color="#555555", va="bottom", ha="left")
    ax.text(0.99, 0.02, "underfitting →\n(strong penalty)", transform=ax.transAxes, fontsize=9,
            color="#555555", va="bottom", ha="right")
    ax.set_xlabel(f"{name} (log scale)")
    ax.set_ylabel(f"{metric} (higher is better)")
    # below the axes: inside, the legend hides the curve where it matters most
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8, frameon=False)


def _path_sparsity(right, path, shown, sparsity, xlim, name) -> None:
    """The right panel: active inputs and non-zero weights per strength (two y axes)."""
    x = shown(_floats(path.values))
    right.set_xscale("log")
    styles = {"n_active_features": (CHOSEN, "o", "-", "active input features"),
              "n_nonzero": (TRAIN, "s", "--", "non-zero weights")}
    twin = None
    for i, key in enumerate(sparsity):
        color, marker, line, label = styles[key]
        target = right if i == 0 else (twin := right.twinx())
        target.plot(x, shown(_floats(getattr(path, key))), color=color, marker=marker, ls=line, ms=3.5,
                    label=label)
        target.set_ylabel(label, color=color)
    for key, color, style, _ in _LAMBDAS:
        strength = getattr(path, key)
        if strength is not None and strength > 0:
            right.axvline(strength, color=color, ls=style, lw=1.4)
    right.set_xlim(xlim)  # the same λ at the same place in both panels
    right.set_xlabel(f"{name} (log scale)")
    right.set_title("what the penalty removes", fontsize=10)
    handles = [h for a in (right, twin) if a is not None for h in a.get_legend_handles_labels()[0]]
    right.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8,
                 frameon=False)


def _best_per_value(results: list, param: str):
    """For each distinct value of ``param``: the best candidate's mean and std (other settings free)."""
    groups: dict = {}
    for row in results:
        value = row["params"].get(param)
        if value is None or row.get("mean_score") is None:
            continue
        if value not in groups or row["mean_score"] > groups[value][0]:
            groups[value] = (row["mean_score"], row.get("std_score") or 0.0)
    xs = sorted(groups)
    best = np.array([groups[v][0] for v in xs])
    return np.array(xs, dtype=np.float64), best, np.array([groups[v][1] for v in xs])


def _strength_scale(ax, param: str, xs: np.ndarray, log_params) -> str:
    """Put strengths on a log axis: grids of them are geometric (1e-5 ... 1e-2), which a linear
    axis would crowd into one point at 0. With 0 among the values the axis is symmetric-log,
    linear from 0 to the smallest positive value searched, so that "no penalty" stays visible."""
    positive = xs[xs > 0] if xs.size else xs
    if param.rsplit("__", 1)[-1] not in log_params or positive.size == 0 or (xs < 0).any():
        return "linear"
    if positive.size == xs.size:
        ax.set_xscale("log")
        return "log"
    ax.set_xscale("symlog", linthresh=float(positive.min()), linscale=0.5)
    return "symlog"


def hyperparameter_figure(results: list, params: list, metric: str, log_params=()) -> bytes:
    """Score against each hyper-parameter that varied: every candidate, and the best at each value."""
    fig, axes = _new(min(4.6 * len(params) + 1, 14), 3.8, len(params))
    for ax, param in zip(axes, params, strict=True):
        pts = [(row["params"][param], row["mean_score"]) for row in results
               if row["params"].get(param) is not None and row.get("mean_score") is not None]
        xs, best, std = _best_per_value(results, param)
        scale = _strength_scale(ax, param, xs, log_params)
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=14, color=MUTED, alpha=0.6,
                   label="every candidate")
        ax.errorbar(xs, best, yerr=std, color=VALID, marker="o", ms=5, capsize=3, lw=1.8,
                    label="best at this value (± std over folds)")
        note = {"log": " (log scale)", "symlog": " (log scale, linear around 0)"}.get(scale, "")
        ax.set_xlabel(param + note)
        ax.set_ylabel(f"CV {metric}")
        ax.set_title(f"{metric} vs {param}", fontsize=10)
        ax.legend(loc="best", fontsize=8)
    return _png(fig)


def halving_figure(results: list, metric: str, best_index: int | None = None) -> bytes:
    """Successive halving's rungs: each candidate's CV score against the epochs it reached, one
    line per candidate (the best mean score, ``best_index``, in colour; the others grey)."""
    fig, (ax,) = _new(6.4, 3.8)
    for i, row in enumerate(results):
        xs, ys = _floats(row.get("rung_epochs") or []), _floats(row.get("rung_scores") or [])
        if xs.size == 0:
            continue
        best = i == best_index
        ax.plot(xs, ys, marker="o", ms=4 if best else 3, lw=2.0 if best else 0.9,
                color=VALID if best else MUTED, alpha=1.0 if best else 0.7, zorder=3 if best else 2,
                label="best CV score" if best else None)
    epochs = sorted({e for row in results for e in (row.get("rung_epochs") or [])})
    if epochs:
        ax.set_xscale("log")
        ax.set_xticks(epochs)
        ax.set_xticklabels([str(int(e)) for e in epochs])
        ax.minorticks_off()
    ax.set_xlabel("epochs reached (rung budget, log scale)")
    ax.set_ylabel(f"CV {metric}")
    ax.set_title(f"successive halving: {metric} at each rung", fontsize=10)
    if best_index is not None:
        ax.legend(loc="best", fontsize=8)
    return _png(fig)
