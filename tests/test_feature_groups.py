"""Feature groups: the labels a Preprocessor's matrix carries, group L1 over a raw column's inputs,
and selected features named by raw column; without groups, the fit is unchanged bit for bit."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from ridgeback import GroupL1, MLPClassifier, MLPRegressor, Preprocessor, TabularModel, selected_features
from ridgeback.engine.feature_groups import (
    GroupedMatrix,
    check_feature_groups,
    feature_groups_of,
    group_codes,
    with_feature_groups,
)
from ridgeback.engine.inspection import feature_groups, feature_norms, input_weight
from ridgeback.estimators.base import fit_together

LEVELS = ["red", "green", "blue", "grey"]


def _table(colour_matters, seed=0, n=300):
    """``x`` carries the signal (through a sine); ``colour`` (4 levels) is noise unless it matters."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x": rng.standard_normal(n), "colour": rng.choice(LEVELS, n)})
    effect = df["colour"].map({"red": 1.5, "green": -1.5, "blue": 0.5, "grey": -0.5}).to_numpy()
    y = np.sin(2 * df["x"].to_numpy()) + (effect if colour_matters else 0.0) + 0.2 * rng.standard_normal(n)
    return df, y


def _regressor(group_l1=0.15, **kwargs):
    return MLPRegressor((16,), group_l1=group_l1, max_epochs=40, learning_rate=1e-2, early_stopping=False,
                        random_state=0, **kwargs)


# ------------------------------------------------------------------ the matrix that carries labels
def test_only_the_matrix_itself_carries_its_labels():
    X = with_feature_groups(np.arange(12.0).reshape(3, 4), ["a", "b", "b", 7])
    assert isinstance(X, GroupedMatrix) and feature_groups_of(X) == ["a", "b", "b", 7]
    # rows, columns and arithmetic are new data: plain arrays (a reduction a plain scalar)
    for derived in (X[1:], X[:, :2], X[[0, 2]], X * 2, np.log1p(X), X > 3):
        assert type(derived) is np.ndarray and feature_groups_of(derived) is None
    assert type(X.sum()) is np.float64 and X.sum() == 66.0
    assert feature_groups_of(X.copy()) is None and feature_groups_of(X.T) is None
    assert feature_groups_of(np.asarray(X)) is None and feature_groups_of(X.tolist()) is None
    again = pickle.loads(pickle.dumps(X))
    assert feature_groups_of(again) == ["a", "b", "b", 7] and np.array_equal(again, X)


def test_labels_are_checked_and_numbered_in_order_of_first_appearance():
    codes, names = group_codes(["when", "city", "when", np.str_("city"), "age"])
    assert codes.tolist() == [0, 1, 0, 1, 2] and names == ["when", "city", "age"]
    assert check_feature_groups(np.array([3, 3, 1]), 3) == [3, 3, 1]
    for bad, message in [([0, 1], r"per input column \(3\)\. Received: feature_groups with 2 labels"),
                         ([0, 1, 0.5], r"Received: feature_groups with labels such as 0\.5"),
                         ([0, True, 1], r"Received: feature_groups with labels such as True"),
                         ("abc", r"Received: feature_groups='abc'")]:
        with pytest.raises(ValueError, match=message):
            check_feature_groups(bad, 3)
    with pytest.raises(ValueError, match=r"Received: X with shape \(3,\)"):
        with_feature_groups(np.zeros(3), [0, 1, 2])


# ------------------------------------------------------------------ group L1 over a raw column's inputs
def test_group_l1_removes_a_noise_categorical_column_as_a_whole():
    df, y = _table(colour_matters=False)
    model = TabularModel(_regressor()).fit(df, y)
    names = model.preprocessor.feature_names_out_
    assert names == ["x"] + [f"colour={c}" for c in sorted(LEVELS)]
    assert model.estimator.feature_groups_ == ["x"] + ["colour"] * 4
    assert input_weight(model).regularizer == GroupL1(0.15, groups=[0, 1, 1, 1, 1])
    w = input_weight(model).data
    assert np.all(w[1:] == 0)  # the four one-hot rows, exactly zero together
    assert np.any(w[0] != 0)
    kept = selected_features(model)
    assert kept.names == ["x"] and kept.indices.tolist() == [0] and kept.inputs.tolist() == [0]
    norms, features = feature_norms(model)
    assert features == ["x", "colour"] and norms[1] == 0 and norms[0] == pytest.approx(np.linalg.norm(w[0]))
    assert model.evaluate(df, y)["r2"] > 0.75


def test_a_categorical_column_that_matters_keeps_all_its_levels():
    df, y = _table(colour_matters=True)
    model = TabularModel(_regressor()).fit(df, y)
    w = input_weight(model).data
    assert np.all(np.linalg.norm(w, axis=1) > 0)  # every level's row, not some of them
    kept = selected_features(model)
    assert kept.names == ["x", "colour"] and kept.inputs.tolist() == [0, 1, 2, 3, 4]
    assert len(kept) == 2


