r"""Columns that restate the target: a check before any fitting.

A table exported for modelling often holds a column written *after* the outcome, or computed from
it: the hours worked beside "did she work", the date of death beside "did he die", the grade that
decides "did the course succeed", the other budget shares beside the food share (which is one
minus their sum). Such a column gives a model a perfect score on the folds and on a held-out split
of the same table, and nothing on the rows it will be used on, where the column is not yet known.
No search can notice it: it is the best feature there is. The benchmark's tables held five of
them in 270 (benchmarks/QUALITY.md, "Held-apart tables audited by content").

The check fits, for every column alone, the simplest model that reads any function of it, and
scores it out of fold (``FOLDS`` folds, seeded):

- a **number** (written plainly, with currency or percent signs, thousands separators or a unit,
  or a date, read as the column plan reads them): the nearest training value's target (one
  nearest neighbour on the line; rows that share a value give their mean, or their most common
  class), so a threshold, a monotone transform or any smooth function of the column is read;
- **anything else** (strings, codes, dates as text): the mean target, or the most common class, of
  the training rows with the same value; a value no training row holds reads the training rows'
  mean or most common class. A missing value is a value of its own, in both.

A regression is scored by :math:`R^2`, a classification by the balanced accuracy (the mean of the
classes' recalls, so that predicting the common class of a rare event scores :math:`1/K`, not
the share of the common class). A column that reaches ``LEAK_LEVEL`` alone restates the target.
For a regression, the numeric columns together are checked too, by ordinary least squares on the
folds (each column standardized, a missing value read as its mean): shares that sum to a total
reach ``LINEAR_LEAK_LEVEL``.

The check only warns: a column that is known when a prediction is made (a measurement taken
before the outcome) is a good feature however well it predicts, and only the user knows when it
is written. ``--drop COLUMN`` takes it out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .encoders import datetime_parts
from .formats import date_format, is_datetime_dtype, looks_like_iso_dates, number_format, read_formatted

__all__ = ["LEAK_LEVEL", "LINEAR_LEAK_LEVEL", "FOLDS", "Restatement", "restating_columns", "leak_note"]

#: the out-of-fold score (R², or balanced accuracy) one column alone must reach to restate the target
LEAK_LEVEL = 0.99
#: the out-of-fold R² the numeric columns together must reach, in a linear least-squares fit
LINEAR_LEAK_LEVEL = 0.999
#: the folds of the check
FOLDS = 5
#: the fewest rows the check reads: on fewer, a perfect score is too easily chance
MIN_ROWS = 30
#: the most rows it reads (a seeded sample of a larger table: a restatement shows on any sample)
MAX_ROWS = 20_000
#: the most numeric columns the linear check fits together (more: it is left out)
MAX_LINEAR_COLUMNS = 500


@dataclass(frozen=True)
class Restatement:
    """What :func:`restating_columns` found: a column, or columns together, that restate the target.

    Attributes
    ----------
    columns : tuple of str
        One column, or the numeric columns that carry a linear fit (standardized coefficients of
        at least a tenth of the largest).
    score : float
        The out-of-fold score that reached ``LEAK_LEVEL`` (one column) or ``LINEAR_LEAK_LEVEL``
        (together).
    metric : {"r2", "balanced_accuracy"}
        The score's metric: R² for a regression, the balanced accuracy for classes.
    """

    columns: tuple
    score: float
    metric: str  # "r2" | "balanced_accuracy"

    def to_dict(self) -> dict:
        return {"columns": list(self.columns), "score": float(self.score), "metric": self.metric}

    def describe(self, target: str) -> str:
        names = ", ".join(repr(c) for c in self.columns[:5]) + (", ..." if len(self.columns) > 5 else "")
        how = "alone predicts" if len(self.columns) == 1 else "together, in a linear fit, predict"
        return f"{names} {how} {target!r} out of fold ({self.metric.replace('_', ' ')} {self.score:.4f})"


def _folds(y_codes: np.ndarray | None, n: int, seed: int) -> list:
    from sklearn.model_selection import KFold, StratifiedKFold

    if y_codes is not None and np.bincount(y_codes).min() >= FOLDS:
        splitter = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
        return list(splitter.split(np.zeros(n), y_codes))
    return list(KFold(FOLDS, shuffle=True, random_state=seed).split(np.zeros(n)))


def _numbers(column: pd.Series) -> np.ndarray | None:
    """The column as float64, read as the column plan reads numbers and dates: plain numbers
    (95% of the present values at least), numbers written with currency or percent signs,
    thousands separators or a unit (:func:`~ridgeback.tabular.formats.number_format`), dates
    (as days since 1970); None for anything else."""
    if pd.api.types.is_bool_dtype(column):
        return column.astype(np.float64).to_numpy()
    present = column.dropna()
    if present.empty:
        return None
    if not is_datetime_dtype(column):
        values = pd.to_numeric(column, errors="coerce")
        if values.notna().sum() >= 0.95 * len(present):
            return values.to_numpy(np.float64)
        fmt = number_format(present)
        if fmt:
            return read_formatted(column, fmt).to_numpy(np.float64)
        dates = date_format(present)[0]
        if not dates and not looks_like_iso_dates(present):
            return None
    else:
        dates = ""
    return datetime_parts(column, ("epoch_days",), dates)[0][:, 0]


def _group_stat(codes: np.ndarray, target: np.ndarray, classification: bool, n_classes: int):
    """Per code (0..k-1): the targets' mean, or their most common class."""
    k = int(codes.max()) + 1 if len(codes) else 0
    if classification:
        counts = np.zeros((k, n_classes))
        np.add.at(counts, (codes, target), 1.0)
        return counts.argmax(axis=1)
    sums = np.bincount(codes, weights=target, minlength=k)
    return sums / np.maximum(np.bincount(codes, minlength=k), 1)


