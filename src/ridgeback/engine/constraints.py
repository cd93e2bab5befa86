"""Constraints: projections applied to a weight after each optimizer step, :class:`MaxNorm`."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from .._util.configured import Configured
from .._util.validation import check_positive

__all__ = ["Constraint", "MaxNorm"]


class Constraint(Configured, ABC):
    """Base class: a projection applied to a weight after each optimizer step."""

    @abstractmethod
    def project(self, w: np.ndarray) -> None:
        ...

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    r"""Max-norm (Srivastava et al. 2014): each unit's incoming weights, a column of ``W``,
    are projected back onto the ball :math:`\|W_{:,k}\|_2 \le c` after every step:

    .. math:: W_{:,k} \leftarrow W_{:,k}\,\min\!\left(1, \frac{c}{\|W_{:,k}\|_2}\right)

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[3.0, 0.1], [4.0, 0.1]])
    >>> MaxNorm(1.0).project(w); np.round(w, 3)
    array([[0.6, 0.1],
           [0.8, 0.1]])
    """

    def __init__(self, max_value=3.0):
        self.max_value = check_positive("max_value", max_value)

    def project(self, w):
        norms = np.sqrt(np.einsum("ij,ij->j", w, w)) if w.ndim == 2 else np.abs(w)
        over = norms > self.max_value
        if over.any():
            scale = np.ones_like(norms)
            scale[over] = self.max_value / norms[over]
            w *= scale

    def get_config(self):
        return {"max_value": self.max_value}
