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

from .layers import Parameter
from .trainer import History, penalty_gradient

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
        if t.optimizer.state:
            return f"trainer {i}'s optimizer has state already (lockstep starts fresh)"
        if t.callbacks:
            return f"trainer {i} has callbacks"
        if t._resume is not None:
            return f"trainer {i} is resuming"
        if t.model.dtype != first.model.dtype or t.model.n_inputs != first.model.n_inputs:
            return f"trainer {i}'s network takes other inputs (dtype or width)"
    if len({id(t.model) for t in trainers}) < len(trainers):
        return "two trainers share one network"
    if len({id(t.optimizer) for t in trainers}) < len(trainers):
        return "two trainers share one optimizer"
    return None


def _pack_together(trainers):
    """One flat vector for all the trainers' parameters, each trainer's stretch contiguous and
    laid out as its own packing (weights, then biases); every trainer's flat vector becomes a
    view of its stretch. Returns the shared Parameter and each stretch's ``(start, stop)``."""
    for t in trainers:
        t._pack()
    data = np.concatenate([t._flat.data for t in trainers])
    grad = np.zeros_like(data)
    itemsize, bounds, start = data.itemsize, [], 0
    for t in trainers:
        stop = start + t._flat.data.size
        base = t._flat.data.__array_interface__["data"][0]
        for p in t.model.parameters():
            lo = start + (p.data.__array_interface__["data"][0] - base) // itemsize
            shape = p.data.shape
            p.data = data[lo:lo + p.data.size].reshape(shape)
            p.grad = grad[lo:lo + p.grad.size].reshape(shape)
        flat = Parameter(data[start:stop], "flat")
        flat.grad = grad[start:stop]
        t._flat, t._packed = flat, (flat, [id(p) for p in t.model.parameters()])
        bounds.append((start, stop))
        start = stop
    shared = Parameter(data, "lockstep")
    shared.grad = grad
    return shared, bounds


def fit_in_lockstep(trainers, X, y, validation_data=None) -> list[History]:
    """Train every trainer on ``(X, y)`` in one loop; the same results as
    ``[t.fit(X, y, validation_data) for t in trainers]``, bit for bit.

    Parameters
    ----------
    trainers : list of Trainer
        Fresh trainers (optimizers without state, no callbacks, not resuming) with one seed
        (not None), batch size, number of epochs and optimizer setting, on distinct networks
        with the same input width and dtype (see :func:`lockstep_problem`).
    X, y, validation_data
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
    data = [t._check_data(X, y) for t in trainers]
    X0 = data[0][0]
    val = [t._check_data(*validation_data, name="X_val") if validation_data is not None else (None, None)
           for t in trainers]
    shared, bounds = _pack_together(trainers)
    fused_all, plans = [], []
    for t, (start, _) in zip(trainers, bounds, strict=True):
        t._start()
        fused, before_step, proximal = t._step_plan()
        fused_all += [(reg, start + lo, start + hi) for reg, lo, hi in fused]
        plans.append((before_step, proximal, bool(proximal or t._constraints)))
    first = trainers[0]
    optimizer = first.optimizer  # one optimizer for the shared vector; the others get its state at the end
    add_gradient = penalty_gradient(fused_all, shared.data, shared.grad) if fused_all else None
    any_proximal = any(plan[1] for plan in plans)
    n, bs = X0.shape[0], first.batch_size
    first._warn_full_batch(n)
    active = list(range(len(trainers)))
    frozen = {}  # trainer index -> (weights, optimizer state) when it left the loop
    for epoch in range(first.epochs):
        # every trainer's generator was seeded alike and gives the same order; each draws it,
        # so that each one's generator ends where its own fit would leave it
        order = [trainers[i]._rng.permutation(n) for i in active][0]
        for i in active:
            trainers[i]._epoch, trainers[i]._order = epoch, order
        sums = {i: [0.0, 0, 0] for i in active}
        step = 0
        for start in range(0, n, bs):
            idx = order[start:start + bs]
            xb = X0.take(idx, axis=0)
            targets = {}
            for i in active:
                y_i = data[i][1]
                yb = targets.get(id(y_i))
                if yb is None:
                    yb = targets[id(y_i)] = y_i.take(idx, axis=0)
                value, hits = trainers[i]._forward_backward(xb, yb, plans[i][0], epoch, step)
                total = sums[i]
                total[0] += value * len(idx)
                total[1] += hits
                total[2] += len(idx)
            optimizer.step([shared], add_gradient)
            step_size = optimizer.step_size(shared) if any_proximal else None
            for i in active:
                _, proximal, after_step = plans[i]
                if after_step:
                    lo, hi = bounds[i]
                    own = step_size if np.ndim(step_size) == 0 else step_size[lo:hi]
                    trainers[i]._after_step(proximal, own)
            step += 1
        still = []
        for i in active:
            t, (total_loss, correct, seen) = trainers[i], sums[i]
            t._check_finite_weights(epoch, step)
            if t._end_epoch(epoch, total_loss / max(seen, 1), correct / max(seen, 1), *val[i]):
                # it leaves the loop here, as its own fit would: keep its weights and state
                frozen[i] = (t._flat.data.copy(), _state_slice(optimizer, shared, bounds[i]))
            else:
                still.append(i)
        active = still
        if not active:
            break
    # each trainer ends as its own fit would: its weights (the best epoch's with restore_best)
    # and its stretch of the optimizer's state, in its own optimizer
    states = [frozen[i][1] if i in frozen else _state_slice(optimizer, shared, bounds[i])
              for i in range(len(trainers))]
    for i, t in enumerate(trainers):
        if i in frozen:
            t._flat.data[...] = frozen[i][0]
        t._restore_best()
        t.optimizer.load_state_arrays([t._flat], states[i])
    return [t.history for t in trainers]


def _state_slice(optimizer, shared, bounds):
    """A copy of the optimizer's state arrays for the shared vector, cut to one trainer's stretch."""
    lo, hi = bounds
    return {key: value if np.ndim(value) == 0 else value[lo:hi].copy()
            for key, value in optimizer.state_arrays([shared]).items()}
