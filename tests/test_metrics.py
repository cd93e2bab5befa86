"""The metric vocabulary (ridgeback.metrics) and tune's use of it: scoring by name, weighted
held-out scores, out-of-fold predictions."""

import numpy as np
import pytest
from sklearn import metrics as skm

from ridgeback import MLPClassifier, MLPRegressor, tune
from ridgeback.metrics import (
    CLASSIFICATION_METRICS,
    DEFAULT_METRIC,
    METRICS,
    Scorer,
    check_metric,
    metric_from_predictions,
    scores,
)
from ridgeback.selection import search

pytestmark = pytest.mark.filterwarnings("ignore:batch_size=.* is larger than")


def _proba(rng, n, k):
    z = rng.standard_normal((n, k))
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


def test_binary_metrics_match_scikit_learn():
    rng = np.random.default_rng(0)
    classes = np.array(["no", "yes"])
    truth = classes[rng.integers(0, 2, 50)]
    proba = _proba(rng, 50, 2)
    w = rng.uniform(0.1, 2, 50)
    pos = truth == "yes"
    assert metric_from_predictions("roc_auc", truth, proba, classes, w) == skm.roc_auc_score(pos, proba[:, 1],
                                                                                            sample_weight=w)
    assert metric_from_predictions("average_precision", truth, proba, classes) == \
        skm.average_precision_score(pos, proba[:, 1])
    pred = classes[proba.argmax(1)]
    assert metric_from_predictions("f1", truth, proba, classes) == skm.f1_score(truth, pred, pos_label="yes")
    assert metric_from_predictions("balanced_accuracy", truth, proba, classes) == \
        skm.balanced_accuracy_score(truth, pred)
    assert metric_from_predictions("neg_log_loss", truth, proba, classes) == -skm.log_loss(truth, proba)


def test_float32_probabilities_score_their_log_loss_without_a_warning():
    # scikit-learn's LogisticRegression on float32 rows (the linear baseline) gives float32
    # probabilities whose rows, read as float64, miss 1 by ~3e-8: more than log_loss's
    # float64 check allows, so it warned "do not sum to one" in every no-hints search
    import warnings

    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    X, y = make_classification(n_samples=3000, n_features=6, random_state=0)
    proba = LogisticRegression().fit(X.astype(np.float32), y).predict_proba(X.astype(np.float32))
    assert proba.dtype == np.float32
    assert np.abs(proba.astype(np.float64).sum(axis=1) - 1).max() > np.sqrt(np.finfo(np.float64).eps)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = metric_from_predictions("neg_log_loss", y, proba, np.array([0, 1]))
    p = proba.astype(np.float64)
    p /= p.sum(axis=1, keepdims=True)
    expected = np.mean(np.log(p[np.arange(y.size), y]))  # minus the log-loss
    assert got == pytest.approx(expected, rel=1e-12)
    assert got == pytest.approx(-skm.log_loss(y, p), rel=1e-12)


def test_multiclass_auc_is_one_vs_rest_and_average_precision_macro():
    rng = np.random.default_rng(1)
    classes = np.array([0, 1, 2])
    truth = rng.integers(0, 3, 80)
    proba = _proba(rng, 80, 3)
    assert metric_from_predictions("roc_auc", truth, proba, classes) == pytest.approx(
        skm.roc_auc_score(truth, proba, multi_class="ovr", average="macro"), abs=1e-12)
    onehot = np.eye(3)[truth]
    assert metric_from_predictions("average_precision", truth, proba, classes) == pytest.approx(
        np.mean([skm.average_precision_score(onehot[:, j], proba[:, j]) for j in range(3)]), abs=1e-12)
    with pytest.raises(ValueError, match="f1_macro"):
        metric_from_predictions("f1", truth, proba, classes)
    # a class missing from these rows: the AUC is undefined, NaN (not an exception)
    assert np.isnan(metric_from_predictions("roc_auc", truth[truth < 2], proba[truth < 2], classes))


def test_an_integer_class_the_model_never_saw_scores_too():
    # integer labels (a count of 0..8 with one row of 8): the extended classes stay integers,
    # which scikit-learn reads, not an object array ("Unknown label type")
    rng = np.random.default_rng(3)
    truth = np.array([0, 1, 2, 0, 1, 8])
    proba = _proba(rng, 6, 3)
    classes = np.array([0, 1, 2])
    extended = np.hstack([proba, np.zeros((6, 1))])
    expected = -skm.log_loss(truth, extended, labels=[0, 1, 2, 8])
    got = metric_from_predictions("neg_log_loss", truth, proba, classes)
    assert got == pytest.approx(expected, rel=1e-12)
    assert metric_from_predictions("f1_macro", truth, proba, classes) == pytest.approx(
        skm.f1_score(truth, classes[np.argmax(proba, axis=1)], average="macro", labels=[0, 1, 2, 8],
                     zero_division=0))


