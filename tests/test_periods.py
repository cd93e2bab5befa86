"""Periods (a year of a panel): read as a number, its trend, and one-hot too, the shocks every
row of one period shares; ``tune`` keeps the one-hot part only when the linear baseline gains."""

import numpy as np
import pandas as pd
import pytest

from quick_tune import tune_plan
from ridgeback.tabular.columns import plan_columns
from ridgeback.tabular.preprocessing import Preprocessor


def _years(n=400, seed=0, shock=3.0):
    """Rows of 10 years whose target moves by a shock per year (not a trend) plus 0.5 x."""
    rng = np.random.default_rng(seed)
    year = rng.integers(2001, 2011, n)
    shocks = dict(zip(range(2001, 2011), rng.normal(scale=shock, size=10), strict=True))
    x = rng.normal(size=n)
    y = np.array([shocks[v] for v in year]) + 0.5 * x + rng.normal(scale=0.5, size=n)
    return pd.DataFrame({"year": year, "x": x}), pd.Series(y, name="y")


def test_a_year_of_few_repeated_values_is_a_number_and_one_hot_too():
    X, _ = _years()
    X = X.assign(age=X["year"] - 1980, sample_yr=X["year"], built_year=np.arange(400) % 60 + 1900,
                 wave=X["year"].astype(float) + 0.5)
    plan = plan_columns(X)
    by = {c.column: c for c in plan.columns}
    assert plan.periods() == ["year", "sample_yr"]
    assert by["year"].role == "numeric" and by["year"].action == "impute median, scale; one-hot too"
    assert by["year"].reason.startswith("period: 10 periods of 40 rows on average")
    # an age is no period; 60 building years are more than one-hot takes; a wave of halves is no integer
    assert by["age"].reason == by["built_year"].reason == by["wave"].reason == ""
    assert plan_columns(X, periods=False).periods() == []
    assert plan_columns(X, categorical=["year"]).periods() == ["sample_yr"]


def test_the_preprocessor_writes_the_number_then_the_one_hot_columns_of_one_group():
    X, _ = _years()
    pre = Preprocessor().fit(X)
    assert pre.feature_names_out_ == ["year", "x", *[f"year={v}" for v in range(2001, 2011)]]
    assert pre.feature_groups_ == ["year", "x", *["year"] * 10]  # group L1 keeps or drops it whole
    assert pre.numeric_columns_ == ["year", "x"] and pre.categorical_columns_ == ["year"]
    out = pre.transform(X)
    np.testing.assert_allclose(out[:, 0], (X["year"] - X["year"].mean()) / X["year"].std(ddof=0), rtol=1e-5)
    np.testing.assert_array_equal(out[:, 2:].argmax(axis=1), X["year"] - 2001)
    np.testing.assert_array_equal(out[:, 2:].sum(axis=1), 1.0)
    # the scikit-learn blocks it was read from give the same numbers (the levels under another name)
    reference = pre.column_transformer_.transform(
        pd.DataFrame({"year": X["year"].astype(float), "x": X["x"], "year (levels)": X["year"].astype(str)}))
    np.testing.assert_allclose(out, reference, rtol=1e-6, atol=1e-6)
    # a year never seen: its trend still counts, no one-hot column is set
    unseen = pre.transform(pd.DataFrame({"year": [2015], "x": [0.0]}))
    assert unseen[0, 0] > out[:, 0].max() - 1e-6 and unseen[0, 2:].sum() == 0.0


def test_saved_periods_load_alike_and_older_files_read_numbers_only():
    X, _ = _years()
    pre = Preprocessor().fit(X)
    config, arrays = pre.get_config(), pre.get_arrays()
    np.testing.assert_array_equal(Preprocessor.from_config(config, arrays).transform(X), pre.transform(X))
    old = {**config, "params": {k: v for k, v in config["params"].items() if k != "periods"}}
    assert Preprocessor.from_config(old, arrays).periods is False
    broken = {**config, "categorical": {"columns": [], "fill_values": [], "categories": []}}
    with pytest.raises(ValueError, match=r"categorical.columns"):
        Preprocessor.from_config(broken, arrays)
    assert Preprocessor(periods=False).fit(X).feature_names_out_ == ["year", "x"]
    with pytest.raises(ValueError, match=r"Received: periods='yes'"):
        Preprocessor(periods="yes").fit(X)


@pytest.mark.parametrize("shock, one_hot", [(3.0, True), (0.0, False)])
def test_tune_one_hots_a_period_only_when_the_linear_model_clearly_gains(tmp_path, capsys, shock, one_hot):
    """Years whose rows share a shock are one-hot beside their number; years that say nothing
    are numbers only. The report says which and why; the saved model reads its table alike."""

    from ridgeback import load

    X, y = _years(n=240, seed=1, shock=shock)
    out = tmp_path / "run"
    plan = tune_plan(X.assign(y=y), out, capsys)
    assert plan["year"]["reason"].startswith("period:") is one_hot
    decided = "one-hot too, beside their number" if one_hot else "read as numbers"
    report = (out / "report.html").read_text(encoding="utf-8")
    assert f"year: periods whose rows share their shocks (a year of a panel), {decided}." in report
    model = load(out)
    assert model.preprocessor.periods is one_hot
    assert ("year=2005" in model.preprocessor.feature_names_out_) is one_hot
