r"""Optimizers with exactly ``torch.optim``'s update rules and defaults.

Each optimizer updates ``p.data`` in place from ``p.grad`` for every parameter passed to
:meth:`Optimizer.step`, keeping its state per parameter. Notation: :math:`g_t` gradient,
:math:`\theta_t` parameter, :math:`\gamma` learning rate, :math:`\lambda` weight decay.

:meth:`Optimizer.step_size` gives the step each coordinate just took per unit of
gradient; proximal regularizers threshold with it (see :mod:`ridgeback.engine.regularizers`).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np

from .._util.validation import check_in_range, check_nonnegative, check_positive
from .fastpaths import adam_kernel, chunk_views, stretch_views
from .penalty_gradient import PenaltyGradient

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "OPTIMIZERS", "get"]


class Optimizer(ABC):
    """Base class: ``step(params)`` applies one update.

    The state that an update carries to the next (step counts, moments) lives in
    ``self.state``, one dict per parameter: it is what :meth:`state_arrays` saves. Working
    memory that an update only reuses (scratch rows, cached views) lives apart from it, is
    rebuilt when missing, and is never saved.
    """

    def __init__(self, lr):
        self.lr = check_positive("lr", lr)
        self.state: dict[int, dict] = {}
        self._workspace: dict[int, dict] = {}

    def _state(self, p) -> dict:
        # keyed by identity: a Parameter object is one trainable array for its whole life
        key = id(p)
        if key not in self.state:
            self.state[key] = {"step": 0}
        return self.state[key]

    #: whether ``_update`` walks a parameter in chunks and takes ``add_gradient`` per chunk
    chunked = False

    def step(self, params, add_gradient=None) -> None:
        """One update of every parameter in ``params`` from its ``.grad``.

        Parameters
        ----------
        params : list of Parameter or FlatParameters
        add_gradient : PenaltyGradient, callable or None
            ``add_gradient(p, lo, hi)`` adds further terms (a penalty's gradient) into
            ``p.grad.reshape(-1)[lo:hi]`` just before the update reads them. A chunked optimizer
            (:class:`Adam`) calls it once per chunk, while that chunk of weights and gradient is
            in cache; the others call it once for the whole parameter. Either way each element
            gets the same arithmetic as adding the terms before ``step``.
            A :class:`~ridgeback.engine.penalty_gradient.PenaltyGradient` (for a step over one
            flat vector) also describes its terms: when they are all L2 penalties, its ``l2``
            lists them as ``(start, stop, coefficient)``, and Adam's compiled update adds them
            inside its loop instead, with the same arithmetic, leaving ``p.grad`` unchanged.
        """
        coupled_l2 = add_gradient.l2 if isinstance(add_gradient, PenaltyGradient) else None
        for p in params:
            st = self._state(p)
            st["step"] += 1
            work = self._workspace.setdefault(id(p), {})
            if add_gradient is None:
                self._update(p.data, p.grad, st, work)
            elif self.chunked:
                self._update(p.data, p.grad, st, work, lambda lo, hi, p=p: add_gradient(p, lo, hi),
                             coupled_l2)
            else:
                add_gradient(p, 0, p.data.size)
                self._update(p.data, p.grad, st, work)

    @abstractmethod
    def _update(self, theta, g, st, work):
        """Update ``theta`` in place from ``g``; ``st``: the parameter's state, ``work``: its
        working memory (a dict the update may fill and reuse)."""

    def step_size(self, p):
        """Per-unit-gradient step of the last update: a scalar, or an array shaped like ``p``."""
        return self.lr

    def state_arrays(self, params) -> dict:
        """The optimizer's state for ``params`` as named arrays (for checkpoints)."""
        out = {}
        for i, p in enumerate(params):
            for name, value in self.state.get(id(p), {}).items():
                out[f"{i}.{name}"] = np.asarray(value)
        return out

    def load_state_arrays(self, params, arrays: dict) -> None:
        """Inverse of :meth:`state_arrays`."""
        self.state = {}
        self._workspace = {}  # it may hold views of the state arrays being replaced
        for key, value in arrays.items():
            index, name = key.split(".", 1)
            st = self._state(params[int(index)])
            st[name] = int(value) if name == "step" else np.array(value, dtype=params[int(index)].data.dtype)

    @abstractmethod
    def get_config(self) -> dict:
        ...

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional momentum and Nesterov (as ``torch.optim.SGD``).

    .. math::
        g_t &\leftarrow g_t + \lambda\theta_{t-1} \\
        b_t &\leftarrow \mu b_{t-1} + (1-\tau) g_t \quad (b_1 = g_1) \\
        d_t &\leftarrow g_t + \mu b_t \text{ if nesterov else } b_t \quad (d_t = g_t \text{ if } \mu = 0) \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma d_t

    ``weight_decay`` here is *coupled* (added to the gradient): ``SGD(weight_decay=wd)``
    takes the same steps as plain SGD with the penalty ``L2(wd / 2)``.
    """

    def __init__(self, lr=1e-2, momentum=0.0, nesterov=False, weight_decay=0.0, dampening=0.0):
        super().__init__(lr)
        self.momentum = check_nonnegative("momentum", momentum)
        self.dampening = check_in_range("dampening", dampening, 0.0, 1.0)
        self.weight_decay = check_nonnegative("weight_decay", weight_decay)
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                f"Nesterov momentum requires momentum > 0 and dampening = 0. "
                f"Received: momentum={momentum!r}, dampening={dampening!r}"
            )

    def _update(self, theta, g, st, work):
        if self.weight_decay:
            g = g + theta * theta.dtype.type(self.weight_decay)
        if self.momentum:
            buf = st.get("momentum_buffer")
            if buf is None:
                buf = st["momentum_buffer"] = g.copy()
            else:
                buf *= self.momentum
                buf += g * g.dtype.type(1 - self.dampening) if self.dampening else g
            g = g + buf * buf.dtype.type(self.momentum) if self.nesterov else buf
        theta -= g * g.dtype.type(self.lr)

    def get_config(self):
        return {"lr": self.lr, "momentum": self.momentum, "nesterov": self.nesterov,
                "weight_decay": self.weight_decay, "dampening": self.dampening}


class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015) with torch's *coupled* weight decay.

    .. math::
        g_t &\leftarrow g_t + \lambda\theta_{t-1} \\
        m_t &\leftarrow \beta_1 m_{t-1} + (1-\beta_1) g_t \\
        v_t &\leftarrow \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        \theta_t &\leftarrow \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,
            \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    Coupled decay is an L2 penalty of strength ``weight_decay / 2`` and is rescaled by
    :math:`\sqrt{v_t}` like the rest of the gradient: use :class:`AdamW` for decoupled decay.

    The update walks each parameter as a flat vector in chunks of
    :data:`~ridgeback.engine.fastpaths.CHUNK` elements (the same operations per element as on
    the whole vector), so parameters and gradients must be C-contiguous arrays, as the
    Trainer's packed parameter vector is. With numba installed (``pip install
    "ridgeback[fast]"``), each chunk's operations run as one compiled loop instead of a dozen
    NumPy passes, with bit-identical results; ``RIDGEBACK_NUMBA=0`` turns it off (see
    docs/performance.md and :mod:`ridgeback.engine.fastpaths`).
    """

    decoupled = False
    chunked = True

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(lr)
        try:
            b1, b2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"`betas` must be a pair of numbers in [0, 1). "
                             f"Received: betas={betas!r}") from None
        self.betas = (check_in_range("betas[0]", b1, 0.0, 1.0, closed="left"),
                      check_in_range("betas[1]", b2, 0.0, 1.0, closed="left"))
        self.eps = check_nonnegative("eps", eps)
        self.weight_decay = check_nonnegative("weight_decay", weight_decay)
        self._cached = None
        adam_kernel()  # numba's import and the kernel's load (once per process) here, not in the first step

    def _update(self, theta, g, st, work, add_gradient=None, coupled_l2=None):
        """One Adam step of ``theta``, dispatched to one of three paths with bit-identical
        results: the compiled loop with the L2 gradient inside it (``coupled_l2``, no weight
        decay of its own), the compiled loop per chunk, or NumPy per chunk."""
        b1, b2 = self.betas
        t = st["step"]
        if "exp_avg" not in st:
            st["exp_avg"] = np.zeros(theta.shape, theta.dtype)
            st["exp_avg_sq"] = np.zeros(theta.shape, theta.dtype)
        dt = theta.dtype.type
        b1_, b2_, c1, c2, eps, decay = self._constants(dt)
        bias2_sqrt = dt(math.sqrt(1 - b2**t))  # math.sqrt: the same double, without NumPy's scalar overhead
        step = dt(self.lr / (1 - b1**t))
        moments = (b1_, b2_, c1, c2, bias2_sqrt, eps, step)
        kernel = adam_kernel() if dt in (np.float32, np.float64) else None
        if kernel is not None and coupled_l2 is not None and not self.weight_decay:
            self._update_compiled_l2(kernel, self._stretches(theta, g, st, work, coupled_l2), moments, decay)
        elif kernel is not None:
            self._update_compiled(kernel, self._chunks(theta, g, st, work), moments, decay, add_gradient)
        else:
            self._update_numpy(self._chunks(theta, g, st, work), moments, decay, add_gradient)

    @staticmethod
    def _update_compiled_l2(kernel, stretches, moments, decay):
        # the L2 gradient c·θ inside the compiled loop, as coupled decay: g + θ·c, the same float
        # operations as adding it into g first, without a pass of its own
        for th, gc, m, v, coefficient in stretches:
            if coefficient is None:
                kernel(th, gc, m, v, *moments, decay, 0)
            else:
                kernel(th, gc, m, v, *moments, coefficient, 1)

    def _update_compiled(self, kernel, views, moments, decay, add_gradient):
        # the NumPy loop below fused into one pass per chunk (see fastpaths)
        mode = 2 if self.decoupled and self.weight_decay else 1 if self.weight_decay else 0
        for lo, th, gc, m, v, *_ in views:
            if add_gradient is not None:
                add_gradient(lo, lo + len(th))
            kernel(th, gc, m, v, *moments, decay, mode)

    def _update_numpy(self, views, moments, decay, add_gradient):
        # m, v, denom and theta are read and written about a dozen times per element; walking
        # the flat vectors in cache-sized chunks keeps those passes in cache. Every element still
        # goes through exactly the same float operations in the same order: bit-identical.
        b1_, b2_, c1, c2, bias2_sqrt, eps, step = moments
        for lo, th, gc, m, v, denom, tmp, gwd in views:
            if add_gradient is not None:
                add_gradient(lo, lo + len(th))
            if self.weight_decay:
                if self.decoupled:
                    th *= decay
                else:  # g + theta * wd, into scratch so the caller's gradient is untouched
                    gc = np.add(gc, np.multiply(th, decay, out=gwd), out=gwd)
            # m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
            m *= b1_
            m += np.multiply(gc, c1, out=tmp)
            v *= b2_
            np.square(gc, out=tmp)
            tmp *= c2
            v += tmp
            self._denominator(v, denom, bias2_sqrt, eps)
            np.divide(m, denom, out=tmp)
            tmp *= step
            th -= tmp

    @staticmethod
    def _chunks(theta, g, st, work):
        """:func:`~ridgeback.engine.fastpaths.chunk_views`, built once and reused while theta,
        g and the moments are the same arrays (the cache holds them, so their identities
        cannot be recycled)."""
        arrays = (theta, g, st["exp_avg"], st["exp_avg_sq"])
        cached = work.get("chunks")
        if cached is None or not _same(cached[0], arrays):
            cached = work["chunks"] = (arrays, chunk_views(*arrays))
        return cached[1]

    @staticmethod
    def _stretches(theta, g, st, work, l2):
        """:func:`~ridgeback.engine.fastpaths.stretch_views`, built once and reused while the
        arrays and the L2 stretches stay the same."""
        arrays = (theta, g, st["exp_avg"], st["exp_avg_sq"])
        cached = work.get("stretches")
        if cached is None or not _same(cached[0], arrays) or cached[1] != l2:
            cached = work["stretches"] = (arrays, l2, stretch_views(*arrays, l2))
        return cached[2]

    def _constants(self, dt):
        """beta1, beta2, 1 - beta1, 1 - beta2, eps and the decay factor in the parameters' float
        type, converted once per setting (six scalar conversions are a visible part of a
        small network's step)."""
        key = (dt, self.betas, self.eps, self.lr, self.weight_decay)
        cached = self._cached
        if cached is None or cached[0] != key:
            b1, b2 = self.betas
            decay = 1 - self.lr * self.weight_decay if self.decoupled else self.weight_decay
            cached = self._cached = (key, (dt(b1), dt(b2), dt(1 - b1), dt(1 - b2), dt(self.eps), dt(decay)))
        return cached[1]

    @staticmethod
    def _denominator(v, out, bias2_sqrt, eps):
        r""":math:`\sqrt{v}/\sqrt{1-\beta_2^t} + \epsilon` into ``out``: the update's
        denominator, recomputed the same way by :meth:`step_size`."""
        np.sqrt(v, out=out)
        out /= bias2_sqrt
        out += eps
        return out

    def step_size(self, p):
        st = self.state[id(p)]
        # the step per unit of (bias-corrected) gradient, lr / (sqrt(v_hat) + eps), from v
        # (the update keeps its denominator per chunk only)
        dt = p.data.dtype.type
        v = st["exp_avg_sq"]
        denom = self._denominator(v, np.empty_like(v), dt(math.sqrt(1 - self.betas[1] ** st["step"])),
                                  dt(self.eps))
        return np.divide(dt(self.lr), denom, out=denom)

    def get_config(self):
        return {"lr": self.lr, "betas": list(self.betas), "eps": self.eps, "weight_decay": self.weight_decay}


