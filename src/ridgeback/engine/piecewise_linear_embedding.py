r"""``PiecewiseLinearEmbedding``: each numeric input column as its position within fixed bins (the
quantiles of the training column), then through a linear map of its own; forward and backward
side by side, and the check of the bin edges. What it shares with the periodic embedding (one
group per input column) is written in :mod:`ridgeback.engine.embeddings`.
"""

from __future__ import annotations

import math

import numpy as np

from .._util.validation import check_int, resolve_dtype
from .column_map import _ColumnMap
from .layers import LAYERS, Parameter

__all__ = ["PiecewiseLinearEmbedding"]


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


LAYERS.update({PiecewiseLinearEmbedding.__name__: PiecewiseLinearEmbedding})
