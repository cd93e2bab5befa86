"""Codes of groups named like one entity (a taster, a family), codes written as strings (``136A``
among family numbers), a letter on a few numbers that is no unit, and counts whose long tail
skips values: what the eighth look of benchmarks/QUALITY.md found misread."""

import numpy as np
import pandas as pd
import pytest

from ridgeback.tabular.columns import GROUP_MAX_LEVELS, plan_columns
from ridgeback.tabular.formats import number_format
from ridgeback.tabular.preprocessing import Preprocessor
from ridgeback.tabular.target import describe_task, infer_task


def _roles(plan):
    return {c.column: c.role for c in plan.columns}


def _tasters(n_subjects=12, rows_each=40, seed=0):
    """A sensory panel: each taster scores on their own level (y = taster effect + x + noise)."""
    rng = np.random.default_rng(seed)
    subject = np.repeat(rng.choice(np.arange(1, 100), size=n_subjects, replace=False), rows_each)
    effect = dict(zip(np.unique(subject), rng.normal(scale=3.0, size=n_subjects), strict=True))
    x = rng.normal(size=subject.size)
    y = np.array([effect[s] for s in subject]) + x + rng.normal(scale=0.3, size=subject.size)
    return pd.DataFrame({"subject": subject, "x": x}), y


def test_integers_named_like_one_entity_are_group_codes_and_a_count_of_them_is_not():
    X, _ = _tasters()
    X["workers"] = X["subject"] % 9 + 1  # "workers": how many, not who
    plan = plan_columns(X)
    assert _roles(plan) == {"subject": "categorical", "x": "numeric", "workers": "numeric"}
    assert plan.group_codes() == ["subject"]
    assert next(c for c in plan.columns if c.column == "subject").reason.startswith(
        "group codes: integers named like a group, 12 levels of 40 rows on average")
    assert _roles(plan_columns(X, named_codes=False))["subject"] == "numeric"  # as models saved before
    assert _roles(plan_columns(X, group_codes=False))["subject"] == "numeric"


