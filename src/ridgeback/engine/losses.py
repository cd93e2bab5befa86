r"""Losses on raw network outputs (logits), each with its gradient.

``forward(output, target)`` returns the mean loss over the batch as a Python float and
caches what ``backward()`` needs; ``backward()`` returns :math:`\partial L / \partial\,\text{output}`
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
    def forward(self, output: np.ndarray, target: np.ndarray) -> float:
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

    def __call__(self, output, target):
        return self.forward(output, target)

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

    Parameters
    ----------
    label_smoothing : float in [0, 1)
        :math:`\varepsilon`; 0 is the plain cross-entropy (RealMLP-TD uses 0.1).

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

    def __init__(self, label_smoothing=0.0):
        if (isinstance(label_smoothing, bool) or not isinstance(label_smoothing, numbers.Real)
                or not 0.0 <= label_smoothing < 1.0):
            raise ValueError(f"`label_smoothing` must be a number in [0, 1). "
                             f"Received: label_smoothing={label_smoothing!r}")
        self.label_smoothing = float(label_smoothing)

    def forward(self, output, target):
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

    def backward(self):
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
        # the default is left out: a plain CrossEntropy reads and saves as before
        return {"label_smoothing": self.label_smoothing} if self.label_smoothing else {}


class BinaryCrossEntropy(Loss):
    r"""Sigmoid cross-entropy on logits with 0/1 targets, stable for any logit.

    .. math::
        L = \frac1{N K}\sum \big(\max(z, 0) - z y + \log(1 + e^{-|z|})\big),\qquad
        \frac{\partial L}{\partial z} = \frac{\sigma(z) - y}{N K}

    averaged over every element, as ``torch.nn.BCEWithLogitsLoss``. Targets of shape
    ``(N,)`` are matched to outputs of shape ``(N, 1)``.
    """

    classification = True

    def forward(self, output, target):
        target = target.reshape(output.shape)
        loss = np.maximum(output, 0) - output * target + np.log1p(np.exp(-np.abs(output)))
        self._output, self._target = output, target
        return float(loss.mean())

    def backward(self):
        z = self._output
        grad = 0.5 * (np.tanh(0.5 * z) + 1)  # sigmoid without overflow
        grad -= self._target
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
    """

    def forward(self, output, target):
        self._diff = output - target.reshape(output.shape)
        return float(np.vdot(self._diff, self._diff)) / self._diff.size

    def backward(self):
        grad = self._diff
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
