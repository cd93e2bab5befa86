"""TabularModel: raw DataFrames in, original labels out; evaluation metrics."""

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics

from ridgeback.estimators.classifier import MLPClassifier
from ridgeback.estimators.regressor import MLPRegressor
from ridgeback.tabular.model import TabularModel


def table(n=120, seed=0):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    color = rng.choice(["red", "blue"], n)
    df = pd.DataFrame({"x1": x1, "color": color, "x2": rng.normal(size=n)})
    df.loc[[2, 11], "x2"] = np.nan
    label = np.where(x1 + (color == "red") > 0.5, "yes", "no")
    return df, pd.Series(label, name="label")


def classifier(**kw):
    return MLPClassifier((8,), learning_rate=1e-2, max_epochs=40, early_stopping=False, random_state=0, **kw)


@pytest.fixture(scope="module")
def fitted():
    X, y = table()
    return TabularModel(classifier(dropout=0.2)).fit(X, y), X, y


def test_string_labels_are_kept(fitted):
    model, X, y = fitted
    assert model.task == "classification"
    assert model.classes_.tolist() == ["no", "yes"]
    pred = model.predict(X)
    assert set(pred.tolist()) <= {"no", "yes"}
    assert (pred == y.to_numpy()).mean() > 0.85
    assert model.feature_names_in_ == ["x1", "color", "x2"]


def test_evaluate_matches_sklearn_metrics(fitted):
    model, X, y = fitted
    scores = model.evaluate(X, y)
    proba = model.predict_proba(X)
    pred = model.predict(X)
    assert scores["accuracy"] == pytest.approx(metrics.accuracy_score(y, pred))
    assert scores["log_loss"] == pytest.approx(metrics.log_loss(y, proba, labels=model.classes_))
    assert scores["f1"] == pytest.approx(metrics.f1_score(y, pred, average="macro"))


def test_columns_matched_by_name_at_prediction(fitted):
    model, X, _ = fitted
    np.testing.assert_array_equal(model.predict_proba(X[["x2", "x1", "color"]]), model.predict_proba(X))
    with pytest.raises(ValueError, match=r"missing: \['color'\]"):
        model.predict(X[["x1", "x2"]])
    with pytest.warns(UserWarning, match=r"\['id'\]"):
        model.predict(X.assign(id=1))


def test_unseen_labels_at_evaluation_are_named(fitted):
    model, X, y = fitted
    y_bad = y.copy()
    y_bad.iloc[[0, 5]] = ["maybe", "unsure"]
    with pytest.raises(ValueError, match=r"never seen in training: \['maybe', 'unsure'\].*Received: labels="):
        model.evaluate(X, y_bad)


def test_bad_targets_at_fit():
    X, y = table(20)
    with pytest.raises(ValueError, match=r"single class.*Received: label='no'"):
        TabularModel(classifier()).fit(X, pd.Series(["no"] * 20, name="label"))
    y_nan = y.copy().astype(object)
    y_nan.iloc[4] = None
    with pytest.raises(ValueError, match=r"missing values at row 4"):
        TabularModel(classifier()).fit(X, y_nan)
    with pytest.raises(ValueError, match=r"same number of rows.*Received: X rows=20, y rows=19"):
        TabularModel(classifier()).fit(X, y[:19])


def test_predict_mc_is_seeded(fitted):
    model, X, _ = fitted
    mean1, std1 = model.predict_mc(X.head(5), samples=20, seed=3)
    mean2, std2 = model.predict_mc(X.head(5), samples=20, seed=3)
    np.testing.assert_array_equal(mean1, mean2)
    assert mean1.shape == (5, 2) and (std1 > 0).any()
    np.testing.assert_allclose(mean1.sum(axis=1), 1, atol=1e-5)


def test_regression_metrics():
    X, _ = table(80, seed=1)
    y = pd.Series(2 * X["x1"].to_numpy() + (X["color"] == "red"), name="t")
    model = TabularModel(MLPRegressor((8,), learning_rate=1e-2, max_epochs=60, early_stopping=False,
                                      random_state=0)).fit(X, y)
    assert model.task == "regression"
    scores = model.evaluate(X, y)
    pred = model.predict(X)
    assert scores["rmse"] == pytest.approx(np.sqrt(np.mean((pred - y.to_numpy()) ** 2)), rel=1e-5)
    assert scores["mae"] == pytest.approx(np.mean(np.abs(pred - y.to_numpy())), rel=1e-5)
    assert scores["r2"] > 0.8
    with pytest.raises(ValueError, match="needs a classifier"):
        model.predict_proba(X)
    y_inf = y.copy()
    y_inf.iloc[3] = np.inf
    with pytest.raises(ValueError, match=r"infinite values at row 3\. Received: t=inf"):
        model.evaluate(X, y_inf)


def test_transform_is_the_network_input(fitted):
    model, X, _ = fitted
    matrix = model.transform(X)
    assert matrix.dtype == np.float32 and matrix.shape == (len(X), model.estimator.n_features_in_)
    np.testing.assert_array_equal(model.estimator.predict_proba(matrix), model.predict_proba(X))


def test_a_model_fitted_alongside_shares_the_preprocessor_and_equals_a_fresh_fit(fitted):
    """The seeded refits of `tune` share the first refit's fitted preprocessor: same weights as a
    fit of its own (group L1 sees the same raw-column groups), the target's name kept."""
    model, X, y = fitted
    assert model.target_name_ == "label"
    alone = TabularModel(classifier(group_l1=1e-3).set_params(random_state=3)).fit(X, y)
    shared = model.fit_alongside(classifier(group_l1=1e-3).set_params(random_state=3), X, y, model.encode(X))
    assert shared.preprocessor is model.preprocessor and shared.target_name_ == "label"
    pairs = zip(alone.estimator.network_.parameters(), shared.estimator.network_.parameters(), strict=True)
    for a, b in pairs:
        np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(shared.predict_proba(X), alone.predict_proba(X))
    # encoded on the fly when no matrix is given; rows must match
    again = model.fit_alongside(classifier(), X, y)
    assert again.predict(X).shape == (len(X),)
    with pytest.raises(ValueError, match=r"same number of rows.*X rows=120, y rows=119"):
        model.fit_alongside(classifier(), X, y.iloc[:119])
