"""The command line's exit codes, each with the one-line meaning that ``ridgeback --help`` shows."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode", "help_line"]


class ExitCode(IntEnum):
    """What a ``ridgeback`` command's exit status means."""

    OK = 0
    USAGE = 2
    DIVERGED = 3
    INTERRUPTED = 130

    @property
    def meaning(self) -> str:
        """The code's meaning, as the ``--help`` epilog words it."""
        return _MEANINGS[self]


_MEANINGS = {
    ExitCode.OK: "ok",
    ExitCode.USAGE: "bad usage or input",
    ExitCode.DIVERGED: "training diverged",
    ExitCode.INTERRUPTED: "interrupted",
}


def help_line() -> str:
    """Every code and its meaning on one line, for the ``--help`` epilog.

    Examples
    --------
    >>> help_line()
    'exit codes: 0 ok, 2 bad usage or input, 3 training diverged, 130 interrupted'
    """
    return "exit codes: " + ", ".join(f"{code.value} {code.meaning}" for code in ExitCode)
