"""Successive halving over epochs (selection/halving.py), the time budget (selection/budget.py)
and Trainer.continuation_state."""

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ridgeback import MLPClassifier, MLPRegressor, tune
from ridgeback.selection.halving import rung_budgets, rung_sizes


@pytest.fixture(scope="module")
def problem():
    X, y = make_classification(n_samples=240, n_features=8, n_informative=5, n_classes=3, random_state=0)
    return X, y


def classifier(**kwargs):
    return MLPClassifier((8,), learning_rate=1e-2, max_epochs=9, random_state=0, **kwargs)


GRID = {"l2": [0.0, 1e-3, 1e-1], "dropout": [0.0, 0.3]}


def without_times(result):
    return [{k: v for k, v in row.items() if k != "mean_fit_time"} for row in result.results_]


@pytest.mark.parametrize("cls, maker", [(MLPClassifier, make_classification),
                                        (MLPRegressor, make_regression)])
def test_continuation_state_resumes_bit_identically_to_a_longer_fit(cls, maker):
    X, y = maker(n_samples=150, n_features=5, random_state=1)
    kw = {"hidden_layer_sizes": (6,), "dropout": 0.2, "l2": 1e-3, "random_state": 2, "patience": 50}
    straight = cls(max_epochs=8, **kw).fit(X, y)
    short = cls(max_epochs=3, **kw).fit(X, y)
    resumed = cls(max_epochs=8, **kw).fit(X, y, resume_state=short.trainer_.continuation_state())
    for a, b in zip(straight.network_.dense_layers, resumed.network_.dense_layers, strict=True):
        np.testing.assert_array_equal(a.weight.data, b.weight.data)
        np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert straight.history_.val_loss == resumed.history_.val_loss


def test_continuation_keeps_the_last_epochs_batchnorm_statistics():
    X, y = make_classification(n_samples=150, n_features=5, random_state=1)
    kw = {"hidden_layer_sizes": (6,), "normalization": "batch", "random_state": 2, "patience": 2}
    straight = MLPClassifier(max_epochs=8, **kw).fit(X, y)
    short = MLPClassifier(max_epochs=3, **kw).fit(X, y)
    resumed = MLPClassifier(max_epochs=8, **kw).fit(X, y, resume_state=short.trainer_.continuation_state())
    pairs = zip(straight.network_.named_buffers(), resumed.network_.named_buffers(), strict=True)
    for (_, a), (_, b) in pairs:
        np.testing.assert_array_equal(a, b)


def test_rung_budgets_and_sizes():
    assert rung_budgets(27, 50, 3) == [2, 6, 17, 50]
    assert rung_sizes(27, 4, 3) == [27, 9, 3, 1]
    assert rung_budgets(27, 27, 3) == [1, 3, 9, 27]
    assert rung_budgets(2, 50, 3) == [50]  # too few candidates to halve
    assert rung_budgets(100, 4, 2) == [1, 2, 4]  # too few epochs for more rungs


def test_halving_promotes_the_best_third_and_records_rung_and_epochs(problem):
    X, y = problem
    result = tune(classifier(), X, y, GRID, cv=3, search="halving", refit=False)
    rows = result.results_
    assert [ri["candidates"] for ri in result.search["rungs"]] == [6, 2]
    assert [ri["epochs"] for ri in result.search["rungs"]] == [3, 9]
    first = np.array([r["rung_scores"][0] for r in rows])
    promoted = sorted(np.argsort(-first, kind="stable")[:2])
    assert sorted(i for i, r in enumerate(rows) if r["rung"] == 1) == promoted
    assert all(r["epochs"] == (9 if r["rung"] == 1 else 3) for r in rows)
    assert rows[result.best_index_]["rung"] == 1 and result.results_[result.best_index_]["rank"] == 1
    assert result.to_dict()["search"]["strategy"] == "halving"


def test_the_last_rung_scores_equal_a_plain_search_at_full_epochs(problem):
    """Resumed fold models: each survivor's scores are exactly those of fitting max_epochs at once."""
    X, y = problem
    result = tune(classifier(), X, y, GRID, cv=3, search="halving", refit=False)
    top = [r for r in result.results_ if r["rung"] == 1]
    plain = tune(classifier(), X, y, [{k: [v] for k, v in r["params"].items()} for r in top], cv=3,
                 refit=False)
    assert [r["fold_scores"] for r in plain.results_] == [r["fold_scores"] for r in top]


