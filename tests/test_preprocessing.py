"""Preprocessor: scikit-learn's fit, exact transform from a JSON config, columns by name."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from ridgeback.tabular.limits import UnseenValuesWarning
from ridgeback.tabular.preprocessing import Preprocessor


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    n = 40
    df = pd.DataFrame({
        "age": rng.normal(40, 10, n),
        "city": rng.choice(["Oslo", "Lima", "Pune"], n).astype(object),
        "count": rng.integers(0, 5, n),
        "member": rng.choice([True, False], n),
    })
    df.loc[[3, 7], "age"] = np.nan
    df.loc[5, "city"] = None
    return df


def sklearn_input(df):
    """What the ColumnTransformer saw: categoricals as strings, missing as NaN."""
    out = df.copy()
    for col in ("city", "member"):
        out[col] = np.array([np.nan if pd.isna(v) else str(v) for v in df[col]], dtype=object)
    out["count"] = out["count"].astype(float)
    return out


def test_transform_equals_the_fitted_column_transformer(frame):
    pre = Preprocessor().fit(frame)
    ours = pre.transform(frame)
    reference = pre.column_transformer_.transform(sklearn_input(frame))
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours, reference.astype(np.float32))
    # issue 18: a missing number gets an indicator column, a missing category is its own level
    assert pre.feature_names_out_ == ["age", "count", "age=<missing>", "city=<missing>", "city=Lima",
                                      "city=Oslo", "city=Pune", "member=False", "member=True"]
    assert pre.imputed_columns_ == ["age", "city"]
    # the scaled numeric columns have mean 0 and unit variance on the training rows
    np.testing.assert_allclose(ours[:, :2].mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(ours[:, :2].std(axis=0), 1, atol=1e-5)


def test_config_round_trips_through_json_exactly(frame):
    pre = Preprocessor().fit(frame)
    cfg = json.loads(json.dumps(pre.get_config(), allow_nan=False))
    loaded = Preprocessor.from_config(cfg)
    np.testing.assert_array_equal(loaded.transform(frame), pre.transform(frame))
    assert loaded.feature_names_out_ == pre.feature_names_out_
    assert loaded.imputed_columns_ == pre.imputed_columns_
    assert cfg["numeric"]["medians"][0] == pytest.approx(float(frame["age"].median()))


def test_float64_output(frame):
    out = Preprocessor(dtype=np.float64).fit_transform(frame)
    assert out.dtype == np.float64


def test_columns_are_matched_by_name(frame):
    pre = Preprocessor().fit(frame)
    shuffled = frame[["member", "count", "city", "age"]]
    np.testing.assert_array_equal(pre.transform(shuffled), pre.transform(frame))


def test_missing_columns_are_named(frame):
    pre = Preprocessor().fit(frame)
    with pytest.raises(ValueError, match=r"missing: \['city', 'member'\].*Received: columns=\['age', "
                                          r"'count'\]"):
        pre.transform(frame[["age", "count"]])


def test_extra_columns_warn_and_are_ignored(frame):
    pre = Preprocessor().fit(frame)
    with pytest.warns(UserWarning, match=r"Ignoring columns not seen at fit: \['extra'\]"):
        out = pre.transform(frame.assign(extra=1.0))
    np.testing.assert_array_equal(out, pre.transform(frame))


def test_text_in_a_numeric_column_names_column_and_row(frame):
    pre = Preprocessor().fit(frame)
    bad = frame.astype({"age": object})
    bad.loc[6, "age"] = "forty"
    with pytest.raises(ValueError, match=r"Column 'age' is numeric but row 6 holds 'forty'.*Received: "
                                          "age='forty'"):
        pre.transform(bad)


def test_numeric_looking_text_column_at_fit_names_the_bad_row():
    df = pd.DataFrame({"x": ["1", "2.5", "n/a?", "4"], "z": [1, 2, 3, 4]})
    with pytest.raises(ValueError, match=r"Column 'x' is numeric but row 2 holds 'n/a\?'.*Received: "
                                          r"x='n/a\?'"):
        Preprocessor().fit(df)


def test_infinite_feature_values_are_refused(frame):
    bad = frame.copy()
    bad.loc[9, "age"] = -np.inf
    with pytest.raises(ValueError, match=r"Column 'age' has an infinite value at row 9.*Received: age=-inf"):
        Preprocessor().fit(bad)
    pre = Preprocessor().fit(frame)
    with pytest.raises(ValueError, match="row 9"):
        pre.transform(bad)


def test_missing_values_at_transform_are_imputed(frame):
    pre = Preprocessor().fit(frame)
    row = frame.iloc[[0]].copy()
    row["age"] = np.nan
    row["city"] = None
    out = pre.transform(row)
    median, mean, scale = pre.medians_[0], pre.means_[0], pre.scales_[0]
    assert out[0, 0] == pytest.approx((median - mean) / scale, rel=1e-6)
    fill = pre.fill_values_[0]
    assert out[0, 2 + pre.categories_[0].index(fill)] == 1.0


def test_unseen_category_gives_zeros(frame):
    pre = Preprocessor().fit(frame)
    row = frame.iloc[[0]].assign(city="Paris")
    with pytest.warns(UnseenValuesWarning, match="city: 1 unseen level"):
        out = pre.transform(row)
    assert out[0, 2:5].tolist() == [0.0, 0.0, 0.0]


def test_unreadable_columns_are_refused():
    # issue 18: a datetime column now has a role (test_messy.py); a duration still has none
    df = pd.DataFrame({"when": pd.to_timedelta([1, 2, 3], unit="h"), "x": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"Column 'when' has dtype timedelta64.*Received: when of dtype"):
        Preprocessor().fit(df)
    df = pd.DataFrame({"obj": [[1], [2], [3]], "x": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"Column 'obj' holds a value of type list at row 0.*Received: "
                                          r"obj=\[1\]"):
        Preprocessor().fit(df)


def test_from_config_rejects_bad_values(frame):
    cfg = Preprocessor().fit(frame).get_config()
    cfg["numeric"]["scales"][0] = -1.0
    with pytest.raises(ValueError, match=r"numeric\.scales. must be positive"):
        Preprocessor.from_config(cfg)
    cfg = Preprocessor().fit(frame).get_config()
    cfg["numeric"]["means"] = [1.0]
    with pytest.raises(ValueError, match=r"numeric\.means. must be a list of 2 finite numbers"):
        Preprocessor.from_config(cfg)


def test_unfitted_and_empty_inputs():
    with pytest.raises(ValueError, match="not fitted"):
        Preprocessor().transform(pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError, match=r"Received: X with shape \(0, 1\)"):
        Preprocessor().fit(pd.DataFrame({"a": []}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Preprocessor().fit(pd.DataFrame({"a": [np.nan, np.nan], "b": [1.0, 2.0]}))  # an empty column is kept


def test_csv_column_with_text_among_numbers_is_refused_naming_the_row():
    from ridgeback.tabular.data import read_csv_bytes

    train = read_csv_bytes(b"age;city\n31;Oslo\n45;Lima\nforty;Oslo\n52;Pune\n")
    with pytest.raises(ValueError, match=r"Column 'age' is numeric but row 2 holds 'forty'.*Received: "
                                          "age='forty'"):
        Preprocessor().fit(train)
    pre = Preprocessor().fit(read_csv_bytes(b"age;city\n31;Oslo\n45;Lima\n"))
    with pytest.raises(ValueError, match=r"row 1 holds 'n\.a\.'.*Received: age='n\.a\.'"):
        pre.transform(read_csv_bytes(b"age;city\n31;Oslo\nn.a.;Lima\n"))


def test_preprocessor_is_a_clonable_sklearn_transformer(frame):
    from sklearn.base import clone

    pre = Preprocessor(dtype=np.float64)
    # issue 18 added the column-role overrides, scaling, cardinality_threshold and memory_limit;
    # issue 15 group_codes, clip, text_left_out, many_levels, periods, named_codes and the
    # entities' entity, entities and target_type
    defaults = {"drop": None, "categorical": None, "numeric": None, "datetime": None, "id": None,
                "scaling": "standard", "cardinality_threshold": 40, "memory_limit": None, "group_codes": True,
                "clip": True, "text_left_out": None, "many_levels": True, "entity": None, "entities": True,
                "target_type": "auto", "periods": True, "named_codes": True, "value_counts": True}
    assert pre.get_params() == {"dtype": np.float64, **defaults}
    assert pre.set_params(dtype="float32").dtype == "float32"
    fitted = pre.fit(frame)
    copy = clone(fitted)
    assert copy.get_params() == {"dtype": "float32", **defaults} and not hasattr(copy, "feature_names_in_")
    assert fitted.get_feature_names_out().tolist() == fitted.feature_names_out_
    assert fitted.n_features_in_ == 4
    # fit_transform through TransformerMixin equals fit then transform
    once = Preprocessor().fit_transform(frame)
    np.testing.assert_array_equal(once, Preprocessor().fit(frame).transform(frame))


def test_selected_features_of_a_pipeline_and_a_tabular_model_name_the_raw_columns(frame):
    from sklearn.pipeline import Pipeline

    from ridgeback import MLPRegressor, TabularModel, selected_features

    y = frame["age"].fillna(40).to_numpy() + frame["count"].to_numpy()
    reg = dict(hidden_layer_sizes=(4,), max_epochs=3, early_stopping=False, batch_size=40, random_state=0)
    pipe = Pipeline([("preprocess", Preprocessor()), ("mlp", MLPRegressor(**reg))]).fit(frame, y)
    names = pipe["preprocess"].feature_names_out_
    first = pipe["mlp"].network_.dense_layers[0].weight.data
    # remove the 'city=Lima' input by hand: the city is still used through its other levels
    first[names.index("city=Lima")] = 0
    chosen = selected_features(pipe)
    assert chosen.names == ["age", "count", "city", "member"]
    assert chosen.inputs.tolist() == [i for i, n in enumerate(names) if n != "city=Lima"]
    # the inputs one by one: the network itself, named by the preprocessed columns
    assert selected_features(pipe["mlp"].network_, names).names == [n for n in names if n != "city=Lima"]
    # every city input removed: the city is no longer selected
    first[[i for i, n in enumerate(names) if n.startswith("city=")]] = 0
    chosen = selected_features(pipe)
    assert chosen.names == ["age", "count", "member"] and chosen.indices.tolist() == [0, 1, 3]
    model = TabularModel(MLPRegressor(**reg)).fit(frame, y)
    assert selected_features(model).names == list(dict.fromkeys(model.preprocessor.feature_groups_))


def test_feature_groups_name_the_raw_column_of_every_output_and_travel_with_fit_transform():
    rng = np.random.default_rng(0)
    n = 60
    df = pd.DataFrame({
        "when": pd.date_range("2020-01-01", periods=n, freq="37h").astype(str),
        "size": rng.normal(size=n),
        "colour": rng.choice(["r", "g"], n),
        "note": [f"word{i % 7} other{i % 3} text{i % 11}" for i in range(n)],
    })
    df.loc[[2, 9], "size"] = np.nan
    pre = Preprocessor(datetime=["when"], categorical=["colour"], cardinality_threshold=5)
    out = pre.fit_transform(df)
    names, groups = pre.feature_names_out_, pre.feature_groups_
    assert len(groups) == len(names) == out.shape[1]
    for name, group in zip(names, groups, strict=True):
        if name.startswith("when."):
            assert group == "when"
        elif name.startswith("note.svd"):
            assert group == "note"
        else:
            assert group == name.split("=")[0]
    assert {"size=<missing>", "colour=g", "note.svd0"} <= set(names)
    assert sorted(set(groups)) == ["colour", "note", "size", "when"]
    # the matrix of fit_transform carries them; transform's is a plain array with the same values
    assert out.feature_groups == groups
    plain = pre.transform(df)
    assert type(plain) is np.ndarray and np.array_equal(plain, out)
    loaded = Preprocessor.from_config(json.loads(json.dumps(pre.get_config())), pre.get_arrays())
    assert loaded.feature_groups_ == groups
