"""The report's figures, each returned as PNG bytes.

Every figure is drawn on its own ``matplotlib.figure.Figure`` (the Agg canvas), never
through ``pyplot``: no global figure registry, nothing left open, no backend switch in
the caller's process. The inputs are the parts of a
:class:`~ridgeback.report.context.RunContext` (checked when they were built), and the rows
of a search as ``TuneResult.results_`` holds them; ``None`` stands for a missing value and
is drawn as a gap.
"""

from __future__ import annotations

import io
import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

__all__ = ["learning_curves", "path_figure", "hyperparameter_figure", "weights_figure", "features_figure",
           "comparison_figure", "confusion_calibration_figure", "roc_pr_figure", "regression_errors_figure",
           "halving_figure"]

TRAIN = "#1f77b4"
VALID = "#d62728"
CHOSEN = "#2ca02c"
MUTED = "#8c8c8c"
_DPI = 100


def _png(fig: Figure) -> bytes:
    # No "Software" entry: the bytes then depend only on the data, so re-rendering a run
    # gives an identical file.
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()


def _floats(values) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _new(width: float, height: float, ncols: int = 1) -> tuple[Figure, list]:
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    for ax in axes:
        ax.grid(True, alpha=0.3)
    return fig, list(axes)


def learning_curves(history) -> bytes:
    """Loss (and accuracy when recorded) per epoch, training against validation, best epoch marked.

    ``history`` is a :class:`~ridgeback.report.context.HistorySummary`.
    """
    has_acc = bool(history.train_accuracy or history.val_accuracy)
    fig, axes = _new(10, 3.8, 2 if has_acc else 1)
    panels = [(axes[0], "train_loss", "val_loss", "loss (lower is better)")]
    if has_acc:
        panels.append((axes[1], "train_accuracy", "val_accuracy", "accuracy (higher is better)"))
    best = history.best_epoch
    for ax, train_key, val_key, ylabel in panels:
        for key, color, label in ((train_key, TRAIN, "training"), (val_key, VALID, "validation")):
            values = _floats(getattr(history, key) or [])
            if values.size:
                ax.plot(np.arange(1, values.size + 1), values, color=color, lw=1.8, label=label,
                        marker="o" if values.size <= 15 else None, ms=3)
        if best is not None:
            ax.axvline(best + 1, color=CHOSEN, ls="--", lw=1.2, label=f"best epoch ({best + 1})")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no "epoch 1.5" on a short run
        ax.set_ylabel(ylabel)
        ax.legend(loc="best", fontsize=9)
    val = _floats(history.val_loss or [])
    if val.size > 1 and np.isfinite(val).any():
        low = int(np.nanargmin(val))
        rise = (val[-1] - val[low]) / abs(val[low]) if val[low] else 0.0
        # a small rise over the last epoch or two is as likely noise as overfitting
        if val.size - 1 - low >= 3 and rise >= 0.05:
            axes[0].set_title(f"validation loss rose {rise:.0%} after its minimum at epoch {low + 1}: "
                              "overfitting", fontsize=10)
    return _png(fig)


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


def weights_figure(histograms: dict, zero_fractions: dict) -> bytes:
    """One histogram of the non-zero weights per layer, then the share of exact zeros per layer.

    ``histograms`` maps a layer's name to its :class:`~ridgeback.report.context.WeightHistogram`.
    """
    names = list(histograms)
    panels = len(names) + (1 if zero_fractions else 0)
    ncols = min(panels, 4)  # wrap deep networks onto more rows rather than squeeze the panels
    nrows = math.ceil(panels / ncols)
    fig = Figure(figsize=(3.0 * ncols + 0.8, 3.1 * nrows), layout="constrained")
    axes = list(fig.subplots(nrows, ncols, squeeze=False).ravel())
    for ax in axes[panels:]:
        ax.set_visible(False)
    for ax in axes[:panels]:
        ax.grid(True, alpha=0.3)
    if zero_fractions:
        axes = axes[:len(names)] + [axes[panels - 1]]
    for ax, name in zip(axes[:len(names)], names, strict=True):
        h = histograms[name]
        edges = np.asarray(h.edges, dtype=np.float64)
        counts = np.asarray(h.counts, dtype=np.float64)
        if counts.size:
            ax.stairs(counts, edges, fill=True, color=TRAIN, alpha=0.75)
        share = h.n_zero / h.n if h.n else 0.0
        ax.set_title(f"{name}\n{share:.1%} of {h.n:,} weights exactly 0", fontsize=9)
        ax.set_xlabel("weight value (zeros left out)")
        ax.set_ylabel("count")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if zero_fractions:
        ax = axes[-1]
        labels = list(zero_fractions)
        shares = [100 * zero_fractions[k] for k in labels]
        bars = ax.bar(range(len(labels)), shares, color=CHOSEN)
        ax.bar_label(bars, labels=[f"{s:.1f}%" for s in shares], fontsize=8)
        ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
        ax.set_ylim(0, 105)
        ax.set_ylabel("% of weights exactly zero")
        ax.set_title("exact zeros per layer", fontsize=9)
    return _png(fig)


