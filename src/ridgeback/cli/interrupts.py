"""Ctrl-C at any moment of a command ends in one line on stderr and exit 130.

Python turns SIGINT into ``KeyboardInterrupt`` wherever the main thread happens to be. While the
command's modules are still being imported that can be inside a compiled extension's
initialization, which then reports it as another exception (pandas' ``SystemError: ... returned
a result with an exception set``). :func:`watching` notes every SIGINT, so that
:func:`interrupted` tells such an exception from a real error.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager

__all__ = ["watching", "interrupted"]

_state = {"received": False}


def _handle(signum, frame):
    _state["received"] = True
    raise KeyboardInterrupt


@contextmanager
def watching():
    """Note every SIGINT while the block runs; otherwise behave as Python's own handler.

    Installed only over Python's default handler and in the main thread: a handler that a caller
    (or ``ridgeback train``'s checkpoint on Ctrl-C) set is left alone, and restored after.
    """
    _state["received"] = False
    installed = False
    try:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _handle)
            installed = True
    except ValueError:  # not the main thread: signals cannot be handled here
        pass
    try:
        yield
    finally:
        if installed:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` ended the command because of a Ctrl-C: a ``KeyboardInterrupt``, or an
    exception raised after a SIGINT arrived (under :func:`watching`)."""
    return isinstance(exc, KeyboardInterrupt) or (_state["received"] and isinstance(exc, Exception))