def test_halving_is_identical_serially_with_n_jobs_without_lockstep_and_on_dask(problem):
    X, y = problem
    serial = tune(classifier(), X, y, GRID, cv=3, search="halving", refit=False)
    assert without_times(tune(classifier(), X, y, GRID, cv=3, search="halving", refit=False,
                              lockstep=False)) == without_times(serial)
    assert without_times(tune(classifier(), X, y, GRID, cv=3, search="halving", refit=False,
                              n_jobs=2)) == without_times(serial)
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        on_dask = tune(classifier(), X, y, GRID, cv=3, search="halving", refit=False, backend="dask",
                       scheduler=client)
    assert without_times(on_dask) == without_times(serial)


def test_halving_in_a_pipeline_refits_the_choice_with_its_epochs(problem):
    X, y = problem
    est = make_pipeline(StandardScaler(), classifier())
    grid = {"mlpclassifier__l2": [0.0, 1e-2, 1e-1]}
    result = tune(est, X, y, grid, cv=3, search="halving", random_state=0)
    chosen = result.results_[result.best_index_]
    assert chosen["epochs"] == 9
    assert result.best_estimator_.steps[-1][1].max_epochs == 9
    assert result.best_estimator_.score(X, y) > 0.5


def test_halving_refuses_max_epochs_in_the_grid(problem):
    X, y = problem
    with pytest.raises(ValueError, match="max_epochs.*Received: grid key='max_epochs'"):
        tune(classifier(), X, y, {"max_epochs": [3, 9]}, cv=3, search="halving")


def test_search_names_are_checked(problem):
    X, y = problem
    with pytest.raises(ValueError, match="search"):
        tune(classifier(), X, y, GRID, cv=3, search="bayes")
    with pytest.raises(ValueError, match="n_iter"):
        tune(classifier(), X, y, GRID, cv=3, search="random")


def test_a_one_rung_search_with_a_budget_equals_the_plain_search(problem):
    X, y = problem
    plain = tune(classifier(), X, y, GRID, cv=3, refit=False)
    budgeted = tune(classifier(), X, y, GRID, cv=3, refit=False, time_budget=600)
    keys = ("params", "mean_score", "std_score", "fold_scores", "rank")
    def pick(result):
        return [{k: r[k] for k in keys} for r in result.results_]

    assert pick(budgeted) == pick(plain)
    assert budgeted.best_index_ == plain.best_index_ and budgeted.one_se_index_ == plain.one_se_index_
    assert budgeted.search["skipped"] == 0 and not budgeted.search["stopped_by_budget"]


def test_a_spent_time_budget_skips_the_rest_and_refits_the_best_so_far():
    X, y = make_classification(n_samples=3000, n_features=20, random_state=0)
    est = MLPClassifier((64,), max_epochs=200, early_stopping=False, random_state=0)
    result = tune(est, X, y, {"l2": [0.0, 1e-4, 1e-3, 1e-2]}, cv=3, time_budget=1.5)
    info = result.search
    assert info["stopped_by_budget"] and info["skipped_tasks"] > 0
    assert info["evaluated"] + info["skipped"] == 4
    statuses = {r["status"] for r in result.results_}
    assert "skipped" in statuses
    if info["evaluated"]:
        assert result.results_[result.best_index_]["status"] == "evaluated"
    assert result.best_estimator_ is not None


def test_time_budget_is_checked(problem):
    X, y = problem
    with pytest.raises(ValueError, match="time_budget.*Received: time_budget=0"):
        tune(classifier(), X, y, GRID, cv=3, time_budget=0)


def test_progress_counts_every_fit_of_every_rung_and_hears_of_each_rung(problem):
    X, y = problem
    calls, stages = [], []

    def progress(done, total):
        calls.append((done, total))

    progress.stage = lambda rung, n_rungs, epochs: stages.append((rung, n_rungs, epochs))
    tune(classifier(), X, y, GRID, cv=3, search="halving", refit=False, progress=progress)
    assert stages == [(0, 2, 3), (1, 2, 9)]
    assert calls[-1] == (24, 24) and all(t == 24 for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_the_cli_bar_shows_the_rung_and_an_eta(monkeypatch):
    from argparse import Namespace

    from ridgeback.cli import search_helpers

    drawn = []

    class Bar:
        count = 0

        def __init__(self, total, description, enabled):
            pass

        def update(self, n, postfix=""):
            self.count += n
            drawn.append(postfix)

        def close(self):
            pass

    monkeypatch.setattr("ridgeback.cli.progress.ProgressBar", Bar)
    callback, close = search_helpers.fold_progress(Namespace(quiet=False), "search")
    callback.stage(1, 3, 17)
    callback(2, 6)
    close()
    assert drawn[-1].startswith("rung 2/3 (17 epochs) ETA ")
