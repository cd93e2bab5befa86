"""Messy real-looking tables (tests/fixtures/messy, issue 18): column roles, missing values as
information, unseen levels and type changes, memory limits, malformed CSVs and rare classes."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ridgeback as rb
from ridgeback.tabular.columns import NotANumberError, plan_columns
from ridgeback.tabular.data import read_table
from ridgeback.tabular.limits import MemoryLimitError, UnseenValuesWarning
from ridgeback.tabular.preprocessing import Preprocessor
from ridgeback.tabular.scalings import smooth_clip
from ridgeback.tabular.target import split_target

MESSY = Path(__file__).parent / "fixtures" / "messy"


@pytest.fixture(scope="module")
def listings():
    return split_target(read_table(MESSY / "listings.csv"), "sold")


@pytest.fixture(scope="module")
def model(listings):
    X, y = listings
    mlp = rb.MLPClassifier(hidden_layer_sizes=(8,), max_epochs=5, random_state=0)
    return rb.TabularModel(mlp).fit(X, y)


def test_every_column_gets_its_role_with_a_reason(listings):
    X, _ = listings
    plan = plan_columns(X)
    roles = {c.column: c.role for c in plan.columns}
    assert roles == {"Unnamed: 0": "id", "licence_id": "id", "neighbourhood": "categorical",
                     "zip_code": "categorical", "area": "numeric", "has_pool": "categorical",
                     "listed_at": "datetime", "description": "text", "country": "drop", "notes": "drop"}
    reasons = {c.column: c.reason for c in plan.columns}
    assert reasons["notes"] == "all missing" and reasons["country"].startswith("constant")
    assert "98" in reasons["zip_code"] and reasons["zip_code"].startswith("codes")
    assert plan.summary() == ("columns: 1 numeric, 3 categorical, 1 text, 1 datetime; dropped: "
                              "Unnamed: 0 (identifier), licence_id (identifier), country (constant), "
                              "notes (all missing)")
    assert dict(plan.imputed()) == {"neighbourhood": "its own level '<missing>'",
                                    "area": "median, plus a missing-indicator column"}
    assert "listed_at" in plan.table() and "100.0%" in plan.table()


def test_overrides_win_and_are_recorded(listings):
    X, _ = listings
    plan = plan_columns(X, drop=["description"], numeric=["zip_code"], categorical=["country"])
    by = {c.column: c for c in plan.columns}
    assert by["description"].role == "drop" and by["country"].role == "categorical"
    assert by["zip_code"].role == "numeric" and by["zip_code"].coerced == (X["zip_code"].str.len() > 5).sum()
    assert "set by --numeric" in by["zip_code"].reason
    with pytest.raises(ValueError, match=r"`drop` names a column the data does not have.*drop='nope'"):
        plan_columns(X, drop=["nope"])
    with pytest.raises(ValueError, match=r"named by two overrides"):
        plan_columns(X, drop=["area"], numeric=["area"])


def test_text_among_numbers_names_row_and_both_fixes():
    df = pd.DataFrame({"age": ["31", "45", "forty", "52"], "k": [1, 2, 3, 4]})
    with pytest.raises(NotANumberError, match=r"row 2 holds 'forty'.*--categorical age.*--numeric age"):
        Preprocessor().fit(df)
    pre = Preprocessor(numeric=["age"]).fit(df)
    with pytest.warns(UnseenValuesWarning, match="age: 1 not a number"):
        out = pre.transform(df)
    assert pre.feature_names_out_[:3] == ["age", "k", "age=<missing>"]
    assert pre.medians_[0] == 45.0 and out[2, 2] == 1.0
    assert out[2, 0] == pytest.approx((45.0 - pre.means_[0]) / pre.scales_[0])


def test_fitted_model_is_compact_and_round_trips_bit_identically(tmp_path, listings, model):
    X, _ = listings
    pre = model.preprocessor
    assert pre.dropped_columns_ == ["Unnamed: 0", "licence_id", "country", "notes"]
    assert [n for n in pre.feature_names_out_ if n.startswith("listed_at.")] == [
        "listed_at.year", "listed_at.month", "listed_at.weekday", "listed_at.hour", "listed_at.epoch_days"]
    assert sum(n.startswith("description.svd") for n in pre.feature_names_out_) == 30
    assert "neighbourhood=<missing>" in pre.feature_names_out_ and "area=<missing>" in pre.feature_names_out_
    loaded = rb.load(rb.save(model, tmp_path / "m"))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.preprocessor.plan_ == pre.plan_
    # dropped columns need not be present at prediction time
    np.testing.assert_array_equal(loaded.predict_proba(X.drop(columns=["notes", "licence_id"])),
                                  model.predict_proba(X))


def test_unseen_levels_and_boolean_as_0_1_are_counted_in_one_warning(listings, model):
    new = read_table(MESSY / "listings_new.csv").drop(columns="sold")
    assert new["has_pool"].dtype.kind == "i"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        proba = model.predict_proba(new)
    notes = [w.message for w in caught if isinstance(w.message, UnseenValuesWarning)]
    assert len(notes) == 1
    counts = notes[0].counts
    assert counts["has_pool"] == {"type change": 30}
    assert counts["neighbourhood"]["unseen level"] == 3
    assert counts["zip_code"].get("unseen level", 0) >= 1
    # the 0/1 column is mapped back to the TRUE/FALSE it was at fit: same predictions as written TRUE/FALSE
    as_bool = new.assign(has_pool=new["has_pool"].astype(bool))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnseenValuesWarning)
        np.testing.assert_array_equal(model.predict_proba(as_bool), proba)


def test_values_that_cannot_be_mapped_name_the_column(listings, model):
    X, _ = listings
    with pytest.raises(ValueError, match=r"Column 'has_pool' was boolean at fit but row 0 holds 7"):
        model.predict(X.assign(has_pool=7))
    with pytest.raises(ValueError, match=r"Column 'listed_at' held dates at fit but row 0 holds 'soon'"):
        model.predict(X.assign(listed_at="soon"))
    with pytest.warns(UnseenValuesWarning, match=rf"area: {X['area'].notna().sum()} type change"):
        model.predict(X.assign(area=X["area"].astype(str).replace("nan", None)))


def test_missing_category_is_its_own_level(listings, model):
    X, _ = listings
    pre = model.preprocessor
    out = pre.transform(X)
    j = pre.feature_names_out_.index("neighbourhood=<missing>")
    np.testing.assert_array_equal(out[:, j], X["neighbourhood"].isna().to_numpy())


def test_robust_scaling_is_median_iqr_then_smooth_clip():
    x = np.r_[np.arange(20.0), 1e6]
    pre = Preprocessor(scaling="robust", dtype=np.float64).fit(pd.DataFrame({"x": x}))
    q1, median, q3 = np.percentile(x, [25, 50, 75])
    expected = smooth_clip((x - median) / (q3 - q1))
    np.testing.assert_allclose(pre.transform(pd.DataFrame({"x": x}))[:, 0], expected)
    assert pre.transform(pd.DataFrame({"x": [1e6]}))[0, 0] < 3.0
    assert pre.column_transformer_.transform(pd.DataFrame({"x": x}))[-1, 0] == pytest.approx(
        pre.transform(pd.DataFrame({"x": x}))[-1, 0])
    with pytest.raises(ValueError, match=r"Received: scaling='minmax'"):
        Preprocessor(scaling="minmax").fit(pd.DataFrame({"x": x}))


def test_memory_is_estimated_before_allocating(listings):
    X, _ = listings
    with pytest.raises(MemoryLimitError, match=r"widest column is 'description' \(150 columns\).*--drop "
                                               r"description.*Received: memory_limit=50000") as info:
        Preprocessor(categorical=["description"], memory_limit=50_000).fit(X)
    assert isinstance(info.value, ValueError) and info.value.column == "description"
    pre = Preprocessor(memory_limit=200_000).fit(X)  # text stays 30 columns wide
    with pytest.raises(MemoryLimitError, match="rows x"):
        pre.transform(pd.concat([X] * 20, ignore_index=True))


def test_text_codes_are_pinned_and_unseen_text_is_encoded():
    from ridgeback.tabular.encoders import _hashed, encode_text, fit_text

    # MurmurHash3 buckets of the n-grams: a change here would silently alter every saved text model
    assert _hashed(np.array(["ab"], dtype=object)).indices.tolist() == [1662, 1848, 1935, 2209, 2726, 2881]
    values = np.array(["red house", "blue house", "red car", "green tree", "blue car"], dtype=object)
    state = fit_text(values, seed=0)
    codes = encode_text(np.array(["red houses"], dtype=object), state)
    assert codes.shape == (1, 4) and np.abs(codes).sum() > 0


@pytest.mark.parametrize("name, message", [
    ("duplicate_header.csv", r"names the column\(s\) \['wt'\] more than once"),
    ("unbalanced_quote.csv", r"row 0 \(lines 2 to 4\) has 2 fields \(a quote opened there"),
    ("stray_cr.csv", r"carriage return \(\\r\) inside an unquoted field on line 3"),
])
def test_malformed_csv_is_the_readers_error_naming_the_row(name, message):
    with pytest.raises(ValueError, match=message):
        read_table(MESSY / name)


def test_a_rare_class_does_not_block_tuning():
    X, y = split_target(read_table(MESSY / "rare_class.csv"), "species")
    from sklearn.pipeline import Pipeline

    from ridgeback.selection.search import tune

    est = Pipeline([("pre", Preprocessor()), ("mlp", rb.MLPClassifier(hidden_layer_sizes=(4,), max_epochs=3,
                                                                       random_state=0))])
    with pytest.warns(UserWarning, match=r"'rare' \(2 rows\).*--cv 2"):
        result = tune(est, X, y, {"mlp__l2": [0.0]}, cv=5, random_state=0)
    assert np.isfinite(result.best_score_)


def _formatted_frame():
    return pd.DataFrame({
        "price": ["$1,234.50", "$12.00", "(300)", "$2,000", None, "$7.25"],
        "rate": ["12,5 %", "3 %", "100%", "0,5 %", "7 %", "1 %"],
        "euros": ["1.234,50 €", "12 €", "3.000.000 €", "4,25 €", "9 €", "10 €"],
        "signed_up": ["27/11/2026", "01/02/2025", "13/03/2024", "31/12/2023", "05/05/2025", "02/01/2026"],
        "us_date": ["Nov 27, 2026", "Jan 3, 2025", "Feb 28, 2024", "Dec 1, 2023", "May 5, 2025",
                    "Jul 4, 2026"],
        "phone": ["555 1234", "555 9876", "555 1111", "555 2222", "555 3333", "555 4444"],
        "zip": ["98112-4729", "98105", "98112", "98105-1111", "98109", "98112"],
    })


def test_numbers_with_currency_percent_and_thousands_signs_and_dates_as_written_are_read():
    plan = plan_columns(_formatted_frame())
    by = {c.column: c for c in plan.columns}
    assert {n: (c.role, c.format) for n, c in by.items()} == {
        "price": ("numeric", "."), "rate": ("numeric", ","), "euros": ("numeric", ","),
        "signed_up": ("datetime", "%d/%m/%Y"), "us_date": ("datetime", "%b %d, %Y"),
        "phone": ("categorical", ""), "zip": ("categorical", "")}  # neither is a number
    assert "decimal mark ','" in by["rate"].reason and "%d/%m/%Y" in by["signed_up"].reason
    pre = Preprocessor().fit(_formatted_frame())
    raw = {name: pre.medians_[pre.numeric_features_.index(name)] for name in ("price", "rate", "euros")}
    assert raw == {"price": 12.0, "rate": 5.0, "euros": 11.0}  # medians of the values as written
    day = pre.numeric_features_.index("signed_up.epoch_days")
    expected = (pd.Timestamp("2025-02-01") - pd.Timestamp("1970-01-01")).days
    assert pre.medians_[day] == pytest.approx(expected + 0.5 * (
        (pd.Timestamp("2025-05-05") - pd.Timestamp("2025-02-01")).days))


def test_the_format_found_at_fit_reads_the_rows_to_predict_and_is_saved(tmp_path):
    X = _formatted_frame().assign(price=["$1,234.50", "$12.00", "(300)", "$2,000", None, "$7.25"] * 1)
    y = np.array([0, 1, 0, 1, 0, 1])
    model = rb.TabularModel(rb.MLPClassifier((4,), max_epochs=3, batch_size=2, random_state=0,
                                             early_stopping=False)).fit(X, y)
    loaded = rb.load(rb.save(model, tmp_path / "m"))
    assert [c.format for c in loaded.preprocessor.plan_.columns] == [".", ",", ",", "%d/%m/%Y", "%b %d, %Y",
                                                                     "", ""]
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    # the same numbers written plainly give the same codes; a value in neither form is named
    plain = X.assign(price=[1234.5, 12.0, -300.0, 2000.0, None, 7.25])
    pre = loaded.preprocessor
    np.testing.assert_allclose(pre.transform(plain), pre.transform(X), atol=1e-6)
    with pytest.raises(ValueError, match=r"Column 'price' is numeric but row 1 holds 'twelve'"):
        loaded.predict_proba(X.assign(price=["$1", "twelve", "$3", "$4", "$5", "$6"]))
    with pytest.raises(ValueError, match=r"'signed_up' held dates at fit but row 0 holds '2026-13-45'"):
        loaded.predict_proba(X.assign(signed_up=["2026-13-45", *X["signed_up"][1:]]))


def test_declared_numeric_and_datetime_columns_read_formatted_values():
    df = pd.DataFrame({"p": ["$1,000", "n/a", "$5", "$20"], "k": [1, 2, 3, 4],
                       "d": ["27.11.2026", "bad", "01.02.2025", "03.03.2025"]})
    plan = plan_columns(df, numeric=["p"], datetime=["d"])
    by = {c.column: c for c in plan.columns}
    assert (by["p"].format, by["p"].coerced) == (".", 1)
    assert (by["d"].format, by["d"].coerced) == ("%d.%m.%Y", 1)
    pre = Preprocessor(numeric=["p"], datetime=["d"]).fit(df)
    assert pre.medians_[pre.numeric_features_.index("p")] == 20.0
    # the values read as missing are counted, as the indicators the preprocessor makes say
    assert (by["p"].missing_share, by["d"].missing_share) == (0.25, 0.25)
    assert "missing indicator" in by["p"].action and "missing indicator" in by["d"].action
    assert pre.indicator_features_ == ["p", "d.epoch_days"]


def test_a_decimal_comma_is_told_from_a_thousands_comma():
    plan = plan_columns(pd.DataFrame({"a": ["0,456", "1,234", "-2,5", "7"], "k": [1, 2, 3, 4],
                                      "b": ["1,234", "12,000", "7", "1"]}))
    assert [c.format for c in plan.columns] == [",", "", "."]  # "0,456" is no thousand; "1,234" may be
    pre = Preprocessor().fit(pd.DataFrame({"a": ["0,456", "1,234", "-2,5", "7"], "k": [1, 2, 3, 4]}))
    assert pre.medians_[0] == pytest.approx((0.456 + 1.234) / 2)


def test_ambiguous_day_and_month_are_read_day_first_and_said():
    plan = plan_columns(pd.DataFrame({"d": ["01/02/2025", "03/04/2025", "05/06/2025"], "k": [1, 2, 3]}))
    (d, _) = plan.columns
    assert d.format == "%d/%m/%Y" and "day first taken" in d.reason


def test_the_plan_counts_words_for_no_value_as_missing_and_gives_their_indicator():
    df = pd.DataFrame({"r": ["1.5", "#DIV/0!", "2", "?"], "k": ["3", "unknown", "0", "1"], "x": [1, 2, 3, 4]})
    by = {c.column: c for c in plan_columns(df).columns}
    assert (by["r"].missing_share, by["k"].missing_share) == (0.5, 0.25)
    assert "missing indicator" in by["r"].action and "missing indicator" in by["k"].action
    declared = plan_columns(df.assign(k=["3", "1e-3", "lots", "1"]), numeric=["k"])
    forced = {c.column: c for c in declared.columns}
    assert forced["k"].missing_share == 0.25 and forced["k"].coerced == 1
    pre = Preprocessor().fit(df)
    assert pre.indicator_features_ == ["r", "k"]


def test_camel_case_identifier_names_are_identifiers_and_paid_is_not():
    rng = np.random.default_rng(0)
    unique = rng.permutation(np.arange(10_000, 99_999))[:60]  # distinct, not consecutive
    df = pd.DataFrame({"CustomerID": unique, "userId": unique + 7, "order_guid": unique * 3,
                       "paid": unique % 997 + unique, "x": rng.normal(size=60)})
    roles = {c.column: c.role for c in plan_columns(df).columns}
    assert roles == {"CustomerID": "id", "userId": "id", "order_guid": "id", "paid": "numeric",
                     "x": "numeric"}


def test_row_numbers_are_identifiers_but_years_ranks_and_permutations_are_features():
    n = 60
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"obs": np.arange(1, n + 1), "Year": np.arange(1875, 1875 + n),
                       "rank": np.arange(1, n + 1), "Wealth": rng.permutation(n) + 1,
                       "Unnamed: 0": rng.permutation(n), "x": rng.normal(size=n)})
    by = {c.column: c for c in plan_columns(df).columns}
    assert {name: c.role for name, c in by.items()} == {
        "obs": "id", "Year": "numeric", "rank": "numeric", "Wealth": "numeric", "Unnamed: 0": "id",
        "x": "numeric"}
    assert by["obs"].reason == "identifier: distinct consecutive integers in row order"


def test_integer_group_codes_are_categories_and_quantities_stay_numbers():
    """Integers named like a group whose values repeat (a county, a town id, a ZIP code) are
    one-hot: as numbers their order means nothing. Years of schooling, a town's size, ages and
    values that are not integers stay numbers."""
    n = 400
    rng = np.random.default_rng(2)
    county = rng.choice(np.arange(1, 198, 2), size=n)  # 99 odd codes, about 4 rows each
    df = pd.DataFrame({
        "county": county, "townid": rng.integers(1, 90, n), "ZipCode": rng.choice([98001, 98052, 98103], n),
        "school_id": rng.integers(0, 40, n).astype(float),
        "state": np.where(rng.random(n) < 0.1, np.nan, rng.choice([6.0, 41.0, 53.0], n)),  # codes with holes
        "us_state": np.where(rng.random(n) < 0.1, np.nan, rng.choice([6.0, 41.0], n)),  # two: their number
        "school": rng.integers(8, 20, n), "town": rng.integers(1, 6, n), "age": rng.integers(18, 80, n),
        "region": np.arange(n),  # unique: no group repeats
        "district": rng.integers(0, 300, n),  # 300 possible levels in 400 rows: under two rows each
        "industry": rng.normal(size=n).round(2) * 100 + 0.5,  # not integers
        "paid": rng.integers(0, 50, n), "valid": rng.integers(0, 2, n) == 1,
        "afraid": rng.integers(0, 4, n), "placid": rng.integers(0, 4, n),  # moods rated 0-3, no groups
        "countycode": rng.integers(0, 20, n), "prtyid": rng.integers(1, 6, n),
    })
    by = {c.column: c for c in plan_columns(df).columns}
    assert {name for name, c in by.items() if c.role == "categorical"} == {
        "county", "townid", "ZipCode", "school_id", "state", "valid", "countycode", "prtyid"}
    assert by["county"].reason == (f"group codes: integers named like a group, {by['county'].cardinality} "
                                   "levels of 4 rows on average (--numeric county to read them as numbers)")
    assert by["school"].role == by["town"].role == by["age"].role == by["paid"].role == "numeric"
    assert by["us_state"].role == "numeric"  # two groups one-hot say what their number says
    assert by["industry"].role == "numeric"
    # more codes than one-hot takes (GROUP_MAX_LEVELS), most shared by two rows or more: an entity,
    # encoded by its mean target (tests/test_entities.py); read as numbers without entities
    assert by["district"].cardinality > 200 and by["district"].role == "entity"
    assert {c.column: c.role for c in plan_columns(df, entities=False).columns}["district"] == "numeric"
    assert plan_columns(df, numeric=["county"]).columns[0].role == "numeric"  # the override wins


def test_abbreviated_group_ids_are_entities_and_one_per_row_they_are_identifiers():
    """Tables abbreviate the group a name runs into "id" (Michigan's ``distid`` and ``schid``):
    a district's code shared by its schools is an entity, a school's code held by one row each is
    an identifier; words that end in "id" (rapid, humid) stay numbers."""
    n = 600
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"distid": rng.integers(0, 250, n) * 10 + 1000, "schid": rng.permutation(n) + 5000,
                       "rapid": rng.integers(0, 400, n), "humid": rng.integers(20, 95, n)})
    by = {c.column: c for c in plan_columns(df).columns}
    assert by["distid"].role == "entity"
    assert by["distid"].reason.startswith("entity: an identifier whose values repeat")
    assert by["schid"].role == "id" and by["schid"].reason.startswith("identifier: 600 distinct integers")
    assert by["rapid"].role == by["humid"].role == "numeric"
    # named school_id, the same values were already read so; with --numeric the override wins
    assert {c.column: c.role for c in plan_columns(df.rename(columns={"schid": "school_id"})).columns}[
        "school_id"] == "id"
    assert {c.column: c.role for c in plan_columns(df, numeric=["distid"]).columns}["distid"] == "numeric"


def test_group_codes_one_hot_each_group_and_read_codes_at_predict_time():
    rng = np.random.default_rng(3)
    county = rng.choice([11, 13, 17, 19, 23], size=200)
    X = pd.DataFrame({"county": county, "x": rng.normal(size=200)})
    pre = Preprocessor().fit(X)
    assert [name for name in pre.get_feature_names_out() if name.startswith("county=")] == [
        "county=11", "county=13", "county=17", "county=19", "county=23"]
    # the same codes arriving as floats (a missing value elsewhere in the column) encode alike
    again = X.assign(county=X["county"].astype(float))
    np.testing.assert_array_equal(pre.transform(again), pre.transform(X))


def test_group_codes_false_reads_them_as_numbers_and_is_saved_with_the_model():
    rng = np.random.default_rng(4)
    X = pd.DataFrame({"county": rng.choice([11, 13, 17, 19, 23], size=100), "x": rng.normal(size=100)})
    (county, _), = [(c, None) for c in plan_columns(X, group_codes=False).columns if c.column == "county"]
    assert county.role == "numeric" and county.reason == (
        "integers named like a group (5 levels of 20 rows on average), read as numbers (group_codes=False)")
    pre = Preprocessor(group_codes=False).fit(X)
    assert pre.get_feature_names_out().tolist() == ["county", "x"]
    config = pre.get_config()
    assert config["params"]["group_codes"] is False
    loaded = Preprocessor.from_config(config, pre.get_arrays())
    assert loaded.group_codes is False and "group_codes=False" in repr(loaded)
    np.testing.assert_array_equal(loaded.transform(X), pre.transform(X))
    del config["params"]["group_codes"]  # a model saved before the parameter: its default
    assert Preprocessor.from_config(config, pre.get_arrays()).group_codes is True
    config["params"]["group_codes"] = "no"
    with pytest.raises(ValueError,
                       match="many_levels, entities, periods, named_codes and value_counts true or false"):
        Preprocessor.from_config(config, pre.get_arrays())
    with pytest.raises(ValueError, match="Received: group_codes='no'"):
        Preprocessor(group_codes="no").fit(X)


def test_strings_of_many_levels_that_repeat_are_categories_and_names_stay_text():
    """A state (50 levels of 25 rows) is a category, however many levels; names nearly unique to
    a row, levels seen twice on average, and more than GROUP_MAX_LEVELS levels stay text. A
    search's folds are told the category, so that fewer rows do not turn it into text."""
    from ridgeback.cli.column_roles import fold_settings

    rng = np.random.default_rng(6)
    n = 1250
    X = pd.DataFrame({"state": rng.permutation(np.repeat([f"State {i}" for i in range(50)], 25)),
                      "twice": rng.permutation(np.repeat([f"p{i}" for i in range(625)], 2)),
                      "wide": rng.permutation(np.repeat([f"w{i}" for i in range(250)], 5)),
                      "x": rng.normal(size=n)})
    plan = {c.column: c for c in plan_columns(X).columns}
    assert plan["state"].role == "categorical"
    assert plan["state"].reason == ("many levels: 50 levels (more than 40) of 25 rows on average, "
                                    "repeated as categories are")
    assert plan["twice"].role == "text"  # 2 rows per level: too few to learn a weight for each
    # named like matched pairs, the same strings are an entity (tests/test_named_codes.py)
    assert plan_columns(X.rename(columns={"twice": "pair"})).entities() == ["pair"]
    assert plan["wide"].role == "text"  # 250 levels: more than GROUP_MAX_LEVELS (200)
    assert plan_columns(X).many_levels() == ["state"]
    assert plan_columns(X, cardinality_threshold=50).many_levels() == []  # then an ordinary category
    assert fold_settings({}, X)["categorical"] == ["state"]
    pre = Preprocessor().fit(X)
    assert sum(name.startswith("state=") for name in pre.get_feature_names_out()) == 50
    config = pre.get_config()
    assert config["params"]["many_levels"] is True
    del config["params"]["many_levels"]  # a model saved before the parameter read such strings as text
    assert Preprocessor.from_config(config, pre.get_arrays()).many_levels is False
    text = Preprocessor(many_levels=False, entities=False).fit(X)  # as text, the way before
    assert text.plan_.text() == ["state", "twice", "wide"] and "many_levels=False" in repr(text)
    # named like a group and repeated, without the many-levels rule the state is an entity
    assert plan_columns(X, many_levels=False).entities() == ["state"]


def test_text_left_out_drops_only_text_columns_and_is_saved_with_the_model():
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"name": [f"Lake {i} School" for i in range(100)],
                      "kind": rng.choice(["a", "b"], size=100), "x": rng.normal(size=100)})
    assert plan_columns(X).text() == ["name"]
    plan = plan_columns(X, text_left_out=["name", "kind", "x"])  # only a text column is left out
    by = {c.column: c for c in plan.columns}
    assert (by["name"].role, by["kind"].role, by["x"].role) == ("drop", "categorical", "numeric")
    assert by["name"].reason == ("text left out: its codes did not improve the linear model's "
                                 "cross-validated score (100 distinct values (> 40))")
    assert plan.text() == [] and plan.text_left_out() == ["name"]
    pre = Preprocessor(text_left_out=["name"]).fit(X)
    assert pre.get_feature_names_out().tolist() == ["x", "kind=a", "kind=b"]
    config = pre.get_config()
    assert config["params"]["text_left_out"] == ["name"]
    loaded = Preprocessor.from_config(config, pre.get_arrays())
    assert loaded.text_left_out == ["name"] and "text_left_out=['name']" in repr(loaded)
    np.testing.assert_array_equal(loaded.transform(X), pre.transform(X))
    del config["params"]["text_left_out"]  # a model saved before the parameter: nothing left out
    assert Preprocessor.from_config(config, pre.get_arrays()).text_left_out is None
    config["params"]["text_left_out"] = "name"
    with pytest.raises(ValueError, match="params.text_left_out"):
        Preprocessor.from_config(config, pre.get_arrays())
    for bad in ("name", 3, [1]):
        with pytest.raises(ValueError, match="Received: text_left_out="):
            Preprocessor(text_left_out=bad).fit(X)


