"""Parameters: a trainable array with its gradient, and many of them packed into one vector.

The Trainer packs a network's parameters into one contiguous vector (weights first, then
biases) so that the optimizer and a model-wide regularizer each act in a few large array
operations instead of a few per array. :class:`FlatParameters` keeps where each parameter
sits in that vector, so that a regularizer, a proximal step or lockstep training can find
a parameter's stretch by its offsets.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Parameter", "FlatParameters", "pack_parameters"]


class Parameter:
    """A trainable array and its gradient.

    Parameters
    ----------
    data : ndarray
        The values. ``grad`` is created with the same shape and dtype.
    name : str
        Name within its layer (``"weight"``, ``"bias"``).
    regularize : bool
        Whether the model-wide regularizer applies (True for weights, False for biases).

    Attributes
    ----------
    regularizer : Regularizer or None
        A per-parameter regularizer that overrides the model-wide one.
    constraint : Constraint or None
        A projection applied after every optimizer step.
    """

    def __init__(self, data: np.ndarray, name: str = "", *, regularize: bool = True):
        self.data = data
        self.grad = np.zeros_like(data)
        self.name = name
        self.regularize = regularize
        self.regularizer = None
        self.constraint = None

    @property
    def shape(self):
        return self.data.shape

    def __repr__(self):
        return f"Parameter(name={self.name!r}, shape={self.data.shape}, dtype={self.data.dtype})"


class FlatParameters:
    """Parameters packed into one contiguous vector, and where each one sits in it.

    Made by :func:`pack_parameters`. Each member's ``.data`` and ``.grad`` are views of
    :attr:`data` and :attr:`grad`, so an update of the vector is an update of every member.
    It has the ``data`` and ``grad`` of a :class:`Parameter`, so an optimizer steps it as one
    parameter.

    Attributes
    ----------
    data, grad : ndarray
        The 1-D storage of the values and of the gradients.
    members : list of Parameter
        The packed parameters, in the order of the vector (weights first, then biases).
    offsets : list of (int, int)
        ``(start, stop)`` of each member in the vector, in the order of ``members``.
    name : str
        ``"flat"``.

    Examples
    --------
    >>> import numpy as np
    >>> w, b = Parameter(np.ones((2, 3))), Parameter(np.zeros(3), regularize=False)
    >>> flat = pack_parameters([b, w])
    >>> flat.offsets, flat.offset(b)
    ([(0, 6), (6, 9)], (6, 9))
    >>> flat.data[flat.slice(w)] *= 2; w.data[0]
    array([2., 2., 2.])
    """

    def __init__(self, data: np.ndarray, grad: np.ndarray, members: list, offsets: list):
        self.data, self.grad = data, grad
        self.members, self.offsets = list(members), list(offsets)
        self.name = "flat"
        self._index = {id(p): i for i, p in enumerate(self.members)}  # the members keep their ids alive

    @property
    def size(self) -> int:
        """The number of packed values."""
        return self.data.size

    def offset(self, p: Parameter) -> tuple[int, int]:
        """``(start, stop)`` of the member ``p`` in the vector."""
        i = self._index.get(id(p))
        if i is None or self.members[i] is not p:
            raise ValueError(f"`p` must be a packed parameter of this vector. Received: p={p!r}")
        return self.offsets[i]

    def slice(self, p: Parameter) -> slice:
        """The slice of the vector that holds the member ``p``."""
        return slice(*self.offset(p))

    def holds(self, params) -> bool:
        """Whether packing ``params`` would give this vector's layout: the same objects, laid out
        in the same order."""
        ordered = _layout(params)
        if len(ordered) != len(self.members):
            return False
        return all(a is b for a, b in zip(ordered, self.members, strict=True))

    def __repr__(self):
        return f"FlatParameters(size={self.size}, members={len(self.members)}, dtype={self.data.dtype})"


def pack_parameters(params: list[Parameter], data: np.ndarray | None = None,
                    grad: np.ndarray | None = None) -> FlatParameters:
    """Move the parameters into one contiguous vector and make each one a view of it.

    Weights (``regularize=True``) are laid out first and biases after them, so that a
    model-wide regularizer covers one contiguous slice.

    Parameters
    ----------
    params : list of Parameter
        Of one dtype.
    data, grad : ndarray or None
        1-D storage to pack into, of the parameters' total size and dtype (a stretch of a
        vector shared with other networks, as lockstep training does); new arrays when None.
        The values are copied into ``data``; ``grad`` is zeroed.

    Returns
    -------
    FlatParameters
        The vector and each parameter's offsets; ``params[i].data`` and ``.grad`` are views of it.
    """
    dtypes = {p.data.dtype for p in params}
    if len(dtypes) != 1:
        raise ValueError(f"All parameters must share one dtype. Received: dtypes={sorted(map(str, dtypes))}")
    dtype = dtypes.pop()
    ordered = _layout(params)
    total = sum(p.data.size for p in ordered)
    if data is None:
        data = np.empty(total, dtype=dtype)
        grad = np.zeros_like(data)
    else:
        for name, array in (("data", data), ("grad", grad)):
            if array is None or array.shape != (total,) or array.dtype != dtype:
                raise ValueError(f"`{name}` must be a 1-D {dtype} array of the parameters' total size "
                                 f"{total}. Received: {name}={_describe(array)}")
        grad[...] = 0
    offsets, start = [], 0
    for p in ordered:
        stop = start + p.data.size
        data[start:stop] = p.data.ravel()
        p.data = data[start:stop].reshape(p.data.shape)
        p.grad = grad[start:stop].reshape(p.data.shape)
        offsets.append((start, stop))
        start = stop
    return FlatParameters(data, grad, ordered, offsets)


def _layout(params) -> list:
    """Weights (``regularize=True``) first, then biases, each group in the given order."""
    return [p for p in params if p.regularize] + [p for p in params if not p.regularize]


def _describe(array) -> str:
    return "None" if array is None else f"array of shape {array.shape} and dtype {array.dtype}"