def _families(n_families=150, seed=1):
    """Children of families numbered 1 to 150, one family split in two as 136 and 136A (as
    Galton's records are): mostly numbers, one code with a letter."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 7, size=n_families)
    family = np.repeat([str(f) for f in range(1, n_families + 1)], sizes).astype(object)
    family[np.flatnonzero(family == "136")[:2]] = "136A"
    rng.shuffle(family)
    return pd.DataFrame({"family": family, "x": rng.normal(size=family.size)})


def test_family_numbers_with_a_letter_on_a_few_are_codes_not_numbers_in_a_unit():
    X = _families()
    assert number_format(X["family"]) == ""  # "A" on 2 of ~600 values is no unit
    plan = plan_columns(X)
    family = next(c for c in plan.columns if c.column == "family")
    assert family.role == "categorical" and family.reason.startswith("group codes: codes named like a group")
    assert "values like '136A'" in family.reason and plan.group_codes() == ["family"]
    # not one-hot: a family of several rows is an entity (by its mean target); models saved before
    # named_codes knew no family's name, and read such codes as text
    assert _roles(plan_columns(X, group_codes=False))["family"] == "entity"
    assert _roles(plan_columns(X, named_codes=False))["family"] == "text"
    pre = Preprocessor().fit(X)
    assert "family=136A" in pre.feature_names_out_ and "family=17" in pre.feature_names_out_


def test_a_unit_on_most_values_is_still_a_unit():
    values = pd.Series([f"{v} kg" for v in range(1, 60)] + ["12", "13"], dtype=object)
    assert number_format(values) == ". kg"  # 59 of 61 carry it
    scaled = pd.Series(["950", "870", "1.5k", "2k", "640"] * 10, dtype=object)
    assert number_format(scaled) == ". k"  # a k suffix on a few: a magnitude, not a code


def test_strings_named_like_an_entity_of_a_few_rows_each_are_group_codes_up_to_the_limit():
    rng = np.random.default_rng(2)
    codes = np.repeat([f"F{i:03d}" for i in range(120)], 3)  # 120 levels of 3 rows: not "many levels"
    X = pd.DataFrame({"family_id": rng.permutation(codes), "x": rng.normal(size=codes.size)})
    assert _roles(plan_columns(X)) == {"family_id": "categorical", "x": "numeric"}
    assert _roles(plan_columns(X, named_codes=False))["family_id"] == "entity"
    many = np.repeat([f"F{i:03d}" for i in range(GROUP_MAX_LEVELS + 1)], 3)
    X = pd.DataFrame({"family_id": many, "x": rng.normal(size=many.size)})
    assert _roles(plan_columns(X))["family_id"] == "entity"  # past the limit: by its mean target
    once = pd.DataFrame({"family_id": [f"F{i:03d}" for i in range(150)], "x": rng.normal(size=150)})
    assert _roles(plan_columns(once))["family_id"] == "id"  # one row each: nothing to learn


def test_named_codes_are_saved_and_older_files_load_without_them():
    X, y = _tasters()
    pre = Preprocessor().fit(X, y)
    assert pre.feature_names_out_[0] == "x"
    assert sorted(pre.feature_names_out_[1:]) == sorted(f"subject={s}" for s in X["subject"].unique())
    config, arrays = pre.get_config(), pre.get_arrays()
    assert config["params"]["named_codes"] is True
    loaded = Preprocessor.from_config(config, arrays)
    np.testing.assert_array_equal(loaded.transform(X), pre.transform(X))
    old = {**config, "params": {k: v for k, v in config["params"].items() if k != "named_codes"}}
    assert Preprocessor.from_config(old, arrays).named_codes is False
    assert "named_codes=False" in repr(Preprocessor(named_codes=False))
    with pytest.raises(ValueError, match=r"Received: named_codes='yes'"):
        Preprocessor(named_codes="yes").fit(X)


def test_a_count_whose_long_tail_skips_values_is_a_regression_target():
    articles = [0] * 214 + [1] * 182 + [2] * 136 + [3] * 56 + [4] * 52 + [5] * 21 + [6] * 12 + [7] * 8 \
        + [9] * 2 + [12, 16, 19]
    assert infer_task(articles) == "regression"
    assert describe_task(articles) == ("regression",
                                       "12 whole numbers (0 to 19) that look like a count or a score")
    # a gap beyond which many rows hold a value is a code, not a tail: classes
    assert infer_task([1] * 300 + [2] * 150 + [3] * 80 + [4] * 30 + [9] * 40) == "classification"
    assert infer_task([0] * 50 + [1] * 40 + [2] * 30 + [3] * 20 + [5] * 10) == "classification"


def test_units_of_an_experiment_are_groups_and_two_groups_stay_a_number():
    """A brood, a location, a litter: one-hot group codes (singular names; "stations", how many
    reported, stays a number). Two groups one-hot say what their number says: a centre coded 1
    and 2 stays numeric, out of tune's check."""
    rng = np.random.default_rng(4)
    n = 300
    X = pd.DataFrame({"BROOD": rng.integers(600, 700, size=n), "LOCATION": rng.integers(1, 40, size=n),
                      "stations": rng.integers(10, 60, size=n), "center": rng.integers(1, 3, size=n),
                      "x": rng.normal(size=n)})
    plan = plan_columns(X)
    assert _roles(plan) == {"BROOD": "categorical", "LOCATION": "categorical", "stations": "numeric",
                            "center": "numeric", "x": "numeric"}
    assert plan.group_codes() == ["BROOD", "LOCATION"]
    # as models saved before named_codes: the units' names were none, and two groups were one-hot
    assert plan_columns(X, named_codes=False).group_codes() == []
    two = pd.DataFrame({"county": rng.integers(1, 3, size=n), "x": rng.normal(size=n)})
    assert plan_columns(two).group_codes() == []
    assert plan_columns(two, named_codes=False).group_codes() == ["county"]


