"""A pipeline's preprocessing fitted once per fold and shared by every candidate
(ridgeback.selection.prepared): the same matrices as fitting each pipeline alone, the same
search results with the cache as without it, and a cache that forgets."""

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ridgeback import MLPClassifier, MLPRegressor, tune
from ridgeback.selection import prepared
from ridgeback.selection.prepared import clear_prepared, prepare_fold
from ridgeback.tabular.preprocessing import Preprocessor

TIMING = ("mean_fit_time",)


@pytest.fixture(scope="module")
def table():
    """Numbers, a category and missing values: what the Preprocessor has to plan and encode."""
    rng = np.random.default_rng(0)
    n = 120
    df = pd.DataFrame({"x": rng.standard_normal(n), "z": rng.uniform(0, 10, n),
                       "colour": rng.choice(["red", "green", "blue"], n)})
    df.loc[rng.choice(n, 10, replace=False), "z"] = np.nan
    y = np.where(df.x + (df.colour == "red") + 0.3 * rng.standard_normal(n) > 0.5, "yes", "no")
    return df, y


@pytest.fixture()
def preprocessor_fits(monkeypatch):
    """The number of rows each Preprocessor.fit saw, in order."""
    seen = []
    real_fit = Preprocessor.fit

    def counting_fit(self, X, *args, **kwargs):
        seen.append(len(X))
        return real_fit(self, X, *args, **kwargs)

    monkeypatch.setattr(Preprocessor, "fit", counting_fit)
    return seen


def _pipe(**network):
    return Pipeline([("pre", Preprocessor()), ("mlp", MLPClassifier((8,), max_epochs=6, random_state=0,
                                                                    **network))])


def test_a_prepared_fold_holds_what_the_fitted_pipeline_would_compute(table):
    df, y = table
    clear_prepared()
    train, test = np.arange(0, 90), np.arange(90, 120)
    fold = prepare_fold(_pipe(), df, y, train, test)
    pre = Preprocessor().fit(df.iloc[train], y[train])
    np.testing.assert_array_equal(fold.X_fit, Preprocessor().fit_transform(df.iloc[train], y[train]))
    np.testing.assert_array_equal(fold.X_train, pre.transform(df.iloc[train]))
    np.testing.assert_array_equal(fold.X_test, pre.transform(df.iloc[test]))
    np.testing.assert_array_equal(fold.y_train, y[train])
    np.testing.assert_array_equal(fold.y_test, y[test])
    assert fold.steps[0][1].feature_names_out_ == pre.feature_names_out_
    # a network fitted on the fold, assembled, predicts as the same pipeline fitted whole
    model = _pipe()
    fold.network(model).fit(fold.X_fit, fold.y_train)
    whole = _pipe().fit(df.iloc[train], y[train])
    np.testing.assert_array_equal(fold.assemble(model).predict_proba(df.iloc[test]),
                                  whole.predict_proba(df.iloc[test]))


def test_the_fold_is_prepared_once_and_shared_only_where_everything_matches(table):
    df, y = table
    clear_prepared()
    train, test = np.arange(0, 90), np.arange(90, 120)
    first = prepare_fold(_pipe(), df, y, train, test)
    assert prepare_fold(_pipe(l2=0.1, dropout=0.5), df, y, train, test) is first  # only the network differs
    assert prepare_fold(_pipe(), df.copy(), y.copy(), train.copy(), test.copy()) is first  # equal content
    other_rows = prepare_fold(_pipe(), df, y, np.arange(30, 120), np.arange(0, 30))
    assert other_rows is not first and len(other_rows.y_train) == 90
    robust = Pipeline([("pre", Preprocessor(scaling="robust")), ("mlp", MLPClassifier((8,)))])
    assert prepare_fold(robust, df, y, train, test) is not first  # the steps' parameters differ
    changed = df.copy()
    changed.loc[0, "x"] += 1.0
    assert prepare_fold(_pipe(), changed, y, train, test) is not first  # one value differs
    bare = prepare_fold(MLPRegressor((4,)), df[["x"]].to_numpy(), df.x.to_numpy(), train, test)
    assert bare.steps is None and bare.X_fit.shape == (90, 1)


