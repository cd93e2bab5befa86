"""Plain JSON values from the NumPy-flavoured ones that models, checkpoints and reports carry.

One converter serves every file ridgeback writes; what differs between them is said by its
options, not by a second converter:

* ``model.json`` and ``run.json``: ``nonfinite="null"`` (JSON has no NaN or infinity, and a
  missing score reads naturally as ``null``), anything unknown is an error;
* ``checkpoint.json``: ``nonfinite="string"`` with :func:`float_from_json` on the way back,
  an exact round trip (finite floats survive JSON exactly, as Python writes the shortest
  repr that reads back to the same double);
* result summaries (``TuneResult.to_dict()``): ``unknown="keep"``, since a grid may hold
  objects (an estimator as a Pipeline step) that the caller, not this module, knows how to show.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .validation import check_one_of

__all__ = ["to_json", "float_from_json", "NONFINITE"]

#: how a NaN or infinite float is written: ``None`` (JSON null), or its repr ("nan", "inf", "-inf")
NONFINITE = ("null", "string")
_UNKNOWN = ("raise", "keep")
_NONFINITE_TEXT = ("nan", "inf", "-inf")


def to_json(value, where: str = "value", *, nonfinite: str = "null", unknown: str = "raise"):
    """``value`` as plain JSON types: NumPy scalars become numbers, tuples and arrays lists,
    dictionary keys and paths strings.

    Parameters
    ----------
    value : object
    where : str
        The value's name in error messages (``where[i]`` / ``where['key']`` for nested parts).
    nonfinite : {"null", "string"}
        A NaN or infinite float becomes ``None``, or the string ``"nan"``, ``"inf"`` or
        ``"-inf"``, which :func:`float_from_json` turns back into the float.
    unknown : {"raise", "keep"}
        What to do with a value of any other type: raise ``ValueError`` naming ``where``, or
        return it unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> to_json({"a": (np.float32(0.5), np.nan), "b": np.arange(2)})
    {'a': [0.5, None], 'b': [0, 1]}
    >>> to_json([np.inf, 1.0], nonfinite="string")
    ['inf', 1.0]
    """
    check_one_of("nonfinite", nonfinite, NONFINITE)
    check_one_of("unknown", unknown, _UNKNOWN)
    return _convert(value, where, nonfinite, unknown)


def _convert(value, where, nonfinite, unknown):
    if isinstance(value, dict):
        return {str(k): _convert(v, f"{where}[{k!r}]", nonfinite, unknown) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        value = value.tolist()  # nested lists of Python scalars, the same values exactly
    if isinstance(value, (list, tuple)):
        return [_convert(v, f"{where}[{i}]", nonfinite, unknown) for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    if isinstance(value, str):
        return str(value)  # np.str_ too
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isfinite(value):
            return value
        return None if nonfinite == "null" else repr(value)
    if isinstance(value, Path):
        return str(value)
    if unknown == "keep":
        return value
    raise ValueError(f"`{where}` must be a JSON-compatible value (str, number, bool, None, list, dict). "
                     f"Received: {where} of type {type(value).__name__}")


def float_from_json(value):
    """The float that ``to_json(..., nonfinite="string")`` wrote as ``"nan"``, ``"inf"`` or
    ``"-inf"``; any other value unchanged.

    Examples
    --------
    >>> float_from_json("-inf"), float_from_json(0.25), float_from_json("text")
    (-inf, 0.25, 'text')
    """
    return float(value) if isinstance(value, str) and value in _NONFINITE_TEXT else value
