"""Objects defined by their ``get_config()``: equality, hashing and ``repr`` follow from it."""

from __future__ import annotations

__all__ = ["Configured"]


class Configured:
    """Mixin: two objects of one class with the same ``get_config()`` are equal, hash alike
    and print as ``ClassName(key=value, ...)`` (regularizers, constraints, schedules)."""

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash((type(self).__name__, repr(sorted(self.get_config().items()))))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
