"""Hyper-parameters as one line of text, for the CLI's tables, the demo and the report."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["format_params"]


def format_params(params: dict | None, *, sep: str = " ", empty: str = "-", float_format: str = "",
                  aliases: dict | None = None, value: Callable | None = None) -> str:
    """``params`` as ``"name=value"`` pairs joined by ``sep``, in the dict's order.

    Parameters
    ----------
    params : dict or None
    sep : str
        Between two pairs.
    empty : str
        The whole text when ``params`` is empty or None.
    float_format : str
        Format spec of float values (``".3g"``); ``""`` writes them as ``str`` does. Other
        values are always written as ``str`` does.
    aliases : dict, optional
        ``{long: short}``: every occurrence of ``long`` in a name is replaced by ``short``
        (``"mlp__hidden_layer_sizes"`` becomes ``"mlp__hidden"`` with
        ``{"hidden_layer_sizes": "hidden"}``).
    value : callable, optional
        Writes each value instead of ``float_format`` (e.g. HTML escaping).

    Examples
    --------
    >>> format_params({"l2": 0.000123456, "hidden_layer_sizes": (64,)}, float_format=".3g",
    ...               aliases={"hidden_layer_sizes": "hidden"})
    'l2=0.000123 hidden=(64,)'
    >>> format_params({}, empty="(defaults)")
    '(defaults)'
    """
    if not params:
        return empty
    if value is None:
        def value(v):
            return format(v, float_format) if isinstance(v, float) else f"{v}"
    pairs = []
    for name, v in params.items():
        for long, short in (aliases or {}).items():
            name = name.replace(long, short)
        pairs.append(f"{name}={value(v)}")
    return sep.join(pairs)
