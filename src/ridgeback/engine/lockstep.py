"""Several trainers on the same minibatches at once: cross-validation's candidates in lockstep.

In a search, the candidates of one fold are trained on the same rows with the same seed, so
they see the same minibatches in the same order; they differ in their penalties, dropout or
layer sizes. On a small network a step is a few dozen array operations of a microsecond or
two each, and much of that is the same for every candidate: the loop, gathering the
minibatch, and the optimizer's update (~15 NumPy passes, or one compiled call, per
vector). :func:`fit_in_lockstep` pays those once per step for all the candidates: one
loop, one ``take`` per minibatch, and one optimizer step over all their parameters packed
into one vector (every optimizer here updates each element on its own, so the vector's
other members do not change an element's update). Each trainer's forward pass, loss,
backward pass, penalties, proximal steps, constraints, history and early stopping stay its
own, and its result is bit-identical to ``trainer.fit(X, y, validation_data)``.
"""

from __future__ import annotations

import numpy as np

from .history import History
from .parameters import FlatParameters
from .penalty_gradient import PenaltyGradient

__all__ = ["fit_in_lockstep", "lockstep_problem"]


def lockstep_problem(trainers) -> str | None:
    """Why ``trainers`` cannot be trained in lockstep (None when they can)."""
    if not trainers:
        return "no trainers"
    first = trainers[0]
    for i, t in enumerate(trainers):
        if t.seed is None:
            return f"trainer {i} has no seed (each would shuffle its own way)"
        if (t.seed, t.batch_size, t.epochs) != (first.seed, first.batch_size, first.epochs):
            return f"trainer {i} differs in seed, batch_size or epochs"
        same_optimizer = type(t.optimizer) is type(first.optimizer)
        if not same_optimizer or t.optimizer.get_config() != first.optimizer.get_config():
            return f"trainer {i} has another optimizer or optimizer setting"
        if t.lr_schedule != first.lr_schedule:
            return f"trainer {i} has another learning-rate schedule (the update is shared)"
        if t.has_batchnorm != first.has_batchnorm:
            return f"trainer {i} splits the rows into other minibatches (BatchNorm merges a last single row)"
        if t.optimizer.state:
            return f"trainer {i}'s optimizer has state already (lockstep starts fresh)"
        if t.callbacks:
            return f"trainer {i} has callbacks"
        if t.resuming:
            return f"trainer {i} is resuming"
        if t.model.dtype != first.model.dtype or t.model.n_inputs != first.model.n_inputs:
            return f"trainer {i}'s network takes other inputs (dtype or width)"
    if len({id(t.model) for t in trainers}) < len(trainers):
        return "two trainers share one network"
    if len({id(t.optimizer) for t in trainers}) < len(trainers):
        return "two trainers share one optimizer"
    return None


def fit_in_lockstep(trainers, X, y, validation_data=None, sample_weight=None) -> list[History]:
    """Train every trainer on ``(X, y)`` in one loop; the same results as
    ``[t.fit(X, y, validation_data, sample_weight) for t in trainers]``, bit for bit.

    Parameters
    ----------
    trainers : list of Trainer
        Fresh trainers (optimizers without state, no callbacks, not resuming) with one seed
        (not None), batch size, number of epochs and optimizer setting, on distinct networks
        with the same input width and dtype (see :func:`lockstep_problem`).
    X, y, validation_data, sample_weight
        As in :meth:`Trainer.fit`, shared by all.

    Returns
    -------
    list of History, one per trainer (also in each ``trainer.history``).

    A trainer whose early stopping fires leaves the loop; its weights, optimizer state and
    history are those it had at that point, as in its own ``fit``. A diverging trainer raises
    :class:`TrainingDiverged` as its ``fit`` would, and the others are then left mid-training
    (fit them on their own to get their results).
    """
    problem = lockstep_problem(trainers)
    if problem is not None:
        raise ValueError(f"These trainers cannot be trained in lockstep: {problem}. "
                         f"Received: {len(trainers)} trainer(s)")
    data = [t.check_data(X, y, validation_data) for t in trainers]
    X0 = data[0][0]
    weights, w_val = trainers[0].check_weights(sample_weight, X0.shape[0], validation_data)
    group = _Lockstep(trainers, [y_i for _, y_i, _, _ in data], weights)
    trainers[0].warn_if_full_batch(X0.shape[0])
    for t in trainers:
        t.plan_schedule(X0.shape[0])
    active = list(range(len(trainers)))
    for epoch in range(trainers[0].epochs):
        sums, steps = group.run_epoch(X0, epoch, active)
        active = group.end_epoch(epoch, steps, sums, [(*d[2:], w_val) for d in data], active)
        if not active:
            break
    group.finish()
    return [t.history for t in trainers]


