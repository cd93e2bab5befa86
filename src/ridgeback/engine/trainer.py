r"""The training loop: minibatches, cost = data loss + penalty, early stopping, history.

What one step does, and in which order, is the :class:`~ridgeback.engine.step_plan.StepPlan`:
forward pass, loss, backward pass, penalty gradients, the optimizer's update (with the
elementwise penalties' gradients added inside it), proximal steps, constraints. The
:class:`Trainer` runs the plan over minibatches and epochs, and keeps what belongs to a
training run: the shuffling generator, the history, early stopping, divergence checks and
resumable state. Lockstep training (:mod:`ridgeback.engine.lockstep`) runs the same pieces
through the Trainer's public methods. The Trainer's data checks and minibatches are in
:mod:`ridgeback.engine.training_data`, its generators and resumable state in
:mod:`ridgeback.engine.training_state`.

Parameters are packed into one contiguous vector (weights first, then biases;
:class:`~ridgeback.engine.parameters.FlatParameters`) so that the optimizer and a
model-wide regularizer each act in a few large array operations.
"""

from __future__ import annotations

import math

import numpy as np

from .._util.validation import check_int
from .constraints import Constraint
from .history import EarlyStopping, History, TrainingDiverged
from .losses import Loss
from .optimizers import Optimizer
from .parameters import FlatParameters, pack_parameters
from .penalties import Regularizer
from .schedules import get_schedule
from .step_plan import StepPlan
from .training_data import _TrainingData
from .training_state import _TrainingState

__all__ = ["Trainer", "History", "EarlyStopping", "TrainingDiverged", "predict_in_batches"]


def predict_in_batches(model, X: np.ndarray, batch_size: int = 8192) -> np.ndarray:
    """Inference-mode forward pass over ``X`` in chunks (bounded memory)."""
    if X.shape[0] <= batch_size:
        return model.forward(X, training=False)
    return np.concatenate([model.forward(X[i:i + batch_size], training=False)
                           for i in range(0, X.shape[0], batch_size)])


