"""Layers: each one's forward pass and its backward pass, side by side.

Conventions
-----------
* ``forward(x, training=False)`` computes the output and caches exactly what
  ``backward`` needs; ``backward(grad_out)`` returns the gradient with respect to
  the layer's input and *overwrites* each parameter's ``.grad``.
* A batch is a 2-D array ``(n_samples, n_features)``; a dense layer computes
  ``y = x @ W + b`` with ``W`` of shape ``(n_in, n_out)``.
* Arrays keep the dtype they arrive in: float32 stays float32.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np

from .._util.validation import check_int, check_one_of, check_positive, check_rate, resolve_dtype
from .parameters import Parameter

__all__ = [
    "Layer",
    "Dense",
    "ReLU",
    "LeakyReLU",
    "Tanh",
    "Sigmoid",
    "Dropout",
    "LAYERS",
]


class Layer(ABC):
    """Base class. Subclasses implement ``forward`` and ``backward``."""

    @abstractmethod
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        ...

    @abstractmethod
    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        ...

    def parameters(self) -> list[Parameter]:
        return []

    def buffers(self) -> dict[str, np.ndarray]:
        """State saved with the model but not trained (BatchNorm's running statistics)."""
        return {}

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        return cls(**config)

    def __call__(self, x, training=False):
        return self.forward(x, training=training)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Dense(Layer):
    r"""Fully connected layer, :math:`y = xW + b`.

    Backward, with :math:`g = \partial C / \partial y`:

    .. math::
        \partial C/\partial W = x^\top g,\quad
        \partial C/\partial b = \textstyle\sum_{\text{batch}} g,\quad
        \partial C/\partial x = g W^\top .

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths.
    init : {"he", "glorot"}
        ``"he"``: :math:`W \sim \mathcal N(0, 2/n_{in})` (for ReLU);
        ``"glorot"``: :math:`W \sim U(\pm\sqrt{6/(n_{in}+n_{out})})` (for tanh/sigmoid).
        Biases start at zero.
    dtype : float32 or float64
    seed : int, Generator or None
        Source of the initial weights.
    regularizer : Regularizer or None
        Overrides the Trainer's regularizer for this layer's weight.
    constraint : Constraint or None
        Projection of the weight after each step, e.g. ``MaxNorm(3.0)``.
    regularize_bias : bool
        Also apply the regularizer to the bias (off by default).

    Examples
    --------
    >>> import numpy as np
    >>> layer = Dense(3, 2, seed=0)
    >>> layer.forward(np.ones((4, 3), dtype=np.float32)).shape
    (4, 2)
    """

    def __init__(self, n_in, n_out, *, init="he", dtype=np.float32, seed=None,
                 regularizer=None, constraint=None, regularize_bias=False):
        self.n_in = check_int("n_in", n_in)
        self.n_out = check_int("n_out", n_out)
        self.init = check_one_of("init", init, ("he", "glorot"))
        self.dtype = resolve_dtype(dtype)
        rng = np.random.default_rng(seed)
        if init == "he":
            w = rng.standard_normal((self.n_in, self.n_out)) * np.sqrt(2.0 / self.n_in)
        else:
            limit = np.sqrt(6.0 / (self.n_in + self.n_out))
            w = rng.uniform(-limit, limit, (self.n_in, self.n_out))
        self.weight = Parameter(w.astype(self.dtype), "weight", regularize=True)
        self.bias = Parameter(np.zeros(self.n_out, dtype=self.dtype), "bias", regularize=regularize_bias)
        self.weight.regularizer = regularizer
        self.weight.constraint = constraint
        if regularize_bias:
            self.bias.regularizer = regularizer
        self.regularize_bias = regularize_bias
        self._x = None

    @property
    def regularizer(self):
        return self.weight.regularizer

    @property
    def constraint(self):
        return self.weight.constraint

    def forward(self, x, training=False):
        self._x = x
        out = x @ self.weight.data
        out += self.bias.data
        return out

    def backward(self, grad_out, input_grad=True):
        """Gradients of the weight and bias; returns ``grad_out @ W.T`` unless ``input_grad`` is False."""
        if self._x is None:
            raise RuntimeError("Dense.backward called before forward.")
        np.matmul(self._x.T, grad_out, out=self.weight.grad)
        np.add.reduce(grad_out, axis=0, out=self.bias.grad)  # the ufunc: np.sum's wrapper costs more here
        self._x = None  # the input is not needed any longer: let it be freed
        if not input_grad:
            return None
        return grad_out @ self.weight.data.T

    def parameters(self):
        return [self.weight, self.bias]

    def get_config(self):
        from .regularizers import serialize  # regularizers know nothing of layers; only names cross

        config = {"n_in": self.n_in, "n_out": self.n_out, "init": self.init, "dtype": self.dtype.name}
        if self.weight.regularizer is not None:
            config["regularizer"] = serialize(self.weight.regularizer)
        if self.weight.constraint is not None:
            config["constraint"] = serialize(self.weight.constraint)
        if self.regularize_bias:
            config["regularize_bias"] = True
        return config

    @classmethod
    def from_config(cls, config):
        from .regularizers import deserialize

        config = dict(config)
        for key in ("regularizer", "constraint"):
            if config.get(key) is not None:
                config[key] = deserialize(config[key])
        return cls(**config)


class ReLU(Layer):
    r""":math:`y = \max(x, 0)`; backward :math:`g \cdot [y > 0]`."""

    def forward(self, x, training=False):
        self._y = np.maximum(x, 0)
        return self._y

    def backward(self, grad_out):
        grad = grad_out * (self._y > 0)
        self._y = None
        return grad


class LeakyReLU(Layer):
    r""":math:`y = x` for :math:`x > 0`, else :math:`\alpha x`; backward :math:`g` or :math:`\alpha g`."""

    def __init__(self, negative_slope=0.01):
        self.negative_slope = check_positive("negative_slope", negative_slope, allow_zero=True)

    def forward(self, x, training=False):
        self._positive = x > 0
        return np.where(self._positive, x, x * x.dtype.type(self.negative_slope))

    def backward(self, grad_out):
        grad = np.where(self._positive, grad_out, grad_out * grad_out.dtype.type(self.negative_slope))
        self._positive = None
        return grad

    def get_config(self):
        return {"negative_slope": self.negative_slope}


class Tanh(Layer):
    r""":math:`y = \tanh x`; backward :math:`g (1 - y^2)`."""

    def forward(self, x, training=False):
        self._y = np.tanh(x)
        return self._y

    def backward(self, grad_out):
        y = self._y
        self._y = None
        return grad_out * (1 - y * y)


class Sigmoid(Layer):
    r""":math:`y = 1 / (1 + e^{-x})`; backward :math:`g\,y(1 - y)`."""

    def forward(self, x, training=False):
        # tanh form: no overflow warning for large |x| and exact symmetry
        self._y = 0.5 * (np.tanh(0.5 * x) + 1)
        return self._y

    def backward(self, grad_out):
        y = self._y
        self._y = None
        return grad_out * y * (1 - y)


class Dropout(Layer):
    r"""Dropout (Srivastava et al. 2014): each unit is zeroed with probability ``rate``.

    Two equivalent schemes, chosen by ``scale``:

    * ``"inverted"`` (default): in training :math:`y = x \cdot m / (1-p)` with
      :math:`m_i \sim \text{Bernoulli}(1-p)`; at inference :math:`y = x`.
    * ``"inference"`` (the paper's original): in training :math:`y = x \cdot m`; at
      inference :math:`y = (1-p)\,x`.

    Both give :math:`\mathbb E[y_{train}] = y_{inference}`. Backward multiplies the
    gradient by the same mask (and scale) that forward used.

    Parameters
    ----------
    rate : float in [0, 1)
        Probability that a unit is dropped.
    scale : {"inverted", "inference"}
    seed : int, Generator or None
        Source of the masks; the Trainer reseeds it from its own seed.

    Examples
    --------
    >>> import numpy as np
    >>> d = Dropout(0.5, seed=0)
    >>> x = np.ones((1, 4), dtype=np.float32)
    >>> d.forward(x, training=False)
    array([[1., 1., 1., 1.]], dtype=float32)
    >>> sorted(set(d.forward(x, training=True).ravel().tolist())) in ([0.0, 2.0], [0.0], [2.0])
    True
    """

    def __init__(self, rate, *, scale="inverted", seed=None):
        self.rate = check_rate("rate", rate)
        self.scale = check_one_of("scale", scale, ("inverted", "inference"))
        self.rng = np.random.default_rng(seed)
        self._mask = None
        self._cached = None

    def forward(self, x, training=False):
        if not training or self.rate == 0.0:
            self._mask = None
            if self.scale == "inference" and not training:
                return x * x.dtype.type(1.0 - self.rate)
            return x
        high, low, factor = self._constants(x.dtype)
        # 0/1 as floats by a cast, then scaled: the same values as multiplying the boolean
        # mask by the factor, without the slow mixed bool-float multiplication
        self._mask = self._keep(x.shape, high, low).astype(x.dtype)
        if factor != 1:
            self._mask *= factor
        return x * self._mask

    def _constants(self, dtype):
        """The threshold's top and low 16 bits (see :meth:`_keep`) and the mask's scale factor,
        computed once per rate, scale and dtype (a step of a small network is a few dozen
        microseconds, and these took several)."""
        key = (self.rate, self.scale, dtype)
        cached = self._cached
        if cached is None or cached[0] != key:
            threshold = min(round(self.rate * 2.0**32), 2**32 - 1)
            factor = dtype.type(1.0 / (1.0 - self.rate) if self.scale == "inverted" else 1.0)
            cached = self._cached = (key, (*divmod(threshold, 1 << 16), factor))
        return cached[1]

    def _keep(self, shape, high=None, low=None):
        r"""Boolean mask of kept units, each kept with probability :math:`1 - T/2^{32}`.

        A unit is kept when a 32-bit random integer :math:`u` satisfies :math:`u \ge T` with
        :math:`T = \operatorname{round}(p \cdot 2^{32})`: ``rate`` to within :math:`2^{-33}`.
        Only the top 16 bits of :math:`u` are drawn for every unit; they decide alone unless
        they equal the top 16 bits of :math:`T` (one unit in 65,536 on average), and only such
        ties draw their low 16 bits. The same distribution as full 32-bit draws, for half the
        random bits (and no float draws). ``high`` and ``low`` are :math:`T`'s top and low 16
        bits (from the current rate when omitted).
        """
        if high is None:
            high, low, _ = self._constants(np.dtype(np.float32))
        n = math.prod(shape)
        bits = self.rng.bit_generator
        top = bits.random_raw((n + 3) // 4).view(np.uint16)[:n].reshape(shape)
        if low == 0:  # e.g. rate 0.5: the top bits decide every unit
            return top >= high
        keep = top > high
        tie = top == high
        if tie.any():
            ties = np.flatnonzero(tie)
            keep.reshape(-1)[ties] = (bits.random_raw(ties.size) & 0xFFFF) >= low
        return keep

    def backward(self, grad_out):
        if self._mask is None:  # identity (rate 0) or backward after an inference pass
            if self.scale == "inference" and self.rate > 0:
                return grad_out * grad_out.dtype.type(1.0 - self.rate)
            return grad_out
        grad = grad_out * self._mask
        self._mask = None
        return grad

    def get_config(self):
        return {"rate": self.rate, "scale": self.scale}


LAYERS = {cls.__name__: cls for cls in (Dense, ReLU, LeakyReLU, Tanh, Sigmoid, Dropout)}
