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
from sklearn.utils import _safe_indexing

__all__ = ["linear_baseline", "LINEAR_GRID"]

LINEAR_GRID = {"C": [0.01, 0.1, 1.0, 10.0], "alpha": [0.1, 1.0, 10.0, 100.0]}


def _linear(estimator, strength):
    """The pipeline (or bare estimator) with a linear model of ``strength`` as its last step."""
    classifier = is_classifier(estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator)
    model = LogisticRegression(C=strength, max_iter=1000) if classifier else Ridge(alpha=strength)
    if not hasattr(estimator, "steps"):
        return model, classifier
    from sklearn.pipeline import Pipeline

    steps = [(name, clone(step)) for name, step in estimator.steps[:-1]]
    return Pipeline([*steps, (estimator.steps[-1][0], model)]), classifier


def linear_baseline(estimator, X, y, folds, scoring=None) -> dict:
    """Cross-validate the linear baseline of ``estimator`` on ``folds``.

    Returns
    -------
    dict
        ``model`` ("LogisticRegression" or "Ridge"), ``param`` ("C" or "alpha"), ``value`` (the
        best strength), ``mean_score``, ``std_score``, ``fold_scores`` (of the best),
        ``scores`` (mean score per strength) and ``seconds``.
    """
    start = time.perf_counter()
    classifier = _linear(estimator, 1.0)[1]
    param = "C" if classifier else "alpha"
    rows = []
    for strength in LINEAR_GRID[param]:
        scores = []
        for train, test in folds:
            model = _linear(estimator, strength)[0]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(_safe_indexing(X, train), _safe_indexing(y, train))
            scorer = check_scoring(model, scoring=scoring)
            scores.append(float(scorer(model, _safe_indexing(X, test), _safe_indexing(y, test))))
        rows.append((strength, scores))
    means = [float(np.mean(s)) for _, s in rows]
    best = int(np.argmax(means))
    strength, scores = rows[best]
    return {"model": "LogisticRegression" if classifier else "Ridge", "param": param, "value": strength,
            "mean_score": means[best], "std_score": float(np.std(scores)), "fold_scores": scores,
            "scores": dict(zip([str(s) for s, _ in rows], means, strict=True)),
            "seconds": time.perf_counter() - start}
