"""How a column's values are written: numbers as text (plain, or with currency and percent
signs, thousands separators and a decimal comma), and dates (ISO 8601, or one of
``DATE_FORMATS``).

:mod:`ridgeback.tabular.columns` asks these questions once, at fit, to give a column its role;
the answer (a decimal mark, a date format) is kept in the column plan and given back here to
read the same column of the rows to predict.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["DATE_FORMATS", "is_datetime_dtype", "looks_like_iso_dates", "number_share", "not_numbers",
           "number_format", "read_formatted", "date_format", "best_decimal", "best_date_format",
           "to_datetime"]

#: values looked at to decide how a column is written
_SAMPLE = 2000
_ISO_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?"
                       r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$")


#: day-first before month-first: where both read every value the choice is said in the plan
DATE_FORMATS = ("%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%d/%m/%y",
                "%m/%d/%y", "%d.%m.%y", "%d %b %Y", "%d-%b-%Y", "%d %B %Y", "%b %d, %Y",
                "%B %d, %Y", "%b %d %Y", "%d-%b-%y")


_CURRENCY_OR_PERCENT = r"[$\u20ac\u00a3\u00a5\u20b9%]"
#: what separates thousands: a comma, a point, an apostrophe or a (no-break, thin) space
_SEP = r"[,.' \u00a0\u202f]"
#: a number with an optional sign, thousands groups (one separator throughout, the first group
#: not starting with 0: "0,456" is no thousand) and decimals
_GROUPED = {mark: rf"[-+]?(?:[1-9]\d{{0,2}}(?P<sep>{_SEP})\d{{3}}(?:(?P=sep)\d{{3}})*|\d+)(?:\{mark}\d+)?"
            for mark in ".,"}


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


def _unformatted(strings: pd.Series, decimal: str) -> pd.Series:
    """Numbers written with currency signs, a percent sign, thousands separators or accounting
    parentheses, as plain number strings (NaN where a value is not such a number)."""
    s = strings.str.replace(_CURRENCY_OR_PERCENT, "", regex=True).str.strip().str.replace("\u2212", "-")
    negative = s.str.fullmatch(r"\(.*\)")
    s = s.where(~negative, s.str.slice(1, -1).str.strip())
    valid = s.str.fullmatch(_GROUPED[decimal])
    s = s.str.replace(_SEP, lambda m: "." if m.group(0) == decimal else "", regex=True)
    s = s.where(valid & ~(negative & s.str.startswith(("-", "+"))))
    return s.where(~negative, "-" + s)


def number_format(present: pd.Series) -> str:
    """The decimal mark ("." or ",") with which every present value reads as a number written
    with currency signs, percent signs or thousands separators (``$1,234.50``, ``12,5 %``,
    ``1.234,50 €``, ``(300)``); "" when some value does not. A value that reads either way
    (``1,234``) takes the comma as the thousands separator."""
    if not len(present) or not all(isinstance(v, str) for v in present.iloc[:_SAMPLE]):
        return ""
    strings = present.astype(str)
    for decimal in (".", ","):
        if _unformatted(strings, decimal).notna().all():
            return decimal
    return ""


def read_formatted(series: pd.Series, decimal: str) -> pd.Series:
    """The values of a column written as :func:`number_format` found, as float64 (NaN where a
    present value is not such a number, and where missing)."""
    text = series.astype(object).where(series.notna(), None).map(lambda v: v if isinstance(v, str) else
                                                                   (None if v is None else str(v)))
    return pd.to_numeric(_unformatted(text.astype("string"), decimal), errors="coerce").astype("float64")


def date_format(present: pd.Series) -> tuple[str, bool]:
    """``(format, ambiguous)``: the first of ``DATE_FORMATS`` (with or without a time of day)
    that reads every sampled value, "" if none does; ``ambiguous`` when day-first and
    month-first both read them (every day is at most 12), and day-first was taken."""
    sample = present.iloc[:_SAMPLE]
    if not len(sample) or not all(isinstance(v, str) for v in sample):
        return "", False
    sample = sample.astype(str).str.strip()
    found = []
    for base in DATE_FORMATS:
        for fmt in (base, base + " %H:%M", base + " %H:%M:%S"):
            if pd.to_datetime(sample, format=fmt, errors="coerce").notna().all():
                found.append(fmt)
                break
    if not found:
        return "", False
    swapped = {f.replace("%d", "%D").replace("%m", "%d").replace("%D", "%m") for f in found[1:]}
    return found[0], found[0] in swapped


def best_decimal(series: pd.Series) -> str:
    """The decimal mark under which more present values of a column declared numeric read as
    formatted numbers than as plain ones ("" when neither reads more)."""
    text = series[series.map(lambda v: isinstance(v, str))]
    plain = int(pd.to_numeric(text, errors="coerce").notna().sum())
    counts = {mark: int(read_formatted(text, mark).notna().sum()) for mark in ".,"}
    best = max(counts, key=counts.get)
    return best if counts[best] > plain else ""


def best_date_format(present: pd.Series) -> str:
    """The format of ``DATE_FORMATS`` (or with a time of day) that reads the most present values
    of a column declared datetime, "" when none reads more than ISO 8601 does."""
    text = present[present.map(lambda v: isinstance(v, str))].astype(str).str.strip().iloc[:_SAMPLE]
    best, most = "", int(to_datetime(text).notna().sum())
    for base in DATE_FORMATS:
        for fmt in (base, base + " %H:%M", base + " %H:%M:%S"):
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
