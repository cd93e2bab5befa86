"""The target column: which task its values ask for (:func:`infer_task`), whether they can be
learned (:func:`check_target`) and a table split into features and target (:func:`split_target`).

Everything here raises ``ValueError`` with a message that names the column or the rows at fault
and ends ``Received: name=value``, so that the command line can print one line and exit 2.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .formats import number_format, read_formatted
from .spellings import describe_spellings, fold_levels, spelling_variants

__all__ = ["MANY_CLASSES", "MAX_INTEGER_CLASSES", "MIN_SCALE_RATIO", "TOP_CODE_RATIO", "check_target",
           "infer_task", "looks_like_counts", "split_target", "numbered_classes_note", "describe_task"]

#: an integer-valued target with at most this many distinct values is read as class labels (unless
#: its values look like a count or a score: :func:`looks_like_counts`)
MAX_INTEGER_CLASSES = 20
#: a count or a score takes at least this many whole-number values (fewer: class labels)
MIN_COUNT_VALUES = 5
#: ... and its most common value is at least this many times as common as its rarest one
#: (labels of classes are seldom so unequal AND in that order; digits' are equal)
MIN_COUNT_RATIO = 10
#: ... and a most common value inside the range has a neighbour at least this share as common:
#: a count's or a score's mode is never alone (Poisson: the larger neighbour of the mode holds
#: at least half of it), while labels coded 0..4 whose middle class holds most rows are
MIN_PEAK_NEIGHBOUR = 0.5
#: ... and its smallest and largest values lie fewer than this apart (a count of at most 20 values
#: spread wider is none; the frequencies of the whole numbers between are laid out)
MAX_COUNT_RANGE = 1000
#: whole numbers taking every value from their smallest to their largest, at least this many of
#: them and unequally common (:data:`MIN_SCALE_RATIO`), are a score on a scale whatever the shape
#: of their frequencies: 1 to 10 with peaks at 1, 5 and 10, years of schooling heaped on 12 and
#: 16, a 0 to 10 survey answer peaked on 5 and 7. Labels are seldom ten consecutive codes so
#: unequal (digits' are equal)
MIN_SCALE_VALUES = 10
#: ... their most common value at least this many times as common as their rarest: ten classes
#: drawn equally often stay within a ratio of 1.5 or so on a few hundred rows, and ten digits one
#: of which is three times as common as the others stay classes too
MIN_SCALE_RATIO = 4
#: a count's largest value may be a top code ("eight or more") that stands above its neighbour,
#: holding the tail beyond it, up to this many times the neighbour's rows: a tail that falls by a
#: quarter or more a step sums to at most three times its first value (a status code that holds
#: six times its neighbour is none)
TOP_CODE_RATIO = 3
#: a quantity coded on bins that widen (0, 1, 2, 3, 7, 12 affairs a year) skips values at least this
#: many times (codes with one apart, 1 to 4 and 9 for "other", skip once): :func:`_binned`
MIN_BIN_GAPS = 2
#: a count people report heaps on round numbers (10, 15, 20 visits to a doctor: digit preference):
#: multiples of ``HEAP_STEP`` from ``HEAP_FROM`` up, beyond the peak, may stand above their
#: neighbours when at least two of them are taken and the count also takes values between them
HEAP_STEP = 5
HEAP_FROM = 10
#: a classification target with more classes than this is refused when it also has fewer than two
#: rows per class on average: a name or an identifier (a movie's title), not labels to learn
MANY_CLASSES = 50


def infer_task(y) -> str:
    """Guess "classification" or "regression" from the target's values.

    The rule: strings, booleans and categoricals are class labels; so are integer values
    (integer dtype, or floats that are all whole numbers) with at most
    ``MAX_INTEGER_CLASSES`` (20) distinct values, unless they look like a count or a score
    (:func:`looks_like_counts`: goals in a match, a vocabulary score from 0 to 10). Anything
    else is a regression target. Pass the task explicitly (``--task``) when the rule guesses
    wrong.

    Examples
    --------
    >>> infer_task(["cat", "dog"]), infer_task([0, 1, 2, 1]), infer_task([0.5, 1.7, 2.0])
    ('classification', 'classification', 'regression')
    >>> goals = [0] * 50 + [1] * 80 + [2] * 60 + [3] * 30 + [4] * 10 + [5] * 3
    >>> infer_task(goals), infer_task(list(range(10)) * 30)  # a count; ten digits
    ('regression', 'classification')
    """
    return "classification" if _reading(y) == "labels" else "regression"


def _reading(y) -> str:
    """How :func:`infer_task` reads the target: ``"labels"`` (classes), ``"counts"`` (whole
    numbers that :func:`looks_like_counts`, a regression target) or ``"numbers"``."""
    s = pd.Series(y) if not isinstance(y, pd.Series) else y
    if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype.kind in "bOSUT" or pd.api.types.is_string_dtype(s):
        return "labels"
    values = s.dropna().to_numpy()
    if values.dtype.kind in "iu":
        integral = True
    elif values.dtype.kind == "f":
        finite = values[np.isfinite(values)]
        integral = bool(np.all(finite == np.round(finite)))
    else:
        return "labels"
    if integral and pd.unique(values).size <= MAX_INTEGER_CLASSES:
        return "counts" if looks_like_counts(values) else "labels"
    return "numbers"


def looks_like_counts(values) -> bool:
    r"""Whether whole-number target values look like a count or a score rather than class labels:
    at least ``MIN_COUNT_VALUES`` (5) values, and the frequencies :math:`c_1 \dots c_k` of the
    whole numbers between the smallest and the largest (0 for one never taken) rising to one
    peak and falling after it, as a count's or a rating's do, up to sampling noise (a step
    against the trend within two standard errors, :math:`2\sqrt{c_i + c_{i+1}}`, is noise: a
    value never taken in a tail of a few rows, not one beyond which 5 rows or more hold a value),
    the peak at least ``MIN_COUNT_RATIO`` (10) times the rarest value taken and, when it is not
    at either end, its larger neighbour at least ``MIN_PEAK_NEIGHBOUR`` (half) of it, up to the
    same noise; or at least ``MIN_SCALE_VALUES`` (10) values, every whole number between the
    smallest and the largest taken, the peak at least ``MIN_SCALE_RATIO`` (4) times the rarest (a
    scale); or, for whole numbers from 0, the positive ones alone a count by the same test (a
    count with extra zeros, a hurdle: the people who never saw a doctor, beside the visits of
    those who did); or, when the largest value stands above its neighbour by at most
    ``TOP_CODE_RATIO`` (3) times, the values below it a count, with or without their zeros (a
    top code, "eight or more", which holds the tail). Ten
    digits, or ten equally common classes, are not a count: their frequencies are flat; nor are
    five heating systems coded 0 to 4 whose middle one holds 573 of 900 rows and its neighbours
    84 and 129. Beyond the peak, round numbers (multiples of ``HEAP_STEP``, 5,
    from ``HEAP_FROM``, 10) may stand above their neighbours, as counts that people report heap
    on them, when two or more are taken and so is a value between them: then the other values must
    fall, and so must the round ones among themselves.

    Examples
    --------
    >>> looks_like_counts([0] * 50 + [1] * 80 + [2] * 60 + [3] * 30 + [4] * 10 + [5] * 3)
    True
    >>> looks_like_counts([0, 1, 2, 3, 4] * 20), looks_like_counts([1, 2, 3] * 20 + [2] * 200)
    (False, False)
    >>> looks_like_counts([0] * 64 + [1] * 84 + [2] * 573 + [3] * 129 + [4] * 50)
    False

    A chemist's articles, whose long tail skips values, are a count; codes 1 to 4 and 9 for
    "other" are not:

    >>> looks_like_counts([0] * 214 + [1] * 182 + [2] * 136 + [3] * 56 + [4] * 52 + [5] * 21 + [6] * 12
    ...                   + [7] * 8 + [9] * 2 + [12, 16, 19])
    True
    >>> looks_like_counts([1] * 300 + [2] * 150 + [3] * 80 + [4] * 30 + [9] * 40)
    False

    Ten or more whole numbers, every one of their range taken and unequally common, are a score
    on a scale (``MIN_SCALE_VALUES``) whatever the shape of their frequencies: how justifiable
    something is from 1 to 10, with peaks at 1, 5 and 10. Ten digits as common as each other, or
    one of them twice as common as the rest, are not (one four times as common as another reads
    as a scale: ``--task classification`` says otherwise):

    >>> looks_like_counts([1] * 3266 + [2] * 686 + [3] * 653 + [4] * 523 + [5] * 2029 + [6] * 754
    ...                   + [7] * 581 + [8] * 631 + [9] * 291 + [10] * 674)
    True
    >>> looks_like_counts(list(range(10)) * 30 + [3] * 30)
    False

    A 0 to 10 survey answer (how immigrants affect cultural life) peaked on 5 and 7, its rarest
    answer 5.5 times rarer than its most common, is a scale too; ten classes drawn equally often
    on 300 rows are not:

    >>> looks_like_counts([0] * 91 + [1] * 57 + [2] * 113 + [3] * 134 + [4] * 153 + [5] * 307 + [6] * 199
    ...                   + [7] * 316 + [8] * 242 + [9] * 126 + [10] * 139)
    True
    >>> looks_like_counts(np.random.default_rng(0).integers(0, 10, 300))
    False

    Arrests with 0 to 6 checks of a person's record, 0 the most common and 3 above 2, are a count
    with extra zeros (the positive counts alone rise to one peak and fall); codes 0 to 4 whose
    middle class holds most rows are not, with or without their zeros:

    >>> looks_like_counts([0] * 1851 + [1] * 854 + [2] * 789 + [3] * 953 + [4] * 643 + [5] * 127 + [6] * 9)
    True
    >>> looks_like_counts([0] * 640 + [1] * 84 + [2] * 573 + [3] * 129 + [4] * 50 + [5] * 20)
    False

    A respondent's children, 0 to 8 with 8 for "eight or more" (GSS), has both extra zeros and a
    top code; a status coded 0 to 6 whose last code holds six times its neighbour's rows is no
    count:

    >>> looks_like_counts([0] * 2127 + [1] * 1544 + [2] * 2338 + [3] * 1474 + [4] * 790 + [5] * 376
    ...                   + [6] * 208 + [7] * 100 + [8] * 163)
    True
    >>> looks_like_counts([0] * 5656 + [1] * 1098 + [2] * 834 + [3] * 151 + [4] * 147 + [5] * 156 + [6] * 924)
    False

    Visits to a doctor that people report heap on 10, 15 and 20, and are a count; codes 1 to 4 and
    10 for "other" are not:

    >>> looks_like_counts([0] * 360 + [1] * 222 + [2] * 191 + [3] * 135 + [4] * 54 + [5] * 47 + [6] * 39
    ...                   + [7] * 8 + [8] * 14 + [9] * 3 + [10] * 20 + [11] + [12] * 6 + [13] * 5 + [15] * 11
    ...                   + [20] * 6 + [30] * 2)
    True
    >>> looks_like_counts([1] * 300 + [2] * 150 + [3] * 80 + [4] * 30 + [10] * 40)
    False

    A quantity coded on bins that widen (:func:`_binned`: affairs a year coded 0, 1, 2, 3, then 7
    for 4 to 10 and 12 for monthly or more) is a count when its rows per unit of each bin's width
    fall away from one peak:

    >>> looks_like_counts([0] * 451 + [1] * 34 + [2] * 17 + [3] * 19 + [7] * 42 + [12] * 38)
    True
    """
    values = np.asarray(values, dtype=np.float64)
    levels, taken = np.unique(values, return_counts=True)
    if levels.size < MIN_COUNT_VALUES or levels[-1] - levels[0] >= MAX_COUNT_RANGE:
        return False
    if levels.size >= MIN_SCALE_VALUES and levels[-1] - levels[0] + 1 == levels.size:
        # a scale: every whole number of a range of ten or more, unequally common
        return bool(taken.max() >= MIN_SCALE_RATIO * taken.min())
    shapes = [values]
    if levels[0] == 0:  # a count with extra zeros (a hurdle): the positive values alone
        shapes.append(values[values > 0])
    if levels[-1] - levels[-2] == 1 and taken[-2] < taken[-1] <= TOP_CODE_RATIO * taken[-2]:
        shapes += [v[v < levels[-1]] for v in shapes]  # a top code ("8 or more"): without it
    return any(_has_count_shape(v) for v in shapes)


def _has_count_shape(values) -> bool:
    """The shape test of :func:`looks_like_counts` on ``values`` as they are (the scale, the extra
    zeros and the top code are its caller's)."""
    levels, taken = np.unique(values, return_counts=True)
    if levels.size < MIN_COUNT_VALUES or taken.max() < MIN_COUNT_RATIO * taken.min():
        return False
    if _binned(levels) and _falls_per_unit(levels, taken):
        return True
    # every whole number of the range, those never taken at 0: a gap among the long tail's few
    # rows (8 and 10 articles never written, 9 by two chemists) is sampling noise, while a value
    # held by 5 rows or more beyond a gap is not
    counts = np.zeros(int(levels[-1] - levels[0]) + 1, dtype=np.int64)
    counts[(levels - levels[0]).astype(np.int64)] = taken
    k = counts.size
    peak = int(np.argmax(counts))

    def rises(a, b):  # from a neighbour a further from the peak to b nearer it, up to noise
        return a <= b + 2 * np.sqrt(a + b)

    if 0 < peak < k - 1:  # an inner mode: a count's has a neighbour of comparable frequency
        top, near = counts[peak], max(counts[peak - 1], counts[peak + 1])
        if near + 2 * np.sqrt(near + top) < MIN_PEAK_NEIGHBOUR * top:
            return False

    def falls(tail):  # every step of ``tail`` away from the peak falls, up to noise
        return all(rises(tail[i], tail[i - 1]) for i in range(1, len(tail)))

    if not all(rises(counts[i], counts[i + 1]) for i in range(peak)):
        return False
    if falls(counts[peak:]):
        return True
    values = levels[0] + np.arange(k)
    heap = (np.arange(k) > peak) & (values >= HEAP_FROM) & (values % HEAP_STEP == 0) & (counts > 0)
    if heap.sum() < 2 or not np.any((counts > 0) & ~heap & (values > values[heap][0])):
        return False
    # heaped: the other values fall, and so do the round ones among themselves
    return falls(counts[peak:][~heap[peak:]]) and falls(counts[heap])


def _binned(levels) -> bool:
    """Whether whole-number ``levels`` (sorted, distinct) are a quantity coded on widening bins:
    the steps between them never narrow, and at least ``MIN_BIN_GAPS`` (2) of them skip values
    (affairs a year coded 0, 1, 2, 3, 7 for 4 to 10 and 12 for monthly or more). One code set
    apart (1 to 4 and 9 for "other") skips once; 1 to 5, 8 and 9 (refused, unknown) narrows."""
    steps = np.diff(levels)
    return bool(np.all(np.diff(steps) >= 0) and np.sum(steps > 1) >= MIN_BIN_GAPS)


def _falls_per_unit(levels, taken) -> bool:
    r"""Whether the rows per unit of a binned quantity's values (:func:`_binned`), a value's rows
    :math:`c_i` over the width :math:`w_i` of the bin it codes (halfway to its neighbours; at an
    end, a whole step), rise to one peak and fall after it, up to two standard errors,
    :math:`2\sqrt{c_a / w_a^2 + c_b / w_b^2}`, as a count's rows per value do."""
    edges = np.concatenate([[levels[0] - (levels[1] - levels[0]) / 2], (levels[1:] + levels[:-1]) / 2,
                            [levels[-1] + (levels[-1] - levels[-2]) / 2]])
    width = np.diff(edges)
    density = taken / width
    noise = 2 * np.sqrt(taken[:-1] / width[:-1] ** 2 + taken[1:] / width[1:] ** 2)
    peak = int(np.argmax(density))
    step = np.diff(density)  # density[i + 1] - density[i]
    return bool(np.all(step[:peak] >= -noise[:peak]) and np.all(step[peak:] <= noise[peak:]))


def describe_task(y) -> tuple[str, str]:
    """``(task, why)``: what :func:`infer_task` reads ``y`` as, and in a few words why (what
    ``ridgeback describe`` prints beside the target).

    Examples
    --------
    >>> describe_task(["a", "b", "a"])
    ('classification', '2 classes')
    >>> describe_task([0] * 50 + [1] * 80 + [2] * 60 + [3] * 30 + [4] * 10 + [5] * 3)
    ('regression', '6 whole numbers (0 to 5) that look like a count or a score')
    >>> describe_task([0.5, 1.5, 2.25]), describe_task([0.5] * 3 + [1.5] * 9 + [2.5] * 30 + [3.5] * 9 + [4.5])
    (('regression', 'numbers'), ('regression', 'numbers'))
    """
    values = (pd.Series(y) if not isinstance(y, pd.Series) else y).dropna()
    reading, levels = _reading(values), pd.unique(values)
    if reading == "labels":
        return "classification", f"{levels.size} classes"
    if reading == "counts":
        low, high = int(np.min(levels)), int(np.max(levels))
        return "regression", (f"{levels.size} whole numbers ({low} to {high}) that look like a count or a "
                              f"score")
    return "regression", "numbers"


def numbered_classes_note(y, name="target") -> str | None:
    """A sentence for a target that :func:`infer_task` reads as three or more classes written as
    whole numbers (a score from 0 to 10, a count): such a column may as well be a quantity, and
    only the user knows which. None for any other target.

    Examples
    --------
    >>> numbered_classes_note([0, 3, 10, 3, 7])
    'target: 4 whole-number values (0 to 10) read as class labels; --task regression predicts it as a number'
    >>> numbered_classes_note([0, 1, 1]) is None, numbered_classes_note(["a", "b", "c"]) is None
    (True, True)
    """
    s = pd.Series(y) if not isinstance(y, pd.Series) else y
    values = s.dropna()
    if values.dtype.kind not in "iuf" or infer_task(values) != "classification":
        return None
    levels = np.unique(values.to_numpy())
    if levels.size < 3:
        return None
    low, high = (int(v) for v in (levels[0], levels[-1]))
    return (f"{name}: {levels.size} whole-number values ({low} to {high}) read as class labels; "
            f"--task regression predicts it as a number")


def _rows(mask) -> str:
    rows = np.flatnonzero(np.asarray(mask))
    shown = ", ".join(str(r) for r in rows[:5])
    return f"row{'s' if rows.size > 1 else ''} {shown}" + (f" (and {rows.size - 5} "
                                                           f"more)" if rows.size > 5 else "")


def _show(value):
    """repr of a value with NumPy scalars shown as plain Python ones (nan, not np.float64(nan))."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def check_target(y, task, *, name=None):
    """Return ``y`` as a Series after checking it can be learned for ``task``.

    Refuses missing values and infinities (naming the data rows, 0-based, header not
    counted), a regression target that is not numeric and a classification target with a
    single class, or with more than ``MANY_CLASSES`` classes and fewer than two rows per
    class. A regression target written with currency or percent signs, thousands separators
    or one unit (``$1,234.50``) is read as those numbers.
    """
    s = pd.Series(y) if not isinstance(y, pd.Series) else y.reset_index(drop=True)
    name = str(name if name is not None else (s.name if s.name is not None else "target"))
    if s.size == 0:
        raise ValueError(f"The target `{name}` has no rows. Received: {name} with 0 rows")
    missing = s.isna().to_numpy()
    if missing.any():
        raise ValueError(f"The target column {name!r} has missing values at {_rows(missing)}; remove "
                         f"those rows (`ridgeback train` and `tune` leave them out with "
                         f"--drop-missing-target). "
                         f"Received: {name}={_show(s[missing].iloc[0])}")
    if task == "regression":
        numeric = pd.to_numeric(s, errors="coerce")
        if numeric.isna().any() and s.dtype.kind not in "iufb":  # $1,234.50, 12,5 %, 74 bhp as numbers
            fmt = number_format(s)
            numeric = read_formatted(s, fmt) if fmt else numeric
        bad = numeric.isna().to_numpy()
        if bad.any():
            raise ValueError(f"The regression target {name!r} must be numeric; {_rows(bad)} cannot be "
                             f"read as "
                             f"numbers. Received: {name}={_show(s[bad].iloc[0])}")
        s = numeric.astype(np.float64)
    if s.dtype.kind == "f":
        inf = ~np.isfinite(s.to_numpy())
        if inf.any():
            raise ValueError(f"The target column {name!r} has infinite values at {_rows(inf)}. "
                             f"Received: {name}={_show(s[inf].iloc[0])}")
    if task == "classification":
        classes = pd.unique(s)
        if classes.size < 2:
            raise ValueError(f"The target column {name!r} has a single class, so there is nothing to "
                             f"classify; "
                             f"expected at least 2 classes. Received: {name}={_show(classes[0])} in all "
                             f"{s.size} rows")
        if classes.size > MANY_CLASSES and 2 * classes.size > s.size:
            # every class needs rows to be learned from and a row left to be checked on; one
            # output per row would also make the probabilities a rows x rows matrix
            raise ValueError(f"The target column {name!r} has {classes.size:,} classes in {s.size:,} rows, "
                             f"fewer than 2 rows per class: it names or identifies rows rather than "
                             f"labelling them; choose another target, or --task regression if its "
                             f"values are numbers to predict. Received: {name} with {classes.size:,} "
                             f"distinct values")
    elif task != "regression":
        raise ValueError(f"`task` must be 'classification' or 'regression'. Received: task={task!r}")
    return s


def _one_spelling_per_class(s: pd.Series, name: str) -> pd.Series:
    """Class labels written as text, each class spelled one way (:mod:`.spellings`): ``yes``,
    ``Yes`` and `` yes`` are one class, written as its most frequent spelling, with a warning
    that names the spellings merged."""
    if s.dtype.kind != "O" or s.isna().any() or not all(isinstance(v, str) for v in s):
        return s
    variants = spelling_variants(s)
    if not variants:
        return s
    warnings.warn(f"The target {name!r} has {describe_spellings(variants, int(s.nunique()))}; each is read "
                  f"as one class.", UserWarning, stacklevel=3)
    return pd.Series(fold_levels(s.to_numpy(dtype=object)), name=s.name)


def split_target(df, target, *, task=None):
    """Split ``df`` into features and the ``target`` column, with the checks of :func:`check_target`.

    Class labels written as text and spelled several ways (``yes``, ``Yes``, `` yes``) are one
    class each, written as its most frequent spelling, with a warning that names them (a table's
    column is read as a spreadsheet writes it; ``check_target`` and the estimators take labels
    as given).

    Returns
    -------
    X : DataFrame
        Every other column, unchanged (the preprocessor checks them when it is fitted).
    y : Series

    Examples
    --------
    >>> from ridgeback.tabular.data import read_table
    >>> X, y = split_target(read_table("builtin:wine"), "target")
    >>> X.shape, sorted(y.unique().tolist())
    ((178, 13), [0, 1, 2])
    """
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"`df` must be a pandas DataFrame. Received: df of type {type(df).__name__}")
    if df.shape[1] == 0 or df.shape[0] == 0:
        raise ValueError(f"The data has no rows or no columns; expected a header and data rows. "
                         f"Received: data with shape {df.shape}")
    if target not in df.columns:
        available = ", ".join(repr(str(c)) for c in list(df.columns)[:20])
        raise ValueError(f"Target column {target!r} not found; available columns: {available}. "
                         f"Received: target={target!r}")
    if df.shape[1] < 2:
        raise ValueError(f"The data has no feature columns besides the target. Received: "
                         f"columns={list(df.columns)}")
    y = df[target]
    if isinstance(y, pd.DataFrame):
        raise ValueError(f"Target column {target!r} appears more than once. Received: target={target!r}")
    if task is None:
        task = infer_task(y.dropna())
        if task == "classification" and y.dtype.kind not in "biuf":
            # a price written $1,234.50 is a number to regress, not 395 classes; labels written
            # as numbers with few distinct values (10 %, 20 %) stay the labels they were
            fmt = number_format(y.dropna())
            if fmt and infer_task(read_formatted(y.dropna(), fmt)) == "regression":
                task = "regression"
    if task == "classification":
        y = _one_spelling_per_class(y.reset_index(drop=True), str(target))
    y = check_target(y, task, name=str(target))
    return df.drop(columns=[target]).reset_index(drop=True), y
