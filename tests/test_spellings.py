"""One category level spelled several ways (ridgeback.tabular.spellings): ``male``, ``Male``
and `` male`` are one level, in the plan, in training and in the rows to predict."""

import numpy as np
import pandas as pd
import pytest

import ridgeback as rb
from ridgeback.tabular.columns import plan_columns
from ridgeback.tabular.preprocessing import Preprocessor
from ridgeback.tabular.spellings import FOLD, fold_levels, level_index, spelling_key, spelling_variants


def _frame():
    sex = ["male", "Male", " male", "female", "FEMALE", "female", "male", "male"] * 3
    return pd.DataFrame({"sex": sex, "city": ["New York", "new  york", "Boston", "boston "] * 6,
                         "plain": ["a", "b", "A2", "b"] * 6, "x": np.arange(24.0)})


def test_keys_trim_collapse_and_fold_case():
    assert spelling_key("  New \t York ") == "new york"
    assert spelling_key("STRASSE") == spelling_key("straße")  # casefold, not lower
    assert spelling_key("A") != spelling_key("A2")


def test_variants_list_the_spellings_most_frequent_first():
    variants = spelling_variants(pd.Series(["male", "Male", "male", " male", "female"]))
    assert variants == {"male": ["male", " male", "Male"]}  # ties in sorted order
    assert spelling_variants(pd.Series(["a", "b", "A2"])) == {}


def test_fold_levels_writes_each_level_as_its_most_frequent_trimmed_spelling():
    values = np.array(["Male", " male ", "male", np.nan, "male", "FEMALE"], dtype=object)
    out = fold_levels(values)
    assert list(out[[0, 1, 2, 4, 5]]) == ["male", "male", "male", "male", "FEMALE"]
    assert pd.isna(out[3])
    np.testing.assert_array_equal(level_index(np.array(["MALE", "x", "female"], dtype=object),
                                              ["FEMALE", "male"], fold=True), [1, -1, 0])
    np.testing.assert_array_equal(level_index(np.array(["MALE", "male"], dtype=object), ["male"], fold=False),
                                  [-1, 0])


def test_the_plan_merges_spellings_and_says_which():
    by = {c.column: c for c in plan_columns(_frame()).columns}
    assert (by["sex"].role, by["sex"].format) == ("categorical", FOLD)
    assert by["sex"].reason.startswith("5 spellings of 2 levels, case and spaces ignored: 'male' also "
                                       "written")
    assert "'FEMALE' also written 'female'" in by["sex"].reason or "'female' also written 'FEMALE'" in \
        by["sex"].reason
    assert (by["city"].format, by["plain"].format, by["plain"].reason) == (FOLD, "", "")
    forced = {c.column: c for c in plan_columns(_frame(), categorical=["sex", "plain"]).columns}
    assert forced["sex"].format == FOLD and "set by --categorical; 5 spellings" in forced["sex"].reason
    assert forced["plain"].format == ""


def test_merged_spellings_push_a_column_under_the_cardinality_threshold():
    levels = [f"Level {i}" for i in range(30)]
    values = levels + [v.upper() for v in levels] + [v.lower() for v in levels]  # 90 spellings
    plan = plan_columns(pd.DataFrame({"k": values, "x": np.arange(90.0)}))
    assert (plan.columns[0].role, plan.columns[0].format) == ("categorical", FOLD)


def test_preprocessor_one_hots_one_column_per_level_and_reads_new_spellings():
    pre = Preprocessor().fit(_frame())
    assert pre.categories_[pre.categorical_columns_.index("sex")] == ["female", "male"]
    assert pre.categories_[pre.categorical_columns_.index("city")] == ["Boston", "New York"]
    assert pre.categories_[pre.categorical_columns_.index("plain")] == ["A2", "a", "b"]
    new = pd.DataFrame({"sex": ["MALE", "  Female"], "city": ["NEW YORK", "Chicago"], "plain": ["A", "b"],
                        "x": [1.0, 2.0]})
    with pytest.warns(rb.tabular.limits.UnseenValuesWarning) as caught:
        out = pre.transform(new)
    names = pre.feature_names_out_
    row = {n: out[:, names.index(n)].tolist() for n in ("sex=male", "sex=female", "city=New York",
                                                       "city=Boston", "plain=a")}
    assert row == {"sex=male": [1.0, 0.0], "sex=female": [0.0, 1.0], "city=New York": [1.0, 0.0],
                   "city=Boston": [0.0, 0.0], "plain=a": [0.0, 0.0]}
    # the unseen levels are Chicago and the plain column's 'A' (no spellings merged there), not MALE
    assert str(caught[0].message).count("unseen level") == 2


def test_a_saved_model_keeps_the_fold(tmp_path):
    X = _frame()
    y = np.array([0, 1] * 12)
    model = rb.TabularModel(rb.MLPClassifier((4,), max_epochs=2, batch_size=8, random_state=0,
                                             early_stopping=False)).fit(X, y)
    loaded = rb.load(rb.save(model, tmp_path / "m"))
    assert [c.format for c in loaded.preprocessor.plan_.columns] == [FOLD, FOLD, "", ""]
    shouted = X.assign(sex=X["sex"].str.upper(), city=X["city"].str.lower())
    np.testing.assert_array_equal(loaded.predict_proba(shouted), model.predict_proba(X))


def test_class_labels_spelled_several_ways_are_one_class_each_when_a_table_is_read():
    from ridgeback.tabular.target import check_target, split_target

    df = pd.DataFrame({"x": range(6), "y": ["yes", " Yes", "no", "yes", "NO", "no"]})
    with pytest.warns(UserWarning, match=r"The target 'y' has 4 spellings of 2 levels.*one class"):
        _, y = split_target(df, "y")
    assert y.tolist() == ["yes", "yes", "no", "yes", "no", "no"]
    plain = df.assign(y=["a", "A2", "b", "a", "b", "b"])
    assert split_target(plain, "y")[1].tolist() == ["a", "A2", "b", "a", "b", "b"]  # nothing to merge
    mixed = df.assign(y=pd.Series(["a", 1, "A", 1, "a", 1], dtype=object))  # not all text: as they are
    assert split_target(mixed, "y", task="classification")[1].tolist() == ["a", 1, "A", 1, "a", 1]
    # labels given to an estimator or to check_target are taken as given
    assert check_target(df["y"], "classification").tolist() == df["y"].tolist()


def test_evaluate_matches_a_new_spelling_of_a_class_and_refuses_an_unknown_one():
    X = pd.DataFrame({"x": np.arange(12.0)})
    y = np.array(["yes", "no"] * 6)
    model = rb.TabularModel(rb.MLPClassifier((4,), max_epochs=2, batch_size=4, random_state=0,
                                             early_stopping=False)).fit(X, y)
    shouted = model.evaluate(X, np.char.upper(y).astype(object))
    assert shouted == model.evaluate(X, y)
    with pytest.raises(ValueError, match=r"Labels never seen in training: \['maybe'\]"):
        model.evaluate(X, np.array(["yes", "maybe"] * 6, dtype=object))
    cased = rb.TabularModel(rb.MLPClassifier((4,), max_epochs=2, batch_size=4, random_state=0,
                                             early_stopping=False)).fit(X, np.array(["a", "A", "b"] * 4))
    with pytest.raises(ValueError, match=r"never seen in training: \['A '\]"):
        # two classes spelled 'a' and 'A' (set apart by the library user): 'A ' is neither
        cased.evaluate(X, np.array(["a", "A ", "b"] * 4, dtype=object))
