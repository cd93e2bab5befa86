"""``check_gradients``: backpropagation against central finite differences.

Public because anyone who writes a layer needs it: a backward pass that disagrees with
finite differences is wrong, however well the network seems to train.
"""

from __future__ import annotations

import numpy as np

from .layers import Dropout

__all__ = ["check_gradients"]


def _cost(model, loss, X, y, regularizer, training, rng_states):
    for layer, state in rng_states:
        layer.rng.bit_generator.state = state  # the same dropout masks at every evaluation
    out = model.forward(X, training=training)
    value = loss.forward(out, y)
    for p in model.parameters():
        reg = p.regularizer if p.regularizer is not None else (regularizer if p.regularize else None)
        if reg is not None:
            value += reg.penalty(p.data)
    return value


def check_gradients(model, loss, X, y, regularizer=None, *, eps=1e-6, training=False) -> float:
    r"""Largest relative error between backprop and central differences, over every parameter.

    For each parameter array :math:`\theta` the analytic gradient :math:`a` (backward pass,
    plus the penalty's gradient) is compared with

    .. math:: n_i = \frac{C(\theta + \epsilon e_i) - C(\theta - \epsilon e_i)}{2\epsilon},
        \qquad \text{error} = \frac{\|a - n\|_2}{\max(\|a\|_2 + \|n\|_2,\ 10^{-30})}

    where :math:`C` = data loss + penalty. Use float64 models: in float32 the differences
    are dominated by rounding. With ``training=True`` dropout is active and the same masks
    are reused for every evaluation.

    Returns
    -------
    float
        The largest error over all parameters (about 1e-9 or less for a correct float64 backward).

    Examples
    --------
    >>> import numpy as np
    >>> from ridgeback import CrossEntropy, L2, mlp
    >>> net = mlp([3, 5, 2], activation="tanh", seed=0, dtype=np.float64)
    >>> X = np.random.default_rng(0).standard_normal((4, 3)); y = np.array([0, 1, 1, 0])
    >>> check_gradients(net, CrossEntropy(), X, y, regularizer=L2(0.1)) < 1e-6
    True
    """
    X = np.asarray(X, dtype=model.dtype)
    y = np.asarray(y)
    if loss.classification and type(loss).__name__ == "CrossEntropy":
        y = y.astype(np.intp)
    else:
        y = y.astype(model.dtype)
    rng_states = [(l, l.rng.bit_generator.state) for l in model.layers if isinstance(l, Dropout)]
    _cost(model, loss, X, y, regularizer, training, rng_states)
    model.backward(loss.backward())
    analytic = []
    for p in model.parameters():
        g = p.grad.copy()
        reg = p.regularizer if p.regularizer is not None else (regularizer if p.regularize else None)
        if reg is not None:
            g += reg.gradient(p.data)
        analytic.append(g)
    worst = 0.0
    for p, a in zip(model.parameters(), analytic, strict=True):
        numeric = np.empty_like(a)
        flat = p.data.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            plus = _cost(model, loss, X, y, regularizer, training, rng_states)
            flat[i] = old - eps
            minus = _cost(model, loss, X, y, regularizer, training, rng_states)
            flat[i] = old
            numeric.reshape(-1)[i] = (plus - minus) / (2 * eps)
        err = np.linalg.norm(a - numeric) / max(np.linalg.norm(a) + np.linalg.norm(numeric), 1e-30)
        worst = max(worst, float(err))
    for layer, state in rng_states:
        layer.rng.bit_generator.state = state
    return worst
