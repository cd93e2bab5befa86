r"""The training loop: minibatches, cost = data loss + penalty, early stopping, history.

One step on a minibatch :math:`(X_B, y_B)`:

1. forward pass :math:`z = f(X_B; \theta)` with dropout active;
2. data loss :math:`L(z, y_B)` and its gradient :math:`\partial L/\partial z` (the error at the output);
3. backward pass through the layers, last to first, filling every ``.grad``;
4. the smooth penalty's gradient is added to the weights' gradients
   (cost :math:`C = L + R(\theta)`);
5. the optimizer step. (An elementwise penalty such as L2 is added inside the step, chunk by
   chunk, just before the optimizer reads each chunk: the same arithmetic as step 4, done while
   the chunk is in cache.)
6. proximal steps (L1, elastic net, group L1) and constraints (max-norm).

Parameters are packed into one contiguous vector (weights first, then biases) so that
the optimizer and a model-wide regularizer each act in a few large array operations.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from .._util.validation import check_array_2d, check_int, check_nonnegative
from .layers import Dropout, Parameter, pack_parameters
from .losses import Loss
from .optimizers import Optimizer
from .regularizers import L2, Constraint, Regularizer

__all__ = ["Trainer", "History", "EarlyStopping", "TrainingDiverged", "predict_in_batches"]


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite. The last good weights have been restored."""

    def __init__(self, epoch: int, step: int, value: float):
        self.epoch, self.step, self.value = epoch, step, value
        super().__init__(
            f"Training diverged at epoch {epoch + 1} (step {step}): the loss became {value}. "
            f"The last good weights were restored. Hint: lower the learning rate, or scale the inputs."
        )


@dataclass
class History:
    """Per-epoch record of a training run.

    ``train_loss`` is the mean data loss over the epoch's minibatches (dropout active);
    ``penalty`` is the regularization penalty at the end of the epoch; ``cost`` is their sum.
    ``val_loss`` and the accuracies are filled when they apply.
    """

    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    penalty: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    interrupted: bool = False

    @property
    def epochs(self) -> int:
        return len(self.train_loss)

    @property
    def cost(self) -> list:
        return [a + b for a, b in zip(self.train_loss, self.penalty, strict=True)]

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, list) else v) for k, v in self.__dict__.items()}


class EarlyStopping:
    """Stop when the monitored loss has not improved by ``min_delta`` for ``patience`` epochs.

    The validation loss is monitored when validation data is given, else the training
    cost. With ``restore_best`` the weights of the best epoch are put back however
    training ends (early stop, last epoch, interruption or divergence).
    """

    def __init__(self, patience=10, min_delta=0.0, restore_best=True):
        self.patience = check_int("patience", patience, minimum=0)
        self.min_delta = check_nonnegative("min_delta", min_delta)
        self.restore_best = bool(restore_best)
        self.reset()

    def reset(self):
        self.best = math.inf
        self.best_epoch = None
        self.best_weights = None
        self.wait = 0

    def update(self, epoch: int, value: float, weights: np.ndarray) -> bool:
        """Record an epoch; return True when training should stop."""
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                if self.best_weights is None:
                    self.best_weights = weights.copy()
                else:
                    self.best_weights[...] = weights
            return False
        self.wait += 1
        return self.wait > self.patience

    def get_config(self):
        return {"patience": self.patience, "min_delta": self.min_delta, "restore_best": self.restore_best}


def predict_in_batches(model, X: np.ndarray, batch_size: int = 8192) -> np.ndarray:
    """Inference-mode forward pass over ``X`` in chunks (bounded memory)."""
    if X.shape[0] <= batch_size:
        return model.forward(X, training=False)
    return np.concatenate([model.forward(X[i:i + batch_size], training=False)
                           for i in range(0, X.shape[0], batch_size)])


class _Segment:
    """A stretch of parameters that one regularizer acts on."""

    __slots__ = ("regularizer", "data", "grad", "flat")

    def __init__(self, regularizer, data, grad, flat):
        self.regularizer, self.data, self.grad, self.flat = regularizer, data, grad, flat


def penalty_gradient(bounds, data, grad):
    """``add_gradient(p, lo, hi)`` for :meth:`Optimizer.step`: the gradients of elementwise
    smooth penalties on elements ``lo:hi`` of a flat parameter vector.

    ``bounds`` lists ``(regularizer, start, stop)``: the regularizer acts on
    ``data[start:stop]`` and adds its gradient into ``grad[start:stop]``.
    """
    return _PenaltyGradient(bounds, data, grad)


