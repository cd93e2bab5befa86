"""search="tpe": Optuna's TPE sampler behind tune (selection/samplers.py)."""

import pytest
from sklearn.datasets import make_classification

from ridgeback import MLPClassifier, tune

optuna = pytest.importorskip("optuna")

GRID = {"l2": [0.0, 1e-3, 1e-1], "dropout": [0.0, 0.3], "hidden_layer_sizes": [(4,), (8,)]}


@pytest.fixture(scope="module")
def problem():
    return make_classification(n_samples=150, n_features=6, random_state=0)


def without_times(result):
    return [{k: v for k, v in row.items() if k != "mean_fit_time"} for row in result.results_]


def test_tpe_asks_n_iter_candidates_from_the_grid_reproducibly(problem):
    X, y = problem
    est = MLPClassifier((4,), max_epochs=3, learning_rate=1e-2, random_state=0)
    first = tune(est, X, y, GRID, cv=3, n_iter=6, search="tpe", refit=False)
    assert len(first.results_) == 6 and first.search["strategy"] == "tpe"
    for row in first.results_:
        assert all(row["params"][k] in GRID[k] for k in GRID)
    again = tune(est, X, y, GRID, cv=3, n_iter=6, search="tpe", refit=False, n_jobs=2)
    assert without_times(again) == without_times(first)


def test_tpe_needs_n_iter_and_keeps_no_journal(problem, tmp_path):
    from ridgeback.selection.journal import SearchJournal

    X, y = problem
    with pytest.raises(ValueError, match="n_iter"):
        tune(MLPClassifier(), X, y, GRID, cv=3, search="tpe")
    with pytest.raises(ValueError, match="journal"):
        tune(MLPClassifier(), X, y, GRID, cv=3, n_iter=2, search="tpe",
             journal=SearchJournal(tmp_path, {}, resume=False))
