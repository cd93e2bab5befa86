"""The :class:`Regularizer` interface and the penalties that act on each weight alone: :class:`L1`,
:class:`L2`, :class:`ElasticNet`, and :class:`Sum`, which adds regularizers together.

What a penalty means (in the cost, or as a proximal step) is written down once in
:mod:`ridgeback.engine.regularizers`; the group lasso, which couples the rows of a weight, is
:mod:`ridgeback.engine.group_l1`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from .._util.configured import Configured
from .._util.validation import check_nonnegative

#: elements per block of L2's gradient product: its temporary stays cache-sized
_BLOCK = 1 << 16

__all__ = ["Regularizer", "L1", "L2", "ElasticNet", "Sum"]


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
        from .regularizers import serialize  # the registry imports this module: names cross at call time

        return {"terms": [serialize(t) for t in self.terms]}

    @classmethod
    def from_config(cls, config):
        from .regularizers import deserialize

        return cls(*(deserialize(t) for t in config["terms"]))

    def __repr__(self):
        return f"Sum({', '.join(map(repr, self.terms))})"