class _Lockstep:
    """The trainers' shared parameter vector, with one optimizer and one penalty gradient
    over it, and the steps of the loop.

    Each trainer's :class:`~ridgeback.engine.step_plan.StepPlan` does its own forward and
    backward pass, proximal steps and constraints; the update between them is one step of
    the first trainer's optimizer over the shared vector, and each trainer's optimizer gets
    its stretch of that state at the end.
    """

    def __init__(self, trainers, targets, weights=None):
        self.trainers, self.targets, self.weights = trainers, targets, weights
        # as in Trainer._run_epoch: a weighted batch counts as its weight over the mean weight
        self.mean_weight = None if weights is None else float(weights.mean())
        self.shared, self.bounds = _pack_together(trainers)
        self.plans = [t.start() for t in trainers]
        self.optimizer = trainers[0].optimizer
        terms = [(reg, start + lo, start + hi)
                 for plan, (start, _) in zip(self.plans, self.bounds, strict=True)
                 for reg, lo, hi in plan.elementwise]
        self.penalty_gradient = PenaltyGradient(terms, self.shared.data, self.shared.grad) if terms else None
        self.needs_step_size = any(plan.needs_step_size for plan in self.plans)
        self.frozen = {}  # trainer index -> (weights, optimizer state) when it left the loop

    def run_epoch(self, X, epoch, active):
        """One epoch's steps for the ``active`` trainers; returns each one's running sums
        ``[loss * rows, correct, rows]`` and the number of steps."""
        n = X.shape[0]
        # every trainer's generator was seeded alike and gives the same order; each draws it,
        # so that each one's generator ends where its own fit would leave it
        order = [self.trainers[i].begin_epoch(epoch, n) for i in active][0]
        sums = {i: [0.0, 0, 0] for i in active}
        bounds = self.trainers[0].batch_bounds(n)
        for step, (start, stop) in enumerate(bounds):
            idx = order[start:stop]
            self._step(X.take(idx, axis=0), idx, epoch, step, active, sums)
        return sums, len(bounds)

    def _step(self, xb, idx, epoch, step, active, sums):
        """Each trainer's forward and backward pass, one update of the shared vector, each
        trainer's proximal steps and constraints."""
        taken = {}  # trainers that share a target array share its minibatch
        wb = None if self.weights is None else self.weights.take(idx)
        rows = len(idx) if wb is None else float(wb.sum()) / self.mean_weight
        for i in active:
            y_i = self.targets[i]
            yb = taken.get(id(y_i))
            if yb is None:
                yb = taken[id(y_i)] = y_i.take(idx, axis=0)
            value, hits = self.trainers[i].forward_backward(xb, yb, epoch, step, wb)
            total = sums[i]
            total[0] += value * rows
            total[1] += hits
            total[2] += len(idx)
        # the shared optimizer is the first trainer's: its schedule (the same for all) sets the rate
        self.trainers[0].schedule_lr(epoch, step)
        self.optimizer.step([self.shared], self.penalty_gradient)
        step_size = self.optimizer.step_size(self.shared) if self.needs_step_size else None
        for i in active:
            plan = self.plans[i]
            if plan.has_after_step:
                lo, hi = self.bounds[i]
                plan.after_step(step_size if np.ndim(step_size) == 0 else step_size[lo:hi])

    def end_epoch(self, epoch, steps, sums, validation, active):
        """Each active trainer's end of epoch; returns those that go on. One whose early
        stopping fires leaves the loop here, as its own fit would: its weights and optimizer
        state are kept as they are now."""
        still = []
        for i in active:
            t, (total_loss, correct, seen) = self.trainers[i], sums[i]
            if t.end_epoch(epoch, steps, total_loss / max(seen, 1), correct / max(seen, 1), *validation[i]):
                self.frozen[i] = (t.step_plan.flat.data.copy(), self._state_slice(i))
            else:
                still.append(i)
        return still

    def finish(self):
        """Each trainer ends as its own fit would: its weights (the best epoch's with
        ``restore_best``) and its stretch of the optimizer's state, in its own optimizer."""
        frozen = self.frozen
        states = [frozen[i][1] if i in frozen else self._state_slice(i) for i in range(len(self.trainers))]
        for i, t in enumerate(self.trainers):
            if i in frozen:
                t.step_plan.flat.data[...] = frozen[i][0]
            t.finish()
            t.optimizer.load_state_arrays([t.step_plan.flat], states[i])

    def _state_slice(self, i):
        """A copy of the optimizer's state arrays for the shared vector, cut to trainer ``i``'s
        stretch."""
        lo, hi = self.bounds[i]
        return {key: value if np.ndim(value) == 0 else value[lo:hi].copy()
                for key, value in self.optimizer.state_arrays([self.shared]).items()}


def _pack_together(trainers):
    """One flat vector for all the trainers' parameters, each trainer's stretch contiguous and
    laid out as its own packing (weights, then biases); each trainer packs into its stretch.
    Returns the shared vector and each stretch's ``(start, stop)``."""
    sizes = [sum(p.data.size for p in t.model.parameters()) for t in trainers]
    data = np.empty(sum(sizes), dtype=trainers[0].model.dtype)
    grad = np.zeros_like(data)
    bounds, members, offsets, start = [], [], [], 0
    for t, size in zip(trainers, sizes, strict=True):
        flat = t.pack(data[start:start + size], grad[start:start + size])
        members += flat.members
        offsets += [(start + lo, start + hi) for lo, hi in flat.offsets]
        bounds.append((start, start + size))
        start += size
    return FlatParameters(data, grad, members, offsets), bounds