class _PenaltyGradient:
    """See :func:`penalty_gradient`. ``l2``: when every penalty is a plain :class:`L2`, their
    stretches as sorted ``(start, stop, 2 * strength)`` (strength 0 left out), which an
    optimizer may fold into its own update instead of calling this (Adam's compiled loop
    does); None otherwise."""

    __slots__ = ("bounds", "data", "grad", "l2")

    def __init__(self, bounds, data, grad):
        self.bounds, self.data, self.grad = bounds, data, grad
        self.l2 = None
        if all(type(reg) is L2 for reg, _, _ in bounds):
            l2 = sorted((start, stop, 2.0 * reg.strength) for reg, start, stop in bounds if reg.strength > 0)
            if all(a[1] <= b[0] for a, b in zip(l2[:-1], l2[1:], strict=True)):  # no element penalized twice
                self.l2 = tuple(l2)

    def __call__(self, p, lo, hi):
        data, grad = self.data, self.grad
        for reg, start, stop in self.bounds:
            a, b = max(lo, start), min(hi, stop)
            if a < b:
                reg.add_gradient(data[a:b], grad[a:b])


class Trainer:
    """Minibatch training by backpropagation.

    Parameters
    ----------
    model : Sequential
    loss : Loss
    optimizer : Optimizer
    regularizer : Regularizer or None
        Applied to every weight (not biases) unless a layer sets its own.
    batch_size : int >= 1
        A batch size larger than the data is allowed (full-batch training), with a warning.
    epochs : int >= 1
    early_stopping : EarlyStopping or None
    seed : int or None
        Seeds the shuffling and every dropout mask: the same seed gives bit-identical weights.
    constraint : Constraint or None
        Applied to every weight that has no constraint of its own.
    callbacks : list
        Objects with optional ``on_epoch_end(trainer, epoch, logs)`` and
        ``on_batch_end(trainer, epoch, position)`` methods. Setting
        ``trainer.stop_training = True`` ends training after the current batch.

    Examples
    --------
    >>> import numpy as np
    >>> from ridgeback import Adam, CrossEntropy, L2, Trainer, mlp
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((64, 4)).astype(np.float32); y = (X[:, 0] > 0).astype(int)
    >>> trainer = Trainer(mlp([4, 16, 2], seed=0), CrossEntropy(), Adam(1e-2), regularizer=L2(1e-4),
    ...                   epochs=20, seed=0)
    >>> history = trainer.fit(X, y)
    >>> history.train_accuracy[-1] > 0.9
    True
    """

    def __init__(self, model, loss, optimizer, *, regularizer=None, batch_size=32, epochs=10,
                 early_stopping=None, seed=None, constraint=None, callbacks=()):
        if not isinstance(loss, Loss):
            raise ValueError(f"`loss` must be a ridgeback Loss. Received: loss={loss!r}")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"`optimizer` must be a ridgeback Optimizer. Received: optimizer={optimizer!r}")
        if regularizer is not None and not isinstance(regularizer, Regularizer):
            raise ValueError(f"`regularizer` must be a Regularizer or None. "
                             f"Received: regularizer={regularizer!r}")
        if constraint is not None and not isinstance(constraint, Constraint):
            raise ValueError(f"`constraint` must be a Constraint or None. "
                             f"Received: constraint={constraint!r}")
        if early_stopping is not None and not isinstance(early_stopping, EarlyStopping):
            raise ValueError(f"`early_stopping` must be an EarlyStopping or None. "
                             f"Received: early_stopping={early_stopping!r}")
        self.model = model
        self.loss = loss
        self.optimizer = optimizer
        self.regularizer = regularizer
        self.constraint = constraint
        self.batch_size = check_int("batch_size", batch_size)
        self.epochs = check_int("epochs", epochs)
        self.early_stopping = early_stopping
        self.seed = seed
        self.callbacks = list(callbacks)
        self.stop_training = False
        self.history = History()
        self._packed = None
        self._rng = None
        self._resume = None

    # ------------------------------------------------------------------ set-up
    def _pack(self):
        params = self.model.parameters()
        if self._packed is not None and self._packed[1] == [id(p) for p in params]:
            return
        data, grad = pack_parameters(params)
        flat = Parameter(data, "flat")
        flat.grad = grad
        self._flat = flat
        self._packed = (flat, [id(p) for p in params])

    def _plan(self):
        """Group parameters by the regularizer that acts on them (merging contiguous stretches).

        Re-done at every ``fit`` so that a changed ``regularizer`` or layer setting takes effect.
        """
        self._pack()
        params, data = self.model.parameters(), self._flat.data
        segments = []
        constraints = []
        base = data.__array_interface__["data"][0]
        itemsize = data.itemsize
        for p in sorted(params, key=lambda p: p.data.__array_interface__["data"][0]):
            start = (p.data.__array_interface__["data"][0] - base) // itemsize
            stop = start + p.data.size
            reg = p.regularizer if p.regularizer is not None else (self.regularizer if p.regularize else None)
            constraint = p.constraint if p.constraint is not None else (
                self.constraint if p.regularize and p.data.ndim == 2 else None)
            if constraint is not None:
                constraints.append((constraint, p.data))
            if reg is None:
                continue
            last = segments[-1] if segments else None
            if (last is not None and reg.elementwise and last.regularizer is reg
                    and last.flat.stop == start):
                flat = slice(last.flat.start, stop)
                segments[-1] = _Segment(reg, data[flat], self._flat.grad[flat], flat)
            else:
                segments.append(_Segment(reg, p.data, p.grad, slice(start, stop)))
        self._segments, self._constraints = segments, constraints

    def _reseed(self):
        dropouts = [l for l in self.model.layers if isinstance(l, Dropout)]
        if self.seed is None:
            self._rng = np.random.default_rng()
            return
        children = np.random.SeedSequence(self.seed).spawn(1 + len(dropouts))
        self._rng = np.random.default_rng(children[0])
        for layer, child in zip(dropouts, children[1:], strict=True):
            layer.rng = np.random.default_rng(child)

    def penalty(self) -> float:
        """The regularization penalty of the current weights."""
        self._plan()
        return float(sum(s.regularizer.penalty(s.data) for s in self._segments))

    # ------------------------------------------------------------------ data
    def _check_data(self, X, y, name="X"):
        dtype = self.model.dtype
        X = check_array_2d(name, X, dtype)
        if X.shape[1] != self.model.n_inputs:
            raise ValueError(f"`{name}` must have {self.model.n_inputs} columns to match the network's "
                             f"input. Received: {name} with shape {X.shape}")
        yname = "y" if name == "X" else "y_val"
        y_arr = np.asarray(y)
        if y_arr.shape[:1] != X.shape[:1]:
            raise ValueError(f"`{name}` and `{yname}` must have the same number of rows. "
                             f"Received: {name} with {X.shape[0]} rows, {yname} with shape {y_arr.shape}")
        if X.shape[0] == 0:
            raise ValueError(f"`{name}` must have at least one row. Received: {name} with shape {X.shape}")
        try:
            y_arr = self.loss.check_target(y_arr, self.model.n_outputs, dtype)
        except ValueError as exc:
            raise ValueError(str(exc).replace("`y`", f"`{yname}`")) from None
        return X, y_arr

    # ------------------------------------------------------------------ loop
    def fit(self, X, y, validation_data=None) -> History:
        """Train on ``(X, y)``; continue from the current weights if called again.

        Returns the :class:`History`, which covers all epochs of this trainer.
        """
        X, y = self._check_data(X, y)
        X_val = y_val = None
        if validation_data is not None:
            X_val, y_val = self._check_data(*validation_data, name="X_val")
        n = X.shape[0]
        self._warn_full_batch(n)
        if self._resume is None:
            self._start()
            start_epoch, position, order = 0, 0, None
        else:
            self._plan()
            start_epoch, position, order = self._resume
            self._resume = None
            self.stop_training = False
            self._last_good = self._flat.data.copy()
        try:
            for epoch in range(start_epoch, self.epochs):
                if order is None:
                    order = self._rng.permutation(n)
                self._epoch, self._order = epoch, order
                stop = self._run_epoch(X, y, X_val, y_val, epoch, order, position)
                order, position = None, 0
                if stop or self.stop_training:
                    break
        finally:
            self._restore_best()
        return self.history

    def _warn_full_batch(self, n):
        """Warn (at the caller of ``fit``) when a batch would be the whole training set."""
        if self.batch_size > n:
            warnings.warn(f"batch_size={self.batch_size} is larger than the {n} training rows: "
                          f"each step uses the whole training set.", stacklevel=3)

    def _start(self):
        """A fresh start of ``fit``: penalties planned, generators reseeded, history and early
        stopping reset."""
        self._plan()
        self._reseed()
        self.history = History()
        if self.early_stopping is not None:
            self.early_stopping.reset()
        self.stop_training = False
        self._last_good = self._flat.data.copy()

    def _restore_best(self):
        """The end of ``fit``: early stopping's best weights put back (with ``restore_best``)."""
        es = self.early_stopping
        if es is not None and es.restore_best and es.best_weights is not None:
            self._flat.data[...] = es.best_weights
            self.history.best_epoch = es.best_epoch

    def _run_epoch(self, X, y, X_val, y_val, epoch, order, position):
        flat = self._flat
        n, bs = X.shape[0], self.batch_size
        fused, before_step, proximal = self._step_plan()
        add_gradient = penalty_gradient(fused, flat.data, flat.grad) if fused else None
        after_step = bool(proximal or self._constraints)
        batch_callbacks = [c for c in self.callbacks if hasattr(c, "on_batch_end")]
        # running sums of the epoch; a resumed epoch continues those saved with the state
        total_loss, correct, seen = self._running if position else (0.0, 0, 0)
        step = position // bs
        for start in range(position, n, bs):
            idx = order[start:start + bs]
            xb = X.take(idx, axis=0)
            yb = y.take(idx, axis=0)
            value, hits = self._forward_backward(xb, yb, before_step, epoch, step)
            self.optimizer.step([flat], add_gradient)
            if after_step:
                self._after_step(proximal, self.optimizer.step_size(flat) if proximal else None)
            total_loss += value * len(idx)
            correct += hits
            seen += len(idx)
            step += 1
            self._running = (total_loss, correct, seen)
            if batch_callbacks:
                for c in batch_callbacks:
                    c.on_batch_end(self, epoch, start + len(idx))
            if self.stop_training and start + bs < n:
                # interrupted mid-epoch: no history entry for a partial epoch (a resume completes it)
                self.history.interrupted = True
                return True
        self._check_finite_weights(epoch, step)
        if self.stop_training:
            self.history.interrupted = True
        return self._end_epoch(epoch, total_loss / max(seen, 1), correct / max(seen, 1), X_val, y_val)

    # One step, in the pieces that lockstep training (``_lockstep.py``) shares with ``fit``.
    def _step_plan(self):
        """The penalties of a step, sorted once per epoch: ``(fused, before_step, proximal)``.

        ``fused``: ``(regularizer, start, stop)`` in the flat vector for the elementwise smooth
        penalties, which go into the gradient inside the optimizer's step, a chunk at a time
        while it is in cache; ``before_step``: segments of the other smooth ones (a group
        penalty's rows), added before the step; ``proximal``: segments with a proximal step.
        """
        smooth = [s for s in self._segments if s.regularizer.smooth]
        fused = [(s.regularizer, s.flat.start, s.flat.stop) for s in smooth if s.regularizer.elementwise]
        before_step = [s for s in smooth if not s.regularizer.elementwise]
        proximal = [s for s in self._segments if s.regularizer.proximal]
        return fused, before_step, proximal

    def _forward_backward(self, xb, yb, before_step, epoch, step):
        """Forward pass, loss, backward pass and the non-fused penalties' gradients on one
        minibatch; returns the loss and the number of correct predictions (0 for regression)."""
        model, loss = self.model, self.loss
        out = model.forward(xb, training=True)
        value = loss.forward(out, yb)
        hits = 0
        if loss.classification:  # after forward: CrossEntropy reuses the argmax it took there
            hits = int(np.count_nonzero(loss.predict(out).reshape(yb.shape) == yb))
        if not math.isfinite(value):
            self._flat.data[...] = self._last_good
            raise TrainingDiverged(epoch, step, value)
        model.backward(loss.backward(), input_grad=False)
        for s in before_step:
            s.regularizer.add_gradient(s.data, s.grad)
        return value, hits

    def _after_step(self, proximal, step_size):
        """Proximal steps (``step_size``: the optimizer's, for this flat vector) and constraints."""
        for s in proximal:
            t = step_size if np.ndim(step_size) == 0 else step_size[s.flat].reshape(s.data.shape)
            s.regularizer.prox(s.data, t)
        for constraint, w in self._constraints:
            constraint.project(w)

    def _check_finite_weights(self, epoch, step):
        if not np.isfinite(self._flat.data).all():  # finite losses but weights blew up (e.g. huge lr)
            self._flat.data[...] = self._last_good
            raise TrainingDiverged(epoch, step, float("nan"))

    def _end_epoch(self, epoch, train_loss, train_acc, X_val, y_val):
        h = self.history
        h.train_loss.append(train_loss)
        h.penalty.append(float(sum(s.regularizer.penalty(s.data) for s in self._segments)))
        if self.loss.classification:
            h.train_accuracy.append(train_acc)
        logs = {"epoch": epoch, "train_loss": train_loss, "penalty": h.penalty[-1]}
        monitored = h.cost[-1]
        if X_val is not None:
            out = predict_in_batches(self.model, X_val)
            val_loss = self.loss.forward(out, y_val)
            h.val_loss.append(val_loss)
            logs["val_loss"] = val_loss
            monitored = val_loss  # held-out data loss: the penalty is not part of generalization
            if self.loss.classification:
                acc = float(np.mean(self.loss.predict(out).reshape(y_val.shape) == y_val))
                h.val_accuracy.append(acc)
                logs["val_accuracy"] = acc
        self._last_good[...] = self._flat.data
        stop = False
        if self.early_stopping is not None and math.isfinite(monitored):
            stop = self.early_stopping.update(epoch, monitored, self._flat.data)
            h.stopped_early = stop
        for c in self.callbacks:
            if hasattr(c, "on_epoch_end"):
                c.on_epoch_end(self, epoch, logs)
        return stop

    # ------------------------------------------------------------------ state
    def state(self) -> dict:
        """Everything needed to resume training bit-identically (arrays and JSON-ready values).

        Take it between batches, from ``on_batch_end`` (with the position that callback is
        given) or ``on_epoch_end``: after ``fit`` returns, early stopping may already have put
        the best epoch's weights back, and those are not the weights to resume from.
        ``running`` holds the current epoch's sums (loss, correct predictions, rows), so a
        resumed epoch's history entry covers the whole epoch.
        """
        self._pack()
        dropouts = [l for l in self.model.layers if isinstance(l, Dropout)]
        es = self.early_stopping
        return {
            "weights": self._flat.data.copy(),
            "optimizer": self.optimizer.state_arrays([self._flat]),
            "rng": self._rng.bit_generator.state if self._rng is not None else None,
            "dropout_rngs": [l.rng.bit_generator.state for l in dropouts],
            "epoch": getattr(self, "_epoch", 0),
            "order": getattr(self, "_order", None),
            "history": self.history.to_dict(),
            "running": list(getattr(self, "_running", (0.0, 0, 0))),
            "early_stopping": None if es is None else {
                "best": es.best, "best_epoch": es.best_epoch, "wait": es.wait,
                "best_weights": None if es.best_weights is None else es.best_weights.copy()},
        }

    def load_state(self, state: dict, position: int = 0) -> None:
        """Restore :meth:`state`; the next ``fit`` resumes at ``state["epoch"]``, row ``position``."""
        self._pack()
        self._flat.data[...] = state["weights"]
        self.optimizer.load_state_arrays([self._flat], state["optimizer"])
        self._rng = np.random.default_rng()
        if state["rng"] is not None:
            self._rng.bit_generator.state = state["rng"]
        dropouts = [l for l in self.model.layers if isinstance(l, Dropout)]
        for layer, rng_state in zip(dropouts, state["dropout_rngs"], strict=True):
            layer.rng.bit_generator.state = rng_state
        self.history = History(**state["history"])
        total, correct, seen = state.get("running") or (0.0, 0, 0)
        self._running = (float(total), int(correct), int(seen))
        es = self.early_stopping
        if es is not None and state.get("early_stopping"):
            saved = state["early_stopping"]
            es.best, es.best_epoch, es.wait = saved["best"], saved["best_epoch"], saved["wait"]
            es.best_weights = None if saved["best_weights"] is None else np.array(saved["best_weights"])
        self._resume = (int(state["epoch"]), int(position), state["order"])
