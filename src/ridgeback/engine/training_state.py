"""The resumable state of a :class:`~ridgeback.engine.trainer.Trainer`: its generators seeded, and
everything needed to go on training bit-identically (weights, optimizer moments, generators,
history, early stopping, the network's buffers) taken, loaded back and resumed from."""

from __future__ import annotations

import numpy as np

from .history import History
from .layers import Dropout

__all__: list[str] = []


class _TrainingState:
    """The :class:`~ridgeback.engine.trainer.Trainer`'s methods for its state (the Trainer inherits
    them; they read and set its network, optimizer, generators, history and early stopping)."""

    def _reseed(self):
        dropouts = [l for l in self.model.layers if isinstance(l, Dropout)]
        if self.seed is None:
            self._rng = np.random.default_rng()
            return
        children = np.random.SeedSequence(self.seed).spawn(1 + len(dropouts))
        self._rng = np.random.default_rng(children[0])
        for layer, child in zip(dropouts, children[1:], strict=True):
            layer.rng = np.random.default_rng(child)

    def _buffers(self) -> dict:
        """Copies of the network's buffers (BatchNorm's running statistics), by saved name."""
        return {name: array.copy() for name, array in self.model.named_buffers()}

    def _set_buffers(self, buffers) -> None:
        """Write saved buffers back into the network's own arrays (checked by name and shape)."""
        if not buffers:
            return
        own = dict(self.model.named_buffers())
        if set(own) != set(buffers):
            raise ValueError(f"The saved buffers must be the network's {sorted(own)}. "
                             f"Received: buffers={sorted(buffers)}")
        for name, array in own.items():
            array[...] = buffers[name]

    def state(self) -> dict:
        """Everything needed to resume training bit-identically (arrays and JSON-ready values).

        Take it between batches, from ``on_batch_end`` (with the position that callback is
        given) or ``on_epoch_end``: after ``fit`` returns, early stopping may already have put
        the best epoch's weights back, and those are not the weights to resume from.
        ``running`` holds the current epoch's sums (loss, correct predictions, rows), so a
        resumed epoch's history entry covers the whole epoch. ``buffers`` holds the network's
        buffers (BatchNorm's running statistics) by name, ``base_lr`` the rate a schedule scales.
        """
        flat = self.pack()
        dropouts = [l for l in self.model.layers if isinstance(l, Dropout)]
        es = self.early_stopping
        return {
            "weights": flat.data.copy(),
            "optimizer": self.optimizer.state_arrays([flat]),
            "rng": self._rng.bit_generator.state if self._rng is not None else None,
            "dropout_rngs": [l.rng.bit_generator.state for l in dropouts],
            "epoch": getattr(self, "_epoch", 0),
            "order": getattr(self, "_order", None),
            "history": self.history.to_dict(),
            "running": list(getattr(self, "_running", (0.0, 0, 0))),
            "buffers": self._buffers(),
            "base_lr": self.optimizer.lr if self._base_lr is None else self._base_lr,
            "early_stopping": None if es is None else {
                "best": es.best, "best_epoch": es.best_epoch, "wait": es.wait,
                "best_weights": None if es.best_weights is None else es.best_weights.copy(),
                "best_buffers": {k: v.copy() for k, v in (es.best_buffers or {}).items()}},
        }

    def continuation_state(self) -> dict:
        """After ``fit`` returned at the end of an epoch: the :meth:`state` to train further from,
        at the next epoch's first row, with the last epoch's weights (not the best epoch's that
        early stopping put back). Give it to :meth:`load_state` (or as an estimator's
        ``resume_state``) with more ``epochs``: training goes on bit-identically to a fit that
        had those epochs from the start. Used by successive halving to continue candidates.
        """
        state = self.state()
        if getattr(self, "_last_weights", None) is not None:
            state["weights"] = self._last_weights.copy()
            state["buffers"] = {k: v.copy() for k, v in self._last_buffers.items()}
        state["epoch"] = self.history.epochs
        state["order"] = None
        state["running"] = [0.0, 0, 0]
        state["position"] = 0
        return state

    def load_state(self, state: dict, position: int = 0) -> None:
        """Restore :meth:`state`; the next ``fit`` resumes at ``state["epoch"]``, row ``position``."""
        flat = self.pack()
        flat.data[...] = state["weights"]
        self.optimizer.load_state_arrays([flat], state["optimizer"])
        self._rng = np.random.default_rng()
        if state["rng"] is not None:
            self._rng.bit_generator.state = state["rng"]
        dropouts = [l for l in self.model.layers if isinstance(l, Dropout)]
        for layer, rng_state in zip(dropouts, state["dropout_rngs"], strict=True):
            layer.rng.bit_generator.state = rng_state
        self.history = History(**state["history"])
        self._set_buffers(state.get("buffers"))
        self._base_lr = state.get("base_lr")
        total, correct, seen = state.get("running") or (0.0, 0, 0)
        self._running = (float(total), int(correct), int(seen))
        es = self.early_stopping
        if es is not None and state.get("early_stopping"):
            saved = state["early_stopping"]
            es.best, es.best_epoch, es.wait = saved["best"], saved["best_epoch"], saved["wait"]
            es.best_weights = None if saved["best_weights"] is None else np.array(saved["best_weights"])
            es.best_buffers = {k: np.array(v) for k, v in (saved.get("best_buffers") or {}).items()}
        self._resume = (int(state["epoch"]), int(position), state["order"])

    @property
    def resuming(self) -> bool:
        """Whether the next ``fit`` resumes from a state given to :meth:`load_state`."""
        return self._resume is not None

    def _continue(self):
        """A resumed start (after :meth:`load_state`): the plan made again, the generators,
        history and early stopping as loaded."""
        self.step_plan = self._new_plan()
        self._resume = None
        self.stop_training = False
        self._last_good = self.step_plan.flat.data.copy()
        self._last_good_buffers = self._buffers()
        if self._base_lr is None:
            self._base_lr = self.optimizer.lr
