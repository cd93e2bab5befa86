r"""Entities encoded by their mean target: a person, a patient or a customer seen in several rows.

An identifier whose values repeat (a panel: 545 men followed over eight years; two rows per
patient) carries the entity's own level of the target, which no other column holds. As a number
its order means nothing; one-hot, hundreds of levels make the input wide and the fit slow. Each
level :math:`j` is encoded instead by the mean target of its :math:`n_j` training rows, shrunk
toward the mean :math:`\mu` of all rows when it has few (scikit-learn's ``TargetEncoder`` with
``smooth="auto"``, an empirical-Bayes estimate):

.. math::

    e_j = \lambda_j \bar y_j + (1 - \lambda_j)\,\mu, \qquad
    \lambda_j = \frac{n_j}{n_j + \sigma_j^2 / \tau^2},

where :math:`\sigma_j^2` is the variance of the target within level :math:`j` and :math:`\tau^2`
its variance over all rows. A binary target is encoded by the positive class's share (one
column), a multiclass one by each class's share (one column per class), a regression target by
its mean (one column).

**Out of fold.** The training rows are encoded by cross fitting: the rows are cut into
``ENTITY_FOLDS`` folds (stratified for classes), and each row's code comes from the other folds'
rows only, so that the network never reads a row's own target through its code. Rows to predict
get the codes of all training rows; a level never seen in training, or a missing value never
seen, gets :math:`\mu`. Each output column is then standardized by the mean and standard
deviation of the training rows' out-of-fold codes.
"""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pandas as pd

from .blocks import MISSING

__all__ = ["ENTITY_FOLDS", "TARGET_TYPES", "target_type_of", "entity_target", "fit_entity", "fit_entities",
           "encode_entity", "entity_names", "entity_width", "with_missing", "rows_digest"]

#: folds of the cross fitting that encodes the training rows (scikit-learn's default)
ENTITY_FOLDS = 5
#: the Preprocessor's ``target_type`` values; "auto" reads it off the target (:func:`target_type_of`)
TARGET_TYPES = ("auto", "continuous", "binary", "multiclass")


def target_type_of(y, target_type: str = "auto") -> str:
    """``"continuous"``, ``"binary"`` or ``"multiclass"``: ``target_type`` itself unless it is
    ``"auto"``, which reads a float target as continuous (a regression target, as
    :func:`~ridgeback.tabular.target.check_target` gives it) and any other as classes.

    >>> target_type_of([0.5, 1.5]), target_type_of(["a", "b", "a"]), target_type_of([1, 2, 3])
    ('continuous', 'binary', 'multiclass')
    """
    if target_type != "auto":
        return target_type
    values = np.asarray(y)
    if values.dtype.kind == "f":
        return "continuous"
    return "binary" if len(pd.unique(values.astype(str))) == 2 else "multiclass"


def entity_target(columns: list, y, n_rows: int, target_type: str) -> str | None:
    """The target type the entity ``columns`` are encoded for (None when there are none),
    refusing a missing target or one of another length than the ``n_rows`` rows."""
    if not columns:
        return None
    if y is None:
        raise ValueError(f"Columns {columns} are entities (identifiers whose values repeat), encoded by "
                         f"their mean target: fit needs the target, fit(X, y); or name them in `numeric` or "
                         f"`drop`. Received: y=None")
    if len(y) != n_rows:
        raise ValueError(f"`X` and `y` must have the same number of rows. Received: X rows={n_rows}, "
                         f"y rows={len(y)}")
    return target_type_of(y, target_type)


def entity_width(y, target_type: str | None) -> int:
    """The codes each entity column gets for the target ``y`` of ``target_type``: one per class
    of a multiclass target (scikit-learn's ``TargetEncoder`` encodes it one class against the
    rest), else one.

    >>> entity_width(["a", "b", "c", "a"], "multiclass"), entity_width([0.5, 1.5], "continuous")
    (3, 1)
    """
    return len(pd.unique(np.asarray(y).astype(str))) if target_type == "multiclass" else 1


