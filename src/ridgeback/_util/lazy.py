"""Package attributes imported on first use (PEP 562).

A package's ``__init__`` names what it exports and where each name is defined; the modules
behind them are imported only when a name is first asked for. ``import ridgeback`` and
``ridgeback --help`` so load neither scikit-learn nor pandas.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence

__all__ = ["lazy_exports"]


def lazy_exports(package: str, namespace: dict,
                 sources: Mapping[str, Sequence[str]]) -> tuple[Callable, Callable]:
    """The ``__getattr__`` and ``__dir__`` of a package whose exports are imported on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``: relative module names are resolved against it.
    namespace : dict
        The package's ``globals()``: an imported name is stored there, so that the next lookup
        is a plain attribute and ``__getattr__`` is not called again.
    sources : mapping of str to sequence of str
        Module (``".engine"``, relative to the package) -> the public names it defines.

    Returns
    -------
    (__getattr__, __dir__)
        To assign in the package's ``__init__``. An unknown name raises ``AttributeError`` as a
        plain module would.
    """
    origin = {name: module for module, names in sources.items() for name in names}

    def __getattr__(name: str):
        module = origin.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__():
        return sorted({*namespace, *origin})

    return __getattr__, __dir__