def _fallback(target: np.ndarray, classification: bool, n_classes: int):
    return np.bincount(target, minlength=n_classes).argmax() if classification else float(target.mean())


def _predict_number(x_tr, t_tr, x_te, classification, n_classes):
    """One nearest neighbour on the line; missing values are a value of their own."""
    out = np.empty(len(x_te), dtype=np.int64 if classification else np.float64)
    fallback = _fallback(t_tr, classification, n_classes)
    miss_tr, miss_te = np.isnan(x_tr), np.isnan(x_te)
    if miss_tr.any():  # the training rows' missing values, as one value
        one_code = np.zeros(miss_tr.sum(), np.int64)
        out[miss_te] = _group_stat(one_code, t_tr[miss_tr], classification, n_classes)[0]
    else:
        out[miss_te] = fallback
    present = ~miss_tr
    if not present.any():
        out[~miss_te] = fallback
        return out
    values, codes = np.unique(x_tr[present], return_inverse=True)
    stat = _group_stat(codes, t_tr[present], classification, n_classes)
    x = x_te[~miss_te]
    right = np.clip(np.searchsorted(values, x), 0, len(values) - 1)
    left = np.clip(right - 1, 0, len(values) - 1)
    nearer_left = np.abs(x - values[left]) < np.abs(values[right] - x)
    out[~miss_te] = stat[np.where(nearer_left, left, right)]
    return out


def _predict_level(c_tr, t_tr, c_te, classification, n_classes):
    """The same value's training rows; a value no training row holds reads all of them."""
    stat = _group_stat(c_tr, t_tr, classification, n_classes)
    seen = c_te < len(stat)
    seen[seen] = np.isin(c_te[seen], np.unique(c_tr))
    out = np.full(len(c_te), _fallback(t_tr, classification, n_classes),
                  dtype=np.int64 if classification else np.float64)
    out[seen] = stat[c_te[seen]]
    return out


def _score(truth: np.ndarray, pred: np.ndarray, classification: bool, n_classes: int) -> float:
    if classification:
        recalls = [np.mean(pred[truth == k] == k) for k in range(n_classes) if np.any(truth == k)]
        return float(np.mean(recalls))
    total = float(np.sum((truth - truth.mean()) ** 2))
    return 1.0 - float(np.sum((truth - pred) ** 2)) / total if total > 0 else 0.0


