r"""Regularizers (penalties in the cost or proximal steps) and constraints (projections).

Semantics, written down once
----------------------------
* A regularizer applies to **weights**, never to biases, unless a layer asks
  (``Dense(..., regularize_bias=True)``).
* Strengths are **not** divided by the batch or data size: the training cost is
  ``mean data loss over the batch + penalty(weights)``.
* A *smooth* regularizer (:class:`L2`, or :class:`L1` with ``proximal=False``) adds
  ``gradient(w)`` to each weight's gradient before the optimizer step.
* A *proximal* regularizer (:class:`L1`, :class:`ElasticNet`, :class:`GroupL1`, all
  ``proximal=True`` by default) is left out of the gradient; after each optimizer step
  the weights are replaced by the proximal operator
  :math:`\operatorname{prox}_{t\lambda R}(w) = \arg\min_u \tfrac12\|u-w\|^2 + t\lambda R(u)`
  with step ``t`` the optimizer's step size for that coordinate
  (:meth:`ridgeback.engine.optimizers.Optimizer.step_size`). For L1 this is soft-thresholding,
  which sets weights *exactly* to zero.

  Why ``t`` is per coordinate under Adam/RMSprop: those optimizers take the step
  :math:`-t_i \hat m_i` with :math:`t_i = \mathrm{lr}/(\sqrt{\hat v_i}+\epsilon)`.
  Thresholding with the same :math:`t_i\lambda` is the proximal gradient method in the
  metric Adam uses, so its fixed points satisfy :math:`0 \in \nabla L + \lambda\,\partial\|w\|_1`:
  the stationary points of *loss + λ‖w‖₁*. λ therefore keeps the meaning it has under SGD,
  whereas a plain ``lr·λ`` threshold would weigh the penalty against a rescaled gradient.
* A *constraint* (:class:`MaxNorm`) projects the weights after each step.

``penalty(w)`` and ``gradient(w)`` always return the value and (sub)gradient of the
penalty, whatever the mode, so that :func:`ridgeback.check_gradients` and parity tests
see the same cost.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from .._util.configured import Configured
from .._util.validation import check_nonnegative
from .constraints import Constraint, MaxNorm

#: elements per block of L2's gradient product: its temporary stays cache-sized
_BLOCK = 1 << 16

__all__ = [
    "Regularizer",
    "L1",
    "L2",
    "ElasticNet",
    "GroupL1",
    "Sum",
    "Constraint",
    "MaxNorm",
    "REGISTRY",
    "get",
    "serialize",
    "deserialize",
]


def _soft_threshold(w: np.ndarray, threshold) -> None:
    """In place: :math:`w \\leftarrow \\operatorname{sign}(w)\\max(|w| - \\tau, 0)`."""
    shrunk = np.abs(w)
    shrunk -= threshold
    np.maximum(shrunk, 0, out=shrunk)
    np.copysign(shrunk, w, out=w)


class Regularizer(Configured, ABC):
    """Base class: a penalty :math:`R(w)` with its gradient and, optionally, a proximal step.

    Subclasses define ``penalty``, ``gradient`` and, when ``proximal`` is True, ``prox``.
    ``elementwise`` regularizers act on each weight independently, so the Trainer may
    apply them to several weight arrays at once, or to any slice of them (it adds their
    gradient inside the optimizer's step, a slice of the flat parameter vector at a time).
    A penalty that couples weights (e.g. by rows) must set ``elementwise = False``.
    """

    proximal = False
    elementwise = True

    @property
    def l2_coefficient(self) -> float | None:
        r"""The coefficient :math:`c` when :meth:`add_gradient` adds exactly ``w * c`` to each
        element's gradient (an L2 penalty, :math:`c = 2\lambda`), else None.

        An optimizer may then add this gradient inside its own update, as coupled weight
        decay, with the same arithmetic (Adam's compiled update does). A subclass that changes
        the gradient of a regularizer that has a coefficient must override this.
        """
        return None

    @property
    def smooth(self) -> bool:
        """Whether part of this regularizer goes into the gradient (see :meth:`add_gradient`)."""
        return not self.proximal

    @abstractmethod
    def penalty(self, w: np.ndarray) -> float:
        ...

    @abstractmethod
    def gradient(self, w: np.ndarray) -> np.ndarray:
        ...

    def add_gradient(self, w: np.ndarray, grad: np.ndarray) -> None:
        """In place, ``grad += gradient(w)`` for the smooth part (nothing for proximal parts)."""
        if not self.proximal:
            grad += self.gradient(w)

    def prox(self, w: np.ndarray, step) -> None:
        """In place, the proximal step with step size ``step`` (scalar or array like ``w``)."""
        return None  # a smooth regularizer acts through the gradient only: no proximal step

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __add__(self, other):
        if not isinstance(other, Regularizer):
            return NotImplemented
        return Sum(self, other)


class L1(Regularizer):
    r"""Lasso penalty :math:`R(w) = \lambda \sum_i |w_i|`, gradient :math:`\lambda\,\operatorname{sign}(w)`.

    With ``proximal=True`` (default) the penalty is applied after each optimizer step by
    soft-thresholding, :math:`w \leftarrow \operatorname{sign}(w)\max(|w| - t\lambda, 0)`, which
    produces exact zeros. With ``proximal=False`` the subgradient is added to the cost's
    gradient, as Keras does: weights then oscillate around zero and almost never reach it.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([0.5, -0.05, 0.2])
    >>> L1(0.1).prox(w, step=1.0); w
    array([ 0.4, -0. ,  0.1])
    """

    def __init__(self, strength, proximal=True):
        self.strength = check_nonnegative("strength", strength)
        self.proximal = bool(proximal)

    def penalty(self, w):
        return self.strength * float(np.abs(w).sum())

    def gradient(self, w):
        return np.sign(w) * w.dtype.type(self.strength)

    def prox(self, w, step):
        if self.proximal and self.strength > 0:
            _soft_threshold(w, np.multiply(step, self.strength, dtype=w.dtype))

    def get_config(self):
        return {"strength": self.strength, "proximal": self.proximal}


class L2(Regularizer):
    r"""Ridge penalty :math:`R(w) = \lambda \sum_i w_i^2`, gradient :math:`2\lambda w`.

    Added to the cost (never proximal). Under plain SGD, ``L2(wd/2)`` takes exactly the
    steps of ``SGD(weight_decay=wd)``; under Adam it is *not* AdamW (see the guide).
    """

    def __init__(self, strength):
        self.strength = check_nonnegative("strength", strength)

    def penalty(self, w):
        return self.strength * float(np.vdot(w, w))

    def gradient(self, w):
        return w * w.dtype.type(2.0 * self.strength)

    @property
    def l2_coefficient(self):
        return 2.0 * self.strength

    def add_gradient(self, w, grad):
        # grad += 2λw; on a large array a block of rows at a time, so that the product's
        # temporary stays cache-sized instead of being a fresh model-sized allocation every
        # step (same arithmetic per element, whatever the block)
        if self.strength > 0:
            c = w.dtype.type(self.l2_coefficient)
            if w.size <= _BLOCK:
                grad += w * c
                return
            rows = _BLOCK // (w.size // len(w)) + 1
            for lo in range(0, len(w), rows):
                grad[lo:lo + rows] += w[lo:lo + rows] * c

    def get_config(self):
        return {"strength": self.strength}


class ElasticNet(Regularizer):
    r"""Elastic net :math:`R(w) = \lambda_1 \sum|w_i| + \lambda_2 \sum w_i^2`.

    Proximal step (default): soft-threshold by :math:`t\lambda_1`, then shrink by
    :math:`1/(1 + 2t\lambda_2)` -- the exact proximal operator of the sum.
    With ``proximal=False`` the full (sub)gradient :math:`\lambda_1\operatorname{sign}(w) + 2\lambda_2 w`
    goes into the cost.
    """

    def __init__(self, l1, l2, proximal=True):
        self.l1 = check_nonnegative("l1", l1)
        self.l2 = check_nonnegative("l2", l2)
        self.proximal = bool(proximal)

    def penalty(self, w):
        return self.l1 * float(np.abs(w).sum()) + self.l2 * float(np.vdot(w, w))

    def gradient(self, w):
        return np.sign(w) * w.dtype.type(self.l1) + w * w.dtype.type(2.0 * self.l2)

    def prox(self, w, step):
        if not self.proximal:
            return
        if self.l1 > 0:
            _soft_threshold(w, np.multiply(step, self.l1, dtype=w.dtype))
        if self.l2 > 0:
            w /= 1 + np.multiply(step, 2.0 * self.l2, dtype=w.dtype)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2, "proximal": self.proximal}


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


class Sum(Regularizer):
    """The sum of regularizers: penalties and gradients add; proximal steps apply in order.

    Applying the L1 step and then the group step is the exact proximal operator of the
    sparse group lasso; for other pairs it is the usual splitting approximation.

    Examples
    --------
    >>> reg = L1(0.01) + L2(0.001)
    >>> reg
    Sum(L1(strength=0.01, proximal=True), L2(strength=0.001))
    """

    def __init__(self, *terms):
        flat = []
        for term in terms:
            flat.extend(term.terms if isinstance(term, Sum) else [term])
        if not flat or not all(isinstance(t, Regularizer) for t in flat):
            raise ValueError(f"`terms` must be Regularizer instances. Received: terms={terms!r}")
        self.terms = tuple(flat)
        self.proximal = any(t.proximal for t in flat)
        self.elementwise = all(t.elementwise for t in flat)

    @property
    def smooth(self):
        return any(t.smooth for t in self.terms)

    def penalty(self, w):
        return sum(t.penalty(w) for t in self.terms)

    def gradient(self, w):
        return sum(t.gradient(w) for t in self.terms)

    def add_gradient(self, w, grad):
        for t in self.terms:
            t.add_gradient(w, grad)

    def prox(self, w, step):
        for t in self.terms:
            t.prox(w, step)

    def get_config(self):
        return {"terms": [serialize(t) for t in self.terms]}

    @classmethod
    def from_config(cls, config):
        return cls(*(deserialize(t) for t in config["terms"]))

    def __repr__(self):
        return f"Sum({', '.join(map(repr, self.terms))})"


REGISTRY = {
    "l1": L1,
    "l2": L2,
    "elastic_net": ElasticNet,
    "group_l1": GroupL1,
    "sum": Sum,
    "max_norm": MaxNorm,
}
_NAMES = {cls: name for name, cls in REGISTRY.items()}


def serialize(obj) -> dict:
    """A plain, JSON-ready dict ``{"name": ..., "config": {...}}`` that :func:`deserialize` rebuilds."""
    return {"name": _NAMES[type(obj)], "config": obj.get_config()}


def deserialize(spec: dict):
    """Rebuild a regularizer or constraint from :func:`serialize`'s output."""
    if not isinstance(spec, dict) or spec.get("name") not in REGISTRY:
        raise ValueError(
            f"Unknown regularizer spec; expected a name among {sorted(REGISTRY)}. Received: spec={spec!r}"
        )
    return REGISTRY[spec["name"]].from_config(spec.get("config", {}))


def get(name: str, *args, **kwargs):
    """Build a regularizer or constraint from its snake_case name: ``get("l1", 1e-4)``."""
    key = str(name).lower().replace("-", "_")
    if key not in REGISTRY:
        raise ValueError(f"Unknown regularizer; expected one of {sorted(REGISTRY)}. Received: name={name!r}")
    return REGISTRY[key](*args, **kwargs)
