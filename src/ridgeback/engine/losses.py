r"""Losses on raw network outputs (logits), each with its gradient.

``forward(output, target, sample_weight=None)`` returns the mean loss over the batch as a
Python float and caches what ``backward()`` needs; with per-row weights :math:`s_i` the mean
is the weighted one, :math:`\sum_i s_i \ell_i / \sum_i s_i` (a batch whose weights are all
zero has loss 0 and gradient 0); ``backward()`` returns :math:`\partial L / \partial\,\text{output}`
in the output's dtype. The backward pass of a network starts here.
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod

import numpy as np

__all__ = ["Loss", "CrossEntropy", "BinaryCrossEntropy", "MeanSquaredError", "LOSSES", "get"]


class Loss(ABC):
    """Base class."""

    #: whether targets are class labels (accuracy is reported for these)
    classification = False

    @abstractmethod
    def forward(self, output: np.ndarray, target: np.ndarray, sample_weight=None) -> float:
        ...

    @abstractmethod
    def backward(self) -> np.ndarray:
        ...

    @abstractmethod
    def check_target(self, y: np.ndarray, n_outputs: int, dtype) -> np.ndarray:
        """Validate and convert a whole target array once, before training."""
        ...

    def predict(self, output: np.ndarray) -> np.ndarray:
        """Map raw outputs to predictions (class labels or values)."""
        return output

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)

    def __call__(self, output, target, sample_weight=None):
        if sample_weight is None:
            return self.forward(output, target)
        return self.forward(output, target, sample_weight)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _finite_target(y):
    y = np.asarray(y)
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        row = int(np.argwhere(~np.isfinite(y))[0][0])
        raise ValueError(f"`y` must not contain NaN or infinity; found {y.ravel()[row]} at row {row}. "
                         f"Received: y with shape {y.shape}")
    return y


def _row_scale(sample_weight, n):
    """``s_i / sum(s)`` per row (zeros when every weight is zero), float64."""
    w = np.asarray(sample_weight, dtype=np.float64).reshape(n)
    total = float(np.add.reduce(w))
    return w / total if total > 0 else np.zeros(n)


def _check_class_weight(value):
    if value is None:
        return None
    try:
        w = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        w = None
    if w is None or w.ndim != 1 or w.size < 1 or not np.all(np.isfinite(w)) or np.any(w < 0) or not w.any():
        raise ValueError(f"`class_weight` must be None or a 1-D array of finite weights >= 0, one per class, "
                         f"not all zero. Received: class_weight={value!r}")
    return w


class CrossEntropy(Loss):
    r"""Softmax cross-entropy on logits with integer labels, fused and stable.

    .. math::
        L = \frac1N \sum_n \Big(\log\sum_k e^{z_{nk}} - z_{n,y_n}\Big),\qquad
        \frac{\partial L}{\partial z_{nk}} = \frac{\operatorname{softmax}(z_n)_k - [k = y_n]}{N}

    The maximum logit is subtracted before exponentiating, so no overflow occurs.

    With label smoothing :math:`\varepsilon` (Szegedy et al. 2016) the target is the mixture
    :math:`q_k = (1-\varepsilon)[k = y_n] + \varepsilon/K` over the :math:`K` classes, as in
    ``torch.nn.functional.cross_entropy(..., label_smoothing=)``:

    .. math::
        L = \frac1N \sum_n \Big(\log\sum_k e^{z_{nk}} - (1-\varepsilon) z_{n,y_n}
            - \frac{\varepsilon}{K}\sum_k z_{nk}\Big),\qquad
        \frac{\partial L}{\partial z_{nk}} = \frac{\operatorname{softmax}(z_n)_k - q_k}{N}

    With class weights :math:`c_k` and row weights :math:`s_n` the loss is the weighted mean
    of ``torch.nn.functional.cross_entropy(..., weight=c)`` (row weights 1 give exactly torch's):

    .. math::
        L = \frac{\sum_n s_n \big((1-\varepsilon)\, c_{y_n} \ell_{n,y_n}
            + \frac{\varepsilon}{K}\sum_k c_k \ell_{nk}\big)}{\sum_n s_n c_{y_n}},\qquad
        \ell_{nk} = -\log\operatorname{softmax}(z_n)_k,

    .. math::
        \frac{\partial L}{\partial z_{nk}} = \frac{s_n}{\sum_m s_m c_{y_m}}
            \Big((1-\varepsilon)\, c_{y_n} (p_{nk} - [k = y_n])
            + \frac{\varepsilon}{K}\big(p_{nk} \textstyle\sum_j c_j - c_k\big)\Big).

    Parameters
    ----------
    label_smoothing : float in [0, 1)
        :math:`\varepsilon`; 0 is the plain cross-entropy (RealMLP-TD uses 0.1).
    class_weight : array-like of shape (n_classes,) or None
        :math:`c_k`, one weight >= 0 per class (output); None weighs every class 1.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.array([[2.0, 0.0]]); y = np.array([0])
    >>> round(CrossEntropy().forward(z, y), 6), round(CrossEntropy(label_smoothing=0.1).forward(z, y), 6)
    (0.126928, 0.226928)
    """

    classification = True

    _rows = np.arange(0)
    _predicted = (None, None)  # (the output forward last saw, its argmax): reused by predict

    def __init__(self, label_smoothing=0.0, class_weight=None):
        if (isinstance(label_smoothing, bool) or not isinstance(label_smoothing, numbers.Real)
                or not 0.0 <= label_smoothing < 1.0):
            raise ValueError(f"`label_smoothing` must be a number in [0, 1). "
                             f"Received: label_smoothing={label_smoothing!r}")
        self.label_smoothing = float(label_smoothing)
        self.class_weight = _check_class_weight(class_weight)
        self._weighted = None  # (row scale, class weights) of the last weighted forward, for backward

    def forward(self, output, target, sample_weight=None):
        if sample_weight is not None or self.class_weight is not None:
            return self._weighted_forward(output, target, sample_weight)
        self._weighted = None
        if self.label_smoothing:
            return self._smoothed_forward(output, target)
        n = output.shape[0]
        rows = self._rows if len(self._rows) == n else np.arange(n)
        # the row maxima gathered at argmax (the same values as a max reduction, NaN included):
        # on short rows of logits argmax is several times faster than np.maximum.reduce(axis=1);
        # likewise the ufunc reductions below are called directly, without the wrappers of .sum
        labels = output.argmax(axis=1)
        self._predicted = (output, labels)
        shifted = output - output[rows, labels][:, None]
        picked = np.add.reduce(shifted[rows, target])
        exp = np.exp(shifted, out=shifted)
        sums = np.add.reduce(exp, axis=1, keepdims=True)
        # log-sum-exp minus the target's logit, both on the shifted scale
        loss = float(np.add.reduce(np.log(sums), axis=None) - picked) / n
        exp /= sums
        self._probs, self._target, self._rows = exp, target, rows
        return loss

    def _smoothed_forward(self, output, target):
        """The loss against the smoothed targets; the plain path is kept apart, untouched."""
        n, k = output.shape
        rows = self._rows if len(self._rows) == n else np.arange(n)
        labels = output.argmax(axis=1)
        self._predicted = (output, labels)
        shifted = output - output[rows, labels][:, None]
        eps = self.label_smoothing
        picked = float(np.add.reduce(shifted[rows, target]))
        spread = float(np.add.reduce(shifted, axis=None)) / k  # sum over rows of the mean logit
        exp = np.exp(shifted, out=shifted)
        sums = np.add.reduce(exp, axis=1, keepdims=True)
        loss = (float(np.add.reduce(np.log(sums), axis=None)) - (1 - eps) * picked - eps * spread) / n
        exp /= sums
        self._probs, self._target, self._rows = exp, target, rows
        return loss

    def _weighted_forward(self, output, target, sample_weight):
        """The weighted mean (class and/or row weights); the unweighted paths are kept apart."""
        n, k = output.shape
        if self.class_weight is not None and self.class_weight.size != k:
            raise ValueError(f"`class_weight` must hold one weight per class ({k}). "
                             f"Received: class_weight with {self.class_weight.size} weights")
        rows = self._rows if len(self._rows) == n else np.arange(n)
        labels = output.argmax(axis=1)
        self._predicted = (output, labels)
        shifted = output - output[rows, labels][:, None]
        exp = np.exp(shifted)
        sums = np.add.reduce(exp, axis=1, keepdims=True)
        lse = np.log(sums)
        c = np.ones(k) if self.class_weight is None else self.class_weight
        picked_c = c[target] if self.class_weight is not None else 1.0
        s = 1.0 if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).reshape(n)
        weight = s * picked_c  # each row's weight in the denominator
        total = float(np.add.reduce(np.broadcast_to(weight, (n,))))
        # s_n / sum_m s_m c_{y_m}, per row
        scale = np.broadcast_to(s / total if total > 0 else 0.0, (n,)).astype(np.float64)
        eps = self.label_smoothing
        per_row = (1 - eps) * picked_c * (lse[:, 0] - shifted[rows, target])
        if eps:
            per_row = per_row + eps / k * ((lse - shifted) @ c)  # sum_k c_k (-log p_nk)
        loss = float(scale @ per_row)
        exp /= sums
        self._probs = exp
        self._target, self._rows, self._weighted = target, rows, (scale, c, picked_c)
        return loss

    def _weighted_backward(self):
        (scale, c, picked_c), grad, target, rows = self._weighted, self._probs, self._target, self._rows
        eps, k = self.label_smoothing, grad.shape[1]
        picked = scale * ((1 - eps) * picked_c)
        factor = picked + scale * ((eps / k) * c.sum()) if eps else picked
        grad *= factor.astype(grad.dtype)[:, None]
        grad[rows, target] -= picked.astype(grad.dtype)
        if eps:
            grad -= (scale[:, None] * (eps / k) * c[None, :]).astype(grad.dtype)
        self._probs, self._weighted = None, None
        self._predicted = (None, None)
        return grad

    def backward(self):
        if self._weighted is not None:
            return self._weighted_backward()
        grad = self._probs
        if self.label_smoothing:
            eps = self.label_smoothing
            grad[self._rows, self._target] -= grad.dtype.type(1 - eps)
            grad -= grad.dtype.type(eps / grad.shape[1])
        else:
            grad[self._rows, self._target] -= 1
        grad *= grad.dtype.type(1.0 / grad.shape[0])
        self._probs = None
        self._predicted = (None, None)
        return grad

    def check_target(self, y, n_outputs, dtype):
        y = _finite_target(y)
        if y.ndim != 1:
            raise ValueError(f"`y` must be a 1-D array of class labels. Received: y with shape {y.shape}")
        if y.dtype.kind == "f" and not np.all(y == np.round(y)):
            row = int(np.argmax(y != np.round(y)))
            raise ValueError(f"`y` must hold integer class labels; row {row} is {y[row]}. "
                             f"Received: y={y[row].item()!r}")
        if y.dtype.kind not in "biuf":
            raise ValueError(f"`y` must hold integer class labels 0..{n_outputs - 1}. "
                             f"Received: y with dtype {y.dtype}")
        bad = (y < 0) | (y >= n_outputs)
        if bad.any():
            row = int(np.argmax(bad))
            raise ValueError(f"`y` labels must lie in 0..{n_outputs - 1} for a network with "
                             f"{n_outputs} outputs; row {row} is out of range. Received: y={y[row].item()!r}")
        return y.astype(np.intp, copy=False)

    def predict(self, output):
        # the argmax forward computed, when asked about that very array before backward
        seen, labels = self._predicted
        return labels if output is seen else output.argmax(axis=1)

    def get_config(self):
        # the defaults are left out: a plain CrossEntropy reads and saves as before
        config = {"label_smoothing": self.label_smoothing} if self.label_smoothing else {}
        if self.class_weight is not None:
            config["class_weight"] = self.class_weight.tolist()
        return config


class BinaryCrossEntropy(Loss):
    r"""Sigmoid cross-entropy on logits with 0/1 targets, stable for any logit.

    .. math::
        L = \frac1{N K}\sum \big(\max(z, 0) - z y + \log(1 + e^{-|z|})\big),\qquad
        \frac{\partial L}{\partial z} = \frac{\sigma(z) - y}{N K}

    averaged over every element, as ``torch.nn.BCEWithLogitsLoss``. Targets of shape
    ``(N,)`` are matched to outputs of shape ``(N, 1)``. With row weights :math:`s_n` the
    mean over rows is weighted: :math:`\sum_n s_n \sum_k \ell_{nk} / (K \sum_n s_n)`.
    """

    classification = True

    _scale = None  # the rows' weights s_i / (K sum s) of a weighted forward

    def forward(self, output, target, sample_weight=None):
        target = target.reshape(output.shape)
        loss = np.maximum(output, 0) - output * target + np.log1p(np.exp(-np.abs(output)))
        self._output, self._target, self._scale = output, target, None
        if sample_weight is not None:
            n = output.shape[0]
            self._scale = _row_scale(sample_weight, n) / (output.size // n)
            return float(self._scale @ loss.reshape(n, -1).sum(axis=1))
        return float(loss.mean())

    def backward(self):
        z = self._output
        grad = 0.5 * (np.tanh(0.5 * z) + 1)  # sigmoid without overflow
        grad -= self._target
        if self._scale is not None:
            grad *= self._scale.astype(grad.dtype).reshape((-1,) + (1,) * (grad.ndim - 1))
            self._scale = None
        else:
            grad *= grad.dtype.type(1.0 / z.size)
        self._output = self._target = None
        return grad

    def check_target(self, y, n_outputs, dtype):
        y = _finite_target(y)
        bad = (y != 0) & (y != 1)
        if np.any(bad):
            where = tuple(np.argwhere(bad)[0])  # (row,) or (row, column)
            value = y[where].item()
            raise ValueError(f"`y` must hold 0/1 targets for BinaryCrossEntropy; row {where[0]} is {value}. "
                             f"Received: y={value!r}")
        if y.ndim == 1 and n_outputs != 1:
            raise ValueError(f"`y` of shape (n,) needs a network with 1 output. "
                             f"Received: n_outputs={n_outputs}")
        return np.ascontiguousarray(y, dtype=dtype)

    def predict(self, output):
        return (output > 0).astype(np.intp)


class MeanSquaredError(Loss):
    r"""Mean squared error, averaged over every element as ``torch.nn.MSELoss``.

    .. math::
        L = \frac1{NK}\sum (z - y)^2,\qquad \frac{\partial L}{\partial z} = \frac{2(z - y)}{NK}

    With row weights :math:`s_n`: :math:`L = \sum_n s_n \sum_k (z_{nk} - y_{nk})^2 / (K \sum_n s_n)`.
    """

    _scale = None  # the rows' weights s_i / (K sum s) of a weighted forward

    def forward(self, output, target, sample_weight=None):
        self._diff, self._scale = output - target.reshape(output.shape), None
        if sample_weight is not None:
            n = output.shape[0]
            self._scale = _row_scale(sample_weight, n) / (output.size // n)
            squares = (self._diff * self._diff).reshape(n, -1).sum(axis=1)
            return float(self._scale @ squares)
        return float(np.vdot(self._diff, self._diff)) / self._diff.size

    def backward(self):
        grad = self._diff
        if self._scale is not None:
            grad *= (2.0 * self._scale).astype(grad.dtype).reshape((-1,) + (1,) * (grad.ndim - 1))
            self._scale = None
        else:
            grad *= grad.dtype.type(2.0 / grad.size)
        self._diff = None
        return grad

    def check_target(self, y, n_outputs, dtype):
        y = _finite_target(y)
        if y.dtype.kind not in "biuf":
            raise ValueError(f"`y` must be numeric for MeanSquaredError. Received: y with dtype {y.dtype}")
        width = 1 if y.ndim == 1 else y.shape[1]
        if y.ndim > 2 or width != n_outputs:
            raise ValueError(f"`y` must have {n_outputs} column(s) to match the network's outputs. "
                             f"Received: y with shape {y.shape}")
        return np.ascontiguousarray(y, dtype=dtype)


LOSSES = {"cross_entropy": CrossEntropy, "binary_cross_entropy": BinaryCrossEntropy, "mse": MeanSquaredError}


def get(name: str) -> Loss:
    key = str(name).lower()
    if key not in LOSSES:
        raise ValueError(f"Unknown loss; expected one of {sorted(LOSSES)}. Received: loss={name!r}")
    return LOSSES[key]()
