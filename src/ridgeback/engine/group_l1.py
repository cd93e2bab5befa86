"""The group lasso, :class:`GroupL1`: a penalty on the Euclidean norm of groups of rows of a
weight (input units), whose proximal step removes a whole group at once."""

from __future__ import annotations

import numpy as np

from .._util.validation import check_nonnegative
from .penalties import Regularizer

__all__ = ["GroupL1"]


class GroupL1(Regularizer):
    r"""Group lasso over rows, :math:`R(W) = \lambda \sum_g \|W_{g}\|_2`, where :math:`W_g`
    holds every row of group :math:`g` (all their entries in one Euclidean norm).

    A row of a weight matrix holds every outgoing weight of one input unit, so on the
    first layer a group of rows is a set of input columns that are removed together. By
    default (``groups=None``) each row is its own group, :math:`R(W) = \lambda \sum_j \|W_{j,:}\|_2`:
    one group per input column. With ``groups``, one integer label per row, the rows that
    share a label form one group: the one-hot columns of one categorical column, say, so that
    the column is kept or removed as a whole.

    The groups are **not** weighted by their size (Yuan & Lin 2006 use
    :math:`\sqrt{p_g}\,\|W_g\|_2` for a group of :math:`p_g` orthonormal columns): the rows of a
    one-hot block are 0/1 columns of which exactly one is 1 in each row of data, so together
    they carry the scale of *one* standardized column (:math:`\sum_k E[x_k^2] = 1`), and a group
    that is pure noise has a gradient norm at zero of the same size as a single noise column's.
    The same :math:`\lambda` then weighs a categorical column against a numeric one fairly. A
    group of several standardized columns (the parts of a date, a text column's components)
    needs a :math:`\lambda` about :math:`\sqrt{p_g}` times larger to be removed.

    The proximal step is block soft-thresholding of each group as a whole,

    .. math:: W_g \leftarrow W_g\,\max\!\left(1 - \frac{t_g\lambda}{\|W_g\|_2}, 0\right),

    so a group's rows become exactly zero together. Block soft-thresholding needs one step
    per group: under Adam/RMSprop the step :math:`t_g` is the harmonic mean of the group's
    per-coordinate steps, :math:`\mathrm{lr}/\operatorname{mean}_{k \in g}(\sqrt{\hat v_k}+\epsilon)`,
    so that one coordinate with no gradient (a dead unit downstream, a level absent from
    a batch) cannot make the threshold of a whole group explode.
    The gradient is :math:`\lambda W_g/\|W_g\|_2` on the rows of group :math:`g` (zero for a
    zero group).

    Parameters
    ----------
    strength : float >= 0
        :math:`\lambda`.
    proximal : bool
        Block soft-thresholding after each step (default), or the gradient in the cost.
    groups : sequence of int, optional
        One label per row of the weight it is put on (its first axis: the input units);
        rows with the same label form one group. None: each row is a group.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[3.0, 0.0], [0.0, 4.0], [0.3, 0.0]])
    >>> GroupL1(1.0, groups=[0, 0, 1]).prox(w, step=1.0); w  # norms 5 and 0.3: factors 0.8 and 0
    array([[2.4, 0. ],
           [0. , 3.2],
           [0. , 0. ]])
    """

    elementwise = False

    def __init__(self, strength, proximal=True, groups=None):
        self.strength = check_nonnegative("strength", strength)
        self.proximal = bool(proximal)
        self.groups = None if groups is None else _check_groups(groups)
        if self.groups is not None:
            # labels -> 0..G-1 once, for bincount; the labels themselves are what get_config keeps
            _, codes = np.unique(np.asarray(self.groups, dtype=np.int64), return_inverse=True)
            self._codes = codes.astype(np.intp).ravel()
            self._n_groups = int(codes.max()) + 1 if codes.size else 0

    @staticmethod
    def _rows(w):
        return w.reshape(w.shape[0], -1) if w.ndim > 1 else w.reshape(1, -1)

    def _group_codes(self, rows):
        """The group of each row of ``rows``, checked against their number."""
        if len(self._codes) != rows.shape[0]:
            raise ValueError(f"`groups` must give one label per row of the weight ({rows.shape[0]} rows). "
                             f"Received: groups of length {len(self._codes)}")
        return self._codes

    def _group_norms(self, rows):
        """:math:`\\|W_g\\|_2` per group (float64), and each row's group."""
        codes = self._group_codes(rows)
        squares = np.einsum("ij,ij->i", rows, rows, dtype=np.float64)
        return np.sqrt(np.bincount(codes, weights=squares, minlength=self._n_groups)), codes

    def penalty(self, w):
        if self.groups is None:
            return self.strength * float(np.linalg.norm(self._rows(w), axis=1).sum())
        norms, _ = self._group_norms(self._rows(w))
        return self.strength * float(norms.sum())

    def gradient(self, w):
        rows = self._rows(w)
        if self.groups is None:
            norms = np.linalg.norm(rows, axis=1, keepdims=True)
        else:
            group_norms, codes = self._group_norms(rows)
            norms = group_norms[codes][:, None]
        safe = np.where(norms > 0, norms, 1)
        return (rows / safe * w.dtype.type(self.strength)).reshape(w.shape).astype(w.dtype, copy=False)

    def prox(self, w, step):
        if not self.proximal or self.strength == 0:
            return
        if self.groups is not None:
            self._prox_groups(w, step)
            return
        rows = self._rows(w)
        if np.ndim(step) > 0:
            # harmonic mean of the row's steps, lr / mean(sqrt(v_hat) + eps) under Adam: the
            # group's typical gradient scale, which a silent coordinate (a dead unit) cannot inflate
            step = 1.0 / (1.0 / self._rows(np.broadcast_to(step, w.shape))).mean(axis=1, keepdims=True)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.maximum(1 - np.multiply(step, self.strength) / norms, 0)
        factor[norms == 0] = 0
        rows *= factor.astype(w.dtype)

    def _prox_groups(self, w, step):
        """Block soft-thresholding of each group of rows, with the harmonic mean of its steps."""
        rows = self._rows(w)
        norms, codes = self._group_norms(rows)
        if np.ndim(step) > 0:
            inverse = (1.0 / self._rows(np.broadcast_to(step, w.shape))).sum(axis=1, dtype=np.float64)
            sizes = np.bincount(codes, minlength=self._n_groups) * rows.shape[1]
            step = sizes / np.bincount(codes, weights=inverse, minlength=self._n_groups)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.maximum(1 - np.multiply(step, self.strength) / norms, 0)
        factor[norms == 0] = 0
        rows *= factor[codes][:, None].astype(w.dtype)

    def get_config(self):
        config = {"strength": self.strength, "proximal": self.proximal}
        if self.groups is not None:
            config["groups"] = list(self.groups)
        return config


def _check_groups(groups) -> list:
    """``groups`` as a list of Python ints: a one-dimensional sequence of integer labels."""
    array = np.asarray(groups)
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        shown = f"{groups!r}"[:200]
        raise ValueError(f"`groups` must be a one-dimensional sequence of integer labels, one per row. "
                         f"Received: groups={shown}")
    return [int(g) for g in array]
