"""Tables: reading files, built-in data sets, the :class:`Preprocessor` and
:class:`TabularModel` (preprocessing plus a network, one object)."""

from .data import list_builtins, load_builtin, read_table
from .model import TabularModel
from .preprocessing import Preprocessor

__all__ = ["read_table", "load_builtin", "list_builtins", "Preprocessor", "TabularModel"]
