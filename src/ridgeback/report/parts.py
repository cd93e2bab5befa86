"""A checked JSON object: typed fields, the entries it does not know kept aside, errors that say where.

Every part of a :class:`~ridgeback.report.context.RunContext` is a frozen dataclass built on
:class:`_Part`: it checks its fields when it is built, reads itself from the dict that
``run.json`` holds (``from_dict``) and writes that dict back (``to_dict``). A
:class:`ContextError` names the entry that departs from the schema by its path from the top
(``context['tune']['results'][0]['params']``), what it must be and what it holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import ClassVar

from .._util.jsonify import to_json

__all__ = ["ContextError"]


class ContextError(ValueError):
    """A run context that departs from the schema.

    ``keys`` is the path to the entry (``("tune", "results", 0, "params")``), ``root`` the name
    the path hangs from (``"context"`` for :meth:`RunContext.from_dict`, none for a part built
    directly). A part re-raises its parts' errors with its own key in front (:meth:`under`).
    """

    def __init__(self, keys, expected: str, value=None, *, received: str | None = None,
                 root: str | None = None):
        self.keys, self.expected, self.value = tuple(keys), expected, value
        self.received, self.root = received, root
        where = self.where
        got = received.format(where=where) if received else f"{where}={_shown(value)}"
        super().__init__(f"`{where}` must {expected}. Received: {got}")

    @property
    def where(self) -> str:
        """The entry as a reader of the dict would write it: ``context['tune']['n_folds']``."""
        keys = list(self.keys)
        if self.root is not None:
            head = self.root
        elif keys and isinstance(keys[0], str):
            head = keys.pop(0)
        else:
            head = "data"
        return head + "".join(f"[{k!r}]" for k in keys)

    def under(self, *keys, root: str | None = None) -> ContextError:
        """The same error one level up: ``keys`` in front of the path, ``root`` as its name."""
        return ContextError((*keys, *self.keys), self.expected, self.value, received=self.received,
                            root=root if root is not None else self.root)


def _shown(value) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _path(key) -> tuple:
    return key if isinstance(key, tuple) else (key,)


def _fail(key, expected: str, value):
    raise ContextError(_path(key), f"be {expected}", value)


def _is_number(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_type(key, value, kind, expected: str, *, optional: bool = True) -> None:
    if not ((optional and value is None) or isinstance(value, kind)):
        _fail(key, expected, value)


def _check_numbers(key, value, length: int | None = None, per: str = "", *, optional: bool = True) -> None:
    if optional and value is None:
        return
    if not isinstance(value, list) or not all(_is_number(v) for v in value):
        _fail(key, "a list of numbers (null for a missing value)", value)
    if length is not None and len(value) != length:
        raise ContextError(_path(key), f"have {length} entries, one per {per}", value,
                           received=f"{{where}} with {len(value)} entries")


def _check_number(key, value) -> None:
    if not _is_number(value):
        _fail(key, "a number or null", value)


def _check_index(key, value, n: int) -> None:
    if value is not None and not (_is_int(value) and 0 <= value < n):
        _fail(key, f"a row index in [0, {n}) or null", value)


def _check_params(key, value) -> None:
    _check_type(key, value, dict, "a dict of hyper-parameters or null")


def _check_rows(key, value, kind, expected: str, *, optional: bool = True) -> None:
    """``value`` is a list of ``kind`` (the parts ``from_dict`` built from dicts), or None."""
    _check_type(key, value, list, expected, optional=optional)
    for i, row in enumerate(value or []):
        _check_type((key, i), row, kind, f"a {kind.__name__}", optional=False)


def _under(key, parse, value):
    try:
        return parse(value)
    except ContextError as exc:
        raise exc.under(key) from None


def _rows(kind):
    """A parser for a list of ``kind`` dicts; anything else is left for the check to name."""
    def parse(value):
        if not isinstance(value, list):
            return value
        return [_under(i, kind.from_dict, row) for i, row in enumerate(value)]
    return parse


def _plain(value):
    if isinstance(value, _Part):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, kw_only=True)
class _Part:
    """One JSON object of the context: typed fields, ``extra`` for the entries it does not know.

    Subclasses list in ``_PARTS`` the keys that hold further parts (with the parser that builds
    them from dicts), name in ``_EXPECTED`` what their dict must be, and check their fields in
    ``_check``. Fields that are not parts are converted to plain JSON values first (NumPy
    arrays and scalars, tuples, NaN), so that they can be built from a model's outputs directly.
    """

    extra: dict = field(default_factory=dict)

    _PARTS: ClassVar[dict] = {}
    _EXPECTED: ClassVar[str] = "a dict"
    _KEYS: ClassVar[dict] = {}  # field name -> its key in the dict, where they differ
    _given: ClassVar[tuple] = ()  # the keys from_dict read, in order (set per instance)

    def __post_init__(self):
        for f in fields(self):
            if self._key(f.name) not in self._PARTS:
                object.__setattr__(self, f.name, to_json(getattr(self, f.name), self._key(f.name)))
        if not isinstance(self.extra, dict):
            _fail("extra", "a dict of further entries", self.extra)
        known = {self._key(f.name) for f in fields(self) if f.name != "extra"}
        clash = sorted(known.intersection(self.extra))
        if clash:
            _fail("extra", f"free of the {type(self).__name__} fields {clash}", self.extra)
        self._check()

    def _check(self) -> None:
        """Raise :class:`ContextError` where a field departs from the schema."""

    @classmethod
    def _key(cls, name: str) -> str:
        return cls._KEYS.get(name, name)

    @classmethod
    def from_dict(cls, data: dict):
        """Build from a dict as ``to_dict`` writes it (parts from nested dicts, unknown keys to ``extra``)."""
        if not isinstance(data, dict):
            raise ContextError((), f"be {cls._EXPECTED}", data)
        return cls._read(data, tuple(data))

    @classmethod
    def _read(cls, data: dict, given: tuple, **parts):
        """``cls`` from the entries of ``data`` and the ready ``parts``; ``given`` orders ``to_dict``."""
        names = {cls._key(f.name): f.name for f in fields(cls) if f.name != "extra"}
        kwargs, extra = dict(parts), {}
        for key, value in data.items():
            if key not in names:
                extra[key] = value
            elif value is None or key not in cls._PARTS:
                kwargs[names[key]] = value
            else:
                kwargs[names[key]] = _under(key, cls._PARTS[key], value)
        part = cls(**kwargs, extra=extra)
        object.__setattr__(part, "_given", given)
        return part

    def _values(self) -> dict:
        """Every entry to write, keyed as in the dict: fields that are set or were read as null."""
        values = {}
        for f in fields(self):
            key, value = self._key(f.name), getattr(self, f.name)
            if f.name != "extra" and (value is not None or key in self._given):
                values[key] = _plain(value)
        return values

    def to_dict(self) -> dict:
        """Plain JSON values: the dict ``from_dict`` reads."""
        values = {**self._values(), **_plain(self.extra)}
        return {**{k: values[k] for k in self._given if k in values}, **values}

    def is_empty(self) -> bool:
        """Whether it holds nothing at all (as an empty dict would)."""
        return not self.to_dict()
