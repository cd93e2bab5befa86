r"""Learning-rate schedules: a factor on the optimizer's base learning rate at each step.

Interface
---------
A schedule is a callable ``schedule(step, total_steps) -> float``: the factor
:math:`s(t)` by which the base learning rate :math:`\eta_0` is multiplied for update number
``step`` (0-based) of a run of ``total_steps`` updates. The factor depends on nothing else, so
a schedule holds no state, and a resumed run gets the same rates.

How the Trainer calls it
------------------------
**Per optimizer step**, not per epoch: with ``total_steps = epochs * batches_per_epoch``
(the planned run, counted before early stopping can cut it short) and ``step`` the number of
updates already made, set

.. code-block:: python

    optimizer.lr = base_lr * schedule(step, total_steps)

just before update ``step``. Per-step updates are what torch's ``OneCycleLR`` and RealMLP do;
a per-epoch call would make the warm-up and the restarts depend on the batch size.

Every schedule has ``get_config()`` / ``from_config()``, and :data:`SCHEDULES` maps the names
``"constant"``, ``"cosine"``, ``"onecycle"`` and ``"multicycle"`` to the classes;
:func:`get_schedule` builds one from a name.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod

import numpy as np

from .._util.configured import Configured
from .._util.validation import check_in_range, check_int, check_positive

__all__ = ["Schedule", "Constant", "Cosine", "OneCycle", "MultiCycle", "SCHEDULES", "get_schedule"]


class Schedule(Configured, ABC):
    """Base class: ``schedule(step, total_steps)`` checks its arguments and returns the factor."""

    def __call__(self, step, total_steps) -> float:
        total_steps = check_int("total_steps", total_steps)
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or not 0 <= step < total_steps:
            raise ValueError(f"`step` must be an integer in [0, total_steps={total_steps}). "
                             f"Received: step={step!r}")
        return float(self.factor(int(step), total_steps))

    @abstractmethod
    def factor(self, step: int, total_steps: int) -> float:
        """The factor for a checked ``step`` of ``total_steps``."""

    def factors(self, total_steps) -> np.ndarray:
        """The factors of every step of a run, ``[s(0), ..., s(total_steps - 1)]``."""
        total_steps = check_int("total_steps", total_steps)
        return np.array([self.factor(i, total_steps) for i in range(total_steps)])

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Schedule:
        return cls(**config)


class Constant(Schedule):
    r"""The base learning rate throughout, :math:`s(t) = 1`.

    Examples
    --------
    >>> Constant()(5, 10)
    1.0
    """

    def factor(self, step, total_steps):
        return 1.0


class Cosine(Schedule):
    r"""Linear warm-up, then cosine decay (Loshchilov & Hutter 2017, without restarts).

    With :math:`W = \lfloor w T \rfloor` warm-up steps out of :math:`T`:

    .. math::
        s(t) = \begin{cases}
            \dfrac{t + 1}{W} & t < W \\[1ex]
            s_{min} + \dfrac{1 - s_{min}}{2}\Big(1 + \cos\dfrac{\pi (t - W)}{T - W}\Big) & t \ge W
        \end{cases}

    Without warm-up this is ``torch.optim.lr_scheduler.CosineAnnealingLR(T_max=T,
    eta_min=min_factor * lr)``. The warm-up starts at :math:`1/W` rather than 0, so that no
    update is wasted at a zero rate.

    Parameters
    ----------
    warmup : float in [0, 1)
        Fraction :math:`w` of the steps spent warming up.
    min_factor : float in [0, 1]
        :math:`s_{min}`, the factor the decay tends to.

    Examples
    --------
    >>> s = Cosine(warmup=0.2)
    >>> [round(s(t, 10), 3) for t in range(10)]
    [0.5, 1.0, 1.0, 0.962, 0.854, 0.691, 0.5, 0.309, 0.146, 0.038]
    """

    def __init__(self, warmup=0.0, min_factor=0.0):
        self.warmup = check_in_range("warmup", warmup, 0.0, 1.0, closed="left")
        self.min_factor = check_in_range("min_factor", min_factor, 0.0, 1.0)

    def factor(self, step, total_steps):
        w = int(self.warmup * total_steps)
        if step < w:
            return (step + 1) / w
        progress = (step - w) / (total_steps - w)
        return self.min_factor + (1 - self.min_factor) * 0.5 * (1 + math.cos(math.pi * progress))

    def get_config(self):
        return {"warmup": self.warmup, "min_factor": self.min_factor}


def _cos_anneal(start, end, pct):
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


class OneCycle(Schedule):
    r"""The one-cycle policy (Smith & Topsoe 2019), as ``torch.optim.lr_scheduler.OneCycleLR``
    with ``anneal_strategy="cos"``, ``three_phase=False`` and the base learning rate as ``max_lr``.

    The factor rises from :math:`1/d` to 1 over the first :math:`p\,T` steps and falls to
    :math:`1/(d f)` at the last step, each phase a half cosine. With phase ends
    :math:`e_1 = pT - 1`, :math:`e_2 = T - 1`:

    .. math::
        s(t) = \begin{cases}
            c\big(\tfrac1d, 1, \tfrac{t}{e_1}\big) & t \le e_1 \\[1ex]
            c\big(1, \tfrac{1}{d f}, \tfrac{t - e_1}{e_2 - e_1}\big) & t > e_1
        \end{cases},\qquad
        c(a, b, u) = b + \frac{a - b}{2}\big(1 + \cos \pi u\big)

    torch also cycles Adam's :math:`\beta_1` in the opposite direction (``cycle_momentum``);
    this schedule sets the learning rate only.

    Parameters
    ----------
    pct_start : float in (0, 1)
        :math:`p`, the share of the steps spent rising (torch: 0.3).
    div_factor : float > 0
        :math:`d`: the first rate is ``lr / div_factor`` (torch: 25).
    final_div_factor : float > 0
        :math:`f`: the last rate is ``lr / (div_factor * final_div_factor)`` (torch: 1e4).

    Examples
    --------
    >>> s = OneCycle()
    >>> round(s(0, 100), 4), round(s(29, 100), 4), s(99, 100) == 1 / 25 / 1e4
    (0.04, 1.0, True)
    """

    def __init__(self, pct_start=0.3, div_factor=25.0, final_div_factor=1e4):
        self.pct_start = check_in_range("pct_start", pct_start, 0.0, 1.0, closed="neither")
        self.div_factor = check_positive("div_factor", div_factor)
        self.final_div_factor = check_positive("final_div_factor", final_div_factor)

    def factor(self, step, total_steps):
        first = 1.0 / self.div_factor
        last = first / self.final_div_factor
        end_1, end_2 = float(self.pct_start * total_steps) - 1, total_steps - 1
        if step <= end_1:
            return _cos_anneal(first, 1.0, step / end_1)
        return _cos_anneal(1.0, last, (step - end_1) / (end_2 - end_1))

    def __call__(self, step, total_steps):
        total_steps = check_int("total_steps", total_steps)
        end_1 = float(self.pct_start * total_steps) - 1
        if end_1 <= 0 or end_1 >= total_steps - 1:
            # torch divides by zero on such short runs; say so instead
            raise ValueError(f"`total_steps` is too short for pct_start={self.pct_start}: each phase "
                             f"needs at least one step. Received: total_steps={total_steps}")
        return super().__call__(step, total_steps)

    def factors(self, total_steps):
        self(0, total_steps)  # the same checks as a single call
        return super().factors(total_steps)

    def get_config(self):
        return {"pct_start": self.pct_start, "div_factor": self.div_factor,
                "final_div_factor": self.final_div_factor}


class MultiCycle(Schedule):
    r"""RealMLP-TD's multi-cycle cosine, ``"coslog4"`` in pytabkit (Holzmüller et al. 2024).

    With the progress :math:`u = t / T` and :math:`n` cycles:

    .. math::
        s(t) = \tfrac12\Big(1 - \cos\big(2\pi \log_2(1 + (2^n - 1)\,u)\big)\Big)

    The argument of the cosine runs through :math:`n` whole periods on a log scale: each
    cycle rises from 0 to 1 and falls back to 0, and each lasts twice as long as the one
    before (:math:`1/15, 2/15, 4/15, 8/15` of the run for :math:`n = 4`). Short early cycles
    explore, the long last one anneals. The first step has :math:`s = 0`, as in pytabkit.

    Parameters
    ----------
    n_cycles : int
        :math:`n` (RealMLP-TD: 4).

    Examples
    --------
    >>> [round(float(f), 2) for f in MultiCycle().factors(15)]  # cycles end at steps 1, 3, 7
    [0.0, 0.0, 0.93, 0.0, 0.72, 0.93, 0.32, 0.0, 0.26, 0.72, 0.98, 0.93, 0.65, 0.32, 0.08]
    """

    def __init__(self, n_cycles=4):
        self.n_cycles = check_int("n_cycles", n_cycles)

    def factor(self, step, total_steps):
        u = step / total_steps
        return 0.5 * (1 - math.cos(2 * math.pi * math.log2(1 + (2**self.n_cycles - 1) * u)))

    def get_config(self):
        return {"n_cycles": self.n_cycles}


SCHEDULES = {"constant": Constant, "cosine": Cosine, "onecycle": OneCycle, "multicycle": MultiCycle}


def get_schedule(name, **config) -> Schedule:
    """The schedule called ``name`` (a key of :data:`SCHEDULES`), built with ``config``; a
    :class:`Schedule` is returned as it is.

    Examples
    --------
    >>> get_schedule("cosine", warmup=0.1)
    Cosine(warmup=0.1, min_factor=0.0)
    """
    if isinstance(name, Schedule):
        return name
    key = name.lower() if isinstance(name, str) else None
    if key not in SCHEDULES:
        raise ValueError(f"`lr_schedule` must be one of {', '.join(repr(k) for k in SCHEDULES)}. "
                         f"Received: lr_schedule={name!r}")
    return SCHEDULES[key](**config)
