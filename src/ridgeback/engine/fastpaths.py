"""Optional compiled kernels: Adam's update fused into one pass, when numba is installed.

NumPy applies Adam as a dozen whole-array operations, each a pass over the parameters
(``m *= b1``, ``tmp = g * c1``, ``m += tmp``, ...). On a large network that update is
memory-bound: every pass streams the model through the cache. The kernel below reads each
element of :math:`\\theta, g, m, v` once and writes :math:`\\theta, m, v` once, doing *the same
float operations in the same order* as the NumPy code of :meth:`ridgeback.engine.optimizers.Adam._update`
(no fused multiply-add, no reassociation: numba compiles without ``fastmath``), so its results
are bit-identical to NumPy's; the tests check it for float32 and float64, coupled and
decoupled decay.

numba is an optional dependency (``pip install "ridgeback[fast]"``): without it, or with the
environment variable ``RIDGEBACK_NUMBA=0``, ridgeback uses the NumPy code. The kernel is
compiled for float32 and float64 when the first :class:`~ridgeback.engine.optimizers.Adam` of a
process is created, and cached on disk by numba, so later processes only load it (importing
numba and loading the kernel: ~0.35 s and 110–140 MiB of memory, measured).
"""

from __future__ import annotations

import os
import warnings

__all__ = ["adam_kernel", "backend"]

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