def test_an_id_seen_mostly_once_is_dropped_and_an_index_stays_a_number():
    """2,447 people in 3,000 rows of a panel's sample: too many to one-hot, too seldom repeated for
    an entity, so named ``id`` it is an identifier, dropped; ``price_index`` of as many values is
    a number, and so is the id of models saved before ``named_codes``."""
    rng = np.random.default_rng(5)
    people = rng.choice(np.arange(1, 6000), size=3000)  # most drawn once
    X = pd.DataFrame({"id": people, "price_index": people + 7, "x": rng.normal(size=3000)})
    assert pd.Series(people).duplicated(keep=False).mean() < 0.5  # not an entity
    plan = plan_columns(X)
    row = next(c for c in plan.columns if c.column == "id")
    assert _roles(plan) == {"id": "id", "price_index": "numeric", "x": "numeric"}
    assert row.reason.startswith(f"identifier: {row.cardinality} distinct integers in 3000 rows")
    assert _roles(plan_columns(X, named_codes=False))["id"] == "numeric"
    assert _roles(plan_columns(X, numeric=["id"]))["id"] == "numeric"


@pytest.mark.parametrize("name, role", [("stratum", "categorical"), ("pair", "categorical"),
                                        ("sector", "numeric"), ("tree", "categorical"),
                                        ("Pig", "categorical"), ("Ketchup.hid", "categorical"),
                                        ("trees", "numeric"), ("pairs", "numeric")])
def test_strata_pairs_sectors_and_animals_measured_again_are_groups(name, role):
    """Matched strata and pairs, the tree or animal measured again and again: group codes;
    plural, how many there are, a number. An industry's sector stays a number (one-hot beside
    the firm it cost PatentsRD's network, benchmarks/QUALITY.md)."""
    rng = np.random.default_rng(6)
    X = pd.DataFrame({name: rng.integers(1, 60, size=240), "x": rng.normal(size=240)})
    assert _roles(plan_columns(X))[name] == role


def test_a_count_people_report_heaps_on_round_numbers_and_stays_a_count():
    """Visits to a doctor, as people report them: 10, 15 and 20 stand above their neighbours
    (badhealth's ``numvisit``, read as 20 classes before, so that `evaluate` refused test rows
    with 11 or 14 visits). One round code beyond a gap (``10`` for "other") is still a class."""
    visits = [0] * 360 + [1] * 222 + [2] * 191 + [3] * 135 + [4] * 54 + [5] * 47 + [6] * 39 + [7] * 8 \
        + [8] * 14 + [9] * 3 + [10] * 20 + [11] + [12] * 6 + [13] * 5 + [14] + [15] * 11 + [16] \
        + [20] * 6 + [30] * 2 + [40]
    assert infer_task(visits) == "regression"
    assert describe_task(visits)[1] == "20 whole numbers (0 to 40) that look like a count or a score"
    assert infer_task([1] * 300 + [2] * 150 + [3] * 80 + [4] * 30 + [10] * 40) == "classification"
    # round numbers above their neighbours before the peak, or not falling among themselves: labels
    assert infer_task([0] * 5 + [10] * 60 + [11] * 100 + [12] * 80 + [13] * 40 + [15] * 30 + [20] * 50
                      ) == "classification"
    assert infer_task(visits[:-1] + [30] * 40) == "classification"


def test_a_row_number_named_obs_or_case_is_dropped_though_its_rows_are_shuffled():
    """``obs`` of a shuffled training split (kidtran's, sorted by follow-up time in the original
    table) is not in row order, so only its name says it numbers the rows; ``cases``, a count,
    and the row numbers of models saved before ``named_codes`` stay numbers."""
    rng = np.random.default_rng(7)
    obs = rng.permutation(np.arange(1, 801))[:600]
    X = pd.DataFrame({"obs": obs, "idcase": obs + 3, "record_no": obs * 2, "cases": obs,
                      "x": rng.normal(size=600)})
    plan = plan_columns(X)
    assert _roles(plan) == {"obs": "id", "idcase": "id", "record_no": "id", "cases": "numeric",
                            "x": "numeric"}
    assert next(c for c in plan.columns if c.column == "obs").reason == \
        "identifier: distinct integers in a column named like a row's number"
    assert _roles(plan_columns(X, named_codes=False))["obs"] == "numeric"
    repeated = X.assign(obs=rng.integers(1, 50, size=600))  # repeated values: no row number
    assert _roles(plan_columns(repeated))["obs"] == "numeric"
