"""Parameter and array checks shared by every public entry point.

Every message names the parameter, says what was expected and ends with
``Received: name=value`` so that a user can find the offending argument at once.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "check_array_2d",
    "check_finite",
    "check_in_range",
    "check_int",
    "check_nonnegative",
    "check_one_of",
    "check_positive",
    "check_rate",
    "check_sample_weight",
    "resolve_dtype",
]


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_positive(name: str, value, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is > 0 (or >= 0 with ``allow_zero``)."""
    if not _is_real(value) or not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"`{name}` must be a finite number {bound}. Received: {name}={value!r}")
    return float(value)


def check_nonnegative(name: str, value) -> float:
    """Return ``value`` as a float if it is a finite number >= 0."""
    return check_positive(name, value, allow_zero=True)


def check_rate(name: str, value) -> float:
    """Return ``value`` as a float if it is a probability in [0, 1)."""
    if not _is_real(value) or not (0.0 <= value < 1.0):
        raise ValueError(f"`{name}` must be a number in [0, 1). Received: {name}={value!r}")
    return float(value)


def check_in_range(name: str, value, low: float, high: float, *, closed: str = "both") -> float:
    """Return ``value`` as a float if it lies in the interval between ``low`` and ``high``."""
    lo_ok = (value >= low) if closed in ("both", "left") else (value > low)
    hi_ok = (value <= high) if closed in ("both", "right") else (value < high)
    if not _is_real(value) or not (lo_ok and hi_ok):
        left = "[" if closed in ("both", "left") else "("
        right = "]" if closed in ("both", "right") else ")"
        raise ValueError(
            f"`{name}` must be a number in {left}{low}, {high}{right}. Received: {name}={value!r}"
        )
    return float(value)


def check_int(name: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as an int if it is an integer >= ``minimum``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < minimum
    ):
        raise ValueError(f"`{name}` must be an integer >= {minimum}. Received: {name}={value!r}")
    return int(value)


def check_one_of(name: str, value, options) -> str:
    """Return ``value`` if it is one of ``options``."""
    if value not in options:
        allowed = ", ".join(repr(o) for o in options)
        raise ValueError(f"`{name}` must be one of {allowed}. Received: {name}={value!r}")
    return value


def resolve_dtype(dtype) -> np.dtype:
    """Accept float32 or float64 (as a type, dtype or string) and return the NumPy dtype."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"`dtype` must be float32 or float64. Received: dtype={dtype!r}")
    return resolved


def check_finite(name: str, array: np.ndarray) -> None:
    """Raise if ``array`` holds NaN or infinity, naming the first bad row."""
    if array.dtype.kind in "fc" and not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))[0]
        where = f"row {bad[0]}" + (f", column {bad[1]}" if bad.size > 1 else "")
        value = array[tuple(bad)]
        raise ValueError(
            f"`{name}` must not contain NaN or infinity; found {value} at {where}. "
            f"Received: {name} with shape {array.shape}"
        )


def check_array_2d(name: str, X, dtype: np.dtype) -> np.ndarray:
    """Return ``X`` as a finite 2-D array of ``dtype`` (no copy when it already is one)."""
    try:
        array = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"`{name}` must be a 2-D numeric array. "
                         f"Received: {name} of type {type(X).__name__}") from exc
    if array.ndim != 2:
        raise ValueError(
            f"`{name}` must be a 2-D array (samples x features). Received: {name} with shape {array.shape}"
        )
    if array.dtype.kind not in "biuf":
        raise ValueError(f"`{name}` must be numeric. Received: {name} with dtype {array.dtype}")
    array = np.ascontiguousarray(array, dtype=dtype)
    check_finite(name, array)
    return array


def check_sample_weight(name: str, weight, n_rows: int):
    """Per-row weights as a float64 vector of length ``n_rows``: finite, >= 0, not all zero.

    Returns None for ``None`` and for weights that are all equal: the weighted mean
    :math:`\\sum_i w_i \\ell_i / \\sum_i w_i` is then the plain mean, and dropping the weights
    keeps the unweighted code path, so all-equal weights give bit-identical results.
    """
    if weight is None:
        return None
    try:
        w = np.asarray(weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be an array of numbers. Received: {name} of type "
                         f"{type(weight).__name__}") from None
    if w.shape != (n_rows,):
        raise ValueError(f"`{name}` must be a 1-D array with one weight per row ({n_rows}). "
                         f"Received: {name} with shape {w.shape}")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(f"`{name}` must hold finite weights >= 0; row {row} is {w[row]}. "
                         f"Received: {name}[{row}]={w[row]!r}")
    if n_rows and not w.any():
        raise ValueError(f"`{name}` must not be all zero. Received: {name} with {n_rows} zeros")
    if n_rows == 0 or np.all(w == w[0]):
        return None
    return w
