"""Plain JSON values from the NumPy-flavoured ones that models and reports carry."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

__all__ = ["to_json"]


def to_json(value, where: str = "value"):
    """``value`` as plain JSON types: NumPy scalars become numbers, tuples and arrays lists,
    paths strings, and NaN or infinity ``None`` (JSON has no such numbers).

    Raises ``ValueError`` naming ``where`` (``where[i]`` / ``where['key']`` for nested parts)
    for anything else.
    """
    if isinstance(value, dict):
        return {str(k): to_json(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [to_json(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    if isinstance(value, str):
        return str(value)  # np.str_ too
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Path):
        return str(value)
    raise ValueError(f"`{where}` must be a JSON-compatible value (str, number, bool, None, list, dict). "
                     f"Received: {where} of type {type(value).__name__}")