def test_a_class_the_model_never_saw_scores_as_probability_zero():
    # a fold that trained without a one-row class still scores its held-out rows (the class's
    # probability is 0: the log-loss is clipped, the label metrics count the row as wrong)
    rng = np.random.default_rng(2)
    truth = np.array(["a", "b", "d", "a", "b", "c"], dtype=object)
    proba = _proba(rng, 6, 3)
    classes = np.array(["a", "b", "d"])  # "c", between them, was never seen
    extended = np.hstack([proba[:, :2], np.zeros((6, 1)), proba[:, 2:]])
    expected = -skm.log_loss(truth, extended, labels=["a", "b", "c", "d"])
    got = metric_from_predictions("neg_log_loss", truth, proba, classes)
    assert got == pytest.approx(expected, rel=1e-12)
    assert np.isfinite(expected) and expected < -5  # the unseen row costs about -log(eps) / 6
    predicted = classes[np.argmax(proba, axis=1)]
    assert metric_from_predictions("accuracy", truth, proba, classes) == pytest.approx(
        np.mean(predicted == truth))
    assert metric_from_predictions("f1_macro", truth, proba, classes) == pytest.approx(
        skm.f1_score(truth, predicted, average="macro", labels=["a", "b", "c", "d"], zero_division=0))
    onehot = truth[:, None] == np.array(["a", "b", "c", "d"])[None, :]
    assert metric_from_predictions("roc_auc", truth, proba, classes) == pytest.approx(
        skm.roc_auc_score(onehot, extended, average="macro"))


def test_tune_with_a_one_row_class_scores_every_fold():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 3))
    y = np.where(X[:, 0] > 0, "pos", "neg").astype(object)
    y[7] = "lone"  # in one fold's held-out rows, absent from that fold's training rows
    est = MLPClassifier((4,), max_epochs=3, random_state=0)
    with pytest.warns(UserWarning, match="fewer rows than cv=3"):
        result = tune(est, X, y, {"l2": [0.0, 1e-2]}, cv=3, random_state=0, refit=False,
                      scoring="neg_log_loss")
    scores_ = np.array([r["fold_scores"] for r in result.results_])
    assert scores_.shape == (2, 3) and np.isfinite(scores_).all()


def test_regression_metrics_are_negated_errors():
    rng = np.random.default_rng(2)
    t, p = rng.standard_normal(30), rng.standard_normal(30)
    rmse = np.sqrt(skm.mean_squared_error(t, p))
    assert metric_from_predictions("neg_root_mean_squared_error", t, p) == -rmse
    assert metric_from_predictions("neg_mean_absolute_error", t, p) == -skm.mean_absolute_error(t, p)
    assert scores("regression", t, p) == {"rmse": np.sqrt(skm.mean_squared_error(t, p)),
                                          "mae": skm.mean_absolute_error(t, p), "r2": skm.r2_score(t, p)}


def test_scores_use_plain_names():
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 2, 40)
    out = scores("classification", truth, _proba(rng, 40, 2), np.array([0, 1]))
    assert sorted(out) == sorted(["accuracy", "log_loss", "f1", "roc_auc", "average_precision",
                                  "balanced_accuracy"])
    assert out["log_loss"] > 0


def test_unknown_metric_lists_the_valid_ones():
    with pytest.raises(ValueError, match="roc_auc.*Received: metric='auc'"):
        check_metric("auc")
    with pytest.raises(ValueError, match="a regression metric"):
        check_metric("roc_auc", "regression")
    assert set(DEFAULT_METRIC.values()) <= set(METRICS)


