"""How values are written (ridgeback.tabular.formats): numbers with currency and percent signs,
thousands separators and decimal commas; dates in the formats spreadsheets write."""

import numpy as np
import pandas as pd
import pytest

from ridgeback.tabular.formats import date_format, number_format, read_formatted, to_datetime


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
    ["(-3)"], ["$"], ["abc"], ["12 kg"],
])
def test_what_is_not_one_formatted_number_is_not_read_as_one(values):
    assert number_format(pd.Series(values)) == ""


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
