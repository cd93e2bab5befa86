"""Tables: reading files, built-in data sets, the :class:`Preprocessor` and
:class:`TabularModel` (preprocessing plus a network, one object).

The exports are imported on first use (PEP 562): the command line reads the scalings
(:mod:`.scalings`) to build its flags without importing pandas or scikit-learn.
"""

# ruff: noqa: F401  (the TYPE_CHECKING imports are what static tools see; __all__ is built)
from __future__ import annotations

from typing import TYPE_CHECKING

from .._util.lazy import lazy_exports

_SOURCES = {
    ".data": ("read_table", "load_builtin", "list_builtins"),
    ".preprocessing": ("Preprocessor",),
    ".model": ("TabularModel",),
    ".leaks": ("restating_columns", "Restatement"),
}
__all__ = [name for names in _SOURCES.values() for name in names]

if TYPE_CHECKING:
    from .data import list_builtins, load_builtin, read_table
    from .leaks import Restatement, restating_columns
    from .model import TabularModel
    from .preprocessing import Preprocessor

__getattr__, __dir__ = lazy_exports(__name__, globals(), _SOURCES)
