"""The linear baseline on the search's folds (selection/baseline.py)."""

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ridgeback import MLPClassifier, MLPRegressor, tune
from ridgeback.estimators.regressor import clip_bounds
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


@pytest.mark.parametrize("clip", [True, False])
def test_regressor_baseline_is_ridge_and_beats_a_starved_network_on_a_linear_target(clip):
    # clip_predictions (the default): the Ridge's predictions are clipped by the bounds of each
    # fold's training target range, as the network it becomes clips them; without it, Ridge's own
    X, y = make_regression(n_samples=200, n_features=4, noise=1.0, random_state=0)
    network = MLPRegressor((4,), max_epochs=2, random_state=0, clip_predictions=clip)
    result = tune(network, X, y, {"l2": [0.0]}, cv=3, refit=False, baseline=True, search="halving")
    assert result.baseline["model"] == "Ridge"
    folds = make_folds(MLPRegressor(), X, y, 3, derive_seed(0, 0))
    alpha = result.baseline["value"]

    def fold_score(tr, te):
        pred = Ridge(alpha=alpha).fit(X[tr], y[tr]).predict(X[te])
        low, high = clip_bounds([[y[tr].min()], [y[tr].max()]])[:, 0]
        return r2_score(y[te], np.clip(pred, low, high) if clip else pred)

    expected = np.mean([fold_score(tr, te) for tr, te in folds])
    assert result.baseline["mean_score"] == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert expected > result.best_score_


def test_clipped_ridge_and_its_network_clip_alike():
    from ridgeback.selection.baseline import ClippedRidge, as_network_estimator

    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 3))
    y = X @ [1.0, 2.0, -1.0] + 0.1 * rng.standard_normal(100)
    ridge = ClippedRidge(alpha=1.0).fit(X, y)
    far = 10 * rng.standard_normal((40, 3))
    raw = Ridge(alpha=1.0).fit(X, y).predict(far)
    low, high = clip_bounds([[y.min()], [y.max()]])[:, 0]
    assert (raw > high).any() and (raw < low).any()
    np.testing.assert_allclose(ridge.predict(far), np.clip(raw, low, high), rtol=1e-12)
    net = as_network_estimator(ridge, MLPRegressor(dtype="float64"), len(y))
    np.testing.assert_allclose(net.target_range_, [[y.min()], [y.max()]])
    np.testing.assert_allclose(net.predict(far), ridge.predict(far), rtol=1e-9, atol=1e-9)


def test_linear_baseline_on_a_bare_estimator():
    X, y = make_classification(n_samples=90, n_features=4, random_state=1)
    folds = make_folds(MLPClassifier(), X, y, 3, 0)
    base = linear_baseline(MLPClassifier(), X, y, folds)
    assert len(base["fold_scores"]) == 3 and set(base["scores"]) == {str(c) for c in LINEAR_GRID["C"]}