def test_the_cache_keeps_few_folds_and_no_fold_above_its_byte_limit(table, monkeypatch):
    df, y = table
    clear_prepared()
    monkeypatch.setattr(prepared, "CACHE_FOLDS", 2)
    folds = [(np.delete(np.arange(120), np.arange(k, 120, 4)), np.arange(k, 120, 4)) for k in range(3)]
    kept = [prepare_fold(_pipe(), df, y, *f) for f in folds]
    assert prepare_fold(_pipe(), df, y, *folds[2]) is kept[2]
    assert prepare_fold(_pipe(), df, y, *folds[0]) is not kept[0]  # the least recently used went out
    clear_prepared()
    monkeypatch.setattr(prepared, "CACHE_BYTES", 100)
    big = prepare_fold(_pipe(), df, y, *folds[0])
    assert big.nbytes > 100 and prepare_fold(_pipe(), df, y, *folds[0]) is not big


@pytest.mark.parametrize("lockstep", [True, False])
def test_a_search_gives_the_same_results_with_the_cache_as_without(table, monkeypatch, lockstep,
                                                                    preprocessor_fits):
    df, y = table
    grid = {"mlp__l2": [0.0, 1e-2], "mlp__hidden_layer_sizes": [(8,), (4, 4)], "mlp__group_l1": [0.0, 1e-3]}
    kwargs = dict(cv=3, random_state=1, refit=False, lockstep=lockstep, scoring="neg_log_loss")
    shared = tune(_pipe(), df, y, grid, **kwargs)
    assert not prepared._cache  # the search let its folds go
    preprocessor_fits.clear()
    monkeypatch.setattr(prepared, "CACHE_FOLDS", 0)  # nothing kept: every candidate fits its own
    alone = tune(_pipe(), df, y, grid, **kwargs)
    strip = [{k: v for k, v in r.items() if k not in TIMING} for r in shared.results_]
    assert strip == [{k: v for k, v in r.items() if k not in TIMING} for r in alone.results_]
    # without the cache: once per lockstep group or candidate, per fold
    assert len(preprocessor_fits) >= 3 * (2 if lockstep else 8)


def test_a_halving_search_fits_the_preprocessor_once_per_fold(table, preprocessor_fits):
    df, y = table
    grid = {"mlp__l2": [0.0, 1e-3, 1e-2], "mlp__hidden_layer_sizes": [(8,), (4,), (16,)]}
    result = tune(_pipe(), df, y, grid, cv=3, random_state=0, refit=False, search="halving", baseline=True)
    assert result.search["strategy"] == "halving" and len(result.search["rungs"]) > 1
    assert preprocessor_fits == [80] * 3  # 9 candidates, several rungs, the baseline: one fit per fold


def test_scaler_pipelines_share_too(table):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 3)) * [1.0, 10.0, 100.0]
    y = X[:, 0] + 0.01 * X[:, 1]
    clear_prepared()
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", MLPRegressor((4,), max_epochs=3))])
    fold = prepare_fold(pipe, X, y, np.arange(40), np.arange(40, 60))
    scaler = StandardScaler().fit(X[:40])
    np.testing.assert_allclose(fold.X_test, scaler.transform(X[40:]))
    assert fold.X_train is fold.X_fit  # fit_transform and transform agree: one matrix kept


@pytest.mark.parametrize("parallel", [dict(n_jobs=2), dict(n_jobs=2, backend="threading")])
def test_parallel_workers_and_threads_give_the_serial_results(table, parallel):
    """joblib's processes keep a cache each (the data arrive as copies: keyed by content),
    threads share the calling process's."""
    df, y = table
    grid = {"mlp__l2": [0.0, 1e-2], "mlp__hidden_layer_sizes": [(8,), (4,)]}
    kwargs = dict(cv=3, random_state=4, refit=False, scoring="neg_log_loss", search="halving")
    serial = tune(_pipe(), df, y, grid, **kwargs)
    other = tune(_pipe(), df, y, grid, **kwargs, **parallel)
    strip = [{k: v for k, v in r.items() if k not in TIMING} for r in serial.results_]
    assert strip == [{k: v for k, v in r.items() if k not in TIMING} for r in other.results_]