def _same(cached, arrays) -> bool:
    return all(a is b for a, b in zip(cached, arrays, strict=True))


class AdamW(Adam):
    r"""Adam with *decoupled* weight decay (Loshchilov & Hutter 2019), as ``torch.optim.AdamW``.

    .. math::
        \theta_{t-1} &\leftarrow \theta_{t-1}(1 - \gamma\lambda) \\
        m_t, v_t &\text{ as in Adam, from } g_t \text{ alone} \\
        \theta_t &\leftarrow \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,
            \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    The decay shrinks every weight by the same factor whatever its gradient history; no
    L2 penalty in the cost reproduces it under Adam.
    """

    decoupled = True

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


class RMSprop(Optimizer):
    r"""RMSprop (Hinton 2012), as ``torch.optim.RMSprop``.

    .. math::
        g_t &\leftarrow g_t + \lambda\theta_{t-1} \\
        s_t &\leftarrow \alpha s_{t-1} + (1-\alpha) g_t^2 \\
        \bar g_t &\leftarrow \alpha \bar g_{t-1} + (1-\alpha) g_t,\quad
            \tilde s_t = s_t - \bar g_t^2 \text{ if centered else } s_t \\
        b_t &\leftarrow \mu b_{t-1} + g_t / (\sqrt{\tilde s_t} + \epsilon) \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma b_t
            \quad (\text{or } \gamma g_t/(\sqrt{\tilde s_t}+\epsilon) \text{ when } \mu = 0)
    """

    def __init__(self, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
        super().__init__(lr)
        self.alpha = check_in_range("alpha", alpha, 0.0, 1.0)
        self.eps = check_nonnegative("eps", eps)
        self.weight_decay = check_nonnegative("weight_decay", weight_decay)
        self.momentum = check_nonnegative("momentum", momentum)
        self.centered = bool(centered)

    def _update(self, theta, g, st, work):
        dt = theta.dtype.type
        a = self.alpha
        if "square_avg" not in st:
            st["square_avg"] = np.zeros_like(theta)
            if self.centered:
                st["grad_avg"] = np.zeros_like(theta)
            if self.momentum:
                st["momentum_buffer"] = np.zeros_like(theta)
        if self.weight_decay:
            g = g + theta * dt(self.weight_decay)
        sq = st["square_avg"]
        denom = work.get("denom")
        if denom is None or denom.shape != theta.shape:
            denom = work["denom"] = np.empty_like(theta)
        sq *= dt(a)
        sq += np.square(g) * dt(1 - a)
        if self.centered:
            ga = st["grad_avg"]
            ga *= dt(a)
            ga += g * dt(1 - a)
            np.subtract(sq, np.square(ga), out=denom)
            np.sqrt(denom, out=denom)
        else:
            np.sqrt(sq, out=denom)
        denom += dt(self.eps)
        if self.momentum:
            buf = st["momentum_buffer"]
            buf *= dt(self.momentum)
            buf += g / denom
            theta -= buf * dt(self.lr)
        else:
            theta -= (g / denom) * dt(self.lr)

    def step_size(self, p):
        return self.lr / self._workspace[id(p)]["denom"]

    def get_config(self):
        return {"lr": self.lr, "alpha": self.alpha, "eps": self.eps, "weight_decay": self.weight_decay,
                "momentum": self.momentum, "centered": self.centered}


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop}


def get(name: str, **kwargs) -> Optimizer:
    """Build an optimizer from its name (``"sgd"``, ``"adam"``, ``"adamw"``, ``"rmsprop"``)."""
    key = str(name).lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer; expected one of {sorted(OPTIMIZERS)}. "
                         f"Received: optimizer={name!r}")
    return OPTIMIZERS[key](**kwargs)
