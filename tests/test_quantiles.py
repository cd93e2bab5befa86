"""Quantile scaling (``Preprocessor(scaling="quantile")``, ``--scaling quantile``): the map of
:mod:`ridgeback.tabular.quantiles` against scikit-learn's ``QuantileTransformer``, its rule for
ties and the ends, and the knots' round trip through a saved model."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtri
from sklearn.preprocessing import QuantileTransformer

import ridgeback as rb
from ridgeback.cli.app import main
from ridgeback.persist.loading import load
from ridgeback.tabular.preprocessing import Preprocessor
from ridgeback.tabular.quantiles import fit_knots, n_knots, to_normal


def _sklearn(X):
    return QuantileTransformer(n_quantiles=n_knots(X.shape[0]), output_distribution="normal",
                               subsample=10**9).fit(X)


def test_knot_count_follows_gorishniy_et_al():
    counts = [n_knots(n) for n in (5, 100, 300, 3_000, 29_999, 30_000, 10**6)]
    assert counts == [5, 10, 10, 100, 999, 1000, 1000]


def test_knots_and_the_map_between_the_outer_knots_are_scikit_learns():
    rng = np.random.default_rng(0)
    X = np.c_[rng.lognormal(size=900), rng.standard_normal(900), rng.exponential(size=900) ** 3]
    qt = _sklearn(X)
    knots = fit_knots(X)
    assert knots.shape == (30, 3)
    np.testing.assert_allclose(knots, qt.quantiles_, rtol=1e-12, atol=1e-12)
    new = np.c_[rng.lognormal(size=200), rng.standard_normal(200), rng.exponential(size=200) ** 3]
    expected = qt.transform(new)
    for j in range(3):
        # scikit-learn sends a value within 1e-7 of an outer knot to its bound: left out
        inside = (new[:, j] - 1e-7 > knots[0, j]) & (new[:, j] + 1e-7 < knots[-1, j])
        assert inside.sum() > 150
        np.testing.assert_allclose(to_normal(new[inside, j], knots[:, j], 900), expected[inside, j],
                                   rtol=1e-10, atol=1e-10)


def test_ties_sit_at_their_mid_rank_and_the_ends_half_a_row_in():
    rng = np.random.default_rng(1)
    n = 1000
    binary = (rng.random(n) < 0.3).astype(np.float64)  # 30% ones
    knots = fit_knots(binary[:, None])[:, 0]
    z = to_normal(np.array([0.0, 1.0]), knots, n)
    share = binary.mean()
    # a 0 sits in the middle of the zeros' ranks, a 1 in the middle of the ones'
    np.testing.assert_allclose(z, ndtri([(1 - share) / 2, 1 - share / 2]), atol=0.05)
    # scikit-learn sends both to its bounds, about -5.2 and +5.2
    assert np.all(np.abs(_sklearn(binary[:, None]).transform([[0.0], [1.0]])) > 5)
    continuous = rng.standard_normal(n)
    knots = fit_knots(continuous[:, None])[:, 0]
    ends = to_normal(np.array([continuous.min(), continuous.max(), -1e9, 1e9]), knots, n)
    np.testing.assert_allclose(ends, ndtri([0.5 / n, 1 - 0.5 / n, 0.5 / n, 1 - 0.5 / n]))
    grid = np.linspace(-4, 4, 2001)
    assert np.all(np.diff(to_normal(grid, knots, n)) >= 0)  # order is kept


def test_a_skewed_column_is_spread_and_a_missing_value_lands_at_the_median():
    rng = np.random.default_rng(2)
    income = rng.lognormal(mean=10, sigma=1.5, size=600)
    income[::10] = np.nan
    df = pd.DataFrame({"income": income, "city": rng.choice(["a", "b"], 600)})
    pre = Preprocessor(scaling="quantile", dtype=np.float64).fit(df)
    out = pre.transform(df)
    z = out[:, pre.feature_names_out_.index("income")]
    standard = Preprocessor(dtype=np.float64).fit(df).transform(df)[:, 0]
    # standard scaling squeezes the middle half of the rows into a sliver below the mean; ranks
    # spread it over the normal's interquartile range, 1.35
    iqr = {name: np.subtract(*np.nanpercentile(v, [75, 25])) for name, v in (("std", standard), ("q", z))}
    assert iqr["std"] < 0.4 and 1.25 < iqr["q"] < 1.45
    assert abs(np.nanmean(z)) < 0.05 and 0.9 < np.std(z) < 1.05 and np.abs(z).max() < 3.5
    np.testing.assert_allclose(z[::10], 0.0, atol=0.01)  # imputed by the median: rank one half
    np.testing.assert_array_equal(out[:, pre.feature_names_out_.index("income=<missing>")],
                                  np.isnan(income))
    assert pre.means_ == [0.0] and pre.scales_ == [1.0] and pre.quantile_rows_ == 600


def test_the_knots_travel_with_the_saved_model_and_are_checked(tmp_path):
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"a": rng.exponential(size=300), "b": rng.integers(0, 5, 300),
                      "c": rng.choice(["x", "y"], 300)})
    y = (X["a"] > 1).astype(int)
    model = rb.TabularModel(rb.MLPClassifier((8,), max_epochs=3, random_state=0),
                            preprocessor=Preprocessor(scaling="quantile")).fit(X, y)
    path = rb.save(model, tmp_path / "m")
    loaded = rb.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.preprocessor.quantiles_, model.preprocessor.quantiles_)
    config = model.preprocessor.get_config()
    arrays = model.preprocessor.get_arrays()
    assert config["numeric"]["quantile_rows"] == 300 and arrays["numeric.quantiles"].shape == (10, 2)
    broken = dict(arrays, **{"numeric.quantiles": arrays["numeric.quantiles"][::-1].copy()})
    with pytest.raises(ValueError, match=r"numeric.quantiles.*non-decreasing.*Received"):
        Preprocessor.from_config(config, broken)
    no_rows = json.loads(json.dumps(config))
    del no_rows["numeric"]["quantile_rows"]
    with pytest.raises(ValueError, match=r"`numeric.quantile_rows` must be a positive integer. Received"):
        Preprocessor.from_config(no_rows, arrays)


def test_scaling_quantile_from_the_command_line(tmp_path, capsys):
    rng = np.random.default_rng(4)
    spend = rng.lognormal(sigma=2.0, size=120)
    df = pd.DataFrame({"spend": spend, "age": rng.integers(18, 80, 120),
                       "y": np.where(spend > 1, "yes", "no")})
    df.to_csv(tmp_path / "t.csv", index=False)
    code = main(["train", str(tmp_path / "t.csv"), "--target", "y", "--epochs", "3", "--hidden", "8",
                 "--scaling", "quantile", "--quiet", "--out", str(tmp_path / "run")])
    assert code == 0, capsys.readouterr().err
    pre = load(tmp_path / "run").preprocessor
    assert pre.scaling == "quantile"
    z = pre.transform(df.drop(columns="y"))[:, 0]
    assert np.all(np.abs(z) <= ndtri(1 - 0.5 / 120) + 1e-6)
    assert np.array_equal(np.argsort(z, kind="stable"), np.argsort(spend, kind="stable"))
