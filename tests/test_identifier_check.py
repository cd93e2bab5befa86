"""Identifiers that carry the target (cli/column_roles.identifier_settings): a numeric id the plan
drops is read as a number only when the linear baseline gains so by two standard errors, as in
a table whose rows were numbered in the order of their outcome; ids numbered at random stay
dropped, and so do ids the user named or a class too rare for the folds."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from quick_tune import tune_plan
from ridgeback import MLPClassifier, MLPRegressor
from ridgeback.cli.column_roles import identifier_settings


def _check(settings, X, y, estimator=None, metric="neg_log_loss"):
    return identifier_settings(SimpleNamespace(cv=4), settings, X, y, estimator or MLPClassifier(), metric)


def _patients(n=400, seed=0, sorted_by_outcome=True):
    """Patients with one weak measurement; their ``id`` numbers them in the order of the outcome
    (the ill last), or at random."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = (x + rng.normal(0, 2, n) > 0.5).astype(int)
    order = np.lexsort((rng.random(n), y)) if sorted_by_outcome else rng.permutation(n)
    ids = np.empty(n, dtype=np.int64)
    ids[order] = np.arange(1001, 1001 + n)
    return pd.DataFrame({"id": ids, "x": x}), pd.Series(y, name="ill")


def test_an_id_numbered_in_the_outcomes_order_is_read_as_a_number():
    X, y = _patients()
    settings, note = _check({}, X, y)
    assert settings == {"numeric": ["id"]}
    assert note.startswith("id: identifiers (distinct integers: a row's number, a person's id), "
                           "read as numbers, their order carrying the target.")
    assert "they are read as numbers only when the gain exceeds 3.18 times its error" in note  # t(0.975, 3)
    # the gain the note reports is many times its error
    moved = note.split("neg_log_loss by ")[1]
    gain, error = float(moved.split(" ")[0]), float(moved.split("(standard error ")[1].split(")")[0])
    assert gain > 3.18 * error and gain > 0.1


def test_ids_numbered_at_random_stay_dropped_and_a_regression_is_checked_alike():
    X, y = _patients(sorted_by_outcome=False)
    settings, note = _check({}, X, y)
    assert settings == {} and note.startswith("id: identifiers") and ", dropped. Read as numbers" in note
    rng = np.random.default_rng(3)
    amount = pd.Series(X["x"] * 2 + rng.normal(size=len(X)), name="amount")
    ordered = X.assign(id=amount.rank(method="first").astype(np.int64).to_numpy() + 100)
    settings, note = _check({}, ordered, amount, MLPRegressor(), "r2")
    assert settings == {"numeric": ["id"]} and "their order carrying the target" in note
    settings, note = _check({}, X, amount, MLPRegressor(), "r2")
    assert settings == {} and ", dropped." in note


def test_ids_the_user_named_or_kept_and_tables_without_ids_are_not_checked():
    X, y = _patients()
    for given in ({"id": ["id"]}, {"drop": ["id"]}, {"numeric": ["id"]}):
        assert _check(given, X, y) == (given, None)
    assert _check({}, X[["x"]], y) == ({}, None)
    # a string identifier is no number to read
    named = X.assign(id="P" + X["id"].astype(str))
    assert _check({}, named, y) == ({}, None)


def test_a_class_too_rare_for_the_folds_leaves_the_id_dropped():
    X, y = _patients()
    rare = pd.Series(((y == 1) & (X["id"] > X["id"].max() - 20)).astype(int), name="ill")  # 20 ill of 400
    settings, note = _check({}, X, rare)
    assert settings == {} and "the rarest class has too few rows per fold" in note


@pytest.mark.parametrize("sorted_by_outcome", [True, False])
def test_tune_saves_the_reading_it_chose_and_says_why(tmp_path, capsys, sorted_by_outcome):

    from ridgeback import load

    X, y = _patients(sorted_by_outcome=sorted_by_outcome)
    out = tmp_path / "run"
    plan = tune_plan(X.assign(ill=y), out, capsys, target="ill")
    assert plan["id"]["role"] == ("numeric" if sorted_by_outcome else "id")
    report = (out / "report.html").read_text(encoding="utf-8")
    decided = "read as numbers, their order carrying the target" if sorted_by_outcome else "dropped"
    what = "identifiers (distinct integers: a row&#x27;s number, a person&#x27;s id)"
    assert f"id: {what}, {decided}." in report
    model = load(out)
    assert ("id" in model.preprocessor.feature_names_out_) is sorted_by_outcome
