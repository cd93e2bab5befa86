"""What a training run records and how it ends: the per-epoch :class:`History`, the
:class:`EarlyStopping` rule and the :class:`TrainingDiverged` error."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._util.validation import check_int, check_nonnegative

__all__ = ["History", "EarlyStopping", "TrainingDiverged"]


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
    ``val_loss`` and the accuracies are filled when they apply; ``val_score`` holds the
    validation metric (higher is better) of a trainer with a ``monitor``, which early stopping
    then watches instead of the validation loss.
    """

    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    penalty: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    interrupted: bool = False
    val_score: list = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.train_loss)

    @property
    def cost(self) -> list:
        return [a + b for a, b in zip(self.train_loss, self.penalty, strict=True)]

    def to_dict(self) -> dict:
        # val_score only when there is one: the dicts of runs without a monitor stay as they were
        return {k: (list(v) if isinstance(v, list) else v) for k, v in self.__dict__.items()
                if k != "val_score" or v}


class EarlyStopping:
    """Stop when the monitored loss has not improved by ``min_delta`` for ``patience`` epochs.

    The validation loss is monitored when validation data is given, else the training
    cost. With ``restore_best`` the weights of the best epoch are put back however
    training ends (early stop, last epoch, interruption or divergence), and with them the
    network's buffers of that epoch (``best_buffers``: BatchNorm's running statistics), when
    the trainer passes them.
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
        self.best_buffers = {}
        self.wait = 0

    def update(self, epoch: int, value: float, weights: np.ndarray, buffers=None) -> bool:
        """Record an epoch; return True when training should stop.

        ``buffers`` (``{name: array}``) are kept with the best weights; they are not copied, so
        pass arrays that stay as they are (the trainer passes a fresh copy).
        """
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                if self.best_weights is None:
                    self.best_weights = weights.copy()
                else:
                    self.best_weights[...] = weights
                self.best_buffers = dict(buffers or {})
            return False
        self.wait += 1
        return self.wait > self.patience

    def get_config(self):
        return {"patience": self.patience, "min_delta": self.min_delta, "restore_best": self.restore_best}
