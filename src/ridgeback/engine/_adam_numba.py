"""Adam's update as one compiled loop (numba), for :mod:`ridgeback.engine.fastpaths`, which imports
this module only where numba is installed and enabled.

Defined at module level so that numba's on-disk cache can key them by this file: a process
after the first loads the compiled code instead of compiling it again.
"""

import math

import numba

_OPTIONS = dict(nogil=True, boundscheck=False, error_model="numpy")  # error_model: no Python checks
# float32 and float64 compiled on import (or loaded from the cache), not in the first step
_SIGNATURES = [f"void({t}[::1], {t}[::1], {t}[::1], {t}[::1], {', '.join([t] * 8)}, int64)"
               for t in ("float32", "float64")]


def _jit(function):
    try:
        return numba.njit(_SIGNATURES, cache=True, **_OPTIONS)(function)
    except RuntimeError:  # no writable cache directory: compile in every process instead
        return numba.njit(_SIGNATURES, **_OPTIONS)(function)


@numba.njit(inline="always")
def _moments_and_step(gi, mi, vi, b1, b2, c1, c2, bias2_sqrt, eps, step):  # pragma: no cover
    # m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  the step (m / (sqrt(v)/sqrt(1-b2^t) + eps)) * lr_t
    mi = mi * b1 + gi * c1
    vi = vi * b2 + (gi * gi) * c2
    return mi, vi, (mi / (math.sqrt(vi) / bias2_sqrt + eps)) * step


@_jit
def adam(theta, g, m, v, b1, b2, c1, c2, bias2_sqrt, eps, step, decay, mode):  # pragma: no cover
    """Adam's update of ``theta, m, v`` in place: the NumPy update's operations, element by
    element (see :mod:`ridgeback.engine.fastpaths`). ``mode``: 0 no weight decay, 1 coupled
    (g + theta * decay), 2 decoupled (theta * decay first). One loop per mode, so that the
    test is outside the loops."""
    if mode == 0:
        for i in range(theta.size):
            m[i], v[i], delta = _moments_and_step(g[i], m[i], v[i], b1, b2, c1, c2, bias2_sqrt, eps, step)
            theta[i] = theta[i] - delta
    elif mode == 1:
        for i in range(theta.size):
            m[i], v[i], delta = _moments_and_step(g[i] + theta[i] * decay, m[i], v[i], b1, b2, c1, c2,
                                                  bias2_sqrt, eps, step)
            theta[i] = theta[i] - delta
    else:
        for i in range(theta.size):
            m[i], v[i], delta = _moments_and_step(g[i], m[i], v[i], b1, b2, c1, c2, bias2_sqrt, eps, step)
            theta[i] = theta[i] * decay - delta
