"""The ``ridgeback`` command line. Only this layer knows about argv, exit codes and terminals."""

from .app import main

__all__ = ["main"]