def features_figure(selected) -> bytes | None:
    """Which inputs survive: an image of the inputs when ``image_shape`` is given, else ranked bars.

    ``selected`` is a :class:`~ridgeback.report.context.SelectedFeatures`; None when there is
    nothing to draw (no image shape and no importance).
    """
    n = selected.n_inputs
    kept = np.zeros(n, dtype=bool)
    kept[np.asarray(selected.indices, dtype=int)] = True
    if selected.image_shape:
        return _feature_images(kept, selected.importance, selected.image_shape)
    if not selected.importance:
        return None
    names = selected.all_names or [f"x{i}" for i in range(n)]
    return _feature_bars(kept, _floats(selected.importance), names)


def _feature_images(kept: np.ndarray, importance, shape) -> bytes:
    """The inputs as an image: which are kept, and each one's first-layer weight norm."""
    show_mask = not (importance and kept.all())  # an all-green mask says nothing the text does not
    ncols = int(show_mask) + int(bool(importance))
    fig, axes = _new(3.4 * ncols + 0.6, 3.3, ncols)
    if show_mask:
        ax = axes[0]
        ax.grid(False)
        ax.imshow(kept.reshape(shape), cmap="Greens", vmin=0, vmax=1.4, interpolation="nearest")
        ax.set_title(f"inputs kept: {kept.sum()} of {kept.size}\n(green = used, white = dropped)", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if importance:
        ax = axes[-1]
        ax.grid(False)
        image = ax.imshow(_floats(importance).reshape(shape), cmap="viridis", interpolation="nearest")
        fig.colorbar(image, ax=ax, shrink=0.85, label="L2 norm of the input's weights")
        ax.set_title("first-layer weight norm per input", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    return _png(fig)


def _feature_bars(kept: np.ndarray, values: np.ndarray, names) -> bytes:
    """The 30 inputs with the largest first-layer weight norm, the dropped ones in grey."""
    n = kept.size
    order = np.argsort(-np.nan_to_num(values, nan=-np.inf), kind="stable")[:30]
    fig, axes = _new(7.5, max(2.2, 0.26 * order.size + 1.0))
    ax = axes[0]
    ax.barh(range(order.size), values[order], color=[CHOSEN if kept[i] else MUTED for i in order])
    ax.set_yticks(range(order.size), [str(names[i]) + ("" if kept[i] else " (dropped)") for i in order],
                  fontsize=8)
    for label, i in zip(ax.get_yticklabels(), order, strict=True):
        label.set_color("#222222" if kept[i] else MUTED)
    ax.invert_yaxis()
    ax.set_xlabel("first-layer weight norm (grey = dropped)")
    shown = "" if order.size == n else f", top {order.size} shown"
    ax.set_title(f"input features: {kept.sum()} of {n} kept{shown}", fontsize=10)
    return _png(fig)


def comparison_figure(rows: list, metric: str) -> bytes:
    """Score and share of zero weights for each compared regularization setting.

    ``rows`` are :class:`~ridgeback.report.context.ComparisonRow` s.
    """
    fig, axes = _new(10, 3.4, 2)
    names = [str(r.name) for r in rows]
    pos = np.arange(len(rows))
    for offset, key, color, marker, label in ((-0.12, "cv_score", VALID, "o", "CV"),
                                              (0.12, "test_score", TRAIN, "s", "test")):
        vals = _floats([getattr(r, key) for r in rows])
        if np.isfinite(vals).any():
            # points, not bars: the axis is zoomed to the scores, and bars would exaggerate the gaps
            axes[0].plot(pos + offset, vals, ls="none", marker=marker, ms=8, color=color, label=label)
            for xpos, v in zip(pos + offset, vals, strict=True):
                if math.isfinite(v):
                    axes[0].annotate(f"{v:.3f}", (xpos, v), textcoords="offset points", xytext=(0, 7),
                                     ha="center", fontsize=7)
    finite = _floats([getattr(r, k) for r in rows for k in ("cv_score", "test_score")])
    finite = finite[np.isfinite(finite)]
    if finite.size:
        low, high = finite.min(), finite.max()
        pad = max((high - low) * 0.3, 0.01)
        axes[0].set_ylim(low - pad, high + pad)
    axes[0].set_xlim(-0.6, len(rows) - 0.4)
    axes[0].set_xticks(pos, names, rotation=20, ha="right", fontsize=8)
    axes[0].set_ylabel(metric)
    axes[0].set_title(f"{metric} by setting", fontsize=10)
    axes[0].legend(fontsize=8)
    zeros = _floats([r.zero_fraction for r in rows]) * 100
    bars = axes[1].bar(pos, np.nan_to_num(zeros), color=CHOSEN)
    axes[1].bar_label(bars, labels=[f"{z:.1f}%" if math.isfinite(z) else "n/a" for z in zeros], fontsize=7)
    axes[1].set_xticks(pos, names, rotation=20, ha="right", fontsize=8)
    axes[1].set_ylim(0, 105)
    axes[1].set_ylabel("% of weights exactly zero")
    axes[1].set_title("sparsity by setting", fontsize=10)
    return _png(fig)


def confusion_calibration_figure(errors) -> bytes:
    """Confusion matrix (counts, rows the true class) and reliability diagram.

    ``errors`` is a :class:`~ridgeback.report.errors.ErrorSummary` of a classifier.
    """
    fig, (left, right) = _new(10, 4.2, 2)
    counts = np.array(errors.confusion, dtype=float)
    names = list(errors.classes)
    left.grid(False)
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)  # colour: share of the true class
    left.imshow(share, cmap="Blues", vmin=0, vmax=1)
    if len(names) <= 12:
        for (i, j), c in np.ndenumerate(counts):
            left.text(j, i, f"{int(c)}", ha="center", va="center", fontsize=8,
                      color="white" if share[i, j] > 0.6 else "black")
        left.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
        left.set_yticks(range(len(names)), names, fontsize=8)
    left.set_xlabel("predicted class")
    left.set_ylabel("true class")
    left.set_title("confusion matrix (colour: share of the true class)", fontsize=10)
    cal = errors.calibration or {}
    if cal.get("confidence"):
        conf, obs, n = _floats(cal["confidence"]), _floats(cal["observed"]), _floats(cal["count"])
        right.plot([0, 1], [0, 1], ls="--", color=MUTED, lw=1, label="perfectly calibrated")
        right.plot(conf, obs, marker="o", color=VALID, label="held-out rows")
        for x, y, c in zip(conf, obs, n, strict=True):
            right.annotate(f"{int(c)}", (x, y), textcoords="offset points", xytext=(0, 6), ha="center",
                           fontsize=7)
        right.set_xlim(0, 1)
        right.set_ylim(-0.02, 1.02)
        right.legend(fontsize=8, loc="upper left")
    right.set_xlabel(f"predicted {cal.get('what', 'probability')}")
    right.set_ylabel("observed frequency")
    right.set_title("reliability diagram (numbers: rows per bin)", fontsize=10)
    return _png(fig)


def roc_pr_figure(errors) -> bytes:
    """ROC and precision-recall curves of a binary classifier (an ErrorSummary with ``roc`` and ``pr``)."""
    fig, (left, right) = _new(10, 4.0, 2)
    roc, pr = errors.roc, errors.pr
    left.plot([0, 1], [0, 1], ls="--", color=MUTED, lw=1, label="chance (AUC 0.5)")
    left.plot(_floats(roc["fpr"]), _floats(roc["tpr"]), color=VALID, label=f"AUC {roc['auc']:.3f}")
    left.set_xlabel("false positive rate")
    left.set_ylabel("true positive rate")
    left.set_title(f"ROC curve (positive class: {errors.classes[-1]})", fontsize=10)
    left.legend(fontsize=8, loc="lower right")
    right.axhline(pr["prevalence"], ls="--", color=MUTED, lw=1, label=f"chance ({pr['prevalence']:.3f})")
    right.plot(_floats(pr["recall"]), _floats(pr["precision"]), color=TRAIN,
               label=f"average precision {pr['average_precision']:.3f}")
    right.set_xlabel("recall")
    right.set_ylabel("precision")
    right.set_ylim(0, 1.02)
    right.set_title(f"precision-recall curve (positive class: {errors.classes[-1]})", fontsize=10)
    right.legend(fontsize=8, loc="lower left")
    return _png(fig)


def regression_errors_figure(errors) -> bytes:
    """Predicted against true values, and residuals against predicted values."""
    fig, (left, right) = _new(10, 4.0, 2)
    truth, pred = _floats(errors.truth), _floats(errors.predicted)
    alpha = 0.6 if len(truth) < 500 else 0.3
    left.scatter(truth, pred, s=8, alpha=alpha, color=TRAIN)
    finite = np.concatenate([truth, pred])
    finite = finite[np.isfinite(finite)]
    if finite.size:
        lo, hi = finite.min(), finite.max()
        left.plot([lo, hi], [lo, hi], ls="--", color=MUTED, lw=1, label="predicted = true")
        left.legend(fontsize=8, loc="upper left")
    left.set_xlabel("true value")
    left.set_ylabel("predicted value")
    left.set_title("predicted against true", fontsize=10)
    right.scatter(pred, truth - pred, s=8, alpha=alpha, color=VALID)
    right.axhline(0, ls="--", color=MUTED, lw=1)
    right.set_xlabel("predicted value")
    right.set_ylabel("residual (true - predicted)")
    right.set_title("residuals", fontsize=10)
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
