"""How values are written (ridgeback.tabular.formats): numbers with currency and percent signs,
thousands separators and decimal commas; dates in the formats spreadsheets write."""

import numpy as np
import pandas as pd
import pytest

from ridgeback.tabular.formats import (
    MAGNITUDE,
    best_decimal,
    date_format,
    describe_number_format,
    no_value,
    number_format,
    read_formatted,
    to_datetime,
)


@pytest.mark.parametrize("values, mark, numbers", [
    (["$1,234.50", "$12.00", "(300)"], ".", [1234.5, 12.0, -300.0]),
    (["12,5 %", "3 %", "100%"], ",", [12.5, 3.0, 100.0]),
    (["1.234,50 €", "12 €", "3.000.000 €"], ",", [1234.5, 12.0, 3e6]),
    (["1,234", "2,000"], ".", [1234.0, 2000.0]),  # either way: the comma separates thousands
    (["0,456", "1,234"], ",", [0.456, 1.234]),  # "0,456" is no thousand
    (["1'234.5", "12"], ".", [1234.5, 12.0]),  # Swiss
    (["1\u202f234,5", "2\u00a0000"], ",", [1234.5, 2000.0]),  # thin and no-break spaces
    (["-$5", "$-5.5", "\u22123", "+7"], ".", [-5.0, -5.5, -3.0, 7.0]),
    (["\u00a34.20", "\u00a51,000", "\u20b9 12"], ".", [4.2, 1000.0, 12.0]),
])
def test_formatted_numbers_are_read_with_their_decimal_mark(values, mark, numbers):
    series = pd.Series(values)
    assert number_format(series) == mark
    np.testing.assert_allclose(read_formatted(series, mark).to_numpy(), numbers)


@pytest.mark.parametrize("values", [
    ["555 1234", "1"],  # a phone number: a space that groups no thousands
    ["98112-4729", "98105"],  # ZIP+4
    ["1,2,3"], ["12,34,567"],  # not groups of three
    ["1.5", "2,5"],  # two decimal marks in one column
    ["(-3)"], ["$"], ["abc"], ["12 kg", "x"],
])
def test_what_is_not_one_formatted_number_is_not_read_as_one(values):
    assert number_format(pd.Series(values)) == ""


@pytest.mark.parametrize("values, fmt, numbers", [
    (["12 kg", "3.5 kg", "7"], ". kg", [12.0, 3.5, 7.0]),  # a value without the unit is a number
    (["1,248 CC", "998 CC"], ". CC", [1248.0, 998.0]),
    (["23,4 km", "12 km"], ", km", [23.4, 12.0]),
    (["5 m\u00b2", "12 m\u00b2"], ". m\u00b2", [5.0, 12.0]),
    (["12.5 mi.", "3 mi."], ". mi.", [12.5, 3.0]),
])
def test_numbers_with_one_unit_are_read_past_it(values, fmt, numbers):
    series = pd.Series(values)
    assert number_format(series) == fmt
    np.testing.assert_allclose(read_formatted(series, fmt).to_numpy(), numbers)
    assert np.isnan(read_formatted(pd.Series(["4 lb"]), fmt).iloc[0])  # another unit is no such number


@pytest.mark.parametrize("values, fmt, numbers", [
    (["19M", "201k", "8.7M", "5"], f". {MAGNITUDE}", [19e6, 201e3, 8.7e6, 5.0]),  # app sizes
    (["$1.2bn", "$350M", "$2B", "$12K"], f". {MAGNITUDE}", [1.2e9, 350e6, 2e9, 12e3]),
    (["1,5k", "2M"], f", {MAGNITUDE}", [1500.0, 2e6]),
    (["10,000+", "500+", "1,000,000+", "0"], ".", [1e4, 500.0, 1e6, 0.0]),  # installs: "at least"
    (["0.012", "<0.005", "0.3", "> 10", "\u22640.5", ">=2"], ".", [0.012, 0.005, 0.3, 10.0, 0.5, 2.0]),
])
def test_magnitude_suffixes_and_a_trailing_plus_are_read(values, fmt, numbers):
    series = pd.Series(values)
    assert number_format(series) == fmt
    np.testing.assert_allclose(read_formatted(series, fmt).to_numpy(), numbers)
    said = describe_number_format(series, fmt)
    assert ("k, M and B suffixes" in said) == fmt.endswith(MAGNITUDE)
    assert ("bounds such as '<0.005' read as the bound" in said) == ("<0.005" in values)
    assert ("thousands signs" in said) == any("$" in v or "," in v and fmt[0] == "." for v in values)


