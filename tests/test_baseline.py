"""The linear baseline on the search's folds (selection/baseline.py)."""

import numpy as np
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ridgeback import MLPClassifier, MLPRegressor, tune
from ridgeback.selection.baseline import LINEAR_GRID, linear_baseline
from ridgeback.selection.crossval import derive_seed, make_folds


def test_classifier_baseline_is_logistic_regression_scored_on_the_same_folds():
    X, y = make_classification(n_samples=150, n_features=5, random_state=0)
    est = make_pipeline(StandardScaler(), MLPClassifier((4,), max_epochs=3, random_state=0))
    result = tune(est, X, y, {"mlpclassifier__l2": [0.0, 1e-2]}, cv=3, refit=False, baseline=True)
    base = result.baseline
    assert base["model"] == "LogisticRegression" and base["param"] == "C"
    folds = make_folds(est, X, y, 3, derive_seed(0, 0))  # the search's folds (random_state 0)
    expected = []
    for train, test in folds:
        model = make_pipeline(StandardScaler(), LogisticRegression(C=base["value"], max_iter=1000))
        expected.append(model.fit(X[train], y[train]).score(X[test], y[test]))
    assert base["fold_scores"] == expected
    assert base["mean_score"] == max(base["scores"].values())
    assert result.to_dict()["baseline"] == base


def test_regressor_baseline_is_ridge_and_beats_a_starved_network_on_a_linear_target():
    X, y = make_regression(n_samples=200, n_features=4, noise=1.0, random_state=0)
    result = tune(MLPRegressor((4,), max_epochs=2, random_state=0), X, y, {"l2": [0.0]}, cv=3, refit=False,
                  baseline=True, search="halving")
    assert result.baseline["model"] == "Ridge"
    folds = make_folds(MLPRegressor(), X, y, 3, derive_seed(0, 0))
    alpha = result.baseline["value"]
    expected = np.mean([Ridge(alpha=alpha).fit(X[tr], y[tr]).score(X[te], y[te]) for tr, te in folds])
    assert result.baseline["mean_score"] == expected > result.best_score_


def test_linear_baseline_on_a_bare_estimator():
    X, y = make_classification(n_samples=90, n_features=4, random_state=1)
    folds = make_folds(MLPClassifier(), X, y, 3, 0)
    base = linear_baseline(MLPClassifier(), X, y, folds)
    assert len(base["fold_scores"]) == 3 and set(base["scores"]) == {str(c) for c in LINEAR_GRID["C"]}
