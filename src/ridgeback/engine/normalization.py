r"""Normalization layers: ``BatchNorm`` (over the batch) and ``LayerNorm`` (over the features).

Both standardize, then scale and shift with a learned ``weight`` :math:`\gamma` (ones at the
start) and ``bias`` :math:`\beta` (zeros). Neither parameter is penalized by the model-wide
regularizer (``regularize=False``, as a Dense bias): shrinking :math:`\gamma` towards 0 would
switch units off through the back door, and the decay of the weights before a normalization
changes only their scale, which the normalization removes.

``BatchNorm`` also keeps running estimates of the mean and variance (*buffers*: state that is
saved with the model but not trained), used at inference. They are listed by
``buffers()``; ``Sequential.named_buffers()`` names them for saved models.
"""

from __future__ import annotations

import numpy as np

from .._util.validation import check_in_range, check_int, check_positive, resolve_dtype
from .layers import LAYERS, Layer, Parameter

__all__ = ["BatchNorm", "LayerNorm"]


class _Normalization(Layer):
    """Shared parts: the affine parameters, their config and the saved-array declaration."""

    def __init__(self, n_features, eps, dtype):
        self.n_features = check_int("n_features", n_features)
        self.eps = check_positive("eps", eps)
        self.dtype = resolve_dtype(dtype)
        self.weight = Parameter(np.ones(self.n_features, dtype=self.dtype), "weight", regularize=False)
        self.bias = Parameter(np.zeros(self.n_features, dtype=self.dtype), "bias", regularize=False)

    def parameters(self):
        return [self.weight, self.bias]

    @classmethod
    def declared_arrays(cls, config) -> dict:
        """``{name: (shape, dtype)}`` of the arrays a saved layer with ``config`` holds, checked
        before the layer is built (a model file is read with suspicion)."""
        n = check_int("n_features", config.get("n_features"))
        dtype = resolve_dtype(config.get("dtype", "float32"))
        names = ("weight", "bias") + tuple(getattr(cls, "_buffer_names", ()))
        return {name: ((n,), dtype) for name in names}

    def _check_input(self, x):
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"{type(self).__name__} expects input of shape (n, {self.n_features}). "
                             f"Received: x with shape {x.shape}")


class BatchNorm(_Normalization):
    r"""Batch normalization (Ioffe & Szegedy 2015) of each feature, as ``torch.nn.BatchNorm1d``.

    In training, with the batch mean :math:`\mu` and biased variance :math:`\sigma^2` of each
    feature over the :math:`N` rows:

    .. math::
        \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}},\qquad y = \gamma \hat x + \beta,

    and the running estimates move by ``momentum`` :math:`m`, the variance unbiased:

    .. math::
        \bar\mu \leftarrow (1 - m)\bar\mu + m\mu,\qquad
        \bar\sigma^2 \leftarrow (1 - m)\bar\sigma^2 + m\,\tfrac{N}{N-1}\sigma^2 .

    At inference (``training=False``) :math:`\bar\mu, \bar\sigma^2` replace :math:`\mu, \sigma^2`.
    Backward, with :math:`g = \partial C/\partial y` and :math:`s = \sqrt{\sigma^2 + \epsilon}`:

    .. math::
        \frac{\partial C}{\partial\gamma} = \sum_n g\,\hat x,\quad
        \frac{\partial C}{\partial\beta} = \sum_n g,\quad
        \frac{\partial C}{\partial x} = \frac{\gamma}{N s}\Big(N g - \sum_n g - \hat x \sum_n g\,\hat x\Big)

    in training (the batch statistics depend on every row), and
    :math:`\partial C/\partial x = g\gamma/s` at inference.

    Parameters
    ----------
    n_features : int
    momentum : float in [0, 1]
        Weight of the current batch in the running estimates (torch's convention).
    eps : float > 0
        Added to the variance.
    dtype : float32 or float64

    Notes
    -----
    A training batch of one row has no variance; as torch, this raises rather than train on
    it (drop or merge the last short batch). With dropout, place BatchNorm before the dropout
    (``mlp`` does): statistics taken after dropout differ between training and inference. In a
    network of several hidden layers every BatchNorm after the first still sees the previous
    layer's dropped units (guide chapter 8 measures that shift).

    Examples
    --------
    >>> import numpy as np
    >>> bn = BatchNorm(2, dtype=np.float64)
    >>> y = bn.forward(np.array([[1.0, 2.0], [3.0, 6.0]]), training=True)
    >>> y.round(4)
    array([[-1., -1.],
           [ 1.,  1.]])
    >>> bn.running_mean.round(4), bn.running_var.round(4)
    (array([0.2, 0.4]), array([1.1, 1.7]))
    """

    _buffer_names = ("running_mean", "running_var")

    def __init__(self, n_features, momentum=0.1, eps=1e-5, *, dtype=np.float32):
        super().__init__(n_features, eps, dtype)
        self.momentum = check_in_range("momentum", momentum, 0.0, 1.0)
        self.running_mean = np.zeros(self.n_features, dtype=self.dtype)
        self.running_var = np.ones(self.n_features, dtype=self.dtype)
        self._cache = None

    def forward(self, x, training=False):
        self._check_input(x)
        if training:
            n = x.shape[0]
            if n < 2:
                raise ValueError("BatchNorm needs at least 2 rows per training batch to estimate a "
                                 f"variance. Received: x with shape {x.shape}")
            mean = x.mean(axis=0)
            centered = x - mean
            var = np.mean(centered * centered, axis=0)
            m = x.dtype.type(self.momentum)
            self.running_mean *= 1 - m
            self.running_mean += m * mean
            self.running_var *= 1 - m
            self.running_var += m * var * x.dtype.type(n / (n - 1))
        else:
            centered = x - self.running_mean
            var = self.running_var
        inv_std = 1 / np.sqrt(var + x.dtype.type(self.eps))
        x_hat = centered * inv_std
        self._cache = (x_hat, inv_std, training)
        return x_hat * self.weight.data + self.bias.data

    def backward(self, grad_out, input_grad=True):
        if self._cache is None:
            raise RuntimeError("BatchNorm.backward called before forward.")
        x_hat, inv_std, training = self._cache
        self._cache = None
        self.bias.grad[...] = grad_out.sum(axis=0)
        self.weight.grad[...] = (grad_out * x_hat).sum(axis=0)
        if not input_grad:
            return None
        scale = self.weight.data * inv_std
        if not training:
            return grad_out * scale
        n = grad_out.shape[0]
        # the mean and variance are functions of every row: their share of the gradient is
        # the batch mean of g and the projection of g on x_hat, both subtracted
        return scale * (grad_out - self.bias.grad / n - x_hat * (self.weight.grad / n))

    def buffers(self):
        return {"running_mean": self.running_mean, "running_var": self.running_var}

    def get_config(self):
        return {"n_features": self.n_features, "momentum": self.momentum, "eps": self.eps,
                "dtype": self.dtype.name}