def _imbalanced(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    y = (X[:, 0] + 0.7 * rng.standard_normal(n) > 1.5).astype(int)
    return X, y


def test_tune_scores_and_picks_by_the_named_metric():
    X, y = _imbalanced()
    est = MLPClassifier((8,), max_epochs=8, learning_rate=1e-2, random_state=0)
    result = tune(est, X, y, {"l2": [0.0, 1e-2, 1.0]}, cv=3, random_state=0, scoring="roc_auc", refit=False)
    assert result.scoring == "roc_auc"
    means = [r["mean_score"] for r in result.results_]
    assert result.best_index_ == int(np.argmax(means))
    # every fold score is the AUC of that fold's held-out probabilities
    folds = search.make_folds(est, X, y, 3, search.derive_seed(0, 0))
    oof = result.oof_predictions_[result.best_index_]
    for (_, test), score in zip(folds, result.results_[result.best_index_]["fold_scores"], strict=True):
        assert score == pytest.approx(skm.roc_auc_score(y[test], oof[test, 1]), abs=1e-6)
    assert set(result.oof_predictions_) == {result.best_index_, result.one_se_index_}
    assert "oof" not in str(result.to_dict())


def test_oof_predictions_past_the_budget_are_recomputed_alike(monkeypatch):
    X, y = _imbalanced(120)
    est = MLPClassifier((4,), max_epochs=4, random_state=0)
    kept = tune(est, X, y, {"l2": [0.0, 1e-2]}, cv=3, random_state=0, scoring="neg_log_loss", refit=False)
    monkeypatch.setattr(search, "OOF_BUDGET_BYTES", 0)
    again = tune(est, X, y, {"l2": [0.0, 1e-2]}, cv=3, random_state=0, scoring="neg_log_loss", refit=False)
    assert kept.oof_predictions_.keys() == again.oof_predictions_.keys()
    for i, arr in kept.oof_predictions_.items():
        assert np.array_equal(arr, again.oof_predictions_[i])


def test_tune_with_sample_weight_ones_is_the_unweighted_search_and_weights_split_by_fold():
    X, y = _imbalanced(150)
    est = MLPRegressor((4,), max_epochs=4, random_state=0)
    yr = X[:, 0] * 2.0
    plain = tune(est, X, yr, {"l2": [0.0, 1e-2]}, cv=3, random_state=0, scoring="r2", refit=False)
    ones = tune(est, X, yr, {"l2": [0.0, 1e-2]}, cv=3, random_state=0, scoring="r2", refit=False,
                sample_weight=np.ones(len(yr)))
    assert [r["fold_scores"] for r in plain.results_] == [r["fold_scores"] for r in ones.results_]
    w = np.where(np.arange(len(yr)) % 2, 3.0, 0.5)
    weighted = tune(est, X, yr, {"l2": [0.0, 1e-2]}, cv=3, random_state=0, scoring="r2", refit="best",
                    sample_weight=w)
    assert [r["fold_scores"] for r in plain.results_] != [r["fold_scores"] for r in weighted.results_]
    # the weighted held-out score: recompute fold 0 of candidate 0 by hand
    folds = search.make_folds(est, X, yr, 3, search.derive_seed(0, 0))
    train, test = folds[0]
    fitted = MLPRegressor((4,), max_epochs=4, random_state=search.derive_seed(0, 1, 0), l2=0.0)
    fitted.fit(X[train], yr[train], sample_weight=w[train])
    expected = skm.r2_score(yr[test], fitted.predict(X[test]), sample_weight=w[test])
    assert weighted.results_[0]["fold_scores"][0] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("name", CLASSIFICATION_METRICS)
def test_every_classification_metric_scores_an_estimator(name):
    X, y = _imbalanced(100)
    clf = MLPClassifier((4,), max_epochs=3, random_state=0).fit(X, y)
    value = Scorer(name)(clf, X, y)
    assert np.isfinite(value)


@pytest.mark.parametrize("cls, default", [(MLPClassifier, "accuracy"), (MLPRegressor, "r2")])
def test_scoring_none_scores_exactly_as_the_estimators_own_score(cls, default):
    X, y = _imbalanced(120)
    target = y if cls is MLPClassifier else X[:, 0] + y
    est = cls((4,), max_epochs=4, random_state=0)
    own = tune(est, X, target, {"l2": [0.0, 1e-2]}, cv=3, random_state=0, refit=False)
    named = tune(est, X, target, {"l2": [0.0, 1e-2]}, cv=3, random_state=0, refit=False,
                 scoring=default)
    assert named.scoring == default
    assert [r["fold_scores"] for r in own.results_] == [r["fold_scores"] for r in named.results_]
    assert [r["train_scores"] for r in own.results_] == [r["train_scores"] for r in named.results_]


def test_regularization_path_scores_by_the_named_metric_and_says_so():
    from ridgeback import regularization_path

    X, y = _imbalanced(120)
    path = regularization_path(MLPClassifier((4,), max_epochs=4, random_state=0), X, y, param="l2",
                               values=[1.0, 1e-2, 0.0], cv=3, random_state=0, scoring="neg_log_loss",
                               refit=False)
    assert path.to_dict()["scoring"] == "neg_log_loss"
    assert np.all(path.mean_score < 0)  # minus log-losses
    from ridgeback.report.context import PathSummary

    assert PathSummary.from_dict(path.to_dict()).score_name == "neg_log_loss"
