r"""Monte-Carlo dropout: predictive mean and spread from many dropout masks.

Gal & Ghahramani (2016) read a network trained with dropout as an approximate Bayesian
model: keeping dropout active at prediction time and averaging over :math:`S` masks gives

.. math::
    \mu(x) = \frac1S \sum_{s=1}^S g\big(f(x; m_s)\big),\qquad
    \sigma(x) = \Big(\frac1S \sum_{s=1}^S \big(g(f(x; m_s)) - \mu(x)\big)^2\Big)^{1/2}

with :math:`g` an output transform (e.g. softmax). The mean approaches the usual
weight-scaled prediction (exactly so in expectation for a network that is linear after its
dropout layers); the standard deviation says how much the prediction depends on the mask.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._util.validation import check_array_2d, check_int
from .inspection import network_of
from .layers import Dropout

__all__ = ["mc_dropout_predict", "NoDropoutWarning"]


class NoDropoutWarning(UserWarning):
    """Monte-Carlo samples were asked of a network without dropout: every sample is the
    deterministic prediction (an ensemble of such members still has a spread between them)."""


def mc_dropout_predict(model, X, samples=50, seed=None, transform=None, batch_size=8192):
    """Mean and standard deviation of the network's output over ``samples`` dropout masks.

    Every pass runs the network forward with dropout active (``training=True``) and no
    backward pass; the weights are not changed. Each Dropout layer temporarily draws its
    masks from a child of a generator made from ``seed`` and gets its own generator back
    afterwards, so the call leaves the model's random state untouched and the same seed
    gives the same result.

    Parameters
    ----------
    model : Sequential or fitted estimator (with a ``network_`` attribute)
    X : array-like of shape (n_samples, n_features)
    samples : int >= 1
        Number of masks :math:`S`.
    seed : int, Generator or None
        Source of the masks.
    transform : callable or None
        Applied to each pass's raw output before averaging, e.g. a softmax to average
        probabilities rather than logits.
    batch_size : int >= 1
        Rows per forward pass (bounds the memory of one pass).

    Returns
    -------
    mean, std : ndarray of shape (n_samples, n_outputs)
        In the network's dtype. ``std`` is the population standard deviation over the
        masks (divisor :math:`S`); it is exactly zero when no layer drops anything.

    Examples
    --------
    >>> import numpy as np
    >>> from ridgeback import mlp
    >>> from ridgeback import mc_dropout_predict
    >>> net = mlp([3, 16, 2], dropout=0.5, seed=0)
    >>> X = np.ones((4, 3), dtype=np.float32)
    >>> mean, std = mc_dropout_predict(net, X, samples=20, seed=0)
    >>> mean.shape, std.shape, bool((std > 0).any())
    ((4, 2), (4, 2), True)
    """
    # the caller gives the network's own input: a preprocessing step in front would be skipped
    net = network_of(model, through_preprocessing=False)
    samples = check_int("samples", samples)
    batch_size = check_int("batch_size", batch_size)
    if transform is not None and not callable(transform):
        raise ValueError(f"`transform` must be callable or None. Received: transform={transform!r}")
    dtype = net.dtype
    X = check_array_2d("X", X, dtype)
    if hasattr(net, "n_inputs") and X.shape[1] != net.n_inputs:
        raise ValueError(f"`X` must have {net.n_inputs} columns to match the network's input. "
                         f"Received: X with shape {X.shape}")
    dropouts = [layer for layer in net.layers if isinstance(layer, Dropout)]
    if not any(layer.rate > 0 for layer in dropouts):
        # not an error (the answer is right), but a user asking for MC samples expects a spread
        warnings.warn("the network has no dropout (every rate is 0): all Monte-Carlo samples are the "
                      "deterministic prediction and the standard deviation is 0", NoDropoutWarning,
                      stacklevel=2)
    children = np.random.default_rng(seed).spawn(len(dropouts))
    own = [layer.rng for layer in dropouts]
    # Welford's running moments in float64: bounded memory for any number of samples, and a
    # spread of exactly zero when every pass gives the same output
    mean = m2 = None
    try:
        for layer, child in zip(dropouts, children, strict=True):
            layer.rng = child
        for s in range(1, samples + 1):
            out = np.concatenate([net.forward(X[i:i + batch_size], training=True)
                                  for i in range(0, max(X.shape[0], 1), batch_size)])
            if transform is not None:
                out = transform(out)
            out = np.asarray(out, dtype=np.float64)
            if mean is None:
                mean, m2 = out.copy(), np.zeros_like(out)
                continue
            delta = out - mean
            mean += delta / s
            m2 += delta * (out - mean)
    finally:
        for layer, rng in zip(dropouts, own, strict=True):
            layer.rng = rng
    std = np.sqrt(m2 / samples)
    return mean.astype(dtype, copy=False), std.astype(dtype, copy=False)
