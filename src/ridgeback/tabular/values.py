"""Column values: a raw column read as numbers or as category levels.

What the preprocessor does to one column before it learns anything: the input as a frame,
how its values were written (:func:`input_kind`), its values as float64 (:func:`numeric_column`,
refusing infinities and text that is not a number), as date parts (:func:`datetime_values`)
or as level strings (:func:`categorical_strings`, mapping type changes back and counting
them), and the smooth clip applied after robust scaling. At fit, :func:`read_columns` reads
every used column of the training frame as its role in the column plan says.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .encoders import DATETIME_PARTS, datetime_parts, text_strings
from .formats import is_datetime_dtype, read_number_text
from .spellings import FOLD, fold_levels

__all__ = ["as_frame", "input_kind", "categorical_strings", "numeric_column", "check_readable",
           "datetime_values", "TrainingColumns", "training_frame", "read_columns"]

_TRUE = {"1", "true", "t", "yes", "y"}
_FALSE = {"0", "false", "f", "no", "n"}


def as_frame(X, columns=None) -> pd.DataFrame:
    """``X`` as a DataFrame; a 2-D array gets ``columns`` (when they fit) or ``x0, x1, ...``."""
    if isinstance(X, pd.DataFrame):
        return X
    array = np.asarray(X)
    if array.ndim != 2:
        raise ValueError(f"`X` must be a DataFrame or a 2-D array. Received: X with shape {array.shape}")
    names = columns if columns is not None and len(columns) == array.shape[1] else [
        f"x{i}" for i in range(array.shape[1])]
    return pd.DataFrame(array, columns=names)


def input_kind(series: pd.Series) -> str:
    """How the values were written: 'bool', 'number', 'string' (or 'datetime')."""
    if is_datetime_dtype(series):
        return "datetime"
    if series.dtype.kind == "b":
        return "bool"
    if series.dtype.kind in "iuf":
        return "number"
    present = series.dropna().iloc[:1000]
    if len(present) and all(isinstance(v, (bool, np.bool_)) for v in present):
        return "bool"
    if len(present) and all(isinstance(v, (int, float, np.integer, np.floating)) for v in present):
        return "number"
    return "string"


def _level(value) -> str:
    """A value as its category string; a whole float is written as an integer (98112.0 -> '98112')."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def categorical_strings(series: pd.Series, kind=None, name=None, counts=None) -> np.ndarray:
    """Values as an object array of str, missing values as NaN.

    ``kind`` (the input kind seen at fit) maps type changes back: 0/1 or "yes"/"no" to
    'True'/'False' for a boolean column, whole floats to integers; each mapped value is
    counted in ``counts["type change"]``. ``kind=None`` is the behaviour of models saved
    before column plans: ``str(value)``, nothing mapped.
    """
    values = series.astype(object).to_numpy()
    missing = pd.isna(values)
    if kind is None:
        return np.array([np.nan if m else str(v) for v, m in zip(values, missing, strict=True)], dtype=object)
    out = np.empty(values.size, dtype=object)
    changed = 0
    for row, (v, m) in enumerate(zip(values, missing, strict=True)):
        if m:
            out[row] = np.nan
        elif kind == "bool" and not isinstance(v, (bool, np.bool_)):
            text = _level(v).strip().lower()
            if text not in _TRUE and text not in _FALSE:
                raise ValueError(f"Column {name!r} was boolean at fit but row {row} holds {v!r}, which "
                                 f"cannot be read as True/False. Received: {name}={v!r}")
            out[row] = "True" if text in _TRUE else "False"
            changed += 1
        else:
            out[row] = _level(v)
            changed += (kind == "string") != isinstance(v, str) and kind != "bool"
    if counts is not None and changed:
        counts["type change"] = counts.get("type change", 0) + int(changed)
    return out


def numeric_column(series: pd.Series, name, *, coerce=False, counts=None, from_text=True,
                   decimal="") -> np.ndarray:
    """The column as float64, refusing infinities and text that is not a number (naming the row).

    ``decimal`` (the plan's format of the column: "." or ",", and a unit): text is read past
    currency and percent signs, thousands separators and the unit, with that decimal mark
    (:func:`~ridgeback.tabular.formats.read_formatted`); words such as ``null`` or ``?`` are
    missing values (:func:`~ridgeback.tabular.formats.no_value`).

    ``coerce``: text that is not a number is read as missing (a column declared numeric),
    counted in ``counts["not a number"]``. Numbers written as text in a column that held
    numbers at fit (``from_text=False``), and booleans, are counted as ``"type change"``.
    """
    if series.dtype.kind in "iuf":
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    elif series.dtype.kind == "b":
        values = series.to_numpy(dtype=np.float64)
        if counts is not None:
            counts["type change"] = counts.get("type change", 0) + int(values.size)
    else:
        present = series.notna().to_numpy()
        objects = series.astype(object).map(lambda v: float(v) if isinstance(v, (bool, np.bool_)) else v)
        if decimal:  # text read past its currency and thousands signs and its unit ("null bhp": no value)
            numbers, empty = read_number_text(objects, decimal)
            coerced = pd.Series(numbers, index=objects.index)
            present = present & ~empty
        else:
            coerced = pd.to_numeric(objects, errors="coerce")
        bad = coerced.isna().to_numpy() & present
        if bad.any() and not coerce:
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(f"Column {name!r} is numeric but row {row} holds {series.iloc[row]!r}, which is "
                             f"not a number ({int(bad.sum())} row(s) like this); declare it categorical "
                             f"(--categorical {name}) or numeric with such values read as missing "
                             f"(--numeric {name}). Received: {name}={series.iloc[row]!r}")
        if counts is not None:
            if bad.any():
                counts["not a number"] = counts.get("not a number", 0) + int(bad.sum())
            if not from_text and (present & ~bad).any():
                counts["type change"] = counts.get("type change", 0) + int((present & ~bad).sum())
        values = coerced.to_numpy(dtype=np.float64, na_value=np.nan)
    inf = np.isinf(values)
    if inf.any():
        row = int(np.flatnonzero(inf)[0])
        raise ValueError(f"Column {name!r} has an infinite value at row {row}; expected finite numbers or "
                         f"missing values. Received: {name}={values[row]}")
    return values


