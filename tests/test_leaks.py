"""The leak check (tabular/leaks.py): a column that restates the target is named, before any
fitting, by `describe`, `train` and `tune`; a good but honest column is not."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ridgeback.cli import main
from ridgeback.tabular.leaks import LEAK_LEVEL, LINEAR_LEAK_LEVEL, leak_note, restating_columns


def _names(found):
    return [r.columns for r in found]


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_a_threshold_on_a_number_restates_a_class_and_honest_columns_do_not(rng):
    n = 400
    hours = np.where(rng.random(n) < 0.4, 0.0, rng.uniform(100, 2500, n))
    age = rng.integers(20, 65, n)
    # an honest, strong predictor: the class follows age with 10% of labels flipped
    y = pd.Series(np.where(hours > 0, "yes", "no"))
    X = pd.DataFrame({"hours": hours, "age": age, "noise": rng.normal(size=n)})
    found = restating_columns(X, y, "classification")
    assert _names(found) == [("hours",)] and found[0].score == 1.0 and found[0].metric == "balanced_accuracy"
    strong = pd.Series(np.where((age > 40) ^ (rng.random(n) < 0.1), "a", "b"))
    assert restating_columns(X.drop(columns="hours"), strong, "classification") == []


def test_a_smooth_function_restates_a_quantity_and_a_noisy_predictor_does_not(rng):
    n = 500
    net = rng.uniform(50, 120, n)
    X = pd.DataFrame({"log_time": np.log(net), "pace": net / 10 + rng.normal(0, 0.01, n),
                      "age": rng.integers(18, 70, n), "height": net + rng.normal(0, 8, n)})
    found = restating_columns(X, pd.Series(net), "regression")
    assert sorted(_names(found)) == [("log_time",), ("pace",)]
    assert all(r.score >= LEAK_LEVEL and r.metric == "r2" for r in found)
    # height: R² about 0.8 with the target, a good feature and no restatement
    assert restating_columns(X[["age", "height"]], pd.Series(net), "regression") == []


def test_a_code_restates_classes_an_identifier_does_not_and_a_rare_class_counts(rng):
    n = 437
    metro = rng.random(n) < 0.35
    code = np.char.add(rng.choice(["AA", "AH", "LA", "HL"], n), np.where(metro, "U", "R"))
    X = pd.DataFrame({"category": code, "county": [f"c{i}" for i in range(n)],
                      "state": rng.choice(["IL", "IN", "MI", "OH", "WI"], n)})
    assert _names(restating_columns(X, pd.Series(metro.astype(int)), "classification")) == [("category",)]
    # 1% of rows in the rare class: a column that says "never" scores 0.5, not the majority's 0.99
    rare = pd.Series((rng.random(n) < 0.01).astype(int))
    assert restating_columns(X.assign(never=0), rare, "classification") == []


def test_numbers_and_dates_are_read_as_the_plan_writes_them(rng):
    """A price written "$12,500" beside the same price in thousands, and a date of sale written
    "2024-05-01" beside the days since 2020: numbers, and restatements."""
    n = 200
    price = rng.integers(50, 900, n) * 100
    days = rng.integers(0, 1500, n)
    dates = (pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d")
    X = pd.DataFrame({"listed": [f"${p:,}" for p in price], "sold": dates, "rooms": rng.integers(1, 6, n)})
    found = restating_columns(X, pd.Series(price / 1000.0), "regression")
    assert _names(found) == [("listed",)]
    assert _names(restating_columns(X, pd.Series(days.astype(float)), "regression")) == [("sold",)]


def test_a_value_missing_exactly_in_one_class_restates_it(rng):
    n = 300
    died = rng.random(n) < 0.5
    X = pd.DataFrame({"death_date": np.where(died, rng.uniform(8000, 11000, n), np.nan),
                      "age": rng.integers(20, 80, n)})
    assert _names(restating_columns(X, pd.Series(np.where(died, "D", "A")), "classification")) == [
        ("death_date",)]


def test_shares_that_sum_to_one_restate_the_last_together(rng):
    n = 300
    shares = rng.dirichlet(np.ones(5), n)
    X = pd.DataFrame(shares[:, 1:], columns=["fuel", "cloth", "alc", "other"]).assign(
        income=rng.lognormal(10, 1, n), kids=rng.integers(0, 4, n))
    found = restating_columns(X, pd.Series(shares[:, 0]), "regression")
    assert len(found) == 1 and found[0].score >= LINEAR_LEAK_LEVEL
    assert sorted(found[0].columns) == ["alc", "cloth", "fuel", "other"]  # income and kids carry nothing
    assert "together, in a linear fit" in leak_note(found, "food")
    # the same columns with the target's share honestly noisy: no restatement
    noisy = pd.Series(shares[:, 0] + rng.normal(0, 0.05, n))
    assert restating_columns(X, noisy, "regression") == []


def test_a_large_table_is_checked_on_a_sample(rng, monkeypatch):
    import ridgeback.tabular.leaks as leaks

    monkeypatch.setattr(leaks, "MAX_ROWS", 500)
    n = 5000
    x = rng.normal(size=n)
    X = pd.DataFrame({"copy": 3 * x + 1, "other": rng.normal(size=n)})
    found = restating_columns(X, pd.Series(x), "regression")
    assert _names(found) == [("copy",)]
    monkeypatch.setattr(leaks, "MAX_LINEAR_COLUMNS", 1)  # two shares: too many for the linear check
    shares = rng.dirichlet(np.ones(3), n)
    assert restating_columns(pd.DataFrame(shares[:, 1:]), pd.Series(shares[:, 0]), "regression") == []


def test_the_check_is_in_the_public_api(rng):
    import ridgeback as rb

    X = pd.DataFrame({"copy": np.arange(100.0) * 2, "noise": rng.normal(size=100)})
    found = rb.restating_columns(X, pd.Series(np.arange(100.0)), "regression")
    assert found == [rb.Restatement(("copy",), found[0].score, "r2")] and found[0].score >= LEAK_LEVEL
    assert found[0].to_dict() == {"columns": ["copy"], "score": found[0].score, "metric": "r2"}


def test_few_rows_and_a_bad_task(rng):
    X = pd.DataFrame({"a": np.arange(20.0)})
    assert restating_columns(X, pd.Series(np.arange(20.0)), "regression") == []
    with pytest.raises(ValueError, match="Received: task='clf'"):
        restating_columns(X, pd.Series(np.arange(20.0)), "clf")
    assert leak_note([], "y") is None


def _leaky_table(rng, n=240):
    hours = np.where(rng.random(n) < 0.45, 0, rng.integers(100, 2500, n))
    return pd.DataFrame({"hours": hours, "age": rng.integers(20, 60, n), "kids": rng.integers(0, 4, n),
                         "work": np.where(hours > 0, "yes", "no")})


def test_describe_train_and_tune_name_the_column_and_drop_silences_it(rng, tmp_path, capsys):
    path = tmp_path / "leak.csv"
    _leaky_table(rng).to_csv(path, index=False)
    assert main(["describe", str(path), "--target", "work", "--json"]) == 0
    out, _ = capsys.readouterr()
    assert json.loads(out)["leaks"] == [{"columns": ["hours"], "score": 1.0, "metric": "balanced_accuracy"}]
    assert main(["describe", str(path), "--target", "work", "--drop", "hours", "--json"]) == 0
    assert json.loads(capsys.readouterr()[0])["leaks"] == []

    assert main(["train", str(path), "--target", "work", "--epochs", "2", "--hidden", "4",
                 "--out", str(tmp_path / "train"), "--json"]) == 0
    _, err = capsys.readouterr()
    assert "note: leak check: 'hours' alone predicts 'work' out of fold" in err and "--drop hours" in err

    assert main(["tune", str(path), "--target", "work", "--grid", "l2=1e-4", "--epochs", "2", "--hidden", "4",
                 "--cv", "3", "--out", str(tmp_path / "tune"), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["leaks"][0]["columns"] == ["hours"] and "note: leak check:" in err
    report = (tmp_path / "tune" / "report.html").read_text()
    assert "leak check: &#x27;hours&#x27; alone predicts &#x27;work&#x27; out of fold" in report

    assert main(["train", str(path), "--target", "work", "--epochs", "2", "--hidden", "4", "--id", "hours",
                 "--out", str(tmp_path / "train2"), "--json"]) == 0
    assert "leak check" not in capsys.readouterr()[1]  # a column named an identifier is left out
