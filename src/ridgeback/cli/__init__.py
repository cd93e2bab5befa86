"""The ``ridgeback`` command line. Only this layer knows about argv, exit codes and terminals."""

from __future__ import annotations

import sys

from .exit_codes import ExitCode
from .interrupts import interrupted, watching

__all__ = ["main"]


def main(argv=None) -> int:
    """The console script: :func:`ridgeback.cli.app.main` under :func:`.interrupts.watching`,
    so that a Ctrl-C even while the command line is being imported exits 130 with one line."""
    with watching():
        try:
            from .app import main as run

            return run(argv)
        except BaseException as exc:
            if not interrupted(exc):
                raise
            print("ridgeback: interrupted", file=sys.stderr)
            return int(ExitCode.INTERRUPTED)
