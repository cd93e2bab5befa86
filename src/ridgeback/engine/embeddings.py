r"""Embeddings of numeric inputs (Gorishniy et al. 2022, "On Embeddings for Numerical Features
in Tabular Deep Learning"): periodic (the PBLD variant of RealMLP, Holzmüller et al. 2024) and
piecewise-linear.

An MLP on raw standardized columns struggles with sharp or periodic dependence on one column
(a threshold, a cycle). Mapping each column to sines and cosines of learned frequencies
(:class:`PeriodicEmbedding`), or to its position within quantile bins
(:class:`PiecewiseLinearEmbedding`, the thresholds a tree would split on), then through a
small linear map of its own, gives the first Dense layer features in which such shapes are
nearly linear.

Grouping by input column
------------------------
Every parameter of either layer has the input column on its **first axis**: ``weight``
``(n_features, m, d)``, ``bias`` ``(n_features, d)`` and the periodic ``frequencies``
``(n_features, k)``. The
raw value :math:`x_j` itself enters column :math:`j`'s linear map (RealMLP's "densenet" part,
folded into the map), so column :math:`j` reaches the rest of the network only through
``weight[j]``: when ``weight[j]`` is all zero, output block :math:`j` is the constant
``bias[j]`` and the column is unused. Hence:

* :class:`~ridgeback.GroupL1` on ``weight`` groups ``weight[j]`` (its rows after reshaping to
  ``(n_features, -1)``), one group per input column, with no change to the regularizer;
* :func:`ridgeback.engine.inspection.input_weight` returns this ``weight`` for a network that
  starts with the embedding, and :func:`~ridgeback.selected_features` keeps the columns whose
  group is non-zero.

The output keeps the columns in order, each a contiguous block of ``d`` values, so the first
Dense layer's rows :math:`jd \ldots (j+1)d-1` also belong to column :math:`j`.
"""

from __future__ import annotations

import math

import numpy as np

from .._util.validation import check_int, check_positive, resolve_dtype
from .layers import LAYERS, Layer, Parameter

__all__ = ["PeriodicEmbedding", "PiecewiseLinearEmbedding", "EMBEDDINGS"]


