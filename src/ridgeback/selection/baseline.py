"""A linear baseline on the search's own folds: does the network earn its keep?

For a classifier, scikit-learn's ``LogisticRegression`` with ``C`` in ``LINEAR_GRID["C"]``; for a
regressor, ``Ridge`` with ``alpha`` in ``LINEAR_GRID["alpha"]``. The model replaces the network
as the last step of the same pipeline (so the same imputation, scaling and encoding are fitted
inside each fold), is scored with the same ``scoring`` on the same folds, and the best
strength is reported with its mean and standard deviation, next to the network's.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import check_scoring

from ..metrics import get_scorer

__all__ = ["linear_baseline", "LINEAR_GRID", "fit_linear", "as_network_estimator", "best_strength_oof"]

#: the strengths tried, in half decades (RidgeCV / LogisticRegressionCV search as finely)
LINEAR_GRID = {"C": [1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0],
               "alpha": [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0]}


class ClippedRidge(Ridge):
    """``Ridge`` whose predictions are clipped by the bounds its training target's range gives
    (:func:`~ridgeback.estimators.regressor.clip_bounds`), as an :class:`~ridgeback.MLPRegressor`
    with ``clip_predictions=True`` clips them (the baseline is scored on the folds as the
    network it becomes is used)."""

    def fit(self, X, y, sample_weight=None):
        from ..estimators.regressor import target_range

        super().fit(X, y, sample_weight)
        self.target_range_ = target_range(y)
        return self

    def predict(self, X):
        from ..estimators.regressor import clipped

        return clipped(super().predict(X), self.target_range_)


def _model(classifier: bool, strength: float, clip: bool = False):
    """The unfitted linear model: ``LogisticRegression(C=strength)`` or ``Ridge(alpha=strength)``
    (:class:`ClippedRidge` with ``clip``)."""
    if classifier:
        return LogisticRegression(C=strength, max_iter=1000)
    return ClippedRidge(alpha=strength) if clip else Ridge(alpha=strength)


def _clips(estimator) -> bool:
    """Whether the network at the end of ``estimator`` (a pipeline or a bare estimator) clips its
    predictions by bounds from the target's range (``clip_predictions``, a regressor's)."""
    last = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    return bool(getattr(last, "clip_predictions", False))


def _linear(estimator, strength):
    """The pipeline (or bare estimator) with a linear model of ``strength`` as its last step."""
    classifier = is_classifier(estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator)
    model = _model(classifier, strength, _clips(estimator))
    if not hasattr(estimator, "steps"):
        return model, classifier
    from sklearn.pipeline import Pipeline

    steps = [(name, clone(step)) for name, step in estimator.steps[:-1]]
    return Pipeline([*steps, (estimator.steps[-1][0], model)]), classifier


def fold_scores(estimator, X, y, train, test, scoring=None, fitted=None, predictions=None) -> list:
    """The linear model's test score on the fold ``(train, test)`` of ``(X, y)`` for each
    strength of the grid, fitted on the pipeline's ``fit_transform`` of the fold's training
    rows (:func:`~ridgeback.selection.prepared.prepare_fold`: fitted once per fold, shared with
    the search's candidates; entity columns out of fold, as the networks see them).
    ``fitted``: a pipeline of the search already fitted on these training rows, whose steps'
    parameters are then the ones used. ``predictions``: a list that receives, per strength, the
    held-out predictions the score was computed from (probabilities or values, float32), when
    the scoring is a metric of :mod:`ridgeback.metrics`."""
    from .prepared import prepare_fold

    classifier = _linear(estimator, 1.0)[1]
    param = "C" if classifier else "alpha"
    clip = _clips(estimator)
    fold = prepare_fold(fitted if fitted is not None else estimator, X, y, train, test)
    X_train, y_train, X_test, y_test = fold.X_fit, fold.y_train, fold.X_test, fold.y_test
    scores = []
    for strength in LINEAR_GRID[param]:
        model = _model(classifier, strength, clip)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y_train)
        scorer = check_scoring(model, scoring=get_scorer(scoring))
        scores.append(float(scorer(model, X_test, y_test)))
        if predictions is not None and hasattr(scorer, "predictions"):
            predictions.append(np.asarray(scorer.predictions(model, X_test), dtype=np.float32))
    return scores


def summarize(estimator, per_fold: list, seconds: float) -> dict:
    """The baseline's summary from each fold's :func:`fold_scores`: the best strength by mean."""
    classifier = _linear(estimator, 1.0)[1]
    param = "C" if classifier else "alpha"
    table = np.array(per_fold, dtype=float)  # folds x strengths
    means = table.mean(axis=0)
    best = int(np.argmax(means))
    return {"model": "LogisticRegression" if classifier else "Ridge", "param": param,
            "value": LINEAR_GRID[param][best], "mean_score": float(means[best]),
            "std_score": float(table[:, best].std()), "fold_scores": table[:, best].tolist(),
            "scores": {str(s): float(m) for s, m in zip(LINEAR_GRID[param], means, strict=True)},
            "seconds": seconds}


def best_strength_oof(baseline: dict, per_fold_predictions: list, folds, n_rows: int):
    """The out-of-fold predictions of the baseline's chosen strength, shape (n_rows, n_columns)
    float32, each row from the fold that held it out (None when a fold kept none, or its
    columns differ: a fold trained without some class)."""
    from .crossval import assemble_held_out

    best = LINEAR_GRID[baseline["param"]].index(baseline["value"])
    return assemble_held_out([p[best] if p else None for p in per_fold_predictions], folds, n_rows)


def linear_baseline(estimator, X, y, folds, scoring=None, predictions=None) -> dict:
    """Cross-validate the linear baseline of ``estimator`` on ``folds``. ``predictions``: a
    list that receives, per fold, :func:`fold_scores`' held-out predictions of each strength
    (for :func:`best_strength_oof`).

    Returns
    -------
    dict
        ``model`` ("LogisticRegression" or "Ridge"), ``param`` ("C" or "alpha"), ``value`` (the
        best strength), ``mean_score``, ``std_score``, ``fold_scores`` (of the best),
        ``scores`` (mean score per strength) and ``seconds``.
    """
    start = time.perf_counter()
    per_fold = []
    for train, test in folds:
        kept = [] if predictions is not None else None
        per_fold.append(fold_scores(estimator, X, y, train, test, scoring, predictions=kept))
        if predictions is not None:
            predictions.append(kept)
    return summarize(estimator, per_fold, time.perf_counter() - start)


def fit_linear(baseline: dict, X, y, like=None):
    """The baseline's linear model with its chosen strength (``baseline["value"]``), fitted on
    ``(X, y)`` (already preprocessed). ``like``: the network (or pipeline) it stands in for; a
    regressor clips its predictions by the bounds of ``y``'s range (:class:`ClippedRidge`) when
    that network clips its own (``clip_predictions``)."""
    clip = like is not None and _clips(like)
    model = _model(baseline["model"] == "LogisticRegression", baseline["value"], clip)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def as_network_estimator(model, template, n_rows: int):
    r"""A fitted ridgeback estimator with no hidden layer whose one Dense layer holds ``model``'s
    coefficients: the same predictions, as a network (so it saves, loads, exports to ONNX and
    reports like any other).

    ``template`` is an unfitted :class:`~ridgeback.MLPClassifier` or
    :class:`~ridgeback.MLPRegressor` whose optimizer settings the result keeps (``n_rows``: the
    rows ``model`` was fitted on). Its ``l2`` is set
    to the strength that makes ridgeback's objective the linear model's: ``Ridge(alpha)``
    minimizes :math:`\sum_i (y_i - \hat y_i)^2 + \alpha\|w\|^2`, i.e. ridgeback's mean squared
    error plus :math:`\lambda\|w\|^2` with :math:`\lambda = \alpha / n` (on the raw target:
    ``scale_target=False``); ``LogisticRegression(C)`` minimizes
    :math:`C \sum_i \ell_i + \tfrac12\|w\|^2`, i.e. the mean cross-entropy plus
    :math:`\lambda\|w\|^2` with :math:`\lambda = 1 / (2Cn)`. A binary model's single logit
    :math:`z` becomes the two outputs :math:`(0, z)`, whose softmax is :math:`(1-\sigma(z), \sigma(z))`.
    """
    from ..engine.network import mlp

    coef = np.atleast_2d(np.asarray(model.coef_, dtype=np.float64))
    intercept = np.atleast_1d(np.asarray(model.intercept_, dtype=np.float64))
    classifier = hasattr(model, "classes_")
    if classifier and coef.shape[0] == 1:  # binary: logits (0, z)
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([[0.0], intercept])
    n_features, n_out = coef.shape[1], coef.shape[0]
    plain = dict(hidden_layer_sizes=(), l1=0.0, group_l1=0.0, dropout=0.0, input_dropout=0.0,
                 normalization=None, numeric_embedding=None, max_norm=None)
    if classifier:
        estimator = clone(template).set_params(**plain, l2=1.0 / (2.0 * model.C * n_rows))
    else:
        estimator = clone(template).set_params(**plain, l2=model.alpha / n_rows, scale_target=False)
    network = mlp([n_features, n_out], dtype=estimator.get_params()["dtype"])
    dense = network.dense_layers[0]
    dense.weight.data[...] = coef.T.astype(dense.weight.data.dtype)
    dense.bias.data[...] = intercept.astype(dense.bias.data.dtype)
    classes = model.classes_ if classifier else None
    bounds = getattr(model, "target_range_", None)  # a ClippedRidge: the network clips alike
    clip = None if bounds is None else {"min": bounds[0].tolist(), "max": bounds[1].tolist()}
    return estimator.restore_fitted(network, classes=classes, n_features_in=n_features, target_range=clip)
