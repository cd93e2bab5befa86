"""The Preprocessor's ``transform``, block by block: what was learned at fit (medians, means,
scales, levels, entity codes, text arrays) applied to the rows to transform, each block written
into its columns of the output, with per-column counts of what was not seen at fit (unseen
levels, type changes, missing values where none were) for one warning.

Each function takes the fitted :class:`~ridgeback.tabular.preprocessing.Preprocessor` ``pre``,
the rows ``df``, ``given`` (``{name: column label}`` of ``df``), the ``counts`` to add to, and
the output matrix ``out``; it returns the next free column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .columns import is_categorical_dtype
from .encoders import encode_text, text_strings
from .quantiles import to_normal
from .scalings import smooth_clip
from .spellings import FOLD, level_index
from .target_encoding import encode_entity, with_missing
from .value_counts import encode_counts
from .values import categorical_strings, datetime_values, numeric_column

__all__ = ["read_numeric", "encode_numeric", "encode_categorical", "encode_entities", "encode_texts",
           "encode_value_counts", "entity_strings", "entity_offset"]


def read_numeric(pre, df, given, counts) -> dict:
    """``{column: {part: float64 values}}`` of the numeric and datetime columns, counting type changes."""
    kinds = pre.input_kinds_  # None for a model saved before column plans: nothing is mapped or counted
    plan = getattr(pre, "plan_", None)
    formats = plan.formats() if plan is not None else {}
    raw = {}
    for name, part in pre.numeric_sources_:
        if name in raw:
            continue
        series = df[given[name]].reset_index(drop=True)
        tally = counts.setdefault(name, {})
        if part is None:
            if kinds is None and is_categorical_dtype(series) and series.dtype.kind != "O":
                raise ValueError(f"Column {name!r} was numeric at fit but holds {series.dtype} values. "
                                 f"Received: {name} of dtype {series.dtype}")
            forced = kinds is not None and _forced(pre, name)
            raw[name] = {None: numeric_column(series, name, coerce=forced, counts=tally,
                                              from_text=kinds is None or kinds[name] != "number",
                                              decimal=formats.get(name, ""))}
        else:
            parts = pre.datetime_parts_[pre.datetime_columns_.index(name)]
            raw[name] = datetime_values(series, name, parts, coerce=_forced(pre, name), counts=tally,
                                        fmt=formats.get(name, ""))
    return raw

def encode_numeric(pre, df, given, counts, out, raw=None) -> int:
    """Numeric features imputed, centred and scaled, then the missing indicators; the next free
    column. ``raw``: :func:`read_numeric`'s values of these rows, when already read."""
    raw = read_numeric(pre, df, given, counts) if raw is None else raw
    for j, (name, part) in enumerate(pre.numeric_sources_):
        column = raw[name][part].copy()
        holes = np.isnan(column)
        expected = pre.numeric_features_[j] in pre.indicator_features_ or pre.input_kinds_ is None
        if holes.any() and not expected:
            counts[name]["missing"] = counts[name].get("missing", 0) + int(holes.sum())
        column = np.where(holes, pre.medians_[j], column)
        if pre.scaling == "quantile":
            column = to_normal(column, pre.quantiles_[:, j], pre.quantile_rows_)
        column -= pre.means_[j]
        column /= pre.scales_[j]
        if pre.scaling == "robust":
            column = smooth_clip(column)
        if pre.lows_ is not None:  # None: clip=False, or a model saved before clipping
            np.clip(column, pre.lows_[j], pre.highs_[j], out=column)
        out[:, j] = column
    offset = len(pre.numeric_sources_)
    for feature in pre.indicator_features_:
        name, part = pre.numeric_sources_[pre.numeric_features_.index(feature)]
        out[:, offset] = np.isnan(raw[name][part])
        offset += 1
    return offset

def encode_categorical(pre, df, given, counts, out, offset) -> int:
    """One-hot blocks from ``offset``, counting unseen levels; the next free column."""
    kinds = pre.input_kinds_
    plan = getattr(pre, "plan_", None)
    formats = plan.formats() if plan is not None else {}
    blocks = zip(pre.categorical_columns_, pre.fill_values_, pre.categories_, strict=True)
    for name, fill, cats in blocks:
        tally = counts.setdefault(name, {})
        values = categorical_strings(df[given[name]].reset_index(drop=True),
                                     None if kinds is None else kinds[name], name, tally)
        holes = pd.isna(values)
        values[holes] = fill
        index = level_index(values, cats, fold=formats.get(name) == FOLD)
        known = index >= 0
        if not known.all():
            unseen = int((~known & ~holes).sum())
            if unseen:
                tally["unseen level"] = unseen
            if (~known & holes).any():
                tally["missing"] = int((~known & holes).sum())
        block = out[:, offset:offset + len(cats)]
        block[...] = 0.0
        block[np.flatnonzero(known), index[known]] = 1.0
        offset += len(cats)
    return offset

def entity_strings(pre, df, given, name, counts) -> np.ndarray:
    """An entity column's level strings, missing as NaN (a level never seen is not counted:
    new people and customers are what a model of a panel meets)."""
    series = df[given[name]].reset_index(drop=True)
    return categorical_strings(series, pre.input_kinds_[name], name, counts.setdefault(name, {}))

def entity_offset(pre) -> int:
    """The first output column of the entity codes: after the numeric, indicator and one-hot columns."""
    return len(pre.numeric_features_) + len(pre.indicator_features_) + sum(map(len, pre.categories_))

def _forced(pre, name) -> bool:
    return any(c.column == name and c.reason.startswith("set by") for c in pre.plan_.columns)


def encode_entities(pre, df, given, counts, out, offset, levels=None) -> int:
    """Each entity column's codes from ``offset`` (all training rows' means; a level never seen
    gets the prior); the next free column. ``levels``: a list that receives each column's level
    strings (missing as NaN's marker), read once for the codes and for ``transform_training``."""
    for name, state in zip(pre.entity_columns_, pre.entity_states_, strict=True):
        strings = with_missing(entity_strings(pre, df, given, name, counts))
        if levels is not None:
            levels.append(strings)
        codes = encode_entity(strings, state)
        out[:, offset:offset + codes.shape[1]] = codes
        offset += codes.shape[1]
    return offset


def encode_value_counts(pre, raw, out, offset, training=False) -> int:
    """Each heaped column's value count from ``offset``, from the rows' numbers ``raw``
    (:func:`read_numeric`'s, read once for the numeric block too;
    :func:`~ridgeback.tabular.value_counts.encode_counts`; ``training``: the rows ``fit`` was
    given, each counted once already); the next free column."""
    for name, state in zip(pre.count_columns_, pre.count_states_, strict=True):
        out[:, offset] = encode_counts(raw[name][None], state, training=training)
        offset += 1
    return offset


def encode_texts(pre, df, given, out, offset) -> int:
    """Each text column's fixed-width codes from ``offset``; the next free column."""
    for name, state in zip(pre.text_columns_, pre.text_states_, strict=True):
        codes = encode_text(text_strings(df[given[name]].reset_index(drop=True)), state)
        out[:, offset:offset + codes.shape[1]] = codes
        offset += codes.shape[1]
    return offset
