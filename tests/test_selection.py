"""tune and regularization_path: 1-SE rule, sparse recovery, serial == joblib == Dask, bad grids."""

import json

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ridgeback import MLPClassifier, MLPRegressor, regularization_path, selected_features, tune
from ridgeback.selection.crossval import make_folds
from ridgeback.selection.rules import score_ranks
from ridgeback.selection.search import lambda_max, one_se_index, regularization_rank

pytestmark = pytest.mark.filterwarnings("ignore:batch_size=.* is larger than")

TIMING = ("mean_fit_time",)


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    centers = np.array([[2.0, 0.0, 0.0, 0.0], [-2.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0]])
    y = np.repeat(np.arange(3), 30)
    X = (centers[y] + 0.8 * rng.standard_normal((90, 4))).astype(np.float32)
    return X, y


@pytest.fixture(scope="module")
def sparse_problem():
    """5 informative inputs, 25 pure noise."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 30)).astype(np.float32)
    y = X[:, :5] @ np.array([2.0, -2.0, 1.5, -1.5, 1.0]) + 0.5 * rng.standard_normal(300)
    return X, y


def small_classifier(**kwargs):
    params = dict(hidden_layer_sizes=(8,), learning_rate=1e-2, max_epochs=15, batch_size=16)
    params.update(kwargs)
    return MLPClassifier(**params)


def without_timing(results):
    return [{k: v for k, v in r.items() if k not in TIMING} for r in results]


# ---------------------------------------------------------------- regularization path
@pytest.fixture(scope="module")
def sparse_path(sparse_problem):
    X, y = sparse_problem
    est = MLPRegressor((16,), learning_rate=1e-2, max_epochs=60)
    return regularization_path(est, X, y, param="l1", n_values=8, cv=3, random_state=0)


def test_group_l1_path_lambda_1se_keeps_informative_and_drops_noise(sparse_problem):
    # group L1 removes whole inputs; over random_state 0..9 (cv=5) and 0..4 (cv=3) the 1-SE
    # model kept all 5 informative inputs and at most 1 noise input every time
    X, y = sparse_problem
    est = MLPRegressor((16,), learning_rate=1e-2, max_epochs=60, batch_size=64)
    path = regularization_path(est, X, y, param="group_l1", n_values=10, cv=3, random_state=2)
    assert path.lambda_1se >= path.lambda_min
    kept = set(selected_features(path.best_estimator_).indices.tolist())
    assert set(range(5)) <= kept
    assert len(kept - set(range(5))) <= 2
    assert path.best_estimator_.score(X, y) > 0.9


def test_l1_path_lambda_1se_keeps_informative_and_drops_most_noise(sparse_path, sparse_problem):
    # elementwise L1 keeps an input while any of its 16 weights is non-zero, so it is a
    # noisier selector than group L1 (over 25 seeds: informative inputs always kept, at most
    # half of the noise in 23)
    path = sparse_path
    assert path.lambda_1se >= path.lambda_min
    kept = set(selected_features(path.best_estimator_).indices.tolist())
    assert set(range(5)) <= kept
    assert len(kept - set(range(5))) <= 12
    assert path.best_estimator_.score(*sparse_problem) > 0.9


def test_path_grid_and_one_se_definition(sparse_path):
    path = sparse_path
    values = path.values
    assert values.size == 8 and np.all(np.diff(values) < 0)
    np.testing.assert_allclose(values[-1] / values[0], 1e-3, rtol=1e-9)
    np.testing.assert_allclose(values[1:] / values[:-1], values[1] / values[0], rtol=1e-9)  # geometric
    best = int(np.argmax(path.mean_score))
    assert path.lambda_min == values[best]
    threshold = path.mean_score[best] - path.std_score[best] / np.sqrt(3)
    within = np.flatnonzero(path.mean_score >= threshold)
    assert path.lambda_1se == values[within.min()]
    np.testing.assert_allclose(path.mean_score, path.fold_scores.mean(axis=1))
    # the strongest penalty leaves (nearly) nothing; the weakest keeps every input
    assert path.n_active_features[0] <= 6 and path.n_active_features[-1] == 30
    assert path.n_nonzero[0] < path.n_nonzero[-1]
    report = json.loads(json.dumps(path.to_dict()))
    assert report["lambda_1se"] == path.lambda_1se and len(report["mean_score"]) == 8


def test_lambda_max_removes_nearly_every_input(sparse_problem):
    X, y = sparse_problem
    est = MLPRegressor((16,), learning_rate=1e-2, max_epochs=60, random_state=0)
    top = lambda_max(est, X, y, "l1", seed=0)
    fitted = MLPRegressor((16,), learning_rate=1e-2, max_epochs=60, early_stopping=False,
                          random_state=0, l1=top).fit(X, y)
    assert len(selected_features(fitted)) <= 0.05 * 30
    assert top > 0


def test_group_lambda_max_takes_the_norm_of_a_raw_columns_inputs_together():
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from ridgeback import Preprocessor
    from ridgeback.engine.inspection import input_weight

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.standard_normal(80), "colour": rng.choice(list("rgbk"), 80)})
    y = 0.1 * df["x"].to_numpy() + df["colour"].map({"r": 2.0, "g": -2.0, "b": 1.0, "k": -1.0}).to_numpy()
    pipe = Pipeline([("pre", Preprocessor()), ("mlp", MLPRegressor((8,), random_state=0))])
    top = lambda_max(pipe, df, y, "group_l1", tries=0)  # step (1) only: no fit
    # by hand: the gradient at the initial weights (early stopping off, as lambda_max sets it)
    est = MLPRegressor((8,), random_state=0, early_stopping=False)
    net, loss, target = est.initial_network(Preprocessor().fit_transform(df), y)
    loss.forward(net.forward(Preprocessor().fit(df).transform(df).astype(net.dtype)), target)
    net.backward(loss.backward(), input_grad=False)
    rows = (input_weight(net).grad.astype(np.float64) ** 2).sum(axis=1)
    assert input_weight(net).regularizer is None  # group_l1=0: no regularizer, only the gradient
    assert top == pytest.approx(max(np.sqrt(rows[0]), np.sqrt(rows[1:].sum())), rel=1e-12)
    assert top > np.sqrt(rows.max())  # the colour's four inputs together


def test_path_accepts_pipelines_and_explicit_values(blobs):
    X, y = blobs
    pipe = make_pipeline(Recorder(), small_classifier())
    path = regularization_path(pipe, X, y, param="group_l1", values=[1e-3, 0.3], cv=3, random_state=0,
                               refit="min")
    assert path.param == "mlpclassifier__group_l1"
    assert path.values.tolist() == [0.3, 1e-3]
    assert path.mean_score[1] > 0.85 and path.n_active_features[0] < path.n_active_features[1]
    assert path.best_estimator_[-1].group_l1 == path.lambda_min


# ---------------------------------------------------------------- tune
def test_tune_grid_results_and_refit(blobs):
    X, y = blobs
    result = tune(small_classifier(max_epochs=40), X, y, {"l2": [0.0, 1e-2], "dropout": [0.0, 0.3]}, cv=3,
                  random_state=0)
    assert len(result.results_) == 4
    first = result.results_[0]
    assert set(first) >= {"params", "mean_score", "std_score", "fold_scores", "train_scores", "rank"}
    assert first["mean_score"] == pytest.approx(np.mean(first["fold_scores"]))
    assert first["std_score"] == pytest.approx(np.std(first["fold_scores"]))
    best = max(range(4), key=lambda i: (result.results_[i]["mean_score"], -i))
    assert result.best_index_ == best and result.best_params_ == result.results_[best]["params"]
    assert result.results_[best]["rank"] == 1
    assert result.best_estimator_.get_params()["l2"] == result.best_params_["l2"]
    assert result.best_estimator_.score(X, y) > 0.85
    frame = result.to_frame()
    assert frame.shape[0] == 4 and {"param_l2", "param_dropout", "mean_score"} <= set(frame.columns)
    assert json.loads(json.dumps(result.to_dict()))["best_index"] == best


def test_one_se_rule_prefers_the_most_regularized_candidate():
    candidates = [{"l2": 0.0, "dropout": 0.0}, {"l2": 0.1, "dropout": 0.0}, {"l2": 0.1, "dropout": 0.5},
                  {"l2": 1.0, "dropout": 0.5}]
    rank = regularization_rank(candidates)
    np.testing.assert_allclose(rank, [0.0, 0.5, 1.5, 2.0])
    mean = np.array([0.90, 0.92, 0.91, 0.80])
    std = np.array([0.02, 0.02, 0.02, 0.02])
    best, chosen = one_se_index(mean, std, 4, rank)  # SE = 0.01: within are 0.91 and up
    assert (best, chosen) == (1, 2)
    sizes = regularization_rank([{"hidden_layer_sizes": (64,)}, {"hidden_layer_sizes": (8, 8)},
                                 {"max_norm": None}, {"max_norm": 2.0}])
    np.testing.assert_allclose(sizes, [0.0, 1.0, 0.0, 1.0])


def test_tune_refit_1se_picks_within_one_se(blobs):
    X, y = blobs
    result = tune(small_classifier(), X, y, {"l2": [0.0, 1e-3, 3.0]}, cv=3, random_state=0, refit="1se")
    mean = np.array([r["mean_score"] for r in result.results_])
    std = np.array([r["std_score"] for r in result.results_])
    best = result.best_score_index_
    assert mean[result.refit_index_] >= mean[best] - std[best] / np.sqrt(3)
    eligible = [i for i in range(3) if mean[i] >= mean[best] - std[best] / np.sqrt(3)]
    assert result.refit_index_ == max(eligible)  # larger l2 is more regularized


def test_tune_result_says_the_best_and_the_one_se_answer(blobs):
    X, y = blobs
    grid = {"l2": [0.0, 1e-3, 3.0]}
    result = tune(small_classifier(), X, y, grid, cv=3, random_state=0, refit="1se")
    mean = np.array([r["mean_score"] for r in result.results_])
    std = np.array([r["std_score"] for r in result.results_])
    best, one_se = one_se_index(mean, std, 3, regularization_rank([r["params"] for r in result.results_]))
    assert (result.best_index_, result.one_se_index_, result.refit_index_) == (best, one_se, one_se)
    assert result.best_index_ == int(np.argmax(mean)) and result.best_score_index_ == result.best_index_
    assert result.best_score_ == mean[best] and result.refit_score_ == mean[one_se]
    assert result.best_params_ == result.results_[best]["params"]
    assert result.one_se_params_ == result.refit_params_ == result.results_[one_se]["params"]
    assert result.best_estimator_.get_params()["l2"] == result.one_se_params_["l2"]
    summary = json.loads(json.dumps(result.to_dict()))
    assert (summary["best_index"], summary["one_se_index"], summary["refit_index"]) == (best, one_se, one_se)
    assert summary["best_params"] == {"l2": result.best_params_["l2"]}
    assert summary["one_se_params"] == {"l2": result.one_se_params_["l2"]}
    # the same search without a refit: the same answers, and refit_index_ is the best one
    unrefitted = tune(small_classifier(), X, y, grid, cv=3, random_state=0, refit=False)
    assert (unrefitted.best_index_, unrefitted.one_se_index_) == (best, one_se)
    assert unrefitted.refit_index_ == best and unrefitted.best_estimator_ is None


def test_score_ranks_put_ties_in_order_and_failures_last():
    np.testing.assert_array_equal(score_ranks([0.5, np.nan, 0.9, 0.5]), [2, 4, 1, 3])

def test_random_search_is_seeded(blobs):
    X, y = blobs
    grid = {"l2": [0.0, 1e-4, 1e-3, 1e-2], "dropout": [0.0, 0.1, 0.2]}
    a = tune(small_classifier(max_epochs=3), X, y, grid, n_iter=3, cv=3, random_state=5, refit=False)
    b = tune(small_classifier(max_epochs=3), X, y, grid, n_iter=3, cv=3, random_state=5, refit=False)
    assert len(a.results_) == 3 and a.best_estimator_ is None
    assert without_timing(a.results_) == without_timing(b.results_)


class Recorder(TransformerMixin, BaseEstimator):
    """Identity transform that records how many rows every fit saw (serial runs only)."""

    seen = []

    def fit(self, X, y=None):
        Recorder.seen.append(len(X))
        return self

    def transform(self, X):
        return X


@pytest.mark.parametrize("lockstep", [False, True])
def test_preprocessing_is_fitted_inside_each_fold(blobs, lockstep):
    X, y = blobs
    Recorder.seen.clear()
    tune(make_pipeline(Recorder(), small_classifier(max_epochs=2)), X, y, {"mlpclassifier__l2": [0.0, 0.1]},
         cv=3, random_state=0, lockstep=lockstep)
    # on 2/3 of the rows, once per fold: the two candidates share their fold's fitted step
    # (ridgeback.selection.prepared), whether trained in lockstep or one by one; then the refit
    # on all rows
    assert Recorder.seen == [60] * 3 + [90]


def test_folds_are_stratified_for_classifiers(blobs):
    X, y = blobs
    folds = make_folds(small_classifier(), X, y, 3, seed=0)
    for _, test in folds:
        assert np.bincount(y[test]).tolist() == [10, 10, 10]


def test_a_binary_class_of_one_row_is_refused_by_name_before_a_fold_trains_on_one_class(blobs):
    X, _ = blobs
    y = np.zeros(len(X), dtype=int)
    y[7] = 1  # the fold that tests row 7 would train on class 0 alone
    with pytest.raises(ValueError, match=r"Class 1 has a single row: the fold that tests it would train on "
                                         r"the other class alone.*--task regression.*"
                                         r"Received: class 1 in 1 of 90 rows"):
        make_folds(small_classifier(), X, y, 5, seed=0)
    labels = np.where(y == 1, "rare", "common")  # text labels: no hint of a regression
    with pytest.raises(ValueError, match=r"Class 'rare' has a single row.*of its class\. Received"):
        make_folds(small_classifier(), X, labels, 5, seed=0)
    y[8] = 1  # two rows: each fold's training keeps one or both
    with pytest.warns(UserWarning, match=r"fewer rows than cv=5: 1 \(2 rows\)"):
        folds = make_folds(small_classifier(), X, y, 5, seed=0)
    assert all(len(np.unique(y[train])) == 2 for train, _ in folds)
    few = np.arange(len(X)) % 30  # 30 integer classes of 3 rows: cv=5 is refused, with both ways out
    with pytest.raises(ValueError, match=r"the largest has 3\. Use fewer folds \(--cv 3\), or --task "
                                         r"regression if the labels are numbers to predict\. Received: cv=5"):
        make_folds(small_classifier(), X, few, 5, seed=0)


def test_serial_joblib_and_dask_give_identical_results(blobs):
    distributed = pytest.importorskip("distributed")
    X, y = blobs
    grid = {"l2": [0.0, 1e-2], "dropout": [0.0, 0.2]}
    calls = {name: [] for name in ("serial", "parallel", "dask", "path_serial", "path_dask")}

    def progress(name):
        return lambda done, total: calls[name].append((done, total))

    serial = tune(small_classifier(), X, y, grid, cv=3, random_state=3, refit=False,
                  progress=progress("serial"))
    parallel = tune(small_classifier(), X, y, grid, cv=3, random_state=3, refit=False, n_jobs=2,
                    progress=progress("parallel"))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        on_dask = tune(small_classifier(), X, y, grid, cv=3, random_state=3, refit=False,
                       backend="dask", scheduler=client, progress=progress("dask"))
        path_serial = regularization_path(small_classifier(), X, y, values=[0.1, 0.01], cv=3, random_state=1,
                                          refit=False, progress=progress("path_serial"))
        # an address string: the search opens (and closes) its own client
        path_dask = regularization_path(small_classifier(), X, y, values=[0.1, 0.01], cv=3, random_state=1,
                                        refit=False, backend="dask", scheduler=cluster.scheduler_address,
                                        progress=progress("path_dask"))
    # progress: as (candidate, fold) fits finish, 4 candidates x 3 folds. Serially the four
    # candidates of a fold train together in lockstep; with two workers in pairs (two tasks per
    # worker at least); on Dask one by one. A path's task is a fold.
    assert calls["serial"] == [(4, 12), (8, 12), (12, 12)]
    assert calls["parallel"] == [(i, 12) for i in range(2, 13, 2)]
    assert calls["dask"] == [(i, 12) for i in range(1, 13)]
    assert calls["path_serial"] == calls["path_dask"] == [(1, 3), (2, 3), (3, 3)]
    assert without_timing(serial.results_) == without_timing(parallel.results_)
    assert without_timing(serial.results_) == without_timing(on_dask.results_)
    np.testing.assert_array_equal(path_serial.fold_scores, path_dask.fold_scores)
    np.testing.assert_array_equal(path_serial.n_nonzero, path_dask.n_nonzero)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(("grid", "message"), [
    ({"l3": [0.1]}, r"Unknown parameter 'l3'.*Received: grid key='l3'"),
    ({"l1": []}, r"at least one value. Received: grid\['l1'\]=\[\]"),
    ({"l1": 0.1}, r"must be a list of values. Received: grid\['l1'\]=0.1"),
    ({}, r"at least one parameter. Received: grid=\{\}"),
    ("l1", r"Received: grid='l1'"),
])
def test_bad_grids_raise_value_error(blobs, grid, message):
    X, y = blobs
    with pytest.raises(ValueError, match=message):
        tune(small_classifier(), X, y, grid, cv=3)


def test_bad_folds_and_options_raise_value_error(blobs):
    X, y = blobs
    y_small = y.copy()
    y_small[:27] = 1  # class 0 keeps 3 rows
    # issue 18: a class smaller than cv warns and the search goes on, as StratifiedKFold does
    with pytest.warns(UserWarning, match=r"fewer rows than cv=5: 0 \(3 rows\).*--cv 3"):
        result = tune(small_classifier(), X, y_small, {"l2": [0.0]}, cv=5)
    assert np.isfinite(result.best_score_)
    with pytest.raises(ValueError, match=r"Received: n_samples=1"):
        tune(MLPRegressor(), X[:1], [1.0], {"l2": [0.0]}, cv=5)
    with pytest.raises(ValueError, match=r"Received: cv=1"):
        tune(small_classifier(), X, y, {"l2": [0.0]}, cv=1)
    with pytest.raises(ValueError, match=r"Received: refit='all'"):
        tune(small_classifier(), X, y, {"l2": [0.0]}, refit="all")
    with pytest.raises(ValueError, match=r"Received: n_jobs=0"):
        tune(small_classifier(), X, y, {"l2": [0.0]}, cv=3, n_jobs=0)
    with pytest.raises(ValueError, match=r"Received: backend='spark'"):
        tune(small_classifier(), X, y, {"l2": [0.0]}, cv=3, backend="spark")
    with pytest.raises(ValueError, match=r"Received: param='l7'"):
        regularization_path(small_classifier(), X, y, param="l7", cv=3)
    with pytest.raises(ValueError, match=r"Received: values="):
        regularization_path(small_classifier(), X, y, values=[], cv=3)
    with pytest.raises(ValueError, match=r"Received: param='dropout'"):
        regularization_path(small_classifier(), X, y, param="dropout", cv=3)  # no automatic grid


# ---------------------------------------------------------------- lockstep
@pytest.mark.parametrize("early_stopping", [False, True])
def test_tune_in_lockstep_gives_the_results_of_one_by_one_fits(blobs, early_stopping, monkeypatch):
    from ridgeback.selection import candidate_fits

    X, y = blobs
    # differ in what lockstep allows (sizes, penalties, dropout) and in what it does not (lr)
    grid = {"hidden_layer_sizes": [(8,), (6, 6)], "l2": [0.0, 1e-2], "dropout": [0.0, 0.3],
            "learning_rate": [1e-2, 3e-2]}
    est = small_classifier(early_stopping=early_stopping, max_epochs=20, patience=2)
    groups = []
    real = candidate_fits.fit_together

    def counting(ests, X_, y_):
        groups.append(len(ests))
        return real(ests, X_, y_)

    monkeypatch.setattr(candidate_fits, "fit_together", counting)
    together = tune(est, X, y, grid, cv=3, random_state=5, refit=False)
    alone = tune(est, X, y, grid, cv=3, random_state=5, refit=False, lockstep=False)
    # 16 candidates in 2 alike sets of 8 (one per learning rate), in groups of 4, on 3 folds
    assert groups == [4] * 12
    assert without_timing(together.results_) == without_timing(alone.results_)
    assert together.best_index_ == alone.best_index_
    if early_stopping:  # members left the loop at different epochs
        assert len({n for r in together.results_ for n in r["n_iter"]}) > 1


def test_tune_lockstep_falls_back_when_refused_and_on_divergence(blobs, monkeypatch):
    from ridgeback.selection import candidate_fits

    X, y = blobs
    calls = []
    monkeypatch.setattr(candidate_fits, "fit_together", lambda *a: calls.append(a) or False)
    # candidates the lockstep path refuses are fitted one by one, with the same results
    refused = tune(small_classifier(), X, y, {"l2": [0.0, 1e-2]}, cv=3, random_state=0, refit=False)
    assert len(calls) == 3  # one refused group per fold
    monkeypatch.undo()
    plain = tune(small_classifier(), X, y, {"l2": [0.0, 1e-2]}, cv=3, random_state=0, refit=False,
                 lockstep=False)
    assert without_timing(refused.results_) == without_timing(plain.results_)
    # a candidate that diverges makes its group refit one by one, where it scores NaN, as alone
    wild = small_classifier(optimizer="sgd", learning_rate=0.05)
    with np.errstate(all="ignore"):
        diverged = tune(wild, X, y, {"l2": [0.0, 100.0]}, cv=3, random_state=0, refit=False)
        plain = tune(wild, X, y, {"l2": [0.0, 100.0]}, cv=3, random_state=0, refit=False, lockstep=False)
    assert repr(without_timing(diverged.results_)) == repr(without_timing(plain.results_))  # NaN-aware
    assert np.isnan(diverged.results_[1]["mean_score"]) and diverged.results_[1]["errors"]
    assert not np.isnan(diverged.results_[0]["mean_score"])


def test_tune_lockstep_with_a_pipeline_fits_its_other_steps_once_and_matches_one_by_one(blobs, monkeypatch):
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = blobs
    X = X * np.array([1.0, 10.0, 0.1, 5.0], dtype=np.float32) + 3  # scaling matters
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", small_classifier())])
    fitted_scalers = []
    real_fit = StandardScaler.fit

    def counting_fit(self, *args, **kwargs):
        fitted_scalers.append(1)
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(StandardScaler, "fit", counting_fit)
    grid = {"mlp__l2": [0.0, 1e-2], "mlp__dropout": [0.0, 0.2], "scale__with_std": [True, False]}
    together = tune(pipe, X, y, grid, cv=3, random_state=2, refit=False)
    n_together = len(fitted_scalers)
    alone = tune(pipe, X, y, grid, cv=3, random_state=2, refit=False, lockstep=False)
    assert without_timing(together.results_) == without_timing(alone.results_)
    # 8 candidates: two alike sets of 4 (one per scaler setting), each fitting its scaler once per
    # fold, in lockstep or one by one (the fold's fitted steps are shared: selection.prepared)
    assert n_together == 2 * 3 and len(fitted_scalers) - n_together == 2 * 3


# ---------------------------------------------------------------- seeds from the estimator
@pytest.fixture(scope="module")
def regression_300():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    y = X @ np.array([1.0, -0.5, 0.25, 0.0, 2.0]) + 0.3 * rng.normal(size=300)
    return X, y


def test_tune_without_random_state_is_seeded_by_the_estimator(regression_300):
    """The reported defect: a seeded estimator, ``tune(random_state=None)``, gave other scores on
    every call (-0.06, then -0.34 for one candidate); now it is one search, whatever runs it."""
    distributed = pytest.importorskip("distributed")
    X, y = regression_300
    grid = {"l2": [1e-4, 1e-2], "dropout": [0.0, 0.2]}

    def search(**kwargs):
        est = MLPRegressor(hidden_layer_sizes=(16,), max_epochs=15, random_state=0)
        return without_timing(tune(est, X, y, grid, cv=3, refit=False, **kwargs).results_)

    first = search()
    assert search() == first
    assert search(n_jobs=2) == first
    assert search(lockstep=False) == first
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        assert search(backend="dask", scheduler=client) == first
    # the same as naming the seed in tune itself
    assert search(random_state=0) == first
    # a pipeline's last step seeds it too
    piped = make_pipeline(StandardScaler(),
                          MLPRegressor(hidden_layer_sizes=(16,), max_epochs=15, random_state=0))
    grid_piped = {f"mlpregressor__{k}": v for k, v in grid.items()}
    twice = [without_timing(tune(piped, X, y, grid_piped, cv=3, refit=False).results_) for _ in range(2)]
    assert twice[0] == twice[1]


def test_tune_is_random_only_when_both_seeds_are_none(regression_300):
    X, y = regression_300
    est = MLPRegressor(hidden_layer_sizes=(8,), max_epochs=5, random_state=None)
    scores = [tune(est, X, y, {"l2": [1e-3]}, cv=3, refit=False).results_[0]["fold_scores"] for _ in range(2)]
    assert scores[0] != scores[1]


# ---------------------------------------------------------------- training scores on a sample
def test_train_scoring_rows_keep_class_shares_every_class_and_the_target_quantiles():
    from ridgeback.selection.crossval import train_scoring_rows

    y = np.array(["b"] * 900 + ["a"] * 97 + ["rare"] * 3)
    rows = train_scoring_rows(y, limit=100, classes=True)
    counts = {c: int(np.sum(y[rows] == c)) for c in ("a", "b", "rare")}
    assert counts["b"] in (89, 90, 91) and counts["a"] in (9, 10, 11) and counts["rare"] >= 1
    assert np.all(np.diff(rows) > 0) and len(rows) <= 102
    assert train_scoring_rows(y, limit=1000) is None  # up to the limit: every row
    # an integer regression target (prices) is not taken for classes: exactly `limit` rows, spread
    # over the target's range
    prices = np.random.default_rng(0).permutation(np.arange(5000))
    rows = train_scoring_rows(prices, limit=50)
    assert len(rows) == 50 and prices[rows].min() == 0 and prices[rows].max() == 4999
    assert np.allclose(np.sort(prices[rows]), np.linspace(0, 4999, 50), atol=1)
    with pytest.raises(ValueError, match="Received: limit=0"):
        train_scoring_rows(y, limit=0)


@pytest.mark.parametrize("scoring", ["neg_log_loss", "roc_auc"])
def test_training_scores_are_taken_on_a_sample_of_large_folds_held_out_scores_on_every_row(monkeypatch,
                                                                                             scoring):
    from ridgeback.metrics import get_scorer
    from ridgeback.selection import crossval

    rng = np.random.default_rng(1)
    X = rng.standard_normal((240, 4)).astype(np.float32)
    y = (X[:, 0] + 0.5 * rng.standard_normal(240) > 0.8).astype(int)
    est = small_classifier(max_epochs=5, random_state=0)
    whole = tune(est, X, y, {"l2": [0.0, 1e-2]}, cv=3, random_state=0, scoring=scoring).results_
    monkeypatch.setattr(crossval, "TRAIN_SCORE_ROWS", 40)
    sampled = tune(est, X, y, {"l2": [0.0, 1e-2]}, cv=3, random_state=0, scoring=scoring).results_
    for a, b in zip(whole, sampled, strict=True):
        assert a["fold_scores"] == b["fold_scores"]  # the held-out side (selection) never sees the sample
        assert a["train_scores"] != b["train_scores"]

    # the training score is the scorer on the sampled rows, the held-out score on all of them
    fitted = small_classifier(max_epochs=5, random_state=0).fit(X[:200], y[:200])
    out = crossval.score_fitted(fitted, X[:200], y[:200], X[200:], y[200:], scoring, 0.0)
    rows = crossval.train_scoring_rows(y[:200], classes=True)
    assert 40 <= len(rows) <= 41 and set(y[:200][rows]) == {0, 1}
    scorer = get_scorer(scoring)
    assert out["train_score"] == pytest.approx(scorer(fitted, X[rows], y[rows]), rel=1e-12)
    assert out["train_score"] != pytest.approx(scorer(fitted, X[:200], y[:200]), rel=1e-9)
    assert out["test_score"] == pytest.approx(scorer(fitted, X[200:], y[200:]), rel=1e-12)
    # more rows held out than the limit: the training side takes as many (equal precision)
    out = crossval.score_fitted(fitted, X[:200], y[:200], X[60:], y[60:], scoring, 0.0)
    rows = crossval.train_scoring_rows(y[:200], limit=180, classes=True)
    assert 180 <= len(rows) <= 181
    assert out["train_score"] == pytest.approx(scorer(fitted, X[rows], y[rows]), rel=1e-12)


@pytest.mark.parametrize("scoring,calls", [("neg_log_loss", 1), ("roc_auc", 1), ("accuracy", 1), ("r2", 1)])
def test_kept_held_out_predictions_are_made_once_and_score_as_the_scorer_does(scoring, calls, monkeypatch):
    from ridgeback.metrics import get_scorer
    from ridgeback.selection.crossval import score_fitted

    rng = np.random.default_rng(2)
    X = rng.standard_normal((160, 4)).astype(np.float32)
    if scoring == "r2":
        y = X[:, 0] - X[:, 1] + 0.3 * rng.standard_normal(160)
        fitted = MLPRegressor((8,), max_epochs=5, random_state=0).fit(X[:120], y[:120])
        method = "predict"
    else:
        y = (X[:, 0] + 0.5 * rng.standard_normal(160) > 0).astype(int)
        fitted = small_classifier(max_epochs=5, random_state=0).fit(X[:120], y[:120])
        method = "predict_proba"
    w = rng.uniform(0.5, 2.0, 40)
    plain = score_fitted(fitted, X[:120], y[:120], X[120:], y[120:], scoring, 0.0, None, w)
    held_out_calls = []  # accuracy scores predict's labels: one predict_proba, for the kept predictions
    original = getattr(type(fitted), method)

    def counted(self, X_):
        if len(X_) == 40:
            held_out_calls.append(method)
        return original(self, X_)

    monkeypatch.setattr(type(fitted), method, counted)
    kept = score_fitted(fitted, X[:120], y[:120], X[120:], y[120:], scoring, 0.0, None, w,
                        keep_predictions=True)
    assert len(held_out_calls) == calls
    assert kept["test_score"] == plain["test_score"]  # bit for bit
    assert kept["test_score"] == get_scorer(scoring)(fitted, X[120:], y[120:], sample_weight=w)
    assert kept["train_score"] == plain["train_score"]
    expected = original(fitted, X[120:])
    assert np.array_equal(kept["test_predictions"], np.asarray(expected, dtype=np.float32))


def _warns_then_doubles(x):
    import warnings

    from ridgeback.tabular.limits import UnseenValuesWarning

    warnings.warn(UnseenValuesWarning({"city": {"unseen level": x}}), stacklevel=1)
    warnings.warn(UnseenValuesWarning({"city": {"unseen level": x}}), stacklevel=1)  # the same: sent once
    return 2 * x


@pytest.mark.parametrize("backend", ["loky", None])
def test_warnings_of_worker_processes_reach_the_caller_once_each(backend):
    """A worker process's warnings come back with its result and are raised in the caller (where
    ``ridgeback tune`` turns them into one-line notes), not printed raw on the console."""
    import warnings

    from ridgeback.selection.crossval import run_tasks
    from ridgeback.tabular.limits import UnseenValuesWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = run_tasks(_warns_then_doubles, (), [(1,), (2,), (3,)], n_jobs=2 if backend else None,
                        backend=backend)
    assert out == [2, 4, 6]
    unseen = [w.message for w in caught if issubclass(w.category, UnseenValuesWarning)]
    expected = 3 if backend else 6  # in the caller's own process every warning is its own
    assert len(unseen) == expected
    assert sorted({m.counts["city"]["unseen level"] for m in unseen}) == [1, 2, 3]