def check_readable(series: pd.Series, name):
    """Refuse a value that is neither missing, text, a boolean nor a number, naming the column and row."""
    for row, value in enumerate(series.to_numpy()):
        if value is None or isinstance(value, (str, bool, np.bool_, int, float, np.integer, np.floating)):
            continue
        raise ValueError(f"Column {name!r} holds a value of type {type(value).__name__} at row {row}, which "
                         f"cannot be read as a number or category. Received: {name}={value!r}")


def datetime_values(series: pd.Series, name, parts, *, coerce, counts, fmt="") -> dict:
    """``{part: float64 values}`` of a column that held dates at fit (written as ``fmt``, the
    plan's format, or ISO 8601); a value that is not a date is refused, naming the row, unless
    ``coerce`` (the column was declared datetime): then it is missing, counted in
    ``counts["not a date"]``."""
    matrix, unparsed = datetime_parts(series, parts, fmt)
    if unparsed.any():
        if not coerce:
            row = int(np.flatnonzero(unparsed)[0])
            value = series.iloc[row]
            raise ValueError(f"Column {name!r} held dates at fit but row {row} holds {value!r}, which "
                             f"cannot be read as a date. Received: {name}={value!r}")
        counts["not a date"] = int(unparsed.sum())
    return dict(zip(parts, matrix.T, strict=True))


@dataclass
class TrainingColumns:
    """The used columns of a training frame, read by role (:func:`read_columns`)."""

    frame: dict = field(default_factory=dict)  # numeric feature -> its float64 values
    sources: list = field(default_factory=list)  # (column, datetime part or None), one per numeric feature
    kinds: dict = field(default_factory=dict)  # column -> how its values were written
    numeric: list = field(default_factory=list)
    dates: list = field(default_factory=list)
    date_parts: list = field(default_factory=list)
    categorical: list = field(default_factory=list)
    text: list = field(default_factory=list)
    text_values: dict = field(default_factory=dict)
    entity: list = field(default_factory=list)
    levels: dict = field(default_factory=dict)  # categorical or entity column -> level strings, missing NaN

    def features(self) -> list:
        return [name if part is None else f"{name}.{part}" for name, part in self.sources]

    def indicators(self, features) -> list:
        """Numeric features (datetimes: their day count) with missing values: each gets a 0/1 column."""
        return [f for f, (name, part) in zip(features, self.sources, strict=True)
                if part in (None, "epoch_days") and np.isnan(self.frame[f]).any()]


def training_frame(X) -> tuple[pd.DataFrame, list]:
    """``X`` as a frame with at least one row and column, and its column names, each once."""
    df = as_frame(X)
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise ValueError(f"`X` needs at least one row and one column. Received: X with shape {df.shape}")
    names = [str(c) for c in df.columns]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"Column names must be unique. Received: duplicated columns {duplicated}")
    return df, names


def read_columns(df, names, plan) -> TrainingColumns:
    """Every used column read as its role says: numbers, datetime parts, levels (of categories
    or entities) or text."""
    roles = {c.column: c.role for c in plan.columns}
    formats = plan.formats()
    periods = set(plan.periods())
    forced = {c.column for c in plan.columns if c.reason.startswith("set by")}
    read = TrainingColumns()
    for name, column in zip(names, df.columns, strict=True):
        series = df[column].reset_index(drop=True)
        role = roles[name]
        if role in ("id", "drop"):
            continue
        read.kinds[name] = input_kind(series)
        if role == "numeric":
            read.frame[name] = numeric_column(series, name, coerce=name in forced, decimal=formats[name])
            read.numeric.append(name)
            read.sources.append((name, None))
            if name in periods:  # a year of a panel: its number, and one-hot too
                read.categorical.append(name)
                read.levels[name] = categorical_strings(series, read.kinds[name], name)
        elif role == "datetime":
            _read_datetime(read, name, series, formats[name])
        elif role == "categorical":
            check_readable(series, name)
            levels = categorical_strings(series, read.kinds[name], name)
            read.levels[name] = fold_levels(levels) if formats[name] == FOLD else levels
            read.categorical.append(name)
        elif role == "entity":
            check_readable(series, name)
            read.entity.append(name)
            read.levels[name] = categorical_strings(series, read.kinds[name], name)
        else:
            check_readable(series, name)
            read.text.append(name)
            read.text_values[name] = text_strings(series)
    if not read.sources and not read.categorical and not read.text and not read.entity:
        raise ValueError("No column is left to learn from: " + "; ".join(
            f"{c.column}: {c.role} ({c.reason})" for c in plan.columns) + ". Declare a column's role "
            "(--numeric, --categorical) or add feature columns. Received: "
            f"columns={names[:20]}")
    return read


def _read_datetime(read, name, series, fmt):
    matrix, _ = datetime_parts(series, fmt=fmt)
    # a part that never varies (the hour of dates without times) carries nothing
    keep = [p for j, p in enumerate(DATETIME_PARTS) if p == "epoch_days" or np.nanstd(matrix[:, j]) > 0]
    for j, part in enumerate(DATETIME_PARTS):
        if part in keep:
            read.frame[f"{name}.{part}"] = matrix[:, j]
            read.sources.append((name, part))
    read.dates.append(name)
    read.date_parts.append(keep)
