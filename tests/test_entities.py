"""Entities of a panel (an identifier whose values repeat: a person, a patient, a customer),
encoded by each level's mean target, out of fold (ridgeback.tabular.target_encoding)."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from ridgeback import MLPClassifier, MLPRegressor
from ridgeback.tabular.columns import ENTITY_REPEATED_SHARE, GROUP_MAX_LEVELS, plan_columns
from ridgeback.tabular.model import TabularModel
from ridgeback.tabular.preprocessing import Preprocessor
from ridgeback.tabular.target_encoding import fit_entity, target_type_of


def _panel(n_people=300, rows_each=5, seed=0, noise=0.5):
    """People followed over ``rows_each`` rows: y = person effect + 0.5 x + noise."""
    rng = np.random.default_rng(seed)
    person = np.repeat(np.arange(1000, 1000 + n_people), rows_each)
    effect = rng.normal(scale=2.0, size=n_people)
    x = rng.normal(size=person.size)
    y = effect[person - 1000] + 0.5 * x + rng.normal(scale=noise, size=person.size)
    order = rng.permutation(person.size)
    X = pd.DataFrame({"subject": person[order], "x": x[order]})
    return X, pd.Series(y[order], name="y")


def _role(plan, column):
    return next(c for c in plan.columns if c.column == column)


# --------------------------------------------------------------------------- roles

def test_a_repeated_identifier_of_many_levels_is_an_entity_and_a_quantity_is_not():
    X, _ = _panel()
    X = X.assign(income=X["subject"] * 3, customer_id=X["subject"].map(lambda v: f"C{v}"))
    plan = plan_columns(X)
    subject, income, customer = (_role(plan, c) for c in ("subject", "income", "customer_id"))
    assert (subject.role, subject.cardinality) == ("entity", 300)
    assert subject.reason.startswith("entity:") and "300 levels of 5.0 rows" in subject.reason
    assert income.role == "numeric"  # the same values, not named like an identifier
    assert customer.role == "entity"  # strings named like an id
    assert plan.entities() == ["subject", "customer_id"]
    assert "1 entity" not in plan.summary() and "2 entity" in plan.summary()


def test_distinct_identifiers_are_dropped_and_few_repeats_are_not_an_entity():
    rng = np.random.default_rng(1)
    distinct = pd.DataFrame({"patient_id": rng.permutation(500) + 7, "x": rng.normal(size=500)})
    assert _role(plan_columns(distinct), "patient_id").role == "id"
    # 40% of rows share their value with another: below ENTITY_REPEATED_SHARE, read as before
    ids = np.concatenate([np.repeat(np.arange(100), 2), np.arange(100, 400)])  # 100 pairs, 300 alone
    few = pd.DataFrame({"patient": rng.permutation(ids) + 5000, "x": rng.normal(size=500)})
    shared = few["patient"].map(few["patient"].value_counts()).gt(1).mean()
    assert shared == pytest.approx(0.4) and shared < ENTITY_REPEATED_SHARE
    assert _role(plan_columns(few), "patient").role == "numeric"


def test_an_entity_takes_more_levels_than_one_hot_does():
    """Up to GROUP_MAX_LEVELS integer codes named like an id, or like one entity, are one-hot
    group codes (``pid``, a party identification 0-6, is not an entity's name; without
    ``named_codes``, as models saved before it, an entity's name left them numbers). Past it,
    both are entities."""
    X, _ = _panel(n_people=GROUP_MAX_LEVELS, rows_each=3)
    X = X.assign(patient_id=X["subject"], pid=X["subject"] % 7)
    roles = {c.column: c.role for c in plan_columns(X).columns}
    assert roles == {"subject": "categorical", "x": "numeric", "patient_id": "categorical", "pid": "numeric"}
    assert _role(plan_columns(X, named_codes=False), "subject").role == "numeric"
    X, _ = _panel(n_people=GROUP_MAX_LEVELS + 1, rows_each=3)
    X = X.assign(patient_id=X["subject"])
    assert plan_columns(X).entities() == ["subject", "patient_id"]


def test_entities_false_and_overrides_decide_the_role():
    X, _ = _panel()
    assert _role(plan_columns(X, entities=False), "subject").role == "numeric"
    assert _role(plan_columns(X, numeric=["subject"]), "subject").role == "numeric"
    forced = _role(plan_columns(X.assign(x2=X["x"]), entity=["x2"]), "x2")
    assert (forced.role, forced.reason) == ("entity", "set by --entity")


# --------------------------------------------------------------------------- the encoding

def test_codes_are_shrunk_level_means_and_unseen_levels_get_the_mean():
    """Each level's code, from scratch: lambda * level mean + (1 - lambda) * overall mean, with
    lambda = n / (n + var_level / var_all); standardized by the out-of-fold codes."""
    X, y = _panel(n_people=250, rows_each=4, seed=2)
    pre = Preprocessor().fit(X, y.to_numpy())
    state = pre.entity_states_[0]
    frame = pd.DataFrame({"level": X["subject"].astype(str), "y": y})
    stats = frame.groupby("level")["y"].agg(["mean", "count", lambda v: np.var(v)])
    stats.columns = ["mean", "count", "var"]
    lam = stats["count"] / (stats["count"] + stats["var"] / np.var(y))
    expected = lam * stats["mean"] + (1 - lam) * y.mean()
    levels = ["1003", "1100", "1249"]
    new = pd.DataFrame({"subject": [1003, 1100, 1249, 99999], "x": 0.0})
    got = pre.transform(new)[:, pre.feature_names_out_.index("subject.target_mean")]
    raw = got * state["scales"][0] + state["means"][0]
    np.testing.assert_allclose(raw[:3], expected[levels].to_numpy(), rtol=1e-5)
    assert raw[3] == pytest.approx(y.mean(), rel=1e-5)  # a person never seen: the mean


def test_training_rows_never_read_their_own_target():
    """Each person in two rows whose targets are unrelated noise: in sample a person's code
    holds its own rows' targets; out of fold it cannot."""
    rng = np.random.default_rng(5)
    n = 600
    X = pd.DataFrame({"subject": np.repeat(np.arange(n // 2), 2) + 10, "x": rng.normal(size=n)})
    y = rng.normal(size=n)  # noise: a person's two rows share nothing
    pre = Preprocessor()
    fit_matrix = np.asarray(pre.fit_transform(X, y))
    j = pre.feature_names_out_.index("subject.target_mean")
    in_sample = pre.transform(X)[:, j]
    # in sample, a person's code tracks the mean of its own two rows; out of fold it cannot
    own = pd.Series(y).groupby(X["subject"]).transform("mean").to_numpy()
    assert np.corrcoef(in_sample, own)[0, 1] > 0.3
    assert abs(np.corrcoef(fit_matrix[:, j], y)[0, 1]) < 0.15
    # and a row's out-of-fold code does not move when its own target does
    raw = fit_matrix[:, j] * pre.entity_states_[0]["scales"][0] + pre.entity_states_[0]["means"][0]
    changed = y.copy()
    changed[0] += 100.0
    again = Preprocessor()
    other = np.asarray(again.fit_transform(X, changed))[:, j]
    other_raw = other * again.entity_states_[0]["scales"][0] + again.entity_states_[0]["means"][0]
    assert other_raw[0] == pytest.approx(raw[0])


def test_classes_give_one_column_per_class_or_one_for_two():
    X, y = _panel()
    labels = np.where(y > 0, "yes", "no")
    pre = Preprocessor().fit(X, labels)
    assert pre.feature_names_out_[-1] == "subject.target_mean" and pre.entity_states_[0]["labels"] == []
    three = np.digitize(y, [-1.0, 1.0]).astype(str)
    pre = Preprocessor().fit(X, three)
    assert [n for n in pre.feature_names_out_ if n.startswith("subject")] == [
        "subject.target_mean=0", "subject.target_mean=1", "subject.target_mean=2"]
    assert pre.feature_groups_[-3:] == ["subject"] * 3
    state, codes = fit_entity(X["subject"].astype(str).to_numpy(), three, "multiclass")
    assert codes.shape == (len(X), 3) and state["values"].shape == (300, 3)
    np.testing.assert_allclose(codes.mean(axis=0), 0.0, atol=1e-9)
    assert target_type_of(y.to_numpy()) == "continuous" and target_type_of(labels) == "binary"


def test_fit_without_the_target_and_transform_training_on_other_rows_are_refused():
    X, y = _panel()
    with pytest.raises(ValueError, match=r"fit needs the target.*Received: y=None"):
        Preprocessor().fit(X)
    with pytest.raises(ValueError, match=r"Received: X rows=1500, y rows=10"):
        Preprocessor().fit(X, y[:10])
    pre = Preprocessor().fit(X, y)
    with pytest.raises(ValueError, match=r"transform_training needs the rows fit was given"):
        pre.transform_training(X.iloc[::-1])
    with pytest.raises(ValueError, match=r"Received: target_type='ordinal'"):
        Preprocessor(target_type="ordinal").fit(X, y)
    # a table without entities fits without a target, as before
    assert Preprocessor().fit(X[["x"]]).feature_names_out_ == ["x"]


# --------------------------------------------------------------------------- models

def test_a_panel_model_learns_the_person_effect_and_saves_it(tmp_path):
    X, y = _panel(seed=3)
    train, test = slice(0, 1200), slice(1200, None)
    net = dict(hidden_layer_sizes=(16,), max_epochs=60, learning_rate=0.01, random_state=0)
    scores = {}
    for entities in (True, False):
        model = TabularModel(MLPRegressor(**net), Preprocessor(entities=entities))
        model.fit(X[train], y[train])
        scores[entities] = model.evaluate(X[test], y[test])["r2"]
    # the person effect (variance 4 of 4.5) is most of the target: without it about 0.05 is left
    assert scores[False] < 0.2 < 0.6 < scores[True]
    from ridgeback import load, save

    model = TabularModel(MLPRegressor(**net), Preprocessor()).fit(X[train], y[train])
    save(model, tmp_path / "m")
    loaded = load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict(X[test]), model.predict(X[test]))
    saved = json.loads((tmp_path / "m" / "model.json").read_text())["tabular"]["preprocessing"]
    assert saved["entity"]["columns"] == ["subject"] and len(saved["entity"]["levels"][0]) == 300


def test_a_classifier_of_a_panel_with_string_labels_and_missing_identifiers():
    X, y = _panel(seed=4)
    X = X.assign(subject=X["subject"].astype(float))
    X.loc[X.index[:30], "subject"] = np.nan  # 2% missing: its own level
    labels = pd.Series(np.where(y > 0, "up", "down"))
    model = TabularModel(MLPClassifier(hidden_layer_sizes=(8,), max_epochs=40, learning_rate=0.01,
                                       random_state=0)).fit(X[:1200], labels[:1200])
    assert "<missing>" in model.preprocessor.entity_states_[0]["levels"]
    assert model.evaluate(X[1200:], labels[1200:])["roc_auc"] > 0.85


def test_broken_entity_arrays_are_refused_on_load():
    X, y = _panel()
    pre = Preprocessor().fit(X, y)
    config, arrays = pre.get_config(), pre.get_arrays()
    again = Preprocessor.from_config(config, arrays)
    np.testing.assert_array_equal(again.transform(X), pre.transform(X))
    short = {**arrays, "entity.0.values": arrays["entity.0.values"][:-1]}
    with pytest.raises(ValueError, match=r"entity\.0"):
        Preprocessor.from_config(config, short)
    old = {**config, "params": {k: v for k, v in config["params"].items() if k != "entities"}}
    assert Preprocessor.from_config(old, arrays).entities is False  # saved before: as fitted then


def test_cli_describe_names_the_entity_and_entity_flag_forces_it(tmp_path):
    X, y = _panel(n_people=250, rows_each=4, seed=6)
    path = tmp_path / "panel.csv"
    X.assign(y=y).to_csv(path, index=False)
    out = subprocess.run([sys.executable, "-m", "ridgeback", "describe", str(path), "--target", "y"],
                         capture_output=True, text=True, check=True).stdout
    line = next(row for row in out.splitlines() if row.startswith("subject"))
    assert "entity" in line and "mean target per level, out of fold" in line
    run = subprocess.run([sys.executable, "-m", "ridgeback", "train", str(path), "--target", "y",
                          "--numeric", "subject", "--entity", "x", "--epochs", "2", "--out",
                          str(tmp_path / "m"), "--quiet"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    from ridgeback import load

    pre = load(tmp_path / "m").preprocessor
    assert pre.entity_columns_ == ["x"] and "subject" in pre.numeric_columns_


def test_seeded_refits_sharing_the_preprocessor_train_on_the_out_of_fold_codes():
    """fit_alongside (the seeded refits of tune) trains on the rows as fit_transform encoded them,
    entity codes out of fold: the same model as fitting the pipeline again; ``transform`` would
    have handed it the in-sample codes instead."""
    from sklearn.base import clone

    X, y = _panel(seed=7)
    net = MLPRegressor(hidden_layer_sizes=(8,), max_epochs=20, learning_rate=0.01, random_state=0)
    first = TabularModel(clone(net)).fit(X, y)
    shared = first.fit_alongside(clone(net).set_params(random_state=1), X, y)
    alone = TabularModel(clone(net).set_params(random_state=1)).fit(X, y)
    np.testing.assert_array_equal(shared.predict(X[:50]), alone.predict(X[:50]))
    j = first.preprocessor.feature_names_out_.index("subject.target_mean")
    assert not np.allclose(np.asarray(first.encode(X))[:, j], first.transform(X)[:, j])