def test_one_suffix_alone_is_a_unit_and_other_suffixes_are_not_magnitudes():
    assert number_format(pd.Series(["5k", "12k"])) == ". k"  # one suffix: a unit, as kg
    assert number_format(pd.Series(["5k", "3 kg"])) == ""  # a unit that is no magnitude
    assert number_format(pd.Series(["+", "1+2", "5 +"])) == ""  # a plus that follows no number
    assert np.isnan(read_formatted(pd.Series(["5 M"]), ". k")).all()
    assert best_decimal(pd.Series(["5k", "3M", "2k", "junk"])) == f". {MAGNITUDE}"  # declared numeric


@pytest.mark.parametrize("values", [["12 kg", "5 g"], ["3 days", "1 day"], ["10 A", "10 B"], ["Q3", "Q4"],
                                    ["null", "?"], ["null bhp", "-"]])
def test_mixed_units_and_labels_are_not_numbers(values):
    assert number_format(pd.Series(values)) == ""


@pytest.mark.parametrize("values, fmt, numbers, words", [
    (["74 bhp", "null bhp", "80.5 bhp"], ". bhp", [74.0, np.nan, 80.5], "'null bhp' read as missing"),
    (["3.5", "?", "12", "-"], ".", [3.5, np.nan, 12.0, np.nan], "'-', '?' read as missing"),
    (["$1,000", "N/A", "$7"], ".", [1000.0, np.nan, 7.0], "'N/A' read as missing"),
    (["1.5", "#DIV/0!", "2", "#VALUE!"], ".", [1.5, np.nan, 2.0, np.nan],
     "'#DIV/0!', '#VALUE!' read as missing"),
    (["3", "unknown", "0"], ".", [3.0, np.nan, 0.0], "'unknown' read as missing"),
])
def test_words_for_no_value_are_missing_values(values, fmt, numbers, words):
    series = pd.Series(values)
    assert number_format(series) == fmt
    np.testing.assert_array_equal(read_formatted(series, fmt).to_numpy(), numbers)
    np.testing.assert_array_equal(no_value(series, fmt), np.isnan(numbers))
    assert words in describe_number_format(series, fmt)


def test_a_column_declared_numeric_reads_past_its_most_frequent_unit():
    series = pd.Series(["74 bhp", "null bhp", "80.5 bhp", None, "90"])
    assert best_decimal(series) == ". bhp"
    expected = [74.0, np.nan, 80.5, np.nan, 90.0]
    np.testing.assert_array_equal(read_formatted(series, ". bhp").to_numpy(), expected)
    assert best_decimal(pd.Series(["1", "2", "x"])) == ""  # nothing reads better than plainly


def test_read_formatted_leaves_missing_and_unreadable_values_missing():
    out = read_formatted(pd.Series(["$1,000", None, "n/a", 7.5]), ".")
    assert out.iloc[0] == 1000.0 and np.isnan(out.iloc[1]) and np.isnan(out.iloc[2]) and out.iloc[3] == 7.5


@pytest.mark.parametrize("values, fmt, ambiguous", [
    (["27/11/2026", "01/02/2025"], "%d/%m/%Y", False),
    (["11/27/2026", "01/02/2025"], "%m/%d/%Y", False),
    (["01/02/2025", "03/04/2025"], "%d/%m/%Y", True),
    (["2026/11/27 13:45", "2025/01/02 08:00"], "%Y/%m/%d %H:%M", False),
    (["27.11.2026 13:45:10"], "%d.%m.%Y %H:%M:%S", False),
    (["Nov 27, 2026", "Jan 3, 2025"], "%b %d, %Y", False),
    (["27-Nov-2026"], "%d-%b-%Y", False),
    (["2024-05", "2023-12"], "%Y-%m", False),  # months of a year
    (["05/2024", "11/2023"], "%m/%Y", False),
    (["May 2024", "Jan 1999"], "%b %Y", False),
    (["Jan-86", "Dec-99"], "%b-%y", False),
    (["November 27, 2026"], "%B %d, %Y", False),
    (["20261127"], "", False),  # digits alone are numbers or codes, never dates
    (["hello"], "", False),
])
def test_date_formats_are_found_and_day_month_ambiguity_said(values, fmt, ambiguous):
    assert date_format(pd.Series(values)) == (fmt, ambiguous)


def test_to_datetime_reads_the_plans_format_and_leaves_other_text_missing():
    stamps = to_datetime(pd.Series([" 27/11/2026", "2026-11-27", None]), "%d/%m/%Y")
    assert stamps.iloc[0] == pd.Timestamp("2026-11-27", tz="UTC")
    assert stamps.iloc[1:].isna().all()
    assert to_datetime(pd.Series(["2026-11-27T10:00:00+01:00"])).iloc[0] == pd.Timestamp("2026-11-27 09:00",
                                                                                          tz="UTC")


@pytest.mark.parametrize("values", [["1/86", "2/86"], ["3/4", "1/2", "7/8"], ["2024", "2025"],
                                    ["98112-4729"]])
def test_fractions_years_and_codes_are_not_months(values):
    assert date_format(pd.Series(values)) == ("", False)