class _ColumnMap(Layer):
    r"""What both embeddings share: column :math:`j`'s features :math:`z_j` (``(F, N, m)``, one
    slice per column) through a linear map of its own, :math:`e_j = z_j W_j + b_j`, with
    ``weight`` ``(F, m, d)`` and ``bias`` ``(F, d)``; the output :math:`[e_1, \dots, e_F]`; and
    the config, which carries ``weight``'s regularizer (group L1's groups)."""

    @property
    def n_in(self):
        return self.n_features

    @property
    def n_out(self):
        return self.n_features * self.d_embedding

    def _map(self, z):
        r""":math:`[z_1 W_1 + b_1, \dots]` as ``(N, F d)`` for ``z`` of shape ``(F, N, m)``."""
        out = np.matmul(z, self.weight.data)  # (F, N, d)
        out += self.bias.data[:, None, :]
        return np.ascontiguousarray(out.transpose(1, 0, 2)).reshape(z.shape[1], self.n_out)

    def _map_backward(self, grad_out, z, z_grad=True):
        r"""Fill ``weight.grad`` and ``bias.grad``; return :math:`\partial C/\partial z`,
        ``(F, N, m)`` (None unless ``z_grad``)."""
        n = z.shape[1]
        g = grad_out.reshape(n, self.n_features, self.d_embedding).transpose(1, 0, 2)  # (F, N, d)
        np.matmul(z.transpose(0, 2, 1), g, out=self.weight.grad)
        self.bias.grad[...] = g.sum(axis=1)
        return np.matmul(g, self.weight.data.transpose(0, 2, 1)) if z_grad else None

    def _with_regularizer(self, config) -> dict:
        from .regularizers import serialize  # regularizers know nothing of layers; only names cross

        if self.weight.regularizer is not None:  # e.g. group_l1's GroupL1, one group per column
            config["regularizer"] = serialize(self.weight.regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        from .regularizers import deserialize

        config = dict(config)
        regularizer = config.pop("regularizer", None)
        layer = cls(**config)
        if regularizer is not None:
            layer.weight.regularizer = deserialize(regularizer)
        return layer


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
        two_pi = x.dtype.type(2 * math.pi)
        angles = (two_pi * x)[:, :, None] * self.frequencies.data  # (N, F, k)
        parts = [np.cos(angles), np.sin(angles)]
        if self.include_input:
            parts.append(x[:, :, None])
        z = np.concatenate(parts, axis=2).transpose(1, 0, 2)  # (F, N, m): one matmul per column
        self._cache = (x, z, k)
        return self._map(z)

    def backward(self, grad_out, input_grad=True):
        if self._cache is None:
            raise RuntimeError("PeriodicEmbedding.backward called before forward.")
        x, z, k = self._cache
        self._cache = None
        dz = self._map_backward(grad_out, z)  # (F, N, m)
        cos, sin = z[:, :, :k], z[:, :, k:2 * k]
        d_angle = cos * dz[:, :, k:2 * k] - sin * dz[:, :, :k]  # (F, N, k)
        two_pi = x.dtype.type(2 * math.pi)
        x_t = x.T  # (F, N)
        self.frequencies.grad[...] = two_pi * np.matmul(x_t[:, None, :], d_angle)[:, 0, :]
        if not input_grad:
            return None
        dx = two_pi * np.matmul(d_angle, self.frequencies.data[:, :, None])[:, :, 0]  # (F, N)
        if self.include_input:
            dx += dz[:, :, 2 * k]
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


class PiecewiseLinearEmbedding(_ColumnMap):
    r"""Per-column piecewise-linear encoding over fixed bins, followed by a per-column linear map.

    Column :math:`j` has bin edges :math:`b_{j0} < b_{j1} < \dots < b_{jT_j}` (quantiles of the
    training column: :meth:`from_data`). Its encoding has one value per bin,

    .. math::
        z_{jt} = \frac{x_j - b_{j,t-1}}{b_{jt} - b_{j,t-1}}, \quad t = 1..T_j,

    clipped to :math:`[0, 1]`, except that the first bin is not clipped below and the last not
    above (so the encoding extrapolates linearly past the training range). A value inside bin
    :math:`t` thus reads 1 for every bin below, its relative position in bin :math:`t`, and 0
    above: the thresholds a tree would split on, made continuous. Then

    .. math::
        e_j = z_j W_j + b_j \in \mathbb R^{d},

    and the output is :math:`[e_1, \dots, e_F]`, of width :math:`Fd`. Columns with fewer bins
    than the widest are padded with bins that always read 0. Backward, with
    :math:`G_j = \partial C/\partial e_j`:

    .. math::
        \frac{\partial C}{\partial W_j} = z_j^\top G_j,\quad
        \frac{\partial C}{\partial b_j} = \textstyle\sum_n G_j,\quad
        \frac{\partial C}{\partial x_j} = \sum_t \frac{[z_{jt}\ \text{not clipped}]}
            {b_{jt} - b_{j,t-1}} \big(G_j W_j^\top\big)_t .

    The edges are fixed (not learned). A column with one distinct value has one bin of width 0
    that always reads 0: it reaches the network through its bias only.

    Parameters
    ----------
    edges : sequence of 1-d arrays
        Column :math:`j`'s increasing edges, at least 2 each (:math:`T_j + 1`).
    d_embedding : int
        Output width :math:`d` per column.
    dtype : float32 or float64
    seed : int, Generator or None

    Attributes
    ----------
    weight : Parameter, (n_features, n_bins, d)
        Penalized; its slice ``weight[j]`` is input column ``j``'s group.
    bias : Parameter, (n_features, d)
        Not penalized, zeros at the start.

    Examples
    --------
    >>> import numpy as np
    >>> emb = PiecewiseLinearEmbedding([[0.0, 1.0, 2.0], [0.0, 1.0]], d_embedding=2, seed=0)
    >>> z, _ = emb.encode(np.array([[1.5, 3.0]], dtype=np.float32))
    >>> z[0]  # column 0: bin 1 full, half of bin 2; column 1: one bin, extrapolated
    array([[1. , 0.5],
           [3. , 0. ]], dtype=float32)
    """

    def __init__(self, edges, d_embedding=4, *, dtype=np.float32, seed=None):
        self.edges = _check_edges(edges)
        self.d_embedding = check_int("d_embedding", d_embedding)
        self.dtype = resolve_dtype(dtype)
        n, t, d = self.n_features, self.n_bins, self.d_embedding
        left = np.zeros((n, t))
        scale = np.zeros((n, t))  # 1 / bin width; 0 for padding and zero-width bins
        low = np.zeros((n, t))
        high = np.zeros((n, t))
        for j, e in enumerate(self.edges):
            k = len(e) - 1
            width = np.diff(e)
            left[j, :k] = e[:-1]
            scale[j, :k] = np.divide(1.0, width, out=np.zeros(k), where=width > 0)
            low[j, :k], high[j, :k] = 0.0, 1.0
            low[j, 0], high[j, k - 1] = -np.inf, np.inf
        self._left, self._scale = left.astype(self.dtype), scale.astype(self.dtype)
        self._low, self._high = low.astype(self.dtype), high.astype(self.dtype)
        rng = np.random.default_rng(seed)
        bound = 1.0 / math.sqrt(t)  # torch.nn.Linear's default, per column: U(+-1/sqrt(fan_in))
        self.weight = Parameter(rng.uniform(-bound, bound, (n, t, d)).astype(self.dtype), "weight",
                                regularize=True)
        self.bias = Parameter(np.zeros((n, d), dtype=self.dtype), "bias", regularize=False)
        self._cache = None

    @classmethod
    def from_data(cls, X, n_bins=16, d_embedding=4, *, dtype=np.float32, seed=None):
        r"""The embedding with each column's edges at the quantiles :math:`0, 1/T, \dots, 1` of
        ``X``'s column (``n_bins`` :math:`T`; repeated quantiles merged, so a 0/1 column gets
        one bin)."""
        n_bins = check_int("n_bins", n_bins)
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] < 1 or not np.all(np.isfinite(X)):
            raise ValueError(f"`X` must be a finite 2-d array with at least one row. "
                             f"Received: X with shape {X.shape}")
        levels = np.linspace(0.0, 1.0, n_bins + 1)
        edges = []
        for column in X.T:
            e = np.unique(np.quantile(column, levels))
            edges.append(e if len(e) > 1 else np.array([e[0], e[0]]))
        return cls(edges, d_embedding, dtype=dtype, seed=seed)

    @property
    def n_features(self):
        return len(self.edges)

    @property
    def n_bins(self):
        return max(len(e) - 1 for e in self.edges)

    def encode(self, x):
        """``(z, active)``: the encoding :math:`z`, ``(N, F, T)``, and where it is not clipped."""
        raw = (x[:, :, None] - self._left) * self._scale
        z = np.minimum(np.maximum(raw, self._low), self._high)
        return z, (raw > self._low) & (raw < self._high)

    def forward(self, x, training=False):
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"PiecewiseLinearEmbedding expects input of shape (n, {self.n_features}). "
                             f"Received: x with shape {x.shape}")
        z, active = self.encode(x)
        z = z.transpose(1, 0, 2)  # (F, N, T): one matmul per column
        self._cache = (z, active)
        return self._map(z)

    def backward(self, grad_out, input_grad=True):
        if self._cache is None:
            raise RuntimeError("PiecewiseLinearEmbedding.backward called before forward.")
        z, active = self._cache
        self._cache = None
        dz = self._map_backward(grad_out, z, z_grad=input_grad)
        if not input_grad:
            return None
        dz = dz.transpose(1, 0, 2)  # (N, F, T)
        return np.ascontiguousarray((dz * active * self._scale).sum(axis=2))

    def parameters(self):
        return [self.weight, self.bias]

    @classmethod
    def declared_arrays(cls, config) -> dict:
        """``{name: (shape, dtype)}`` of the arrays a saved layer with ``config`` holds, checked
        before the layer is built."""
        edges = _check_edges(config.get("edges"))
        d = check_int("d_embedding", config.get("d_embedding", 4))
        n, t = len(edges), max(len(e) - 1 for e in edges)
        dtype = resolve_dtype(config.get("dtype", "float32"))
        return {"weight": ((n, t, d), dtype), "bias": ((n, d), dtype)}

    def get_config(self):
        return self._with_regularizer({"edges": [e.tolist() for e in self.edges],
                                       "d_embedding": self.d_embedding, "dtype": self.dtype.name})