def _standardized_fit(X_train, target, X_test):
    """Least squares on the columns standardized by the training rows (a missing value read as
    the mean): the coefficients (without the intercept) and the predictions for ``X_test``."""
    with np.errstate(all="ignore"):
        mean = np.nanmean(X_train, axis=0)
        std = np.nanstd(X_train, axis=0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    std = np.where((std > 0) & np.isfinite(std), std, 1.0)
    design = np.column_stack([np.nan_to_num((X_train - mean) / std), np.ones(len(X_train))])
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    return coef[:-1], np.column_stack([np.nan_to_num((X_test - mean) / std), np.ones(len(X_test))]) @ coef


def _linear_restatement(numbers: dict, target: np.ndarray, folds, metric: str):
    """The numeric columns together, when ordinary least squares on them reaches
    ``LINEAR_LEAK_LEVEL`` out of fold: a :class:`Restatement` naming the columns that carry the
    fit (standardized coefficients of at least a tenth of the largest), else None."""
    if not 2 <= len(numbers) <= MAX_LINEAR_COLUMNS:
        return None
    X = np.column_stack(list(numbers.values()))
    pred = np.empty(len(target))
    for train, test in folds:
        pred[test] = _standardized_fit(X[train], target[train], X[test])[1]
    score = _score(target, pred, False, 0)
    if score < LINEAR_LEAK_LEVEL:
        return None
    coef = np.abs(_standardized_fit(X, target, X[:1])[0])
    order = np.argsort(-coef)
    names = list(numbers)
    return Restatement(tuple(names[i] for i in order if coef[i] >= 0.1 * coef[order[0]]), score, metric)


def restating_columns(X: pd.DataFrame, y: pd.Series, task: str, seed: int = 0) -> list:
    """The columns of ``X`` that restate the target ``y`` (the module's docstring says how).

    Parameters
    ----------
    X : DataFrame
        The feature columns, raw (strings, numbers written with signs, dates, missing values).
    y : Series
        The target; rows where it is missing are left out.
    task : {"classification", "regression"}
        How the target is read.
    seed : int, default=0
        Seeds the folds, and the sample of a table of more than ``MAX_ROWS`` rows.

    Returns
    -------
    list of Restatement
        Best first: one per column that alone reaches ``LEAK_LEVEL``; for a regression where none
        does, the numeric columns together when least squares on them reaches
        ``LINEAR_LEAK_LEVEL`` (left out beyond ``MAX_LINEAR_COLUMNS`` of them). Empty for fewer
        than ``MIN_ROWS`` rows with a target.

    Raises
    ------
    ValueError
        For another ``task``, or a regression target that is not numbers.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> hours = np.where(rng.random(200) < 0.5, 0.0, rng.uniform(100, 2000, 200))
    >>> X = pd.DataFrame({"hours": hours, "age": rng.integers(20, 60, 200)})
    >>> [r.columns for r in restating_columns(X, pd.Series(hours > 0), "classification")]
    [('hours',)]
    """
    if task not in ("classification", "regression"):
        raise ValueError(f"`task` must be 'classification' or 'regression'. Received: task={task!r}")
    keep = y.notna().to_numpy()
    if keep.sum() < MIN_ROWS:
        return []
    X, y = X.loc[keep], y.loc[keep]
    if len(y) > MAX_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(len(y), MAX_ROWS, replace=False))
        X, y = X.iloc[rows], y.iloc[rows]
    classification = task == "classification"
    if classification:
        y_codes, levels = pd.factorize(y, sort=True)
        target, n_classes = y_codes.astype(np.int64), len(levels)
        if n_classes < 2:
            return []
    else:
        target, n_classes = pd.to_numeric(y, errors="coerce").to_numpy(np.float64), 0
        if not np.all(np.isfinite(target)):
            raise ValueError("`y` must hold numbers for a regression. Received: a value that is not a number")
    folds = _folds(target if classification else None, len(target), seed)
    metric = "balanced_accuracy" if classification else "r2"
    found, numbers = [], {}
    for name in X.columns:
        column = X[name]
        values = _numbers(column)
        if values is not None:
            numbers[name] = values
        else:
            codes = pd.factorize(column.astype("string").fillna("\0missing"))[0].astype(np.int64)
        pred = np.empty(len(target), dtype=np.int64 if classification else np.float64)
        read, inputs = (_predict_number, values) if values is not None else (_predict_level, codes)
        for train, test in folds:
            pred[test] = read(inputs[train], target[train], inputs[test], classification, n_classes)
        score = _score(target, pred, classification, n_classes)
        if score >= LEAK_LEVEL:
            found.append(Restatement((name,), score, metric))
    if not classification and not found:
        finite = {k: v for k, v in numbers.items() if np.isfinite(v[~np.isnan(v)]).all()}
        together = _linear_restatement(finite, target, folds, metric)
        if together is not None:
            found.append(together)
    return sorted(found, key=lambda r: -r.score)


def leak_note(found: list, target: str) -> str | None:
    """The one-line note of :func:`restating_columns`'s ``found`` (None when empty)."""
    if not found:
        return None
    parts = "; ".join(r.describe(target) for r in found[:3]) + ("; ..." if len(found) > 3 else "")
    single = [r.columns[0] for r in found if len(r.columns) == 1]
    drop = f"--drop {','.join(single[:3])}" if single else "--drop the one computed from it"
    return (f"leak check: {parts}. If that is written after the outcome or computed from it, it is not "
            f"known when a prediction is made, and the scores here say nothing of new rows: {drop}")
