"""The metrics: one vocabulary of scores for ``tune``, ``train``, ``evaluate`` and the report.

The names are scikit-learn's scorer names, and every score is "higher is better" (hence
``neg_log_loss``); :func:`scores` reports the plain quantities under their plain names
(``log_loss``, ``rmse``). A layer of its own below ``tabular`` and ``selection``, so that a
model's ``evaluate``, a search's scorer and the command line compute a metric one way.

=================================  ===========================================================
name                               what it is (classification: ``classes_[-1]`` is "positive")
=================================  ===========================================================
``accuracy``                       share of rows predicted right
``balanced_accuracy``              mean recall over the classes
``roc_auc``                        area under the ROC curve; one-vs-rest macro for multiclass
``average_precision``              area under the precision-recall curve; macro over classes
``neg_log_loss``                   minus the mean cross-entropy of the predicted probabilities
``f1``                             F1 of the positive class (binary targets only)
``f1_macro``                       F1 averaged over the classes
``r2``                             coefficient of determination
``neg_root_mean_squared_error``    minus the RMSE
``neg_mean_absolute_error``        minus the MAE
=================================  ===========================================================

Examples
--------
>>> from ridgeback.metrics import check_metric, DEFAULT_METRIC
>>> DEFAULT_METRIC["classification"], check_metric("roc_auc", "classification")
('neg_log_loss', 'roc_auc')
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["CLASSIFICATION_METRICS", "REGRESSION_METRICS", "METRICS", "DEFAULT_METRIC", "check_metric",
           "get_scorer", "Scorer", "scores", "metric_from_predictions", "plain_name"]

CLASSIFICATION_METRICS = ("accuracy", "balanced_accuracy", "roc_auc", "average_precision", "neg_log_loss",
                          "f1", "f1_macro")
REGRESSION_METRICS = ("r2", "neg_root_mean_squared_error", "neg_mean_absolute_error")
METRICS = CLASSIFICATION_METRICS + REGRESSION_METRICS

#: the metric ``ridgeback tune`` selects by when none is named, per task, chosen by measurement
#: (benchmarks/QUALITY.md, "Which metric should tune select by?"): candidates picked by
#: log-loss scored +0.0073 held-out accuracy over picking by accuracy on multiclass tables, and
#: tied on binary ones (held-out AUC +0.0001), while ROC AUC and balanced accuracy did worse;
#: a continuous score also separates candidates that accuracy ties on small folds, which the
#: one-standard-error rule needs. For regression R² was best (RMSE −0.0042, MAE −0.0021).
DEFAULT_METRIC = {"classification": "neg_log_loss", "regression": "r2"}

#: metrics that need predicted probabilities (the others need only predicted labels)
_PROBABILISTIC = ("roc_auc", "average_precision", "neg_log_loss")
_PLAIN = {"neg_log_loss": "log_loss", "neg_root_mean_squared_error": "rmse", "neg_mean_absolute_error": "mae"}


def plain_name(name: str) -> str:
    """The plain quantity's name: ``"neg_log_loss"`` -> ``"log_loss"``; others as they are."""
    return _PLAIN.get(name, name)


def check_metric(name, task: str | None = None) -> str:
    """``name`` if it is a metric (of ``task``, when given), else a ValueError listing the valid ones."""
    valid = {"classification": CLASSIFICATION_METRICS, "regression": REGRESSION_METRICS}.get(task, METRICS)
    if not isinstance(name, str) or name not in valid:
        what = f"a {task} metric" if task in ("classification", "regression") else "a metric"
        raise ValueError(f"`metric` must be {what}, one of {', '.join(valid)}. Received: metric={name!r}")
    return name


