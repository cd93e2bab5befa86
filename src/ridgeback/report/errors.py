"""The errors a model makes on rows it was not trained on: the report's "Errors" part.

:func:`held_out_errors` summarizes held-out predictions (a search's out-of-fold predictions
of the chosen candidate, ``TuneResult.oof_predictions_``) into :class:`ErrorSummary`, a part
of the run context small enough for ``run.json``: a confusion matrix, ROC and
precision-recall curves (binary targets), a reliability diagram, or for regression a sample
of (true, predicted) pairs. ``source`` says which data the figures are drawn on, and every
caption repeats it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .parts import _check_numbers, _check_type, _fail, _is_int, _Part

__all__ = ["ErrorSummary", "held_out_errors"]

#: most points kept of a curve, and of a regression's scatter
MAX_CURVE_POINTS = 300
MAX_SCATTER_POINTS = 2000
CALIBRATION_BINS = 10


@dataclass(frozen=True, kw_only=True)
class ErrorSummary(_Part):
    """Held-out errors of one model (see the module docstring).

    ``confusion[i][j]`` counts rows of class ``classes[i]`` predicted as ``classes[j]``.
    ``roc`` (``fpr``, ``tpr``, ``auc``) and ``pr`` (``recall``, ``precision``,
    ``average_precision``, ``prevalence``) are for binary targets, ``classes[-1]`` the
    positive class. ``calibration`` holds per bin the mean predicted probability
    (``confidence``), the observed frequency (``observed``) and the number of rows
    (``count``), of the positive class (binary) or of the predicted class (multiclass),
    with ``what`` saying which. ``truth`` and ``predicted`` are a regression's pairs
    (``n_shown`` of ``n_rows``).
    """

    task: str | None = None
    source: str | None = None
    n_rows: int | None = None
    classes: list | None = None
    confusion: list | None = None
    roc: dict | None = None
    pr: dict | None = None
    calibration: dict | None = None
    truth: list | None = None
    predicted: list | None = None
    n_shown: int | None = None

    _EXPECTED = "a dict with 'task' and 'source'"

    def _check(self):
        if self.task not in ("classification", "regression"):
            _fail("task", "'classification' or 'regression'", self.task)
        _check_type("source", self.source, str, "a string saying which rows the figures are drawn on",
                    optional=False)
        for key in ("n_rows", "n_shown"):
            value = getattr(self, key)
            if value is not None and not (_is_int(value) and value >= 0):
                _fail(key, "an integer >= 0 or null", value)
        k = len(self.classes or [])
        if self.confusion is not None and not (
                isinstance(self.confusion, list) and len(self.confusion) == k
                and all(isinstance(r, list) and len(r) == k and all(_is_int(c) for c in r)
                        for r in self.confusion)):
            _fail("confusion", f"a {k} x {k} list of counts, one row per class", self.confusion)
        for key, curve in (("roc", ("fpr", "tpr")), ("pr", ("recall", "precision")),
                           ("calibration", ("confidence", "observed", "count"))):
            value = getattr(self, key)
            if value is None:
                continue
            if not isinstance(value, dict) or any(not isinstance(value.get(c), list) for c in curve):
                _fail(key, f"a dict with the lists {list(curve)}", value)
            for c in curve:
                _check_numbers((key, c), value[c], len(value[curve[0]]), f"entry of {curve[0]}")
        _check_numbers("truth", self.truth)
        _check_numbers("predicted", self.predicted, None if self.truth is None else len(self.truth),
                       "value of truth")


def _thin(*curves):
    """At most ``MAX_CURVE_POINTS`` evenly spaced points of equally long curves, ends kept."""
    n = len(curves[0])
    if n <= MAX_CURVE_POINTS:
        return curves
    keep = np.unique(np.linspace(0, n - 1, MAX_CURVE_POINTS).round().astype(int))
    return tuple(np.asarray(c)[keep] for c in curves)


def _calibration(hit, confidence):
    """Equal-width bins of ``confidence`` in [0, 1]: mean confidence, observed rate, count."""
    bins = np.minimum((confidence * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    count = np.bincount(bins, minlength=CALIBRATION_BINS)
    present = count > 0
    def mean(values):
        return np.bincount(bins, weights=values, minlength=CALIBRATION_BINS)[present] / count[present]

    mean_conf, observed = mean(confidence), mean(hit.astype(float))
    return {"confidence": mean_conf.tolist(), "observed": observed.tolist(), "count": count[present].tolist()}


def held_out_errors(task: str, truth, predictions, classes=None, *, source: str,
                    seed: int = 0) -> ErrorSummary:
    """The :class:`ErrorSummary` of held-out ``predictions`` of ``truth``.

    Parameters
    ----------
    task : {"classification", "regression"}
    truth : array-like of shape (n,)
        True labels (classification, values among ``classes``) or values.
    predictions : ndarray of shape (n, n_classes) or (n,) / (n, 1)
        Class probabilities (columns in the order of ``classes``) or predicted values; rows
        that are NaN (held out by no fold) are left out.
    source : str
        Which rows these are, e.g. "out-of-fold predictions of candidate 3 over 5 folds".
    seed : int
        Picks the rows of a regression's scatter when there are more than ``MAX_SCATTER_POINTS``.
    """
    from sklearn import metrics

    pred = np.asarray(predictions, dtype=np.float64)
    pred = pred.reshape(len(pred), -1)
    keep = np.isfinite(pred).all(axis=1)
    pred, truth = pred[keep], np.asarray(truth)[keep]
    if task == "regression":
        values = pred[:, 0]
        shown = np.arange(len(values))
        if len(values) > MAX_SCATTER_POINTS:
            rng = np.random.default_rng(seed)
            shown = np.sort(rng.choice(len(values), MAX_SCATTER_POINTS, replace=False))
        return ErrorSummary(task=task, source=source, n_rows=int(len(values)),
                            truth=np.asarray(truth, dtype=np.float64)[shown].tolist(),
                            predicted=values[shown].tolist(), n_shown=int(len(shown)))
    classes = np.asarray(classes)
    index = {c: i for i, c in enumerate(classes.tolist())}
    y = np.array([index[c] for c in truth.tolist()], dtype=int)
    predicted = pred.argmax(axis=1)
    confusion = np.zeros((classes.size, classes.size), dtype=int)
    np.add.at(confusion, (y, predicted), 1)
    roc = pr = None
    if classes.size == 2:
        positive, score = y == 1, pred[:, 1]
        if 0 < positive.sum() < len(y):
            fpr, tpr, _ = metrics.roc_curve(positive, score)
            precision, recall, _ = metrics.precision_recall_curve(positive, score)
            fpr, tpr = _thin(fpr, tpr)
            recall, precision = _thin(recall, precision)
            roc = {"fpr": fpr.tolist(), "tpr": tpr.tolist(),
                   "auc": float(metrics.roc_auc_score(positive, score))}
            pr = {"recall": recall.tolist(), "precision": precision.tolist(),
                  "average_precision": float(metrics.average_precision_score(positive, score)),
                  "prevalence": float(positive.mean())}
        calibration = {**_calibration(y == 1, pred[:, 1]), "what": f"probability of class {classes[1]!s}"}
    else:
        calibration = {**_calibration(predicted == y, pred.max(axis=1)),
                       "what": "probability of the predicted class"}
    return ErrorSummary(task=task, source=source, n_rows=int(len(y)), classes=[str(c) for c in classes],
                        confusion=confusion.tolist(), roc=roc, pr=pr, calibration=calibration)
