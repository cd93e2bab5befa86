"""Heaped numbers (some values held by many rows, others by one) keep their number and get a
second feature, the logarithm of how many training rows hold the value."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from quick_tune import tune_plan
from ridgeback.tabular.columns import plan_columns
from ridgeback.tabular.preprocessing import Preprocessor
from ridgeback.tabular.value_counts import encode_counts, fit_counts, heaped, heaps

BRACKETS = [16.8, 21.0, 25.2, 31.5, 42.0, 50.4]


def _incomes(n=1200, seed=0):
    """A family income: the husband's, recorded in brackets, when the wife did not work (y = 0);
    that plus her earnings, a value seen once, when she did (y = 1). Age says nothing."""
    rng = np.random.default_rng(seed)
    worked = rng.random(n) < 0.5
    husband = rng.choice(BRACKETS, n)
    income = np.where(worked, husband + rng.gamma(2.0, 6.0, n).round(4), husband)
    X = pd.DataFrame({"income": income, "age": rng.normal(40, 8, n).round(1)})
    return X, pd.Series(worked.astype(int), name="worked")


def test_a_column_is_heaped_when_it_holds_both_shared_and_single_values():
    X, _ = _incomes()
    assert heaped(X["income"])
    rng = np.random.default_rng(1)
    assert not heaped(rng.normal(size=500))  # every value once
    assert not heaped(rng.integers(0, 10, 500).astype(float))  # ten values, each shared
    assert not heaped(np.r_[np.repeat([1.0, 2.0], 10), np.arange(3, 40.0)])  # two heaps only
    assert not heaped(np.r_[np.repeat(np.arange(30.0), 6), [100.5]])  # one single among 31 values
    with_holes = np.r_[X["income"].to_numpy(), [np.nan] * 50]
    assert heaped(with_holes)


def test_the_plan_names_the_heaps_and_says_what_is_done():
    X, _ = _incomes()
    found = dict(heaps(X["income"]))
    assert set(found) == set(BRACKETS) and all(60 <= rows <= 140 for rows in found.values())  # ~100 each
    plan = plan_columns(X.assign(code=X["income"].astype(str)))  # numbers written as text: no count
    assert plan.value_counts() == ["income"]
    by = {c.column: c for c in plan.columns}
    assert by["income"].action == "impute median, scale; value count too"
    assert by["income"].reason.startswith("heaped: 6 values held by 4x the rows of those beside them")
    assert by["age"].reason == "" and by["age"].action == "impute median, scale"
    assert plan_columns(X, value_counts=False).value_counts() == []
    assert plan_columns(X, categorical=["income"]).value_counts() == []


def test_codes_count_each_training_row_among_them_and_a_new_row_besides_them():
    state = fit_counts([1.0, 1.0, 1.0, 2.0, 3.0, np.nan])
    assert state["values"].tolist() == [1.0, 2.0, 3.0] and state["counts"].tolist() == [3.0, 1.0, 1.0]
    logs = np.log([3.0, 3.0, 3.0, 1.0, 1.0])
    mean, scale = logs.mean(), logs.std()
    assert state["means"].tolist() == pytest.approx([mean])
    assert state["scales"].tolist() == pytest.approx([scale])
    training = encode_counts([1.0, 1.0, 1.0, 2.0, 3.0, np.nan], state, training=True)
    np.testing.assert_allclose(training, [*(logs - mean) / scale, 0.0])
    new = encode_counts([1.0, 2.0, 9.0, np.nan], state)
    np.testing.assert_allclose(new, [(np.log(4.0) - mean) / scale, (np.log(2.0) - mean) / scale,
                                     (0.0 - mean) / scale, 0.0])
    # a value no other training row holds and a new value no training row holds read alike
    assert training[3] == pytest.approx(new[2])
    # one value everywhere: the scale stays 1, no division by zero
    assert fit_counts([5.0, 5.0])["scales"].tolist() == [1.0]
    empty = fit_counts([np.nan, np.nan])
    assert empty["values"].size == 0 and encode_counts([1.0, np.nan], empty).tolist() == [0.0, 0.0]


def test_the_preprocessor_adds_the_count_of_a_heaped_number_to_its_group():
    X, y = _incomes()
    pre = Preprocessor(dtype=np.float64).fit(X, y)
    assert pre.count_columns_ == ["income"]
    assert pre.feature_names_out_ == ["income", "age", "income.count"]
    assert pre.feature_groups_ == ["income", "age", "income"]  # group L1 keeps or drops income whole
    state = pre.count_states_[0]
    training = pre.fit_transform(X, y)
    np.testing.assert_allclose(np.asarray(training)[:, 2],
                               encode_counts(X["income"].to_numpy(), state, training=True))
    np.testing.assert_allclose(pre.transform(X)[:, 2], encode_counts(X["income"].to_numpy(), state))
    # the number itself is scaled as before
    np.testing.assert_allclose(pre.transform(X)[:, :2], Preprocessor(dtype=np.float64, value_counts=False)
                               .fit(X).transform(X))
    assert Preprocessor(value_counts=False).fit(X).feature_names_out_ == ["income", "age"]
    assert "value_counts=False" in repr(Preprocessor(value_counts=False))
    with pytest.raises(ValueError, match="Received: value_counts='yes'"):
        Preprocessor(value_counts="yes").fit(X)


def test_the_count_tells_a_bracket_from_a_computed_value():
    X, y = _incomes(seed=2)
    Xt, yt = _incomes(seed=3)
    scores = {}
    for counts in (False, True):
        pre = Preprocessor(dtype=np.float64, value_counts=counts).fit(X, y)
        model = LogisticRegression(max_iter=1000).fit(pre.fit_transform(X, y), y)
        scores[counts] = roc_auc_score(yt, model.predict_proba(pre.transform(Xt))[:, 1])
    # the number alone: higher incomes worked more often; the count: a bracket value is shared
    assert scores[False] < 0.8 and scores[True] > 0.95


def test_saved_counts_load_alike_and_older_files_have_none():
    X, y = _incomes()
    pre = Preprocessor().fit(X, y)
    config, arrays = pre.get_config(), pre.get_arrays()
    assert config["count"] == {"columns": ["income"]} and config["params"]["value_counts"] is True
    assert sorted(k for k in arrays if k.startswith("count.")) == [
        "count.0.counts", "count.0.means", "count.0.scales", "count.0.values"]
    loaded = Preprocessor.from_config(config, arrays)
    np.testing.assert_array_equal(loaded.transform(X), pre.transform(X))
    assert loaded.feature_names_out_ == pre.feature_names_out_
    # a file written before value counts: no count, and the flag off (a refit reads as it did)
    old = {**config, "params": {k: v for k, v in config["params"].items() if k != "value_counts"}}
    del old["count"]
    old["feature_names_in"] = list(config["feature_names_in"])
    loaded = Preprocessor.from_config(old, {k: v for k, v in arrays.items() if not k.startswith("count.")})
    assert loaded.value_counts is False and loaded.count_columns_ == []
    assert loaded.feature_names_out_ == ["income", "age"]
    # a tampered file is refused by name
    bad = dict(arrays)
    bad["count.0.values"] = arrays["count.0.values"][::-1].copy()
    with pytest.raises(ValueError, match="count.0"):
        Preprocessor.from_config(config, bad)
    with pytest.raises(ValueError, match="count.columns"):
        Preprocessor.from_config({**config, "count": {"columns": ["nope"]}}, arrays)


def test_a_network_learns_the_brackets_and_its_saved_model_predicts_alike(tmp_path):
    from ridgeback import MLPClassifier, load, save
    from ridgeback.tabular.model import TabularModel

    X, y = _incomes(seed=4)
    Xt, yt = _incomes(seed=5)
    net = dict(hidden_layer_sizes=(16,), max_epochs=40, learning_rate=0.01, random_state=0)
    scores = {}
    for counts in (False, True):
        model = TabularModel(MLPClassifier(**net), Preprocessor(value_counts=counts)).fit(X, y)
        scores[counts] = model.evaluate(Xt, yt)["roc_auc"]
    assert scores[False] < 0.8 and scores[True] > 0.95
    save(model, tmp_path / "m")
    loaded = load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict_proba(Xt), model.predict_proba(Xt))
    assert loaded.preprocessor.count_columns_ == ["income"]


@pytest.mark.parametrize("brackets, counted", [(True, True), (False, False)])
def test_tune_counts_a_heaped_number_only_when_the_linear_model_clearly_gains(tmp_path, capsys, brackets,
                                                                               counted):
    """Brackets that tell who worked are counted; brackets that say nothing of the target (the
    same incomes, a target drawn from age) are a number only. The report says which and why."""

    from ridgeback import load

    X, y = _incomes(n=400, seed=6)
    if not brackets:
        rng = np.random.default_rng(7)
        y = pd.Series((X["age"] + rng.normal(0, 8, len(X)) > 40).astype(int), name="worked")
    out = tmp_path / "run"
    plan = tune_plan(X.assign(worked=y), out, capsys, target="worked")
    assert plan["income"]["reason"].startswith("heaped:") is counted
    decided = "counted too, beside their number" if counted else "read as numbers"
    report = (out / "report.html").read_text(encoding="utf-8")
    assert ("income: heaped numbers (values held by many more rows than those beside them), "
            f"{decided}.") in report
    model = load(out)
    assert model.preprocessor.value_counts is counted
    assert ("income.count" in model.preprocessor.feature_names_out_) is counted


def test_a_class_too_rare_for_the_folds_leaves_heaped_numbers_uncounted():
    from types import SimpleNamespace

    from ridgeback import MLPClassifier
    from ridgeback.cli.column_roles import value_count_settings

    X, y = _incomes(n=600, seed=8)
    rare = y & (np.arange(len(y)) % 20 == 0)  # about 15 positives: fewer than 10 per held-out fold
    settings, note = value_count_settings(SimpleNamespace(cv=4), {}, X, rare, MLPClassifier(), "neg_log_loss")
    assert settings == {"value_counts": False}
    assert note.startswith("income: heaped numbers") and "the rarest class has too few rows per fold" in note
    # with the classes as they are, the linear model gains by many errors: counted
    settings, note = value_count_settings(SimpleNamespace(cv=4), {}, X, y, MLPClassifier(), "neg_log_loss")
    assert settings == {"value_counts": True} and "counted too, beside their number" in note