def with_missing(levels: np.ndarray) -> np.ndarray:
    """Level strings (missing as NaN) with a missing value written as the level ``"<missing>"``."""
    levels = np.array(levels, dtype=object)
    levels[pd.isna(levels)] = MISSING
    return levels


def fit_entities(columns: list, y, target_type: str | None) -> tuple[list, tuple | None]:
    """:func:`fit_entity` for each column's level strings (missing as NaN): the states, and
    ``(rows_digest, codes)``, the training rows' out-of-fold codes side by side (None without
    columns)."""
    states, codes, levels = [], [], []
    for values in columns:
        values = with_missing(values)
        state, fitted = fit_entity(values, y, target_type, seed=0)
        states.append(state)
        codes.append(fitted)
        levels.append(values)
    return states, ((rows_digest(levels), np.hstack(codes)) if codes else None)


def fit_entity(levels: np.ndarray, y, target_type: str, seed: int = 0) -> tuple[dict, np.ndarray]:
    """The encoding of one entity column, learned from its level strings ``levels`` (missing
    already written as a level) and the target ``y``, and the training rows' out-of-fold codes.

    Returns
    -------
    state : dict
        ``levels`` (list of str), ``values`` (float64, ``(n_levels, k)``: each level's code on
        all rows), ``prior`` (``(k,)``: :math:`\\mu`, the code of an unseen level), ``means`` and
        ``scales`` (``(k,)``: the standardization), ``labels`` (the class of each output column
        for a multiclass target, else ``[]``).
    codes : ndarray of shape (n_rows, k)
        The training rows' out-of-fold codes, standardized.
    """
    from sklearn.model_selection import KFold, StratifiedKFold
    from sklearn.preprocessing import TargetEncoder

    folds = (KFold if target_type == "continuous" else StratifiedKFold)(ENTITY_FOLDS, shuffle=True,
                                                                          random_state=seed)
    encoder = TargetEncoder(target_type=target_type, smooth="auto", cv=folds)
    column = np.asarray(levels, dtype=object).reshape(-1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a fold short of a class: scikit-learn says so
        raw = np.asarray(encoder.fit_transform(column, np.asarray(y)), dtype=np.float64)
    values = np.column_stack([np.asarray(e, dtype=np.float64) for e in encoder.encodings_])
    prior = np.atleast_1d(np.asarray(encoder.target_mean_, dtype=np.float64))
    means = raw.mean(axis=0)
    scales = raw.std(axis=0)
    scales[~(scales > 0)] = 1.0
    labels = [str(c) for c in encoder.classes_] if target_type == "multiclass" else []
    state = {"levels": [str(v) for v in encoder.categories_[0]], "values": values, "prior": prior,
             "means": means, "scales": scales, "labels": labels}
    return state, (raw - means) / scales


def encode_entity(levels: np.ndarray, state: dict) -> np.ndarray:
    """The standardized codes ``(n_rows, k)`` of the level strings ``levels`` (missing already
    written as a level); a level not seen in training gets the prior."""
    index = pd.Index(state["levels"]).get_indexer(pd.Index(np.asarray(levels, dtype=object)))
    codes = np.where((index >= 0)[:, None], state["values"][np.maximum(index, 0)], state["prior"][None, :])
    return (codes - state["means"]) / state["scales"]


def entity_names(column: str, state: dict) -> list:
    """The output column names of one entity column: ``"column.target_mean"``, or one per class
    ``"column.target_mean=class"``."""
    if not state["labels"]:
        return [f"{column}.target_mean"]
    return [f"{column}.target_mean={label}" for label in state["labels"]]


def rows_digest(columns: list) -> str:
    """A digest of the entity columns' level strings, row by row: what the out-of-fold codes kept
    at fit belong to."""
    h = hashlib.sha1()
    for levels in columns:
        h.update("\x1f".join(map(str, levels)).encode("utf-8"))
        h.update(b"\x1e")
    return h.hexdigest()