def test_numeric_features_are_clipped_to_their_training_range_widened_by_half():
    """A value far beyond what training saw (a data error: a mileage 2.4 ranges above any other)
    is clipped to the training range widened by half its width, after scaling; a value a little
    beyond keeps its extrapolation; clip=False keeps every value."""
    from ridgeback.tabular.preprocessing import CLIP_MARGIN

    assert CLIP_MARGIN == 0.5
    rng = np.random.default_rng(5)
    miles = np.concatenate([[4.0, 11.0], rng.uniform(4.0, 11.0, 198)])  # the range is 4 to 11
    train = pd.DataFrame({"miles": miles, "k": rng.choice(["a", "b"], 200)})
    new = pd.DataFrame({"miles": [26.1, -3.0, 13.0, 7.5, np.nan], "k": ["a", "b", "a", "b", "a"]})
    pre = Preprocessor().fit(train)
    z = pre.transform(new)[:, 0]

    def scaled(v):
        return (np.asarray(v, dtype=float) - pre.means_[0]) / pre.scales_[0]

    assert pre.lows_ == pytest.approx(scaled([0.5])) and pre.highs_ == pytest.approx(scaled([14.5]))
    np.testing.assert_allclose(z, scaled([14.5, 0.5, 13.0, 7.5, pre.medians_[0]]), rtol=1e-5)
    free = Preprocessor(clip=False).fit(train)
    far = (26.1 - free.means_[0]) / free.scales_[0]
    assert free.lows_ is None and free.transform(new)[0, 0] == pytest.approx(far)
    # the range travels with the model; a model saved before clipping (no range) clips nothing
    config = pre.get_config()
    loaded = Preprocessor.from_config(config, pre.get_arrays())
    np.testing.assert_array_equal(loaded.transform(new), pre.transform(new))
    del config["numeric"]["lows"], config["numeric"]["highs"]
    older = Preprocessor.from_config(config, pre.get_arrays())
    assert older.lows_ is None and older.transform(new)[0, 0] == pytest.approx(scaled([26.1])[0])
    config["numeric"]["lows"], config["numeric"]["highs"] = [1.0], [0.0]
    with pytest.raises(ValueError, match="each low at most its high"):
        Preprocessor.from_config(config, pre.get_arrays())
    with pytest.raises(ValueError, match="Received: clip='yes'"):
        Preprocessor(clip="yes").fit(train)


