"""A time budget for a search: a wall-clock deadline that no new work starts after.

:func:`deadline_from` turns ``time_budget`` seconds into an absolute ``time.time()`` deadline
(wall-clock time, which a joblib worker or a Dask worker on the same clock reads alike).
A task that starts after the deadline does nothing and says so; a fit running when the
deadline passes is stopped by :class:`DeadlineStop` after its current minibatch and its
outcome is dropped (a half-trained fit is not a result: it would depend on the machine's
speed). What was evaluated is therefore always complete and reproducible; only *how much*
was evaluated depends on time.
"""

from __future__ import annotations

import numbers
import time

__all__ = ["deadline_from", "passed", "DeadlineStop"]


def deadline_from(time_budget) -> float | None:
    """The ``time.time()`` at which a budget of ``time_budget`` seconds from now is spent
    (None: no budget)."""
    if time_budget is None:
        return None
    if isinstance(time_budget, bool) or not isinstance(time_budget, numbers.Real) or not time_budget > 0:
        raise ValueError(f"`time_budget` must be a positive number of seconds or None. "
                         f"Received: time_budget={time_budget!r}")
    return time.time() + float(time_budget)


def passed(deadline: float | None) -> bool:
    """Whether ``deadline`` (None: never) has passed."""
    return deadline is not None and time.time() >= deadline


class DeadlineStop:
    """Trainer callback: stop training after the minibatch during which ``deadline`` passes;
    ``fired`` then says the fit is incomplete."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.fired = False

    def on_batch_end(self, trainer, epoch, position):
        if not self.fired and time.time() >= self.deadline:
            self.fired = True
            trainer.stop_training = True