def test_a_missing_indicator_belongs_to_its_column():
    df, y = _table(colour_matters=False)
    df["noise"] = np.random.default_rng(1).standard_normal(len(df))
    df.loc[::7, "noise"] = np.nan
    pre = Preprocessor().fit(df)
    assert pre.feature_names_out_[:3] == ["x", "noise", "noise=<missing>"]
    model = TabularModel(_regressor(0.15), pre).fit(df, y)
    assert input_weight(model).regularizer.groups == [0, 1, 1, 2, 2, 2, 2]
    assert np.all(input_weight(model).data[1:] == 0) and selected_features(model).names == ["x"]


def test_a_pipeline_and_lockstep_fits_pass_the_labels_with_the_matrix():
    df, y = _table(colour_matters=False)
    pipe = Pipeline([("preprocess", Preprocessor()), ("mlp", _regressor())]).fit(df, y)
    tabular = TabularModel(_regressor()).fit(df, y)
    assert feature_groups(pipe) == ["x"] + ["colour"] * 4
    assert np.array_equal(input_weight(pipe).data, input_weight(tabular).data)
    assert selected_features(pipe).names == ["x"]
    # the search's lockstep path: the preprocessing fitted once, its matrix shared by the networks
    Xt = Preprocessor().fit_transform(df)
    pair = [_regressor(0.15), _regressor(0.05)]
    assert fit_together(pair, Xt, y)
    assert np.array_equal(input_weight(pair[0]).data, input_weight(tabular).data)
    assert pair[1].feature_groups_ == ["x"] + ["colour"] * 4
    # a preprocessed matrix handed on by transform (or as a plain array) has no labels
    plain = _regressor().fit(pipe[0].transform(df), y)
    assert not hasattr(plain, "feature_groups_") and input_weight(plain).regularizer == GroupL1(0.15)


def test_explicit_feature_groups_win_and_are_checked():
    df, y = _table(colour_matters=False)
    X = Preprocessor().fit(df).transform(df)
    explicit = _regressor().fit(X, y, feature_groups=["x"] + ["colour"] * 4)
    carried = _regressor().fit(Preprocessor().fit_transform(df), y)
    assert np.array_equal(input_weight(explicit).data, input_weight(carried).data)
    other = _regressor().fit(Preprocessor().fit_transform(df), y, feature_groups=[0, 1, 1, 2, 2])
    assert other.feature_groups_ == [0, 1, 1, 2, 2]
    assert feature_norms(other)[1] == ["0", "1", "2"]  # features named by their labels
    with pytest.raises(ValueError, match=r"one label \(str or int\) per input column \(5\)"):
        _regressor().fit(X, y, feature_groups=["x", "colour"])
    # a refit without groups forgets the earlier ones
    assert not hasattr(other.fit(X, y), "feature_groups_")


def test_without_feature_groups_the_fit_is_unchanged_bit_for_bit():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 5))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    est = MLPClassifier((8,), group_l1=0.02, l1=1e-3, max_epochs=8, random_state=0)
    plain = est.fit(X, y).network_
    assert input_weight(est).regularizer.terms[-1] == GroupL1(0.02)  # no groups in the regularizer
    singletons = MLPClassifier(**est.get_params()).fit(with_feature_groups(X, list("abcde")), y)
    for a, b in zip(plain.parameters(), singletons.network_.parameters(), strict=True):
        assert np.array_equal(a.data, b.data)  # one input per feature: exactly the ungrouped fit
    # a table of numeric columns only: the pipeline fits exactly what the network on its matrix fits
    df = pd.DataFrame(X, columns=list("abcde"))
    pipe = Pipeline([("p", Preprocessor()), ("m", MLPClassifier(**est.get_params()))]).fit(df, y)
    direct = MLPClassifier(**est.get_params()).fit(pipe[0].transform(df), y)
    assert np.array_equal(input_weight(pipe).data, input_weight(direct).data)
    assert selected_features(pipe).names == selected_features(direct, list("abcde")).names


def test_periodic_embedding_groups_its_per_column_weights_by_raw_column():
    df, y = _table(colour_matters=False)
    model = TabularModel(_regressor(0.15, numeric_embedding="periodic")).fit(df, y)
    weight = input_weight(model)
    assert weight.data.ndim == 3 and weight.data.shape[0] == 5  # (inputs, m, d): one slice per input
    assert weight.regularizer == GroupL1(0.15, groups=[0, 1, 1, 1, 1])
    assert np.all(weight.data[1:] == 0) and np.any(weight.data[0] != 0)
    assert selected_features(model).names == ["x"]