def test_a_number_too_large_to_scale_is_refused_by_name_before_any_fit():
    """Before, a column of values near 1e200 fitted a NaN scale and the model failed to save."""
    X = pd.DataFrame({"ok": [1e100, -1e100, 0.0, 1.0], "huge": [1e200, 2e200, 3e200, np.nan]})
    with pytest.raises(ValueError, match=r"Column 'huge' holds a number too large to scale.*"
                                         r"Received: huge with \|value\| up to 3e\+200"):
        Preprocessor().fit(X)
    pre = Preprocessor().fit(X[["ok"]])
    assert np.isfinite(pre.scales_).all() and np.isfinite(pre.lows_ + pre.highs_).all()


def test_levels_written_as_numbers_and_words_are_categories_not_refused():
    # R writes a factor such as Cars93's Cylinders as its levels: 3, 4, 5, 6, 8 and 'rotary'
    cylinders = ["4"] * 49 + ["6"] * 31 + ["8"] * 7 + ["3"] * 3 + ["5"] * 2 + ["rotary"]
    df = pd.DataFrame({"cylinders": cylinders, "k": range(len(cylinders))})
    by = {c.column: c for c in plan_columns(df).columns}
    assert by["cylinders"].role == "categorical"
    assert by["cylinders"].reason == "levels: 6 values that repeat, numbers and words such as 'rotary'"
    pre = Preprocessor().fit(df)
    assert [n for n in pre.feature_names_out_ if n.startswith("cylinders=")] == [
        "cylinders=3", "cylinders=4", "cylinders=5", "cylinders=6", "cylinders=8", "cylinders=rotary"]
    # the rows to predict read back as integers (no word among them): the same levels
    ints = df.iloc[:90].assign(cylinders=[int(v) for v in cylinders[:90]])
    with pytest.warns(UnseenValuesWarning, match="cylinders: 90 type change"):
        np.testing.assert_array_equal(pre.transform(ints), pre.transform(df.iloc[:90]))
    # values that do not repeat (a measurement with a word among them) are still refused
    with pytest.raises(NotANumberError, match=r"row 3 holds 'rotary'"):
        plan_columns(pd.DataFrame({"size": ["1.5", "2.0", "2.5", "rotary", "3.0", "3.5"]}))
    # nor are words among many distinct numbers (more levels than the one-hot threshold)
    many = [str(v) for v in range(60)] * 2 + ["forty"]
    with pytest.raises(NotANumberError, match=r"row 120 holds 'forty'"):
        plan_columns(pd.DataFrame({"age": many}))
