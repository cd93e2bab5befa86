"""Progress bars for the command line: epochs of a fit, candidates and folds of a search.

Bars are drawn on stderr only when stderr is a terminal (never into logs, pipes or test
captures) and not with ``--quiet``. rich is used when it is installed (the ``[progress]``
extra); otherwise a minimal one-line bar redrawn with a carriage return.
"""

from __future__ import annotations

import sys
import time

__all__ = ["ProgressBar", "EpochProgress", "progress_enabled"]


def progress_enabled(quiet: bool = False, stream=None) -> bool:
    """True when bars should be drawn: not ``quiet`` and ``stream`` (default stderr) is a terminal."""
    stream = sys.stderr if stream is None else stream
    if quiet:
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


class ProgressBar:
    """A counter from 0 to ``total`` drawn as a bar; a no-op when ``enabled`` is False.

    Examples
    --------
    >>> bar = ProgressBar(3, "epochs", enabled=False)
    >>> for _ in range(3):
    ...     bar.update(1)
    >>> bar.close(); bar.count
    3
    """

    width = 28

    def __init__(self, total: int, description: str, *, enabled: bool = True, stream=None):
        self.total = max(int(total), 1)
        self.description = description
        self.enabled = enabled
        self.stream = sys.stderr if stream is None else stream
        self.count = 0
        self.postfix = ""
        self._start = time.monotonic()
        self._rich = None
        if enabled:
            try:
                from rich.progress import Progress

                self._rich = Progress(transient=True)
                self._rich.start()
                self._task = self._rich.add_task(description, total=self.total)
            except ImportError:
                self._rich = None

    def update(self, n: int = 1, postfix: str = "") -> None:
        self.count += n
        self.postfix = postfix or self.postfix
        if not self.enabled:
            return
        if self._rich is not None:
            self._rich.update(self._task, advance=n, description=f"{self.description} {self.postfix}")
            return
        filled = int(self.width * min(self.count, self.total) / self.total)
        elapsed = time.monotonic() - self._start
        line = (
            f"\r{self.description} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{self.count}/{self.total} {elapsed:5.1f}s {self.postfix}"
        )
        self.stream.write(line[:160])
        self.stream.flush()

    def close(self) -> None:
        if not self.enabled:
            return
        if self._rich is not None:
            self._rich.stop()
            return
        self.stream.write("\r" + " " * 160 + "\r")
        self.stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class EpochProgress:
    """Trainer callback advancing a :class:`ProgressBar` once per epoch, showing the losses."""

    def __init__(self, total_epochs: int, *, enabled: bool, description: str = "epochs"):
        self.bar = ProgressBar(total_epochs, description, enabled=enabled)

    def on_epoch_end(self, trainer, epoch, logs):
        shown = " ".join(f"{k}={v:.4g}" for k, v in logs.items() if k in ("train_loss", "val_loss"))
        self.bar.update(1, shown)

    def close(self):
        self.bar.close()
