r"""How many rows share a number's value: a second feature for heaped numbers.

Some numbers are partly reported in brackets, rounded or sold in sizes, and partly measured:
hours worked heaped on 40, past earnings of exactly 0 among computed ones, an income recorded in a
survey's brackets (16.8, 21.0, 25.2: each held by 25 to 31 of 3,000 rows) beside values seen
once, disks sold in standard sizes. A tree cuts the heaped values exactly; a network, and a
linear model, read a number and cannot tell 25.2 from 25.3. The column is **heaped** when it
has at least ``MIN_VALUES`` distinct values and at least ``MIN_HEAPS`` heaps: values held by
``HEAP_ROWS`` rows or more and by ``HEAP_RATIO`` times as many rows as the median of their
neighbours (the ``NEIGHBOURS`` nearest distinct values on each side). A measurement rounded to
its instrument's resolution (an age to the tenth of a year) repeats its values too, but as often
as the values beside them.

Such a column keeps its number and gets a second feature, the logarithm of how many rows hold
its value, counted among the training rows and the row itself:

.. math::

    c(x) = \log\big(n_{\text{train}}(x) + [x \text{ is not a training row}]\big),

so that a training row whose value no other row holds and a new row whose value no training row
holds both read :math:`\log 1 = 0`. The feature is standardized by the mean and standard
deviation of the training rows' codes; a missing value reads the mean (0 after the
standardization; its missing indicator, if the column had holes, says it is missing).
Measured in benchmarks/QUALITY.md ("Values many rows share").
"""

from __future__ import annotations

import numpy as np

__all__ = ["MIN_VALUES", "MIN_HEAPS", "HEAP_ROWS", "HEAP_RATIO", "NEIGHBOURS", "heaps", "heaped",
           "fit_counts", "encode_counts", "count_name"]

#: a heaped column has at least this many distinct values ...
MIN_VALUES = 20
#: ... and at least this many heaps: values held by ``HEAP_ROWS`` rows or more and by
#: ``HEAP_RATIO`` times the median rows of their ``NEIGHBOURS`` nearest values on each side
MIN_HEAPS = 3
HEAP_ROWS = 5
HEAP_RATIO = 4.0
NEIGHBOURS = 5


def heaps(values) -> list:
    """``[(value, rows), ...]``: the heaps among the numbers ``values`` (NaN for missing), the
    values held by ``HEAP_ROWS`` rows or more and by ``HEAP_RATIO`` times the median rows of their
    ``NEIGHBOURS`` nearest distinct values on each side; none with fewer than ``MIN_VALUES``
    distinct values.

    >>> heaps([1.55] * 6 + [2.55] * 9 + [0.1 * k for k in range(40)])
    [(1.55, 6), (2.55, 9)]
    """
    x = np.asarray(values, dtype=np.float64)
    levels, counts = np.unique(x[~np.isnan(x)], return_counts=True)
    if counts.size < MIN_VALUES:
        return []
    padded = np.pad(counts.astype(np.float64), NEIGHBOURS, constant_values=np.nan)
    window = np.lib.stride_tricks.sliding_window_view(padded, 2 * NEIGHBOURS + 1)
    beside = np.delete(window, NEIGHBOURS, axis=1)  # each value's neighbours, itself left out
    typical = np.nanmedian(beside, axis=1)
    found = np.flatnonzero(counts >= np.maximum(HEAP_ROWS, HEAP_RATIO * typical))
    return [(float(levels[i]), int(counts[i])) for i in found]


def heaped(values) -> bool:
    """Whether the numbers ``values`` (NaN for missing) are heaped: at least ``MIN_HEAPS``
    :func:`heaps`, values held by many more rows than the values beside them.

    >>> heaped([1.5] * 6 + [2.5] * 6 + [3.5] * 6 + [0.1 * k for k in range(40)])
    True
    >>> heaped([0.1 * k for k in range(60)]), heaped(list(range(10)) * 10)  # all once; few values
    (False, False)
    >>> heaped([0.1 * k for k in range(40)] * 2 + [1.55] * 6 + [2.55] * 6 + [3.55] * 6)  # 6 rows beside 2s
    False
    """
    return len(heaps(values)) >= MIN_HEAPS


def fit_counts(values) -> dict:
    """The training rows' value counts and the standardization of their codes: ``values`` and
    ``counts`` (float64 arrays, sorted by value), ``means`` and ``scales`` (one element each),
    each training row counted among the rows that hold its value.

    >>> state = fit_counts([1.0, 1.0, 1.0, 2.0, np.nan])
    >>> state["values"].tolist(), state["counts"].tolist()
    ([1.0, 2.0], [3.0, 1.0])
    >>> codes = encode_counts([1.0, 1.0, 1.0, 2.0, np.nan], state, training=True)
    >>> np.round(codes, 3).tolist()  # log 3 three times, log 1, and the mean for the hole
    [0.577, 0.577, 0.577, -1.732, 0.0]
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    levels, counts = np.unique(x, return_counts=True)
    logs = np.log(counts[np.searchsorted(levels, x)].astype(np.float64))
    mean = float(logs.mean()) if logs.size else 0.0
    scale = float(logs.std()) if logs.size else 1.0
    return {"values": levels.astype(np.float64), "counts": counts.astype(np.float64),
            "means": np.array([mean]), "scales": np.array([scale if scale > 0 else 1.0])}


def encode_counts(values, state, training=False) -> np.ndarray:
    """The standardized codes of rows not seen at fit (each counted with the training rows that
    hold its value: :math:`\\log(n_{\\text{train}} + 1)`); with ``training``, of the rows ``fit``
    was given (each counted among them already: :math:`\\log n_{\\text{train}}`, as
    :func:`fit_counts` codes them). A missing value reads 0.

    >>> state = fit_counts([1.0, 1.0, 1.0, 2.0])
    >>> np.round(encode_counts([1.0, 2.0, 7.0, np.nan], state), 3).tolist()
    [1.182, -0.275, -1.732, 0.0]
    >>> np.round(encode_counts([1.0, 2.0], state, training=True), 3).tolist()  # as fit_counts codes them
    [0.577, -1.732]
    """
    x = np.asarray(values, dtype=np.float64)
    seen = ~np.isnan(x)
    levels, counts = state["values"], state["counts"]
    if levels.size:
        at = np.minimum(np.searchsorted(levels, x[seen]), levels.size - 1)
        held = np.where(levels[at] == x[seen], counts[at], 0.0)
    else:  # no value was seen at fit
        held = np.zeros(int(seen.sum()))
    codes = np.zeros(x.shape[0])
    held = np.maximum(held, 1.0) if training else held + 1.0
    codes[seen] = (np.log(held) - state["means"][0]) / state["scales"][0]
    return codes


def count_name(column: str) -> str:
    """The output feature's name: ``"column.count"``."""
    return f"{column}.count"
