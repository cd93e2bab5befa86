r"""The step plan: what one training step does to one network, and in which order.

:class:`~ridgeback.engine.trainer.Trainer` runs it one network at a time, and
:func:`~ridgeback.engine.lockstep.fit_in_lockstep` runs several networks' plans around one
shared optimizer update; both through the public methods below.
"""

from __future__ import annotations

import math

import numpy as np

from .parameters import FlatParameters
from .penalty_gradient import PenaltyGradient

__all__ = ["StepPlan"]


class _Segment:
    """A stretch of parameters that one regularizer acts on: ``data``/``grad`` shaped as the
    regularizer sees them, ``flat`` the slice of the flat vector."""

    __slots__ = ("regularizer", "data", "grad", "flat")

    def __init__(self, regularizer, data, grad, flat):
        self.regularizer, self.data, self.grad, self.flat = regularizer, data, grad, flat


class StepPlan:
    r"""One training step of one network, with its penalties sorted by how they act.

    One step on a minibatch :math:`(X_B, y_B)`, in this order:

    1. forward pass :math:`z = f(X_B; \theta)`, dropout active;
    2. data loss :math:`L(z, y_B)` and its gradient :math:`\partial L/\partial z`;
    3. backward pass through the layers, last to first, filling every ``.grad``;
    4. penalty gradients (cost :math:`C = L + R(\theta)`): those of penalties that couple
       weights (a smooth group penalty's rows) are added here; steps 1-4 are
       :meth:`forward_backward`;
    5. the update, ``optimizer.step([flat], plan.penalty_gradient)``: the optimizer adds the
       elementwise smooth penalties' gradients (L2) a slice at a time while it updates that
       slice, the same arithmetic as adding them in step 4;
    6. proximal steps (L1, elastic net, group L1), with the optimizer's step size;
    7. constraints (max-norm); steps 6-7 are :meth:`after_step`.

    Parameters
    ----------
    model : Sequential
    loss : Loss
    flat : FlatParameters
        The model's parameters, packed (:meth:`Trainer.pack <ridgeback.engine.trainer.Trainer.pack>`).
    regularizer : Regularizer or None
        Applied to every parameter with ``regularize=True`` that has no regularizer of its own.
    constraint : Constraint or None
        Applied to every weight matrix that has no constraint of its own.

    Attributes
    ----------
    elementwise : list of (Regularizer, int, int)
        The elementwise smooth penalties as ``(regularizer, start, stop)`` in ``flat``:
        neighbouring stretches under one regularizer merged. Lockstep training shifts these
        offsets into its shared vector.
    penalty_gradient : PenaltyGradient or None
        Their gradient, for the optimizer's step (None when there are none).
    needs_step_size : bool
        Whether :meth:`after_step` uses the optimizer's step size (a proximal step is planned).
    has_after_step : bool
        Whether :meth:`after_step` does anything (a proximal step or a constraint).
    """

    def __init__(self, model, loss, flat: FlatParameters, regularizer=None, constraint=None):
        self.model, self.loss, self.flat = model, loss, flat
        self._segments, self._constraints = _plan(flat, regularizer, constraint)
        smooth = [s for s in self._segments if s.regularizer.smooth]
        self.elementwise = [(s.regularizer, s.flat.start, s.flat.stop)
                            for s in smooth if s.regularizer.elementwise]
        self._coupled = [s for s in smooth if not s.regularizer.elementwise]
        self._proximal = [s for s in self._segments if s.regularizer.proximal]
        self.penalty_gradient = (PenaltyGradient(self.elementwise, flat.data, flat.grad)
                                 if self.elementwise else None)
        self.needs_step_size = bool(self._proximal)
        self.has_after_step = bool(self._proximal or self._constraints)

    def forward_backward(self, xb, yb, wb=None) -> tuple[float, int]:
        """Steps 1-4 on one minibatch: forward, loss, and, when the loss is finite, backward
        and the coupled penalties' gradients. ``wb``: the rows' weights (None: unweighted),
        which make the loss the weighted mean.

        Returns
        -------
        loss : float
            The minibatch's data loss (not finite: no backward pass was made).
        hits : int
            The number of correct predictions (0 for regression).
        """
        model, loss = self.model, self.loss
        out = model.forward(xb, training=True)
        value = loss.forward(out, yb) if wb is None else loss.forward(out, yb, wb)
        hits = 0
        if loss.classification:  # after forward: CrossEntropy reuses the argmax it took there
            hits = int(np.count_nonzero(loss.predict(out).reshape(yb.shape) == yb))
        if math.isfinite(value):
            model.backward(loss.backward(), input_grad=False)
            for s in self._coupled:
                s.regularizer.add_gradient(s.data, s.grad)
        return value, hits

    def after_step(self, step_size) -> None:
        """Steps 6-7: proximal steps, then constraints.

        Parameters
        ----------
        step_size : float, ndarray or None
            The optimizer's step size for this plan's flat vector
            (:meth:`Optimizer.step_size <ridgeback.engine.optimizers.Optimizer.step_size>`):
            a scalar or an array like ``flat.data``; unused (may be None) unless
            :attr:`needs_step_size`.
        """
        for s in self._proximal:
            t = step_size if np.ndim(step_size) == 0 else step_size[s.flat].reshape(s.data.shape)
            s.regularizer.prox(s.data, t)
        for constraint, w in self._constraints:
            constraint.project(w)

    def penalty(self) -> float:
        """The regularization penalty :math:`R(\\theta)` of the current weights."""
        return float(sum(s.regularizer.penalty(s.data) for s in self._segments))


def _plan(flat, regularizer, constraint):
    """Each packed parameter's regularizer and constraint (its own, else the model-wide one),
    as segments (an elementwise regularizer's neighbouring stretches merged) and
    ``(constraint, weight)`` pairs."""
    segments, constraints = [], []
    for p, (start, stop) in zip(flat.members, flat.offsets, strict=True):
        reg = p.regularizer if p.regularizer is not None else (regularizer if p.regularize else None)
        own = p.constraint if p.constraint is not None else (
            constraint if p.regularize and p.data.ndim == 2 else None)
        if own is not None:
            constraints.append((own, p.data))
        if reg is None:
            continue
        last = segments[-1] if segments else None
        if last is not None and reg.elementwise and last.regularizer is reg and last.flat.stop == start:
            merged = slice(last.flat.start, stop)
            segments[-1] = _Segment(reg, flat.data[merged], flat.grad[merged], merged)
        else:
            segments.append(_Segment(reg, p.data, p.grad, slice(start, stop)))
    return segments, constraints