class Trainer(_TrainingData, _TrainingState):
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
    monitor : callable or None
        ``monitor(output, y_val, w_val) -> float``, a validation metric (higher is better) of
        the network's outputs on the validation rows (``w_val``: their weights or None): it is
        recorded in ``history.val_score`` and ``logs["val_score"]``, and early stopping
        watches it (its negative) instead of the validation loss. None: the validation loss.
    callbacks : list
        Objects with optional ``on_epoch_end(trainer, epoch, logs)`` and
        ``on_batch_end(trainer, epoch, position)`` methods. Setting
        ``trainer.stop_training = True`` ends training after the current batch.
    lr_schedule : Schedule, str or None
        A learning-rate schedule (:mod:`ridgeback.engine.schedules`, or its name), applied per
        optimizer step: before update ``t`` of the planned ``T = epochs * batches_per_epoch``
        (counted before early stopping can cut the run short), ``optimizer.lr = base_lr *
        schedule(t, T)``, where ``base_lr`` is the optimizer's ``lr`` when training starts; the
        optimizer's ``lr`` is set back to ``base_lr`` when training ends. ``t`` depends only on the
        epoch and the batch, so a resumed run gets the same rates. None (the default) leaves the
        rate alone.

    Attributes
    ----------
    step_plan : StepPlan or None
        What one step does to the network (made by :meth:`start` at every ``fit``).
    history : History

    Notes
    -----
    With a :class:`~ridgeback.BatchNorm` in the network, a training batch of one row has no
    variance: when the rows of an epoch leave a last batch of one row, that row is **merged into
    the batch before** (which then has ``batch_size + 1`` rows), rather than dropped. Merging
    keeps every row in every epoch (dropping one would leave a random row out of each epoch, and
    a table of ``batch_size + 1`` rows would lose a row in two); one batch a ``1/batch_size``
    larger changes its gradient's noise negligibly. Networks without BatchNorm split the rows as
    before. Early stopping's best epoch keeps the BatchNorm running statistics of that epoch
    along with its weights, and :meth:`state` saves them, so a restored or resumed network
    predicts as the trained one did.

    ``fit`` runs these public pieces: :meth:`check_data`, :meth:`start`; for each epoch
    :meth:`begin_epoch`, then for each minibatch :meth:`forward_backward`, the optimizer's
    ``step([flat], step_plan.penalty_gradient)`` and ``step_plan.after_step(step_size)``, and
    :meth:`end_epoch`; at the end :meth:`finish`. :func:`~ridgeback.engine.lockstep.fit_in_lockstep`
    runs the same pieces for several trainers around one shared update.

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
                 early_stopping=None, seed=None, constraint=None, callbacks=(), lr_schedule=None,
                 monitor=None):
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
        self.lr_schedule = None if lr_schedule is None else get_schedule(lr_schedule)
        if monitor is not None and not callable(monitor):
            raise ValueError(f"`monitor` must be a callable (output, y_val, w_val) -> float or None. "
                             f"Received: monitor={monitor!r}")
        self.monitor = monitor
        self.stop_training = False
        self.history = History()
        self.step_plan: StepPlan | None = None  # made by start(), for each fit
        self._flat: FlatParameters | None = None
        self._rng = None
        self._resume = None
        self._base_lr = None
        self._steps_per_epoch = None

    def plan_schedule(self, n_rows: int) -> None:
        """Record the number of steps per epoch over ``n_rows`` rows, which the schedule's
        ``total_steps`` counts (called by :meth:`fit` and lockstep training before the first step)."""
        self._steps_per_epoch = len(self.batch_bounds(n_rows))

    def schedule_lr(self, epoch: int, step: int) -> None:
        """Set the optimizer's rate for step ``step`` of epoch ``epoch`` (no-op without a schedule)."""
        if self.lr_schedule is None:
            return
        per_epoch = self._steps_per_epoch
        factor = self.lr_schedule(epoch * per_epoch + step, self.epochs * per_epoch)
        self.optimizer.lr = self._base_lr * factor

    # ------------------------------------------------------------------ set-up
    def pack(self, data=None, grad=None) -> FlatParameters:
        """The network's parameters packed into one flat vector.

        Packs on the first call, and again when the network's parameters have changed;
        otherwise returns the current packing.

        Parameters
        ----------
        data, grad : ndarray or None
            Storage to pack into instead (always packs): a stretch of a vector shared with
            other trainers, as :func:`~ridgeback.engine.lockstep.fit_in_lockstep` does. See
            :func:`~ridgeback.engine.parameters.pack_parameters`.

        Returns
        -------
        FlatParameters
        """
        params = self.model.parameters()
        if data is not None or self._flat is None or not self._flat.holds(params):
            self._flat = pack_parameters(params, data, grad)
        return self._flat

    def _new_plan(self) -> StepPlan:
        """The step plan for the current packing and settings: made at every start of ``fit``,
        so that a changed ``regularizer`` or layer setting takes effect."""
        return StepPlan(self.model, self.loss, self.pack(), self.regularizer, self.constraint)

    def penalty(self) -> float:
        """The regularization penalty of the current weights."""
        return self._new_plan().penalty()

    # ------------------------------------------------------------------ loop
    def fit(self, X, y, validation_data=None, sample_weight=None) -> History:
        r"""Train on ``(X, y)``; continue from the current weights if called again.

        ``sample_weight`` (one weight >= 0 per row) makes each minibatch's loss the weighted
        mean :math:`\sum_i w_i \ell_i / \sum_i w_i`, and the epoch's training loss the weighted
        mean over the epoch; ``validation_data=(X_val, y_val, w_val)`` weighs the validation
        loss likewise. Weights that are all equal are dropped (the same results, bit for bit,
        as no weights).

        Returns the :class:`History`, which covers all epochs of this trainer.
        """
        X, y, X_val, y_val = self.check_data(X, y, validation_data)
        n = X.shape[0]
        self._weights = self.check_weights(sample_weight, n, validation_data)
        self.warn_if_full_batch(n)
        self.plan_schedule(n)
        if self._resume is None:
            self.start()
            start_epoch, position, order = 0, 0, None
        else:
            start_epoch, position, order = self._resume
            self._continue()
        try:
            for epoch in range(start_epoch, self.epochs):
                order = self.begin_epoch(epoch, n, order)
                stop = self._run_epoch(X, y, X_val, y_val, epoch, order, position)
                order, position = None, 0
                if stop or self.stop_training:
                    break
        finally:
            self.finish()
        return self.history

    def start(self) -> StepPlan:
        """A fresh start of training: the step plan made, the generators reseeded, history and
        early stopping reset. Returns the plan (also ``self.step_plan``)."""
        self.step_plan = self._new_plan()
        self._reseed()
        self.history = History()
        if self.early_stopping is not None:
            self.early_stopping.reset()
        self.stop_training = False
        self._last_good = self.step_plan.flat.data.copy()
        self._last_good_buffers = self._buffers()
        self._base_lr = self.optimizer.lr
        return self.step_plan

    def begin_epoch(self, epoch: int, n_rows: int, order=None) -> np.ndarray:
        """The order of the rows in epoch ``epoch``: ``order`` when given (a resumed epoch),
        else a permutation of ``n_rows`` drawn from the trainer's generator. Recorded for
        :meth:`state`."""
        if order is None:
            order = self._rng.permutation(n_rows)
        self._epoch, self._order = epoch, order
        return order

    def _run_epoch(self, X, y, X_val, y_val, epoch, order, position):
        plan, optimizer = self.step_plan, self.optimizer
        flat = plan.flat
        n, bs = X.shape[0], self.batch_size
        w, w_val = getattr(self, "_weights", (None, None))
        # weighted: a batch's loss counts as its weight over the mean weight, so that the epoch's
        # sum over `seen` (= n at its end) is the weighted mean of the rows' losses
        mean_w = None if w is None else float(w.mean())
        batch_callbacks = [c for c in self.callbacks if hasattr(c, "on_batch_end")]
        # running sums of the epoch; a resumed epoch continues those saved with the state
        total_loss, correct, seen = self._running if position else (0.0, 0, 0)
        bounds = self.batch_bounds(n)
        step = position // bs  # a checkpoint's position is a batch's end: a multiple of bs, or n
        for start, stop in bounds[step:]:
            idx = order[start:stop]
            wb = None if w is None else w.take(idx)
            value, hits = self.forward_backward(X.take(idx, axis=0), y.take(idx, axis=0), epoch, step, wb)
            self.schedule_lr(epoch, step)
            optimizer.step([flat], plan.penalty_gradient)
            if plan.has_after_step:
                plan.after_step(optimizer.step_size(flat) if plan.needs_step_size else None)
            total_loss += value * (len(idx) if wb is None else float(wb.sum()) / mean_w)
            correct += hits
            seen += len(idx)
            step += 1
            self._running = (total_loss, correct, seen)
            for c in batch_callbacks:
                c.on_batch_end(self, epoch, start + len(idx))
            if self.stop_training and stop < n:
                # interrupted mid-epoch: no history entry for a partial epoch (a resume completes it)
                self.history.interrupted = True
                return True
        return self.end_epoch(epoch, step, total_loss / max(seen, 1), correct / max(seen, 1), X_val, y_val,
                              w_val)

    def forward_backward(self, xb, yb, epoch: int, step: int, wb=None) -> tuple[float, int]:
        """Steps 1-4 of the step plan on one minibatch (:meth:`StepPlan.forward_backward
        <ridgeback.engine.step_plan.StepPlan.forward_backward>`); returns the loss and the
        number of correct predictions.

        Raises
        ------
        TrainingDiverged
            When the loss is not finite (``epoch`` and ``step`` say where); the weights of the
            last completed epoch are put back first.
        """
        value, hits = self.step_plan.forward_backward(xb, yb, wb)
        if not math.isfinite(value):
            self._put_back_last_good()
            raise TrainingDiverged(epoch, step, value)
        return value, hits

    def end_epoch(self, epoch: int, step: int, train_loss: float, train_accuracy: float,
                  X_val=None, y_val=None, w_val=None) -> bool:
        """The end of epoch ``epoch`` (after ``step`` steps): the weights checked, the history,
        validation (weighted by ``w_val``), early stopping and callbacks updated. Returns
        whether to stop.

        Raises
        ------
        TrainingDiverged
            When the loss stayed finite but a weight did not; the weights of the last
            completed epoch are put back first.
        """
        flat = self.step_plan.flat
        if not np.isfinite(flat.data).all():  # finite losses but weights blew up (e.g. huge lr)
            self._put_back_last_good()
            raise TrainingDiverged(epoch, step, float("nan"))
        h = self.history
        if self.stop_training:
            h.interrupted = True
        h.train_loss.append(train_loss)
        h.penalty.append(self.step_plan.penalty())
        if self.loss.classification:
            h.train_accuracy.append(train_accuracy)
        logs = {"epoch": epoch, "train_loss": train_loss, "penalty": h.penalty[-1]}
        monitored = h.cost[-1]
        if X_val is not None:
            monitored = self._validate(X_val, y_val, logs, w_val)  # held-out data loss: no penalty
        self._last_good[...] = flat.data
        if self._last_good_buffers:
            self._last_good_buffers = self._buffers()
        stop = False
        if self.early_stopping is not None and math.isfinite(monitored):
            stop = self.early_stopping.update(epoch, monitored, flat.data, self._last_good_buffers)
            h.stopped_early = stop
        for c in self.callbacks:
            if hasattr(c, "on_epoch_end"):
                c.on_epoch_end(self, epoch, logs)
        return stop

    def _validate(self, X_val, y_val, logs, w_val=None) -> float:
        """The validation loss (and accuracy), recorded in the history and ``logs``."""
        h = self.history
        out = predict_in_batches(self.model, X_val)
        val_loss = self.loss.forward(out, y_val) if w_val is None else self.loss.forward(out, y_val, w_val)
        h.val_loss.append(val_loss)
        logs["val_loss"] = val_loss
        if self.loss.classification:
            acc = float(np.mean(self.loss.predict(out).reshape(y_val.shape) == y_val))
            h.val_accuracy.append(acc)
            logs["val_accuracy"] = acc
        if self.monitor is not None:
            score = float(self.monitor(out, y_val, w_val))
            h.val_score.append(score)
            logs["val_score"] = score
            return -score if math.isfinite(score) else math.inf
        return val_loss

    def finish(self) -> None:
        """The end of training, however it ends: early stopping's best weights put back (with
        ``restore_best``)."""
        es = self.early_stopping
        # kept for continuation_state(): the weights training would go on from are the last
        # epoch's, not the best ones put back below (nor those an estimator rescales afterwards)
        self._last_weights = self.step_plan.flat.data.copy()
        self._last_buffers = self._buffers()
        if es is not None and es.restore_best and es.best_weights is not None:
            self.step_plan.flat.data[...] = es.best_weights
            self._set_buffers(es.best_buffers)
            self.history.best_epoch = es.best_epoch
        if self.lr_schedule is not None and self._base_lr is not None:
            self.optimizer.lr = self._base_lr

    def _put_back_last_good(self):
        """The weights (and buffers) of the last completed epoch, after a divergence."""
        self.step_plan.flat.data[...] = self._last_good
        self._set_buffers(self._last_good_buffers)
