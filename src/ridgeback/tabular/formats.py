"""How a column's values are written: numbers as text (plain, or with currency and percent
signs, thousands separators, a decimal comma, one unit or the suffixes k, M and B, a
trailing ``+`` as in ``10,000+``, a bound as in ``<0.005``, and words for no value such as
``null`` or ``?``), and dates (ISO 8601, or one of ``DATE_FORMATS``).

:mod:`ridgeback.tabular.columns` asks these questions once, at fit, to give a column its role;
the answer (a decimal mark, a date format) is kept in the column plan and given back here to
read the same column of the rows to predict.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["DATE_FORMATS", "NO_VALUE", "MAGNITUDE", "is_datetime_dtype", "looks_like_iso_dates",
           "number_share", "not_numbers", "number_format", "read_formatted", "read_number_text", "no_value",
           "describe_number_format", "date_format", "best_decimal", "best_date_format", "to_datetime"]

#: values looked at to decide how a column is written
_SAMPLE = 2000
_ISO_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?"
                       r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$")
#: day-first before month-first: where both read every value the choice is said in the plan
DATE_FORMATS = ("%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%d/%m/%y",
                "%m/%d/%y", "%d.%m.%y", "%d %b %Y", "%d-%b-%Y", "%d %B %Y", "%b %d, %Y",
                "%B %d, %Y", "%b %d %Y", "%d-%b-%y",
                # a month of a year: 2024-05, 05/2024, May 2024, Jan-86 (not 1/86: "3/4" is a fraction)
                "%Y-%m", "%Y/%m", "%m/%Y", "%b %Y", "%B %Y", "%b-%Y", "%b-%y")
#: currency signs a number may carry, before or after it: $ € £ ¥ ₹
_CURRENCY = "$\u20ac\u00a3\u00a5\u20b9"
_CURRENCY_OR_PERCENT = f"[{re.escape(_CURRENCY)}%]"
#: what reading a number drops (currency and percent signs) or maps (the minus sign to "-")
_SIGNS = str.maketrans({**dict.fromkeys(_CURRENCY + "%"), "\u2212": "-"})
#: what separates thousands: a comma, a point, an apostrophe or a (no-break, thin) space
_SEPARATORS = ",.' \u00a0\u202f"
_SEP = f"[{_SEPARATORS}]"
#: words that stand for no value in a column of numbers (pandas reads most of them as missing
#: already, but not with a unit, as in "null bhp", nor "?" and "-"), and the error values a
#: spreadsheet writes in a cell whose formula failed (#DIV/0!, #VALUE!)
NO_VALUE = frozenset({"", "null", "nan", "na", "n/a", "n.a.", "nil", "none", "-", "--", "?", "missing",
                      "unknown", "not available", "not applicable", "no data",
                      "#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!", "#n/a", "#error!"})
#: a unit after a number: letters (and /, °, µ, ², ³, a closing point), as in 12 kg, 23.4 kmpl, 74 bhp
_UNIT = r"\d\s*([A-Za-z\u00b5\u00b0/\u00b2\u00b3]*[A-Za-z\u00b5\u00b2\u00b3]\.?)\s*$"
#: signs of a value known only by a bound (a lab's detection limit: "<0.005", ">= 100", "~3")
_BOUNDS = "<>\u2264\u2265~"
#: suffixes that scale a number (1.5k, 19M, 2bn): in a column that mixes two or more of them,
#: the unit of its format is MAGNITUDE and each value is multiplied by its suffix's factor
#: a unit is the column's when at least this share of its values with digits carries it
UNIT_SHARE = 0.5
_MAGNITUDES = {"k": 1e3, "K": 1e3, "M": 1e6, "bn": 1e9, "B": 1e9}
MAGNITUDE = "k/M/B"
#: what separates thousands when the decimal mark is "." or ",": any separator but the mark
_THOUSANDS = {mark: _SEP.replace(mark, "") for mark in ".,"}
#: a number with an optional sign, thousands groups (one separator throughout, not the decimal
#: mark, the first group not starting with 0: "0,456" is no thousand) and decimals
_GROUPED = {mark: rf"[-+]?(?:[1-9]\d{{0,2}}(?P<sep>{_THOUSANDS[mark]})\d{{3}}(?:(?P=sep)\d{{3}})*|\d+)"
                  rf"(?:\{mark}\d+)?" for mark in ".,"}


def is_datetime_dtype(series: pd.Series) -> bool:
    return series.dtype.kind == "M" or isinstance(series.dtype, pd.DatetimeTZDtype)


def looks_like_iso_dates(present: pd.Series) -> bool:
    """Every (sampled) value is a string in ISO 8601 form: ``2024-05-01``, ``2024-05-01T13:00:00Z``."""
    sample = present.iloc[:_SAMPLE]
    return bool(len(sample)) and all(isinstance(v, str) and _ISO_DATE.match(v) for v in sample)


def number_share(present: pd.Series) -> float:
    if not all(isinstance(v, str) for v in present.iloc[:1000]):
        return 0.0
    return float(pd.to_numeric(present, errors="coerce").notna().mean())


def not_numbers(series: pd.Series) -> np.ndarray:
    """Mask of the present values that do not parse as numbers."""
    return pd.to_numeric(series, errors="coerce").isna().to_numpy() & ~series.isna().to_numpy()


def number_format(present: pd.Series) -> str:
    """How every present value reads as a number written with currency signs, percent signs,
    thousands separators or one unit: the decimal mark ("." or ","), then a space and the unit
    when the values carry one (``". kg"``); "" when some value does not read.

    ``$1,234.50``, ``(300)``: "."; ``12,5 %``, ``1.234,50 €``: ","; ``1,248 CC``,
    ``23.4 kmpl``: ". CC", ". kmpl" (one unit for the whole column: with ``kg`` and ``g`` mixed
    the column is not numbers; carried by at least ``UNIT_SHARE`` of the values with digits,
    else a letter on a few, ``136A`` among family numbers 1 to 205, marks codes, not a unit;
    a k/M/B suffix need not be: ``950`` beside ``1.5k``). A value that reads either way
    (``1,234``) takes the comma as the thousands separator.
    """
    if not len(present) or not all(isinstance(v, str) for v in present.iloc[:_SAMPLE]):
        return ""
    strings = present.astype(str)
    head = strings.iloc[:_SAMPLE]  # most columns are told apart here, without reading them whole
    if not re.search(r"\d", "".join(head)):  # words alone (yes/no): no value reads as a number
        return ""
    found = head.str.extract(_UNIT, expand=False)
    units = found.dropna().unique()
    scaled = len(units) > 1 and set(units) <= set(_MAGNITUDES)
    if len(units) == 1 and units[0] not in _MAGNITUDES:
        digits = head.str.contains(r"\d", regex=True)
        if (found[digits] == units[0]).mean() < UNIT_SHARE:  # codes: 136A among 1 to 205
            units = units[:0]
    for unit in ("", *units[:1]) if len(units) == 1 else ("", MAGNITUDE) if scaled else ("",):
        for decimal in (".", ","):
            fmt = f"{decimal} {unit}" if unit else decimal
            if _reads(head, fmt) and (len(strings) == len(head) or _reads(strings, fmt)):
                return fmt
    return ""


def _reads(strings: pd.Series, fmt: str) -> bool:
    """Every value reads as a number written as ``fmt`` or as a word for no value, and one at
    least as a number."""
    values, empty = read_number_text(strings, fmt)
    numbers = ~np.isnan(values)
    return bool(numbers.any() and (numbers | empty).all())


def read_number_text(series: pd.Series, fmt: str) -> tuple[np.ndarray, np.ndarray]:
    """``(values, no_value)``: each value of ``series`` read as a number written as ``fmt``
    (float64, NaN where missing or not such a number), and the mask of the present values that
    are a word for no value. One pass in Python over the values, one compiled pattern: per value,
    the currency and percent signs go, then a trailing ``+`` (``10,000+``) or a leading bound
    (``<0.005``: read as the bound), then the unit (or a k/M/B suffix, which scales the number),
    then accounting parentheses, and what is left must be a number with its thousands groups."""
    decimal, _, unit = fmt.partition(" ")
    pattern = re.compile(_GROUPED[decimal])
    thousands = str.maketrans({**dict.fromkeys(_SEPARATORS.replace(decimal, "")), decimal: "."})
    raw = series.to_numpy(dtype=object)
    values = np.full(raw.size, np.nan)
    empty = np.zeros(raw.size, dtype=bool)
    for i, v in enumerate(raw):
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)):
            values[i] = float(v)  # NaN stays NaN: missing
            continue
        if not isinstance(v, str):
            continue
        text = v.translate(_SIGNS).strip()
        if text[-1:] == "+" and text[-2:-1].isdigit():  # "10,000+": at least 10,000
            text = text[:-1]
        elif text[:1] in _BOUNDS:  # "<0.005", ">= 100": a value censored at a bound, read as the bound
            text = text[1:].lstrip("=").lstrip()
        scale = 1.0
        if unit == MAGNITUDE:
            suffix = next((s for s in _MAGNITUDES if text.endswith(s)), "")
            scale = _MAGNITUDES.get(suffix, 1.0)
            text = text[: len(text) - len(suffix)].rstrip()
        elif unit and text.endswith(unit):
            text = text[: -len(unit)].rstrip()
        negative = text[:1] == "(" and text[-1:] == ")"
        if negative:
            text = text[1:-1].strip()
            if text and text[0] in "+-":  # "(-3)": a sign inside accounting parentheses is no number
                continue
        if pattern.fullmatch(text):
            number = float(text.translate(thousands)) * scale
            values[i] = -number if negative else number
        elif not negative and text.lower() in NO_VALUE:
            empty[i] = True
    return values, empty


def read_formatted(series: pd.Series, fmt: str) -> pd.Series:
    """The values of a column written as :func:`number_format` found (``fmt``: the decimal mark,
    then a space and the unit if any), as float64 (NaN where a present value is not such a
    number, and where missing)."""
    return pd.Series(read_number_text(series, fmt)[0], index=series.index)


def no_value(series: pd.Series, fmt: str) -> np.ndarray:
    """Mask of the present values that say there is no value: ``null``, ``n/a``, ``-``, ``?`` and
    the like (``NO_VALUE``), with or without the unit of ``fmt`` (``null bhp``)."""
    return read_number_text(series, fmt)[1]


def describe_number_format(present: pd.Series, fmt: str) -> str:
    """The plan's reason for a column read with :func:`number_format`'s ``fmt`` (from its first
    values: what they show of the signs and of the words for no value)."""
    decimal, _, unit = fmt.partition(" ")
    strings = present.iloc[:_SAMPLE].astype(str)
    grouped = rf"\d{_THOUSANDS[decimal]}\d{{3}}"
    signs = bool(strings.str.contains(f"{_CURRENCY_OR_PERCENT}|{grouped}|^\\(", regex=True).any())
    words = sorted(set(strings[no_value(strings, fmt)].str.strip()))
    bounds = strings[strings.str.strip().str[:1].isin(list(_BOUNDS))].str.strip()
    written = " with k, M and B suffixes (thousands, millions, billions)" if unit == MAGNITUDE else \
        f" in {unit!r}" if unit else ""
    return ("numbers" + written + (" with currency, percent or thousands signs" if signs else "")
            + (f"; {', '.join(map(repr, words[:3]))} read as missing" if words else "")
            + (f"; bounds such as {bounds.iloc[0]!r} read as the bound" if len(bounds) else "")
            + f"; decimal mark {decimal!r}")


def _with_times(base: str) -> tuple:
    """A date format of ``DATE_FORMATS`` alone, then followed by a time of day."""
    return base, base + " %H:%M", base + " %H:%M:%S"


def date_format(present: pd.Series) -> tuple[str, bool]:
    """``(format, ambiguous)``: the first of ``DATE_FORMATS`` (with or without a time of day)
    that reads every sampled value, "" if none does; ``ambiguous`` when day-first and
    month-first both read them (every day is at most 12), and day-first was taken."""
    sample = present.iloc[:_SAMPLE]
    if not len(sample) or not all(isinstance(v, str) for v in sample):
        return "", False
    sample = sample.astype(str).str.strip()
    if not sample.iloc[:20].str.contains(r"\d", regex=True).all():  # every date has a digit
        return "", False
    found = []
    for base in DATE_FORMATS:
        for fmt in _with_times(base):
            if pd.to_datetime(sample.iloc[:20], format=fmt, errors="coerce").isna().any():
                continue  # a quick no on the first values, before the whole sample
            if pd.to_datetime(sample, format=fmt, errors="coerce").notna().all():
                found.append(fmt)
                break
    if not found:
        return "", False
    swapped = {f.replace("%d", "%D").replace("%m", "%d").replace("%D", "%m") for f in found[1:]}
    return found[0], found[0] in swapped


def best_decimal(series: pd.Series) -> str:
    """The format (decimal mark, and the column's most frequent unit if any) under which more
    present values of a column declared numeric read as formatted numbers than as plain ones
    ("" when none reads more): ``74 bhp`` and ``null bhp`` read as 74 and a missing value."""
    text = series[series.map(lambda v: isinstance(v, str))].astype(str)
    plain = int(pd.to_numeric(text, errors="coerce").notna().sum())
    units = text.str.extract(_UNIT, expand=False).value_counts()
    formats = [*".,", *([f". {units.index[0]}", f", {units.index[0]}"] if len(units) else [])]
    if len(units) > 1 and set(units.index[:2]) <= set(_MAGNITUDES):
        formats += [f". {MAGNITUDE}", f", {MAGNITUDE}"]
    counts = {}
    for fmt in formats:
        values, empty = read_number_text(text, fmt)
        counts[fmt] = int((~np.isnan(values)).sum() + empty.sum())
    best = max(counts, key=counts.get)
    return best if counts[best] > plain else ""


def best_date_format(present: pd.Series) -> str:
    """The format of ``DATE_FORMATS`` (or with a time of day) that reads the most present values
    of a column declared datetime, "" when none reads more than ISO 8601 does."""
    text = present[present.map(lambda v: isinstance(v, str))].astype(str).str.strip().iloc[:_SAMPLE]
    best, most = "", int(to_datetime(text).notna().sum())
    for base in DATE_FORMATS:
        for fmt in _with_times(base):
            n = int(pd.to_datetime(text, format=fmt, errors="coerce").notna().sum())
            if n > most:
                best, most = fmt, n
    return best


def to_datetime(series: pd.Series, fmt: str = "") -> pd.Series:
    """Timestamps in UTC (naive ones taken as UTC), read as ISO 8601 or, given ``fmt``, with that
    strftime format; what cannot be parsed becomes NaT."""
    if is_datetime_dtype(series):
        out = series
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            return series.dt.tz_convert("UTC")
        return out.dt.tz_localize("UTC")
    values = series.astype(object).where(series.notna(), None)
    strings = values.map(lambda v: (v.strip() if fmt else v) if isinstance(v, str) else None)
    return pd.to_datetime(strings, format=fmt or "ISO8601", errors="coerce", utc=True)
