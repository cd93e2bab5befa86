"""The report's figures, each returned as PNG bytes.

Every figure is drawn on its own ``matplotlib.figure.Figure`` (the Agg canvas), never
through ``pyplot``: no global figure registry, nothing left open, no backend switch in the
caller's process. The inputs are the parts of a
:class:`~ridgeback.report.context.RunContext` (checked when they were built); ``None``
stands for a missing value and is drawn as a gap. The search's figures (the regularization
path, the score against each tuned hyper-parameter, successive halving's rungs) are in
:mod:`~ridgeback.report.search_plots`, drawn with this module's canvas, colours and PNG
writer.
"""

from __future__ import annotations

import io
import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

__all__ = ["learning_curves", "weights_figure", "features_figure", "comparison_figure",
           "confusion_calibration_figure", "roc_pr_figure", "regression_errors_figure"]

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
