r"""``PeriodicEmbedding``: each numeric input column as the sines and cosines of learned
frequencies (the PBLD variant of RealMLP, Holzmüller et al. 2024), then through a linear map of
its own; forward and backward side by side. What it shares with the piecewise-linear embedding
(one group per input column) is written in :mod:`ridgeback.engine.embeddings`.
"""

from __future__ import annotations

import math

import numpy as np

from .._util.validation import check_int, check_positive, resolve_dtype
from .column_map import _ColumnMap
from .layers import LAYERS, Parameter

__all__ = ["PeriodicEmbedding"]


class PeriodicEmbedding(_ColumnMap):
    r"""Per-column periodic features followed by a per-column linear map.

    For input column :math:`j` with frequencies :math:`f_{j1..k}`, angles
    :math:`a_{ji} = 2\pi f_{ji} x_j`, and

    .. math::
        z_j = [\cos a_{j1..k},\ \sin a_{j1..k},\ x_j] \in \mathbb R^{m},\quad m = 2k + 1,
        \qquad e_j = z_j W_j + b_j \in \mathbb R^{d},

    (:math:`x_j` omitted when ``include_input=False``); the output is
    :math:`[e_1, \dots, e_F]`, of width :math:`Fd`. Backward, with :math:`G_j = \partial C/\partial e_j`:

    .. math::
        \frac{\partial C}{\partial W_j} = z_j^\top G_j,\quad
        \frac{\partial C}{\partial b_j} = \textstyle\sum_n G_j,\quad
        \frac{\partial C}{\partial z_j} = G_j W_j^\top,

    .. math::
        \frac{\partial C}{\partial a_{ji}} = -\sin a_{ji}\,\frac{\partial C}{\partial \cos a_{ji}}
            + \cos a_{ji}\,\frac{\partial C}{\partial \sin a_{ji}},\quad
        \frac{\partial C}{\partial f_{ji}} = \sum_n 2\pi x_j \frac{\partial C}{\partial a_{ji}},\quad
        \frac{\partial C}{\partial x_j} = \sum_i 2\pi f_{ji} \frac{\partial C}{\partial a_{ji}}
            + \frac{\partial C}{\partial z_{j,m}} .

    Parameters
    ----------
    n_features : int
        Input columns :math:`F` (all numeric, standardized).
    n_frequencies : int
        :math:`k` per column (RealMLP-TD: 16).
    sigma : float > 0
        Initial frequencies are :math:`\mathcal N(0, \sigma^2)` (RealMLP-TD: 0.1; Gorishniy et al.
        tune it between 0.01 and 100). Larger values give wigglier features.
    d_embedding : int
        Output width :math:`d` per column (RealMLP-TD: 4).
    include_input : bool
        Feed :math:`x_j` itself to column :math:`j`'s linear map, so the embedding can pass the
        plain linear dependence through.
    dtype : float32 or float64
    seed : int, Generator or None

    Attributes
    ----------
    frequencies : Parameter, (n_features, n_frequencies)
        Not penalized by the model-wide regularizer (``regularize=False``): shrinking them
        flattens the features rather than removing them.
    weight : Parameter, (n_features, m, d)
        Penalized; its slice ``weight[j]`` is input column ``j``'s group.
    bias : Parameter, (n_features, d)
        Not penalized, zeros at the start.

    Examples
    --------
    >>> import numpy as np
    >>> emb = PeriodicEmbedding(3, n_frequencies=4, d_embedding=2, seed=0)
    >>> emb.forward(np.zeros((5, 3), dtype=np.float32)).shape
    (5, 6)
    """

    def __init__(self, n_features, n_frequencies=16, sigma=0.1, d_embedding=4, *, include_input=True,
                 dtype=np.float32, seed=None):
        self.n_features = check_int("n_features", n_features)
        self.n_frequencies = check_int("n_frequencies", n_frequencies)
        self.sigma = check_positive("sigma", sigma)
        self.d_embedding = check_int("d_embedding", d_embedding)
        if not isinstance(include_input, (bool, np.bool_)):
            raise ValueError(f"`include_input` must be True or False. "
                             f"Received: include_input={include_input!r}")
        self.include_input = bool(include_input)
        self.dtype = resolve_dtype(dtype)
        rng = np.random.default_rng(seed)
        n, k, d = self.n_features, self.n_frequencies, self.d_embedding
        m = self._width_in(k, self.include_input)
        freq = rng.standard_normal((n, k)) * self.sigma
        # torch.nn.Linear's default, per column: U(+-1/sqrt(fan_in))
        bound = 1.0 / math.sqrt(m)
        w = rng.uniform(-bound, bound, (n, m, d))
        self.frequencies = Parameter(freq.astype(self.dtype), "frequencies", regularize=False)
        self.weight = Parameter(w.astype(self.dtype), "weight", regularize=True)
        self.bias = Parameter(np.zeros((n, d), dtype=self.dtype), "bias", regularize=False)
        self._cache = None

    @staticmethod
    def _width_in(k, include_input):
        return 2 * k + int(bool(include_input))

    def forward(self, x, training=False):
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"PeriodicEmbedding expects input of shape (n, {self.n_features}). "
                             f"Received: x with shape {x.shape}")
        k = self.n_frequencies
        w, two_pi = self.weight.data, x.dtype.type(2 * math.pi)
        x_t = np.ascontiguousarray(x.T)  # (F, N): every array below has the column first, contiguous
        angles = x_t[:, :, None] * (two_pi * self.frequencies.data)[:, None, :]  # (F, N, k)
        cos = np.cos(angles)
        sin = np.sin(angles, out=angles)
        # z_j W_j as its parts, so that no (F, N, 2k + 1) copy of z is made
        out = np.matmul(cos, w[:, :k])  # (F, N, d)
        out += np.matmul(sin, w[:, k:2 * k])
        if self.include_input:
            out += x_t[:, :, None] * w[:, None, 2 * k]
        out += self.bias.data[:, None, :]
        self._cache = (x_t, cos, sin)
        return np.ascontiguousarray(out.transpose(1, 0, 2)).reshape(x.shape[0], self.n_out)

    def backward(self, grad_out, input_grad=True):
        if self._cache is None:
            raise RuntimeError("PeriodicEmbedding.backward called before forward.")
        x_t, cos, sin = self._cache
        self._cache = None
        k, w, wg = self.n_frequencies, self.weight.data, self.weight.grad
        g = np.ascontiguousarray(grad_out.reshape(x_t.shape[1], self.n_features, self.d_embedding)
                                 .transpose(1, 0, 2))  # (F, N, d)
        wg[:, :k] = np.matmul(cos.transpose(0, 2, 1), g)
        wg[:, k:2 * k] = np.matmul(sin.transpose(0, 2, 1), g)
        if self.include_input:
            wg[:, 2 * k] = np.matmul(x_t[:, None, :], g)[:, 0, :]
        self.bias.grad[...] = g.sum(axis=1)
        # dC/da = cos a * dC/d(sin a) - sin a * dC/d(cos a), in place in two contiguous (F, N, k)
        # arrays (on strided slices of one (F, N, 2k + 1) array it took three times as long)
        d_angle = np.matmul(g, w[:, k:2 * k].transpose(0, 2, 1))
        d_angle *= cos
        d_cos = np.matmul(g, w[:, :k].transpose(0, 2, 1))
        d_cos *= sin
        d_angle -= d_cos
        two_pi = x_t.dtype.type(2 * math.pi)
        self.frequencies.grad[...] = two_pi * np.matmul(x_t[:, None, :], d_angle)[:, 0, :]
        if not input_grad:
            return None
        dx = np.matmul(d_angle, (two_pi * self.frequencies.data)[:, :, None])[:, :, 0]  # (F, N)
        if self.include_input:
            dx += np.matmul(g, w[:, 2 * k, :, None])[:, :, 0]
        return np.ascontiguousarray(dx.T)

    def parameters(self):
        return [self.frequencies, self.weight, self.bias]

    @classmethod
    def declared_arrays(cls, config) -> dict:
        """``{name: (shape, dtype)}`` of the arrays a saved layer with ``config`` holds, checked
        before the layer is built."""
        n = check_int("n_features", config.get("n_features"))
        k = check_int("n_frequencies", config.get("n_frequencies", 16))
        d = check_int("d_embedding", config.get("d_embedding", 4))
        m = cls._width_in(k, config.get("include_input", True))
        dtype = resolve_dtype(config.get("dtype", "float32"))
        return {"frequencies": ((n, k), dtype), "weight": ((n, m, d), dtype), "bias": ((n, d), dtype)}

    def get_config(self):
        return self._with_regularizer({
            "n_features": self.n_features, "n_frequencies": self.n_frequencies, "sigma": self.sigma,
            "d_embedding": self.d_embedding, "include_input": self.include_input, "dtype": self.dtype.name})



LAYERS.update({PeriodicEmbedding.__name__: PeriodicEmbedding})
