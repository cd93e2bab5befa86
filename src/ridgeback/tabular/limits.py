"""What the preprocessor reports beyond its output: a memory limit checked before allocating,
and one warning that counts what changed in the data since fit.
"""

from __future__ import annotations

import os

__all__ = ["MEMORY_FRACTION", "MemoryLimitError", "UnseenValuesWarning", "default_memory_limit",
           "check_memory", "output_widths", "format_bytes"]

#: default limit on the preprocessed matrix: this share of the machine's physical memory
MEMORY_FRACTION = 0.25


class MemoryLimitError(ValueError):
    """The preprocessed table would need more memory than the limit (nothing was allocated).

    Attributes
    ----------
    needed, limit : int
        Bytes.
    column : str
        The widest raw column, the one to drop or re-declare.
    """

    def __init__(self, message, *, needed, limit, column):
        super().__init__(message)
        self.needed, self.limit, self.column = needed, limit, column


class UnseenValuesWarning(UserWarning):
    """At transform time, values the fitted preprocessor did not see, counted per column.

    ``counts`` maps a column to ``{kind: number of rows}``, kinds being ``"unseen level"``
    (a category not seen at fit: encoded as all zeros), ``"type change"`` (a boolean column
    arriving as 0/1, numbers arriving as text: mapped back), ``"missing"`` (missing where
    training had none: imputed) and ``"not a number"`` (text in a column declared numeric:
    read as missing). One warning per ``transform`` call, so that a command line can print
    one note and put ``counts`` in its JSON output.
    """

    def __init__(self, counts):
        if isinstance(counts, str):  # rebuilt from its message alone (unpickling, pytest-xdist)
            super().__init__(counts)
            self.counts = {}
            return
        self.counts = {str(c): dict(k) for c, k in counts.items()}
        parts = [f"{c}: " + ", ".join(f"{n} {kind}" for kind, n in kinds.items())
                 for c, kinds in self.counts.items()]
        super().__init__("Values not seen at fit, per column (rows): " + "; ".join(parts))


def format_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def default_memory_limit() -> int:
    """:data:`MEMORY_FRACTION` of the physical memory (4 GiB where it cannot be read)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 16 * 2**30
    return int(total * MEMORY_FRACTION)


def check_memory(n_rows: int, widths: dict, itemsize: int, limit) -> int:
    """Bytes the output of ``n_rows`` needs (``widths``: output columns per raw column); raise
    :class:`MemoryLimitError` above ``limit`` (None: :func:`default_memory_limit`).

    The estimate is the output matrix plus the float64 block of the widest column, built
    before it is copied in.
    """
    limit = default_memory_limit() if limit is None else int(limit)
    width = sum(widths.values())
    widest = max(widths, key=widths.get) if widths else None
    needed = n_rows * width * itemsize + (n_rows * widths[widest] * 8 if widest else 0)
    if needed > limit:
        raise MemoryLimitError(
            f"The preprocessed table would need {format_bytes(needed)} ({n_rows} rows x {width} columns), "
            f"above the memory limit of {format_bytes(limit)}; the widest column is {widest!r} "
            f"({widths[widest]} columns): drop it (--drop {widest}) or leave its role to be inferred "
            f"(a column with many levels is then encoded as text, at a fixed width), or raise "
            f"`memory_limit`. "
            f"Received: memory_limit={limit}", needed=needed, limit=limit, column=widest)
    return needed


def output_widths(sources, features, indicators, blocks, names=()) -> dict:
    """Output columns per raw column: one per numeric feature (two with an indicator), then
    ``blocks`` (categorical and text widths); ``names`` sets the order ties are broken in."""
    widths = dict.fromkeys(names, 0)
    for f, (name, _) in zip(features, sources, strict=True):
        widths[name] = widths.get(name, 0) + 1 + (f in indicators)
    for name, width in blocks.items():  # a period (a year) is numeric and one-hot: both count
        widths[name] = widths.get(name, 0) + width
    return widths
