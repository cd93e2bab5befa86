"""Feature groups: which network inputs come from one feature, and the matrix that carries them.

One column of a table can become several network inputs: a categorical column's one-hot
columns, a numeric column and its missing indicator, the parts of a date, a text column's
components. The *feature groups* of a matrix are one label per input column naming the
feature it came from (the preprocessing's ``feature_groups_``). With them,
:class:`~ridgeback.GroupL1` keeps or removes a feature's inputs together, and
:func:`~ridgeback.selected_features` names the features rather than the inputs.

An estimator's ``fit`` receives them either explicitly (``fit(X, y, feature_groups=...)``)
or with the matrix: ``Preprocessor.fit_transform`` returns a :class:`GroupedMatrix`, an
``ndarray`` that carries its labels, because a scikit-learn ``Pipeline`` (and the search
that clones and fits it fold by fold) hands the estimator the preprocessed matrix and
nothing else. Only that very array carries them: an element, a slice, a row selection or
the result of arithmetic on it is a plain ``ndarray``, and a copy, a transpose or a reshape
carries no labels, so labels never describe columns other than those they were made for.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["GroupedMatrix", "with_feature_groups", "feature_groups_of", "check_feature_groups", "group_codes"]


class GroupedMatrix(np.ndarray):
    """A float matrix whose ``feature_groups`` name the feature of each column (None: no labels).

    Examples
    --------
    >>> import numpy as np
    >>> X = with_feature_groups(np.zeros((2, 3)), ["age", "city", "city"])
    >>> X.feature_groups, type(X[:, 1:]).__name__, X[:1].sum()
    (['age', 'city', 'city'], 'ndarray', np.float64(0.0))
    """

    def __array_finalize__(self, obj):
        self.feature_groups = None  # any new array made from this one: labels are set on purpose only

    def __array_wrap__(self, array, context=None, return_scalar=False):
        # the result of a ufunc or a reduction is new data, not this matrix: a plain array or scalar
        array = array.view(np.ndarray)
        return array[()] if return_scalar else array

    def __getitem__(self, key):
        return self.view(np.ndarray)[key]

    def __reduce__(self):
        constructor, args, state = super().__reduce__()
        return constructor, args, (state, self.feature_groups)

    def __setstate__(self, state):
        array_state, groups = state
        super().__setstate__(array_state)
        self.feature_groups = groups


def check_feature_groups(labels, n_inputs: int, name: str = "feature_groups") -> list:
    """``labels`` as a list of ``n_inputs`` labels (str or int, not bool); a ValueError names ``name``."""
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__"):
        raise ValueError(f"`{name}` must be a sequence of {n_inputs} labels (str or int), one per input "
                         f"column. Received: {name}={labels!r}"[:400])
    out = [v.item() if isinstance(v, np.generic) else v for v in labels]
    bad = [v for v in out if isinstance(v, bool) or not isinstance(v, (str, numbers.Integral))]
    if len(out) != n_inputs or bad:
        what = f"labels such as {bad[0]!r}" if bad else f"{len(out)} labels"
        raise ValueError(f"`{name}` must give one label (str or int) per input column ({n_inputs}). "
                         f"Received: {name} with {what}")
    return [int(v) if isinstance(v, numbers.Integral) else v for v in out]


def with_feature_groups(X, labels) -> GroupedMatrix:
    """``X`` (a 2-D array, not copied) as a :class:`GroupedMatrix` carrying ``labels``, one per column."""
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"`X` must be a 2-D matrix to carry feature groups. "
                         f"Received: X with shape {X.shape}")
    out = X.view(GroupedMatrix)
    out.feature_groups = check_feature_groups(labels, X.shape[1])
    return out


def feature_groups_of(X):
    """The labels ``X`` carries (a :class:`GroupedMatrix` made by :func:`with_feature_groups`), else None."""
    return X.feature_groups if isinstance(X, GroupedMatrix) else None


def group_codes(labels) -> tuple[np.ndarray, list]:
    """The group of each input, numbered 0, 1, ... in order of first appearance, and each group's label.

    Examples
    --------
    >>> codes, names = group_codes(["age", "city", "age", "city", "when"])
    >>> codes.tolist(), names
    ([0, 1, 0, 1, 2], ['age', 'city', 'when'])
    """
    index = {}
    codes = np.array([index.setdefault(label, len(index)) for label in labels], dtype=np.intp)
    return codes, list(index)