def _check_edges(edges) -> list:
    """Each column's edges as a float64 array of at least 2 finite, non-decreasing values that
    increase (a single bin of width 0 for a constant column is the one repeat allowed)."""
    try:
        columns = [np.asarray(e, dtype=np.float64) for e in edges]
    except (TypeError, ValueError):
        raise ValueError(f"`edges` must be a sequence of 1-d arrays of bin edges, one per input column. "
                         f"Received: edges={edges!r:.80}") from None
    if not columns:
        raise ValueError("`edges` must hold one array of bin edges per input column. Received: edges=[]")
    for j, e in enumerate(columns):
        constant = e.ndim == 1 and len(e) == 2 and e[0] == e[1]
        increasing = e.ndim == 1 and len(e) >= 2 and (constant or bool(np.all(np.diff(e) > 0)))
        if not increasing or not np.all(np.isfinite(e)):
            raise ValueError(f"`edges[{j}]` must be at least 2 finite, increasing bin edges. "
                             f"Received: edges[{j}]={e.tolist()!r:.80}")
    return columns


#: the embedding layers: each takes the network's inputs, with input column j's weights in weight[j]
EMBEDDINGS = (PeriodicEmbedding, PiecewiseLinearEmbedding)

LAYERS.update({PeriodicEmbedding.__name__: PeriodicEmbedding,
               PiecewiseLinearEmbedding.__name__: PiecewiseLinearEmbedding})
