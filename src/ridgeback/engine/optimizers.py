r"""Optimizers with exactly ``torch.optim``'s update rules and defaults.

Each optimizer updates ``p.data`` in place from ``p.grad`` for every parameter passed to
:meth:`Optimizer.step`, keeping its state per parameter. Notation: :math:`g_t` gradient,
:math:`\theta_t` parameter, :math:`\gamma` learning rate, :math:`\lambda` weight decay.

:meth:`Optimizer.step_size` gives the step each coordinate just took per unit of
gradient; proximal regularizers threshold with it (see :mod:`ridgeback.regularizers`).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np

from .._util.validation import check_in_range, check_nonnegative, check_positive
from .fastpaths import adam_kernel

CHUNK = 1 << 16  # elements per chunk of the flat vectors (see Adam._update)

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "OPTIMIZERS", "get"]


class Optimizer(ABC):
    """Base class: ``step(params)`` applies one update; state lives in ``self.state``."""

    def __init__(self, lr):
        self.lr = check_positive("lr", lr)
        self.state: dict[int, dict] = {}

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
        params : list of Parameter
        add_gradient : callable or None
            ``add_gradient(p, lo, hi)`` adds further terms (a penalty's gradient) into
            ``p.grad.reshape(-1)[lo:hi]`` just before the update reads them. A chunked optimizer
            (:class:`Adam`) calls it once per chunk, while that chunk of weights and gradient is
            in cache; the others call it once for the whole parameter. Either way each element
            gets the same arithmetic as adding the terms before ``step``. When the terms are L2
            gradients and ``add_gradient.l2`` lists them as ``(start, stop, 2 * strength)``
            (see :func:`ridgeback.engine.trainer.penalty_gradient`), Adam's compiled update adds them
            inside its loop instead, with the same arithmetic, and leaves ``p.grad`` unchanged.
        """
        for p in params:
            st = self._state(p)
            st["step"] += 1
            if add_gradient is None:
                self._update(p.data, p.grad, st)
            elif self.chunked:
                self._update(p.data, p.grad, st, lambda lo, hi, p=p: add_gradient(p, lo, hi),
                             getattr(add_gradient, "l2", None))
            else:
                add_gradient(p, 0, p.data.size)
                self._update(p.data, p.grad, st)

    @abstractmethod
    def _update(self, theta, g, st):
        ...

    def step_size(self, p):
        """Per-unit-gradient step of the last update: a scalar, or an array shaped like ``p``."""
        return self.lr

    #: entries of a parameter's state that are working memory, rebuilt as needed, never saved
    _working: tuple = ()

    def state_arrays(self, params) -> dict:
        """The optimizer's state for ``params`` as named arrays (for checkpoints)."""
        out = {}
        for i, p in enumerate(params):
            for name, value in self.state.get(id(p), {}).items():
                if name not in self._working:
                    out[f"{i}.{name}"] = np.asarray(value)
        return out

    def load_state_arrays(self, params, arrays: dict) -> None:
        """Inverse of :meth:`state_arrays`."""
        self.state = {}
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

    def _update(self, theta, g, st):
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

    The update walks each parameter as a flat vector in chunks of ``CHUNK`` elements (the
    same operations per element as on the whole vector), so parameters and gradients must be
    C-contiguous arrays, as the Trainer's packed parameter vector is. With numba installed
    (``pip install "ridgeback[fast]"``), each chunk's operations run as one compiled loop
    instead of a dozen NumPy passes, with bit-identical results; ``RIDGEBACK_NUMBA=0`` turns
    it off (see docs/performance.md).
    """

    decoupled = False
    chunked = True
    _working = ("scratch", "chunks", "l2_parts")

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

    def _chunks(self, theta, g, st):
        """Views of theta, g, m, v and three scratch rows (denominator, two temporaries), one
        tuple per chunk.

        Built once and reused while ``theta`` and ``g`` are the same arrays (the cache holds
        them, so their identities cannot be recycled); slicing a dozen views every step would
        cost more than the whole update of a small network.
        """
        _check_contiguous(theta, g)
        n = theta.size
        size = max(1, min(n, CHUNK))
        # scratch is working memory, not state: never saved (see state_arrays)
        scratch = st["scratch"] = np.empty((3, size), dtype=theta.dtype)
        flat = [a.reshape(-1) for a in (theta, g, st["exp_avg"], st["exp_avg_sq"])]
        views = []
        for lo in range(0, n, size):
            part = [a[lo:lo + size] for a in flat]  # the last chunk may be shorter
            views.append((lo, *part, *(row[:len(part[0])] for row in scratch)))
        st["chunks"] = (theta, g, views)
        return views

    def _update(self, theta, g, st, add_gradient=None, l2=None):
        b1, b2 = self.betas
        t = st["step"]
        if "exp_avg" not in st:
            st["exp_avg"] = np.zeros(theta.shape, theta.dtype)
            st["exp_avg_sq"] = np.zeros(theta.shape, theta.dtype)
        dt = theta.dtype.type
        b1_, b2_, c1, c2, eps, decay = self._constants(dt)
        bias2_sqrt = dt(math.sqrt(1 - b2**t))  # math.sqrt: the same double, without NumPy's scalar overhead
        step = dt(self.lr / (1 - b1**t))
        kernel = adam_kernel() if dt in (np.float32, np.float64) else None
        if kernel is not None and l2 is not None and not self.weight_decay:
            # the L2 gradient 2λθ inside the compiled loop, as coupled decay: g + θ·2λ, the same
            # float operations as adding it into g first, without a pass of its own
            for th, gc, m, v, coefficient in self._l2_parts(theta, g, st, l2):
                if coefficient is None:
                    kernel(th, gc, m, v, b1_, b2_, c1, c2, bias2_sqrt, eps, step, decay, 0)
                else:
                    kernel(th, gc, m, v, b1_, b2_, c1, c2, bias2_sqrt, eps, step, coefficient, 1)
            return
        # m, v, denom and theta are read and written about a dozen times per element; walking
        # the flat vectors in cache-sized chunks keeps those passes in cache instead of
        # streaming the whole model through memory each time. Every element still goes through
        # exactly the same float32 operations in the same order, so the result is bit-identical.
        cached = st.get("chunks")
        if cached is not None and cached[0] is theta and cached[1] is g:
            views = cached[2]
        else:
            views = self._chunks(theta, g, st)
        if kernel is not None:  # the loop below fused into one pass per chunk (see _kernels)
            mode = 2 if self.decoupled and self.weight_decay else 1 if self.weight_decay else 0
            for lo, th, gc, m, v, *_ in views:
                if add_gradient is not None:
                    add_gradient(lo, lo + len(th))
                kernel(th, gc, m, v, b1_, b2_, c1, c2, bias2_sqrt, eps, step, decay, mode)
            return
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
    def _l2_parts(theta, g, st, l2):
        """Views of theta, g, m, v over consecutive stretches covering the vector, each with its
        L2 coefficient ``2λ`` in theta's float type, or None where no L2 applies; built once
        while theta, g and the stretches stay the same."""
        cached = st.get("l2_parts")
        if cached is not None and cached[0] is theta and cached[1] is g and cached[2] == l2:
            return cached[3]
        _check_contiguous(theta, g)
        dt = theta.dtype.type
        flat = [a.reshape(-1) for a in (theta, g, st["exp_avg"], st["exp_avg_sq"])]
        bounds, position = [], 0
        for start, stop, coefficient in l2:
            if start > position:
                bounds.append((position, start, None))
            bounds.append((start, stop, dt(coefficient)))
            position = stop
        if position < theta.size:
            bounds.append((position, theta.size, None))
        parts = [(*(a[lo:hi] for a in flat), c) for lo, hi, c in bounds]
        st["l2_parts"] = (theta, g, l2, parts)
        return parts

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


def _check_contiguous(theta, g):
    """Adam walks parameters and gradients as flat views: a copy would be updated instead."""
    if not (theta.flags.c_contiguous and g.flags.c_contiguous):
        raise ValueError(f"Adam updates parameters and gradients as flat vectors, so both must be "
                         f"C-contiguous arrays. Received: theta.flags.c_contiguous="
                         f"{theta.flags.c_contiguous}, grad.flags.c_contiguous={g.flags.c_contiguous}")


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

    _working = ("denom",)

    def __init__(self, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
        super().__init__(lr)
        self.alpha = check_in_range("alpha", alpha, 0.0, 1.0)
        self.eps = check_nonnegative("eps", eps)
        self.weight_decay = check_nonnegative("weight_decay", weight_decay)
        self.momentum = check_nonnegative("momentum", momentum)
        self.centered = bool(centered)

    def _update(self, theta, g, st):
        dt = theta.dtype.type
        a = self.alpha
        if "square_avg" not in st:
            st["square_avg"] = np.zeros_like(theta)
            st["denom"] = np.empty_like(theta)
            if self.centered:
                st["grad_avg"] = np.zeros_like(theta)
            if self.momentum:
                st["momentum_buffer"] = np.zeros_like(theta)
        if self.weight_decay:
            g = g + theta * dt(self.weight_decay)
        sq, denom = st["square_avg"], st["denom"]
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
        return self.lr / self.state[id(p)]["denom"]

    def load_state_arrays(self, params, arrays):
        super().load_state_arrays(params, arrays)
        for p in params:
            st = self.state.get(id(p))
            if st and "square_avg" in st:
                st["denom"] = np.empty_like(p.data)

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
