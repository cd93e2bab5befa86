r"""The gradient of elementwise smooth penalties, added during the optimizer's step.

An elementwise smooth penalty (:class:`~ridgeback.engine.penalties.L2`, or
:class:`~ridgeback.engine.penalties.L1` with ``proximal=False``) adds its gradient to the
weights' gradients before the update reads them. Instead of a pass of its own over the
parameters before the step, the Trainer hands a :class:`PenaltyGradient` to
:meth:`Optimizer.step <ridgeback.engine.optimizers.Optimizer.step>`, which adds it a slice
at a time just before it updates that slice (while the slice is in cache): each element gets
the same arithmetic as adding the gradient first.

When every term is an L2 penalty, :attr:`PenaltyGradient.l2` describes them as plain
``(start, stop, coefficient)`` stretches; an optimizer with a fused update (Adam's compiled
one) adds :math:`c\,\theta` inside its loop instead of calling the object.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PenaltyGradient"]


class PenaltyGradient:
    """The gradients of elementwise smooth penalties on stretches of one flat parameter vector.

    Parameters
    ----------
    terms : list of (Regularizer, int, int)
        ``(regularizer, start, stop)``: the regularizer acts on ``data[start:stop]`` and adds
        its gradient into ``grad[start:stop]``. Every regularizer must be elementwise.
    data, grad : ndarray
        The flat vector's values and gradients.

    Attributes
    ----------
    terms : list of (Regularizer, int, int)
    l2 : tuple of (int, int, float) or None
        When every term has an :attr:`~ridgeback.engine.penalties.Regularizer.l2_coefficient`
        and no element is in two terms: the stretches whose coefficient is not zero, sorted,
        as ``(start, stop, coefficient)`` (the gradient there is ``data * coefficient``);
        None otherwise. An optimizer may add these inside its own update instead of calling
        the object (see :meth:`ridgeback.engine.optimizers.Optimizer.step`).

    Examples
    --------
    >>> import numpy as np
    >>> from ridgeback import L2
    >>> data, grad = np.ones(6), np.zeros(6)
    >>> pg = PenaltyGradient([(L2(0.5), 0, 4)], data, grad)
    >>> pg.l2
    ((0, 4, 1.0),)
    >>> pg(None, 2, 6); grad
    array([0., 0., 1., 1., 0., 0.])
    """

    __slots__ = ("terms", "data", "grad", "l2")

    def __init__(self, terms, data: np.ndarray, grad: np.ndarray):
        self.terms, self.data, self.grad = list(terms), data, grad
        self.l2 = _l2_stretches(self.terms)

    def __call__(self, p, lo: int, hi: int) -> None:
        """Add the terms' gradients on elements ``lo:hi`` of the vector into ``grad[lo:hi]``.

        ``p`` is the parameter the optimizer is updating (this vector; not used)."""
        data, grad = self.data, self.grad
        for reg, start, stop in self.terms:
            a, b = max(lo, start), min(hi, stop)
            if a < b:
                reg.add_gradient(data[a:b], grad[a:b])


def _l2_stretches(terms):
    coefficients = [reg.l2_coefficient for reg, _, _ in terms]
    if any(c is None for c in coefficients):
        return None
    l2 = sorted((start, stop, c) for (_, start, stop), c in zip(terms, coefficients, strict=True) if c > 0)
    if any(a[1] > b[0] for a, b in zip(l2[:-1], l2[1:], strict=True)):  # an element penalized twice
        return None
    return tuple(l2)
