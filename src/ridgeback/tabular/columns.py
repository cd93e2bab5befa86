"""Column roles: what each raw column is, decided on purpose, and the plan that lists them.

:func:`plan_columns` looks at a DataFrame once and gives every column one role:

========== ============================================================ ==========================
role       when                                                         what is done
========== ============================================================ ==========================
numeric    numbers (or text that is all numbers, also written with      impute the median, scale;
           currency or percent signs, thousands separators or one       a missing indicator if any;
           unit: ``$1,234.50``, ``12,5 %``, ``1.234,50 €``, ``(300)``,  a period also one-hot
           ``1,248 CC``); a period is an integer column named like one
           (``year``, ``quarter``, ``wave``) of 3 to
           ``cardinality_threshold`` values, each repeated
categorical at most ``cardinality_threshold`` levels (bool, strings,     one-hot; missing is a level
           codes such as ZIP+4 ``98112-4729``, numbers and words that
           repeat as levels do: ``4``, ``6``, ``rotary``; ``Male``,
           `` male`` and ``MALE`` are one level when spelled several ways);
           or group codes: a name such as ``county``, ``zipcode``,
           ``townid``, ``school_id``, ``site``, ``brood``, ``subject`` or
           ``family`` on integers (or codes such as ``136A`` among them,
           or strings), each value in two rows or more on average, 3 to
           ``GROUP_MAX_LEVELS`` of them; or strings of
           more levels whose values repeat (a state, a country, a team:
           ``REPEATED_LEVEL_ROWS`` rows or more per level on average, at
           most ``GROUP_MAX_LEVELS`` levels)
text       more levels than that: free text, names, many codes          hashed character n-grams,
                                                                        tf-idf, SVD (fixed width)
datetime   ISO 8601 timestamps, a datetime dtype, or dates written      year, month, day of week,
           in one of ``DATE_FORMATS`` (``27/11/2026``, ``Nov 27, 2026``, hour, epoch days
           ``2024-05``, ``May 2024``)
entity     an identifier whose values repeat: named like an id, a group mean target per level,
           or an entity (``id``, ``subject``, ``patient``, ``nr``),     out of fold
           with more levels than one-hot takes (``GROUP_MAX_LEVELS``    (:mod:`.target_encoding`)
           for integers, ``cardinality_threshold`` for strings), half
           the rows or more sharing their value with another row (a
           person, a customer)
id         nearly every value unique and no spaces (``LIC-00123``), or  dropped, with a note
           consecutive integers / a name such as ``id``, ``CustomerID``;
           integers named ``id`` of more than ``cardinality_threshold``
           values, neither group codes nor an entity's
drop       constant, all missing, named by the user, or text that       dropped, with a note
           ``ridgeback tune`` left out (``text_left_out``)
========== ============================================================ ==========================

The user overrides any of this by naming columns (``drop=``, ``categorical=``, ``numeric=``,
``datetime=``, ``id=``, ``entity=``); an override is recorded as the reason. How a column's values are
written, when not plainly (the decimal mark, the date format), is decided once, kept in the
plan (``ColumnPlan.format``) and used again on the rows to predict. The plan is plain data
(:class:`ColumnPlan` rows) so that ``ridgeback describe`` prints it and the model directory
keeps it.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .formats import (
    best_date_format,
    best_decimal,
    date_format,
    describe_number_format,
    is_datetime_dtype,
    looks_like_iso_dates,
    not_numbers,
    number_format,
    number_share,
    read_formatted,
    read_number_text,
    to_datetime,
)
from .names import (
    entity_named,
    group_named,
    id_named,
    identifier_named,
    ordinal_named,
    period_named,
    row_number_named,
)
from .plan import (
    _CODES,
    _ENTITY,
    _GROUPS,
    _HEAPED,
    _IDENTIFIER,
    _LEVELS,
    _MANY,
    _PERIOD,
    _TEXT_LEFT_OUT,
    ROLES,
    ColumnPlan,
    Plan,
)
from .spellings import FOLD, count_levels, describe_spellings, spelling_variants
from .value_counts import HEAP_RATIO, MIN_HEAPS, heaps

__all__ = ["ROLES", "OVERRIDES", "CARDINALITY_THRESHOLD", "GROUP_MAX_LEVELS", "ColumnPlan", "Plan",
           "plan_columns", "check_overrides", "NotANumberError"]

#: override argument -> role it forces
OVERRIDES = {"drop": "drop", "categorical": "categorical", "numeric": "numeric", "datetime": "datetime",
             "id": "id", "entity": "entity"}
#: more distinct values than this and a string column is encoded as text, not one-hot (skrub's default)
CARDINALITY_THRESHOLD = 40
#: an object column whose values are at least this share numbers is numeric, or codes such as ZIP+4
NUMERIC_SHARE = 0.5
#: such a column that also holds words is categorical (levels such as 4, 6, 8, 'rotary') when it has at
#: most ``cardinality_threshold`` distinct values, each held by this many rows on average; otherwise
#: a word among its numbers is refused, naming the row
LEVEL_REPEATS = 2
#: integer codes of groups (a county, a town, a school class) are one-hot up to this many levels; so
#: are strings with more than ``cardinality_threshold`` levels that repeat as categories do
GROUP_MAX_LEVELS = 200
#: a string column with more than ``cardinality_threshold`` levels is still categorical (a state, a
#: country, a team) when each level is held by this many rows on average, up to ``GROUP_MAX_LEVELS``
#: levels; names nearly unique to a row, and free text, are text
REPEATED_LEVEL_ROWS = 5
#: an identifier (named like one, a group or an entity) of more levels than one-hot takes is an
#: entity of a panel when at least this share of its rows share their value with another row
ENTITY_REPEATED_SHARE = 0.5
#: nearly all values distinct: an identifier (with no spaces) rather than a category
ID_UNIQUE_SHARE = 0.95
_SAMPLE = 2000


class NotANumberError(ValueError):
    """A column read as numeric holds text that is not a number (its row and value are named)."""


# --------------------------------------------------------------------------- checks

def check_overrides(names, overrides: dict) -> dict:
    """``{column: role}`` from the override lists, refusing unknown columns and a column named twice."""
    forced = {}
    for arg, role in OVERRIDES.items():
        value = overrides.get(arg)
        if value is None:
            continue
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"`{arg}` must be a list of column names. Received: {arg}={value!r}")
        for column in value:
            if column not in names:
                raise ValueError(f"`{arg}` names a column the data does not have; columns: "
                                 f"{', '.join(names[:20])}. Received: {arg}={column!r}")
            if column in forced and forced[column] != role:
                raise ValueError(f"Column {column!r} is named by two overrides ({forced[column]} and "
                                 f"{role}). Received: {arg}={column!r}")
            forced[column] = role
    return forced


def is_categorical_dtype(series: pd.Series) -> bool:
    dtype = series.dtype
    return (isinstance(dtype, pd.CategoricalDtype) or dtype.kind in "bOSU"
            or pd.api.types.is_string_dtype(dtype))


def _id_like(name: str, named_codes: bool = True) -> bool:
    """Named like an identifier, a group or an entity (``id``, ``county``, ``subject``; with
    ``named_codes`` also ``site`` or ``tree``)."""
    return id_named(name) or group_named(name, units=named_codes) or entity_named(name)


def _entity(name: str, present: pd.Series, n_distinct: int, named_codes: bool = True) -> str:
    """The reason when ``present`` is an entity of a panel (see :data:`ENTITY_REPEATED_SHARE`), else ""."""
    if not _id_like(name, named_codes):
        return ""
    counts = present.astype(str).value_counts() if present.dtype.kind == "O" else present.value_counts()
    shared = float(counts[counts > 1].sum()) / len(present)
    if shared < ENTITY_REPEATED_SHARE:
        return ""
    rows = len(present) / n_distinct
    return (f"{_ENTITY} an identifier whose values repeat, {n_distinct} levels of {rows:.1f} "
            f"rows on average ({shared:.0%} of rows share theirs): a person or a customer seen in several "
            f"rows (--numeric {name} or --drop {name} to read it otherwise)")


def _period(name: str, present: pd.Series, n_distinct: int, threshold: int) -> bool:
    """Integers named like a period (``year``, ``quarter``, ``wave``), 3 to ``threshold`` of them,
    each in :data:`LEVEL_REPEATS` rows or more on average: a number (its trend) and one-hot too."""
    repeated = LEVEL_REPEATS * n_distinct <= len(present)
    if not period_named(name) or not 3 <= n_distinct <= threshold or not repeated:
        return False
    return _whole(present)


def _group_named(name: str, named_codes: bool) -> bool:
    """Named like a group or an identifier (``county``, ``townid``, ``school_id``, ``ZipCode``),
    or with ``named_codes`` like one entity (``subject``, ``family``; not ``workers``)."""
    return (group_named(name, units=named_codes) or id_named(name)
            or (named_codes and entity_named(name, plural=False)))


def _repeated_groups(n_distinct: int, n_rows: int, fewest: int = 3) -> bool:
    """``fewest`` to :data:`GROUP_MAX_LEVELS` values, each in :data:`LEVEL_REPEATS` rows or more
    on average (3: two groups one-hot say what their number says)."""
    return fewest <= n_distinct <= GROUP_MAX_LEVELS and LEVEL_REPEATS * n_distinct <= n_rows


def _group_codes(name: str, present: pd.Series, n_distinct: int, named_codes: bool = True) -> bool:
    """Integers named like a group (:func:`_group_named`) that repeat as groups do
    (:func:`_repeated_groups`; two of them too without ``named_codes``, as models saved before
    it were fitted)."""
    repeated = _repeated_groups(n_distinct, len(present), fewest=3 if named_codes else 2)
    if not _group_named(name, named_codes) or not repeated:
        return False
    return _whole(present)


def _written_groups(name: str, n_distinct: int, n_rows: int, group_codes: bool, named_codes: bool) -> bool:
    """Codes written as strings (``136A`` among numbers, ``F017``) in a column named like a group
    or an entity that repeat as groups do: one-hot, as integer group codes are (with
    ``group_codes`` and ``named_codes``)."""
    return (group_codes and named_codes and _group_named(name, True)
            and _repeated_groups(n_distinct, n_rows))


def _levels(n_distinct: int, present: pd.Series) -> str:
    return f"{n_distinct} levels of {len(present) / n_distinct:.0f} rows on average"


def _mostly_unique_id(name: str, present: pd.Series, n_distinct: int, threshold: int) -> bool:
    """Integers named ``id`` (:func:`~.names.identifier_named`) of more than ``threshold``
    values; asked of a column that is neither group codes nor an entity's (most values seen
    once: 2,447 people in 3,000 rows of a panel sample). As a number an identifier's order is
    noise the network fits."""
    return n_distinct > threshold and identifier_named(name) and _whole(present)


def _whole(present: pd.Series) -> bool:
    values = present.to_numpy(dtype=np.float64)
    return bool(np.all(values == np.round(values)))


def _has_space(present: pd.Series) -> bool:
    return bool(present.iloc[:_SAMPLE].astype(str).str.contains(r"\s", regex=True).any())


# --------------------------------------------------------------------------- the plan

def _row(name, role, n_distinct, missing, reason, coerced=0, fmt=""):
    actions = {"numeric": "impute median, scale", "categorical": "one-hot", "datetime":
               "year, month, weekday, hour, epoch", "text": "char n-gram tf-idf + SVD",
               "entity": "mean target per level, out of fold", "id": "drop", "drop": "drop"}
    action = actions[role]
    if role in ("numeric", "datetime") and missing > 0:
        action += ", missing indicator"
    if reason.startswith(_PERIOD):
        action += "; one-hot too"
    if reason.startswith(_HEAPED):
        action += "; value count too"
    if role in ("categorical", "entity") and missing > 0:
        action += ", missing as a level"
    return ColumnPlan(name, role, int(n_distinct), float(missing), action, reason, int(coerced), fmt)


def _heaped(present: pd.Series) -> str:
    """The reason of a heaped number (:func:`~ridgeback.tabular.value_counts.heaps`), or ""."""
    found = heaps(present.to_numpy(dtype=np.float64))
    if len(found) < MIN_HEAPS:
        return ""
    value, rows = max(found, key=lambda pair: pair[1])
    return (f"{_HEAPED} {len(found)} values held by {HEAP_RATIO:g}x the rows of those beside them (the "
            f"most: {value:.6g}, {rows} rows); how many rows hold a value is a feature too")


def _decide(name, series, threshold, group_codes=True, many_levels=True, entities=True,
            periods=True, named_codes=True, value_counts=True) -> tuple:
    """(role, reason) for one column without overrides."""
    n = len(series)
    present = series.dropna()
    if present.empty:
        return "drop", "all missing"
    n_distinct = int(present.astype(str).nunique()) if series.dtype.kind == "O" else int(present.nunique())
    if n_distinct == 1 and len(present) == n:
        value = present.iloc[0]
        value = value.item() if isinstance(value, np.generic) else value  # 1, not np.int64(1)
        return "drop", f"constant: every row holds {value!r}"[:80]
    if is_datetime_dtype(series):
        return "datetime", "datetime dtype"
    if series.dtype.kind in "iuf":
        if series.dtype.kind in "iu" and n_distinct > threshold and n_distinct == len(present):
            if id_named(name):
                return "id", f"{_IDENTIFIER} distinct integers in a column named like an id"
            values = present.to_numpy()
            # row numbers: consecutive and in the rows' order (a permutation of 1..n is a ranking),
            # and not a count of years or a rank by its name
            if bool(np.all(np.diff(values) == 1)) and not ordinal_named(name):
                return "id", f"{_IDENTIFIER} distinct consecutive integers in row order"
            # or named as one (obs, case) though a shuffled split put them out of order
            if named_codes and row_number_named(name):
                return "id", f"{_IDENTIFIER} distinct integers in a column named like a row's number"
        if _group_codes(name, present, n_distinct, named_codes):
            levels = _levels(n_distinct, present)
            if not group_codes:
                return "numeric", f"integers named like a group ({levels}), read as numbers " \
                                  f"(group_codes=False)"
            return "categorical", f"{_GROUPS} integers named like a group, {levels} (--numeric {name} to " \
                                  f"read them as numbers)"
        # an identifier whose values repeat, read once for the entity and the identifier below
        repeated = (_entity(name, present, n_distinct, named_codes)
                    if n_distinct > GROUP_MAX_LEVELS and _whole(present) else "")
        if entities and repeated:
            return "entity", repeated
        if periods and _period(name, present, n_distinct, threshold):
            return "numeric", (f"{_PERIOD} {n_distinct} periods of {len(present) / n_distinct:.0f} rows on "
                               f"average, each also one-hot: the shocks its rows share")
        if named_codes and not repeated and _mostly_unique_id(name, present, n_distinct, threshold):
            return "id", (f"{_IDENTIFIER} {n_distinct} distinct integers in {len(present)} rows, in a column "
                          f"named like an id, too many to one-hot and too seldom repeated for an entity "
                          f"(--numeric {name} to read it as a number)")
        return "numeric", _heaped(present) if value_counts and series.dtype.kind in "iuf" else ""
    if not is_categorical_dtype(series):
        return "unreadable", ""
    if series.dtype.kind == "O":
        if looks_like_iso_dates(present):
            return "datetime", "ISO 8601 timestamps"
        share = number_share(present)
        if share == 1.0:
            return "numeric", "numbers written as text"
        decimal = number_format(present)
        if decimal:
            return "numeric", describe_number_format(present, decimal), decimal
        fmt, ambiguous = date_format(present)
        if fmt:
            return "datetime", f"dates written {fmt}" + (
                " (every day is at most 12, so day and month could be swapped; day first taken)"
                if ambiguous else ""), fmt
        if share >= NUMERIC_SHARE:
            bad = present[not_numbers(present)]
            if all(re.search(r"\d", str(v)) for v in bad.iloc[:_SAMPLE]):
                if n_distinct > threshold and _written_groups(name, n_distinct, len(present), group_codes,
                                                              named_codes):
                    levels = _levels(n_distinct, present)
                    return "categorical", (f"{_GROUPS} codes named like a group, {levels}, "
                                           f"mostly numbers but also values like {bad.iloc[0]!r}")
                many = entities and n_distinct > threshold
                reason = _entity(name, present, n_distinct, named_codes) if many else ""
                if reason:
                    return "entity", reason
                role = "categorical" if n_distinct <= threshold else "text"
                return role, f"{_CODES} mostly numbers, but also values like {bad.iloc[0]!r}"
            if n_distinct <= threshold and LEVEL_REPEATS * n_distinct <= len(present):
                # few values, each repeated: levels written as numbers and words (cylinders
                # 4, 6, 8 and 'rotary'), as R writes a factor; not a word among measurements
                words = bad.astype(str).unique()
                return "categorical", (f"{_LEVELS} {n_distinct} values that repeat, numbers and words "
                                       f"such as {words[0]!r}"
                                       + (f" ({len(words)} words)" if len(words) > 1 else ""))
            return "not a number", ""
    variants = spelling_variants(present) if n_distinct > 1 else {}
    n_levels = count_levels(n_distinct, variants)
    if n_levels <= threshold:
        return ("categorical", describe_spellings(variants, n_distinct), FOLD) if variants else \
            ("categorical", "")
    if many_levels and n_levels <= GROUP_MAX_LEVELS and REPEATED_LEVEL_ROWS * n_levels <= len(present):
        reason = (f"{_MANY} {n_levels} levels (more than {threshold}) of {len(present) / n_levels:.0f} rows "
                  f"on average, repeated as categories are")
        if variants:
            return "categorical", f"{reason}; {describe_spellings(variants, n_distinct)}", FOLD
        return "categorical", reason
    if many_levels and _written_groups(name, n_levels, len(present), group_codes, named_codes):
        return "categorical", f"{_GROUPS} strings named like a group, {_levels(n_levels, present)}"
    if entities:
        reason = _entity(name, present, n_distinct, named_codes)
        if reason:
            return "entity", reason
    if (n_distinct >= ID_UNIQUE_SHARE * len(present) and not _has_space(present)) or id_named(name):
        return "id", f"{_IDENTIFIER} {n_distinct} distinct values in {len(present)} rows"
    return "text", f"{n_distinct} distinct values (> {threshold})"


def plan_columns(df: pd.DataFrame, *, drop=None, categorical=None, numeric=None, datetime=None, id=None,
                 entity=None, cardinality_threshold=CARDINALITY_THRESHOLD, group_codes=True,
                 text_left_out=None, many_levels=True, entities=True, periods=True,
                 named_codes=True, value_counts=True) -> Plan:
    """Decide every column's role (see the module docstring); overrides win. With
    ``group_codes=False`` integer group codes stay numeric (their reason says so); with
    ``named_codes=False`` only names of groups and identifiers make group codes (not one entity's,
    such as ``subject`` or ``family``), and only integers (not ``136A`` among numbers); with
    ``entities=False`` no column is an entity unless named in ``entity``; with ``periods=False`` no
    numeric column is one-hot too; with ``value_counts=False`` no heaped number has a value count
    (:mod:`~ridgeback.tabular.value_counts`). A column of
    ``text_left_out`` that would be text is dropped instead, with that reason (a name there that
    is not a text column changes nothing).

    Raises
    ------
    NotANumberError
        A text column that is mostly numbers holds a value that is neither a number nor a
        code with digits (``'forty'``), and its values do not repeat as a few levels do: the
        row is named with the two fixes.
    ValueError
        A column of a dtype that is neither numbers, text nor dates.

    Examples
    --------
    >>> df = pd.DataFrame({"zip": ["98112", "98112-4729", "98105"], "n": [1, 2, 3]})
    >>> [(c.column, c.role) for c in plan_columns(df).columns]
    [('zip', 'categorical'), ('n', 'numeric')]
    """
    names = [str(c) for c in df.columns]
    forced = check_overrides(names, {"drop": drop, "categorical": categorical, "numeric": numeric,
                                     "datetime": datetime, "id": id, "entity": entity})
    plan = Plan()
    for name, column in zip(names, df.columns, strict=True):
        series = df[column].reset_index(drop=True)
        missing = float(series.isna().mean())
        present = series.dropna()
        distinct = int(present.astype(str).nunique()) if len(present) else 0
        if name in forced:
            role = forced[name]
            coerced, fmt = 0, ""
            if role == "numeric" and series.dtype.kind not in "iufb":
                coerced = int(not_numbers(series).sum())
                if coerced:  # read past currency and thousands signs when the most values allow it
                    fmt = best_decimal(series)
                    if fmt:
                        coerced = int((read_formatted(series, fmt).isna() & series.notna()).sum())
            elif role == "datetime" and not is_datetime_dtype(series):
                parsed = to_datetime(series)
                if parsed.notna().sum() < present.size:
                    fmt = best_date_format(present)
                    parsed = to_datetime(series, fmt) if fmt else parsed
                coerced = int((parsed.isna() & series.notna()).sum())
            elif role == "categorical" and series.dtype.kind == "O":
                variants = spelling_variants(present)
                fmt = FOLD if variants else ""
            note = f"{coerced} values that are not {'numbers' if role == 'numeric' else 'dates'} read " \
                   f"as missing" if coerced else ""
            reason = f"set by {'--' + role if role != 'drop' else '--drop'}" + (f"; {note}" if note else "")
            if fmt == FOLD:
                reason += "; " + describe_spellings(variants, distinct)
            if coerced:  # values not read as numbers or dates are missing values too
                missing += coerced / len(series)
            plan.columns.append(_row(name, role, distinct, missing, reason, coerced, fmt))
            continue
        role, reason, *fmt = _decide(name, series, cardinality_threshold, group_codes, many_levels, entities,
                                     periods, named_codes, value_counts)
        if role == "unreadable":
            raise ValueError(f"Column {name!r} has dtype {series.dtype}, which cannot be read as numbers, "
                             f"categories or dates; convert or drop it (drop=[{name!r}], --drop {name}). "
                             f"Received: {name} of dtype {series.dtype}")
        if role == "not a number":
            bad = not_numbers(series)
            row = int(np.flatnonzero(bad)[0])
            raise NotANumberError(
                f"Column {name!r} is numeric but row {row} holds {series.iloc[row]!r}, which is not a number "
                f"({int(bad.sum())} row(s) like this); declare it categorical (--categorical {name}) or "
                f"numeric with such values read as missing (--numeric {name}). "
                f"Received: {name}={series.iloc[row]!r}")
        fmt = fmt[0] if fmt else ""
        if role == "numeric" and fmt:  # "null", "?" and "#DIV/0!" are missing values too
            missing = _missing_share(series, fmt)
        if role == "text" and name in (text_left_out or ()):
            role, reason = "drop", (f"{_TEXT_LEFT_OUT} its codes did not improve the linear model's "
                                    f"cross-validated score ({reason})")
        plan.columns.append(_row(name, role, distinct, missing, reason, fmt=fmt))
    return plan


def _missing_share(series: pd.Series, fmt: str) -> float:
    """The share of a text column's values that are missing once read as numbers written as
    ``fmt``: missing, or a word for no value (``null``, ``?``, ``#DIV/0!``)."""
    return float(np.isnan(read_number_text(series, fmt)[0]).mean())


