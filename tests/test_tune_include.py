"""tune(..., include=[...]): candidates evaluated besides (not instead of) the random draw."""

import numpy as np
import pytest

from ridgeback import MLPRegressor, tune

GRID = {"l2": [0.0, 1e-4, 1e-3, 1e-2], "dropout": [0.0, 0.1, 0.2]}


def _data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    return X, X[:, 0] - X[:, 1] + 0.1 * rng.standard_normal(60)


@pytest.mark.parametrize("search", ["random", "halving"])
def test_included_candidates_come_first_and_the_draw_is_unchanged(search):
    X, y = _data()
    est = MLPRegressor((4,), max_epochs=3, random_state=0)
    plain = tune(est, X, y, GRID, cv=3, n_iter=3, random_state=1, search=search, refit=False)
    anchor = {"l2": 1e-3, "dropout": 0.2}
    more = tune(est, X, y, GRID, cv=3, n_iter=3, random_state=1, search=search, refit=False,
                include=[anchor])
    drawn = sorted(str(r["params"]) for r in plain.results_)
    assert len(more.results_) == 4
    assert sorted(str(r["params"]) for r in more.results_ if r["params"] != anchor) == drawn
    if search == "random":  # one row per candidate, in order: the anchor first
        assert more.results_[0]["params"] == anchor
        for a, b in zip(plain.results_, more.results_[1:], strict=True):
            assert a["params"] == b["params"] and a["fold_scores"] == b["fold_scores"]


@pytest.mark.parametrize(("include", "match"), [
    ([{"l2": 1e-3}], r"exactly the grid's parameters \(dropout, l2\)"),
    ([{"l2": 1e-3, "dropout": 0.0, "l1": 0.1}], "Received: include candidate"),
    ({"l2": 1e-3}, "must be a list of candidate dicts"),
])
def test_an_include_candidate_must_be_a_point_of_the_grid(include, match):
    X, y = _data()
    with pytest.raises(ValueError, match=match):
        tune(MLPRegressor((4,), max_epochs=1), X, y, GRID, cv=3, n_iter=2, include=include)


def test_tpe_takes_no_include():
    pytest.importorskip("optuna")
    X, y = _data()
    with pytest.raises(ValueError, match="takes no `include`"):
        tune(MLPRegressor((4,), max_epochs=1), X, y, GRID, cv=3, n_iter=2, search="tpe",
             include=[{"l2": 0.0, "dropout": 0.0}])
