"""How category levels are spelled: one level written several ways is one level.

Hand-typed tables spell one category in several ways: ``male``, ``Male``, `` male`` and
``MALE``; ``New York`` and ``new  york``. Taken at their word these are different levels:
the one-hot encoding splits one category's rows over several columns, each with fewer rows
to learn from, and a spelling first met at prediction time is an unseen level.

:func:`spelling_key` is what two spellings of one level share: the text with surrounding
spaces dropped, inner runs of white space made one space, and case folded
(:meth:`str.casefold`). When a categorical column's training values hold two spellings with
one key, the column plan says so (``ColumnPlan.format`` is :data:`FOLD`, and the reason
names the spellings merged), :func:`fold_levels` writes every value as its level's most
frequent spelling, and the rows to predict are matched to the levels by key
(:func:`level_index`), so a new spelling of a known level is that level. A column whose
levels are each spelled one way is read exactly as before.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

__all__ = ["FOLD", "spelling_key", "spelling_variants", "count_levels", "describe_spellings", "fold_levels",
           "level_index"]

#: ``ColumnPlan.format`` of a categorical column whose levels are compared by :func:`spelling_key`
FOLD = "fold"


def _trimmed(value) -> str:
    """The value as text, white space trimmed and inner runs of it made one space."""
    return " ".join(str(value).split())


def spelling_key(value: str) -> str:
    """What the spellings of one level share: white space trimmed and made single, case folded.

    Examples
    --------
    >>> spelling_key("  New   York ")
    'new york'
    >>> spelling_key("MALE") == spelling_key("male")
    True
    """
    return _trimmed(value).casefold()


def spelling_variants(present: pd.Series) -> dict:
    """``{key: [spellings, most frequent first]}`` for every key spelled more than one way
    among the present values (compared as strings); empty when each level has one spelling."""
    counts = Counter(present.astype(str).tolist())
    groups: dict = {}
    for spelling, n in counts.items():
        groups.setdefault(spelling_key(spelling), []).append((-n, spelling))
    return {key: [s for _, s in sorted(found)] for key, found in groups.items() if len(found) > 1}


def count_levels(n_spellings: int, variants: dict) -> int:
    """How many levels ``n_spellings`` distinct strings are, with :func:`spelling_variants`' merges."""
    return n_spellings - sum(len(spellings) - 1 for spellings in variants.values())


def describe_spellings(variants: dict, n_spellings: int) -> str:
    """The plan's reason for a column of ``n_spellings`` distinct strings with
    :func:`spelling_variants`' ``variants``, naming the spellings merged (of two levels at most).

    Examples
    --------
    >>> describe_spellings({"male": ["male", "Male", " male"]}, 4)
    "4 spellings of 2 levels, case and spaces ignored: 'male' also written 'Male', ' male'"
    """
    shown = []
    for key in sorted(variants, key=lambda k: (-len(variants[k]), k))[:2]:
        first, *others = variants[key]
        shown.append(f"{first!r} also written " + ", ".join(repr(s) for s in others[:3])
                     + (", ..." if len(others) > 3 else ""))
    more = f"; and {len(variants) - 2} more level(s)" if len(variants) > 2 else ""
    return (f"{n_spellings} spellings of {count_levels(n_spellings, variants)} levels, case and spaces "
            f"ignored: {'; '.join(shown)}{more}")


def fold_levels(values: np.ndarray) -> np.ndarray:
    """``values`` (an object array of level strings, NaN where missing) with every spelling of
    one level written as that level's most frequent spelling, white space trimmed (ties: the
    first in sorted order)."""
    present = ~pd.isna(values)
    counts = Counter(_trimmed(v) for v in values[present])
    canonical: dict = {}
    for spelling, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        canonical.setdefault(spelling_key(spelling), spelling)
    out = values.copy()
    out[present] = [canonical[spelling_key(v)] for v in values[present]]
    return out


def level_index(values: np.ndarray, levels: list, fold: bool) -> np.ndarray:
    """The position of each value among ``levels`` (-1 when it is none of them), matched by
    :func:`spelling_key` when ``fold``, else by the exact string."""
    if not fold:
        lookup = {level: i for i, level in enumerate(levels)}
        return np.array([lookup.get(v, -1) for v in values], dtype=np.intp)
    lookup = {spelling_key(level): i for i, level in enumerate(levels)}
    return np.array([lookup.get(spelling_key(v), -1) if isinstance(v, str) else -1 for v in values],
                    dtype=np.intp)