class LayerNorm(_Normalization):
    r"""Layer normalization (Ba et al. 2016) of each row over its features, as ``torch.nn.LayerNorm``.

    With the mean :math:`\mu_n` and biased variance :math:`\sigma_n^2` of row :math:`n` over its
    :math:`F` features, and :math:`s_n = \sqrt{\sigma_n^2 + \epsilon}`:

    .. math::
        \hat x = \frac{x - \mu_n}{s_n},\qquad y = \gamma \hat x + \beta;

    .. math::
        \frac{\partial C}{\partial\gamma} = \sum_n g\,\hat x,\quad
        \frac{\partial C}{\partial\beta} = \sum_n g,\quad
        \frac{\partial C}{\partial x} = \frac{1}{s_n}\Big(h - \overline{h} - \hat x\,\overline{h\hat x}\Big),
        \quad h = g\gamma

    where the bars average over the row's features. The same in training and at inference:
    no running statistics, no dependence between rows.

    Parameters
    ----------
    n_features : int
    eps : float > 0
    dtype : float32 or float64

    Examples
    --------
    >>> import numpy as np
    >>> LayerNorm(3).forward(np.array([[1.0, 2.0, 3.0]])).round(4)
    array([[-1.2247,  0.    ,  1.2247]])
    """

    def __init__(self, n_features, eps=1e-5, *, dtype=np.float32):
        super().__init__(n_features, eps, dtype)
        self._cache = None

    def forward(self, x, training=False):
        self._check_input(x)
        centered = x - x.mean(axis=1, keepdims=True)
        var = np.mean(centered * centered, axis=1, keepdims=True)
        inv_std = 1 / np.sqrt(var + x.dtype.type(self.eps))
        x_hat = centered * inv_std
        self._cache = (x_hat, inv_std)
        return x_hat * self.weight.data + self.bias.data

    def backward(self, grad_out, input_grad=True):
        if self._cache is None:
            raise RuntimeError("LayerNorm.backward called before forward.")
        x_hat, inv_std = self._cache
        self._cache = None
        self.bias.grad[...] = grad_out.sum(axis=0)
        self.weight.grad[...] = (grad_out * x_hat).sum(axis=0)
        if not input_grad:
            return None
        h = grad_out * self.weight.data
        return inv_std * (h - h.mean(axis=1, keepdims=True) - x_hat * (h * x_hat).mean(axis=1, keepdims=True))

    def get_config(self):
        return {"n_features": self.n_features, "eps": self.eps, "dtype": self.dtype.name}


LAYERS.update({cls.__name__: cls for cls in (BatchNorm, LayerNorm)})
