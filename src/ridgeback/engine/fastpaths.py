"""Adam's fast paths: its update walked in cache-sized chunks, and compiled into one loop.

:class:`~ridgeback.engine.optimizers.Adam` dispatches between them behind its one
interface, as ``torch.optim.adam`` dispatches to its single-tensor, multi-tensor or fused
code; callers, and the regularizers, see none of this.

**Chunks.** Adam's state is read and written about a dozen times per element. Walking the
flat vectors in chunks of :data:`CHUNK` elements (:func:`chunk_views`) keeps those passes in
cache instead of streaming the whole model through memory each time; every element goes
through the same operations in the same order, so the result is bit-identical.

**Compiled.** NumPy applies Adam as a dozen whole-array operations, each a pass over the parameters
(``m *= b1``, ``tmp = g * c1``, ``m += tmp``, ...). On a large network that update is
memory-bound: every pass streams the model through the cache. The compiled kernel
(:mod:`ridgeback.engine._adam_numba`) reads each element of :math:`\\theta, g, m, v` once and
writes :math:`\\theta, m, v` once, doing *the same float operations in the same order* as the
NumPy code of :class:`ridgeback.engine.optimizers.Adam` (no fused multiply-add, no
reassociation: numba compiles without ``fastmath``), so its results are bit-identical to
NumPy's; the tests check it for float32 and float64, coupled and decoupled decay. An L2
penalty's gradient goes into the same loop as coupled decay, over the stretches that
:func:`stretch_views` cuts.

numba is an optional dependency (``pip install "ridgeback[fast]"``): without it, or with the
environment variable ``RIDGEBACK_NUMBA=0``, ridgeback uses the NumPy code. The kernel is
compiled for float32 and float64 when the first :class:`~ridgeback.engine.optimizers.Adam` of a
process is created, and cached on disk by numba, so later processes only load it (importing
numba and loading the kernel: ~0.35 s and 110–140 MiB of memory, measured).
"""

from __future__ import annotations

import os
import warnings

import numpy as np

__all__ = ["CHUNK", "adam_kernel", "backend", "chunk_views", "stretch_views", "check_contiguous"]

CHUNK = 1 << 16  # elements per chunk of the flat vectors (see chunk_views)

#: set to False (or RIDGEBACK_NUMBA=0 in the environment) to use the NumPy code everywhere
ENABLED = os.environ.get("RIDGEBACK_NUMBA", "1").strip() != "0"

_compiled = None  # the compiled kernel, False when numba is missing, None before the first try


def _build():
    try:
        import numba
    except ImportError:  # not installed, or installed for another NumPy (numba checks it on import)
        return False
    try:
        return _compile(numba)
    except Exception as exc:  # an accelerator must never stop training: fall back, and say so once
        warnings.warn(f"ridgeback: numba {numba.__version__} could not compile Adam's update, so NumPy runs "
                      f"it ({type(exc).__name__}: {exc}). Set RIDGEBACK_NUMBA=0 to skip the attempt.",
                      RuntimeWarning, stacklevel=3)
        return False


def _compile(numba):
    from . import _adam_numba  # compiles, or loads from numba's cache, both float types

    _adam_numba.adam.backend = f"numba {numba.__version__}"
    return _adam_numba.adam


def adam_kernel():
    """The compiled Adam update, or None when numba is not installed or ``ENABLED`` is False.

    ``adam(theta, g, m, v, b1, b2, 1 - b1, 1 - b2, sqrt(1 - b2**t), eps, lr / (1 - b1**t),
    decay, mode)`` updates the 1-D C-contiguous float32 or float64 arrays ``theta, m, v`` in
    place; every float scalar must have the arrays' type (the compiled signatures accept no
    other, so nothing is silently computed in another precision).
    """
    global _compiled
    if not ENABLED:
        return None
    if _compiled is None:
        _compiled = _build()
    return _compiled or None


def backend() -> str | None:
    """What runs Adam's update: ``"numba X.Y"`` or None for NumPy."""
    kernel = adam_kernel()
    return None if kernel is None else kernel.backend


def check_contiguous(theta, g) -> None:
    """Adam walks parameters and gradients as flat views: a copy would be updated instead."""
    if not (theta.flags.c_contiguous and g.flags.c_contiguous):
        raise ValueError(f"Adam updates parameters and gradients as flat vectors, so both must be "
                         f"C-contiguous arrays. Received: theta.flags.c_contiguous="
                         f"{theta.flags.c_contiguous}, grad.flags.c_contiguous={g.flags.c_contiguous}")


def chunk_views(theta, g, m, v) -> list[tuple]:
    """Views of ``theta, g, m, v`` and of three scratch rows (the denominator and two
    temporaries), one tuple ``(lo, theta, g, m, v, denom, tmp, gwd)`` per chunk of
    :data:`CHUNK` elements (the last chunk may be shorter).

    Adam builds them once and reuses them while the arrays stay the same: slicing a dozen
    views every step would cost more than the whole update of a small network.
    """
    check_contiguous(theta, g)
    n = theta.size
    size = max(1, min(n, CHUNK))
    scratch = np.empty((3, size), dtype=theta.dtype)  # working memory: the views keep it alive
    flat = [a.reshape(-1) for a in (theta, g, m, v)]
    views = []
    for lo in range(0, n, size):
        part = [a[lo:lo + size] for a in flat]
        views.append((lo, *part, *(row[:len(part[0])] for row in scratch)))
    return views


def stretch_views(theta, g, m, v, l2) -> list[tuple]:
    """Views of ``theta, g, m, v`` over consecutive stretches covering the vector, each with
    its L2 coefficient in theta's float type, or None where no L2 applies: one tuple
    ``(theta, g, m, v, coefficient)`` per stretch.

    ``l2`` lists the penalized stretches as sorted, disjoint ``(start, stop, coefficient)``
    (:attr:`ridgeback.engine.penalty_gradient.PenaltyGradient.l2`).
    """
    check_contiguous(theta, g)
    dt = theta.dtype.type
    flat = [a.reshape(-1) for a in (theta, g, m, v)]
    bounds, position = [], 0
    for start, stop, coefficient in l2:
        if start > position:
            bounds.append((position, start, None))
        bounds.append((start, stop, dt(coefficient)))
        position = stop
    if position < theta.size:
        bounds.append((position, theta.size, None))
    return [(*(a[lo:hi] for a in flat), c) for lo, hi, c in bounds]