def metric_from_predictions(name: str, truth, prediction, classes=None, sample_weight=None,
                            labels=None) -> float:
    """The metric ``name`` (higher is better) of predictions on ``truth``.

    ``prediction`` holds class probabilities of shape (n, n_classes), columns in the order of
    ``classes``, for classification, and values for regression. The label metrics (accuracy,
    F1...) use the predicted ``labels`` when given, else each row's most probable class. A
    metric that is undefined on these rows (an AUC where one class is missing) is NaN.
    """
    from sklearn import metrics

    check_metric(name)
    w = sample_weight
    if name in REGRESSION_METRICS:
        truth, pred = np.asarray(truth, dtype=np.float64), np.asarray(prediction, dtype=np.float64)
        pred = pred.reshape(truth.shape)
        if name == "r2":
            return float(metrics.r2_score(truth, pred, sample_weight=w))
        if name == "neg_root_mean_squared_error":
            return -float(np.sqrt(metrics.mean_squared_error(truth, pred, sample_weight=w)))
        return -float(metrics.mean_absolute_error(truth, pred, sample_weight=w))
    classes = np.asarray(classes)
    proba = np.asarray(prediction, dtype=np.float64)
    truth = np.asarray(truth)
    predicted = classes[np.argmax(proba, axis=1)] if labels is None else np.asarray(labels)
    known = set(classes.tolist())
    unseen = [c for c in dict.fromkeys(truth.tolist()) if c not in known]
    if unseen:  # a class the model never saw (a fold trained without its rows): probability 0
        # sorted, as scikit-learn reads columns; numbers stay numbers (an object array of
        # integers is an "unknown label type" to scikit-learn)
        every = np.asarray(sorted(known | set(unseen)))
        position = {c: i for i, c in enumerate(every.tolist())}
        columns = np.zeros((proba.shape[0], every.size))
        columns[:, [position[c] for c in classes.tolist()]] = proba
        classes, proba = every, columns
    if name == "accuracy":
        return float(metrics.accuracy_score(truth, predicted, sample_weight=w))
    if name == "balanced_accuracy":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a class absent from these rows: recall over those present
            return float(metrics.balanced_accuracy_score(truth, predicted, sample_weight=w))
    if name == "f1_macro":
        return float(metrics.f1_score(truth, predicted, average="macro", labels=classes, sample_weight=w,
                                      zero_division=0))
    if name == "f1":
        if classes.size != 2:
            raise ValueError(f"`metric` 'f1' is the F1 of the positive class of a binary target; this target "
                             f"has {classes.size} classes: use f1_macro. Received: metric='f1'")
        return float(metrics.f1_score(truth == classes[1], predicted == classes[1], sample_weight=w,
                                      zero_division=0))
    if name == "neg_log_loss":
        # float32 probabilities read as float64 sum to 1 within float32's rounding only, which
        # scikit-learn's float64 check reports as "do not sum to one": normalize them here
        proba = proba / proba.sum(axis=1, keepdims=True)
        return -float(metrics.log_loss(truth, proba, labels=classes, sample_weight=w))
    onehot = (truth[:, None] == classes[None, :])
    present = onehot.any(axis=0) & ~onehot.all(axis=0)  # classes with positives and negatives here
    if classes.size == 2:
        if not present[1]:
            return float("nan")
        fn = metrics.roc_auc_score if name == "roc_auc" else metrics.average_precision_score
        return float(fn(onehot[:, 1], proba[:, 1], sample_weight=w))
    if not present.all():
        return float("nan")
    if name == "roc_auc":
        return float(metrics.roc_auc_score(onehot, proba, average="macro", sample_weight=w))
    return float(metrics.average_precision_score(onehot, proba, average="macro", sample_weight=w))


class Scorer:
    """A scikit-learn-style scorer for the metric ``name``: ``scorer(estimator, X, y,
    sample_weight=None)`` -> float, higher is better.

    Probabilistic metrics call ``estimator.predict_proba`` and read ``estimator.classes_``;
    the label metrics call ``estimator.predict`` (so ``accuracy`` and ``r2`` are exactly the
    estimators' own ``score``).
    """

    def __init__(self, name: str):
        self.name = check_metric(name)

    def predictions(self, estimator, X):
        """The held-out predictions a report draws: probabilities (classifiers) or values."""
        if self.name in REGRESSION_METRICS:
            return np.asarray(estimator.predict(X), dtype=np.float64)
        return estimator.predict_proba(X)

    def from_predictions(self, estimator, y, predictions, sample_weight=None) -> float | None:
        """The score of :meth:`predictions` already made on the rows of ``y``, the same value as
        calling the scorer on those rows (the metric reads them as float64 either way), so that
        a search that keeps them predicts once; None for the label metrics (accuracy, F1...),
        which score ``estimator.predict``'s labels instead."""
        if self.name in REGRESSION_METRICS:
            return metric_from_predictions(self.name, y, predictions, sample_weight=sample_weight)
        if self.name in _PROBABILISTIC:
            return metric_from_predictions(self.name, y, predictions, np.asarray(estimator.classes_),
                                           sample_weight)
        return None

    def __call__(self, estimator, X, y, sample_weight=None) -> float:
        if self.name in REGRESSION_METRICS or self.name in _PROBABILISTIC:
            return self.from_predictions(estimator, y, self.predictions(estimator, X), sample_weight)
        classes = np.asarray(estimator.classes_)
        labels = np.asarray(estimator.predict(X))
        dummy = np.zeros((len(labels), classes.size))  # not read: the labels are given
        return metric_from_predictions(self.name, y, dummy, classes, sample_weight, labels=labels)

    def __repr__(self):
        return f"Scorer({self.name!r})"


def get_scorer(scoring):
    """A :class:`Scorer` for one of :data:`METRICS`; other values (None, another scikit-learn
    scorer name, a callable) are returned as they are, for scikit-learn's ``check_scoring``."""
    if isinstance(scoring, str) and scoring in METRICS:
        return Scorer(scoring)
    return scoring


def scores(task: str, truth, prediction, classes=None, sample_weight=None) -> dict:
    """Every metric of ``task`` under its plain name (``log_loss``, ``rmse``: lower is better there).

    Classification: ``accuracy``, ``log_loss``, ``f1`` (macro), ``roc_auc``,
    ``average_precision``, ``balanced_accuracy``; regression: ``rmse``, ``mae``, ``r2``.
    """
    if task == "regression":
        names = ("neg_root_mean_squared_error", "neg_mean_absolute_error", "r2")
    else:
        names = ("accuracy", "neg_log_loss", "f1_macro", "roc_auc", "average_precision", "balanced_accuracy")
    out = {}
    for name in names:
        value = metric_from_predictions(name, truth, prediction, classes, sample_weight)
        key = "f1" if name == "f1_macro" else plain_name(name)
        out[key] = -value if name.startswith("neg_") else value
    return out
