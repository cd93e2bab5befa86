"""The column plan as data: one :class:`ColumnPlan` row per raw column (its role, why, how many
distinct values, what share is missing, how its values are written) and the :class:`Plan` of a
table, with the questions the rest of ridgeback asks of it (which columns a fold must be told
about, which ``tune`` checks, what ``describe`` prints) and its JSON form, saved with a model.
:mod:`ridgeback.tabular.columns` decides the roles; the reasons it writes begin with the
prefixes below, which is how the plan's questions find their columns.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

__all__ = ["ROLES", "ColumnPlan", "Plan"]

ROLES = ("numeric", "categorical", "text", "datetime", "entity", "id", "drop")
#: how the reason begins of a column that a few of its values make categorical among numbers:
#: codes such as ZIP+4 ``98112-4729``, or levels such as ``rotary`` (:meth:`Plan.decided_by_few`)
_CODES, _LEVELS = "codes:", "levels:"
#: how the reason begins of integer codes of groups made categorical (:meth:`Plan.group_codes`)
_GROUPS = "group codes:"
#: how the reason begins of a string column with many levels that repeat (:meth:`Plan.many_levels`)
_MANY = "many levels:"
#: how the reason begins of a numeric column that is also one-hot, as periods (:meth:`Plan.periods`)
_PERIOD = "period:"
#: how the reason begins of a heaped number, whose value count is a feature too (:meth:`Plan.value_counts`)
_HEAPED = "heaped:"
#: how the reason begins of an identifier whose values repeat, encoded by its mean target
#: (:meth:`Plan.entities`)
_ENTITY = "entity:"
#: how the reason begins of an identifier found so by its values or its name (not one the user
#: named): dropped, unless ``ridgeback tune`` reads it as a number (:meth:`Plan.identifiers`)
_IDENTIFIER = "identifier:"
#: how the reason begins of a text column left out because its codes did not help
#: (``text_left_out``, decided by ``ridgeback tune``)
_TEXT_LEFT_OUT = "text left out:"


@dataclass
class ColumnPlan:
    """One raw column: its role and why, how many distinct values, what share is missing."""

    column: str
    role: str
    cardinality: int
    missing_share: float
    action: str
    reason: str
    #: values that could not be read in this role and were taken as missing (forced numeric/datetime)
    coerced: int = 0
    #: how the values are written, when not plainly: a numeric column's decimal mark ("." or ",":
    #: currency signs, percent signs and thousands separators are read past), then a space and
    #: its unit if any (". kg"); a datetime column's strftime format ("%d/%m/%Y"); a categorical
    #: column's "fold" when its levels are spelled several ways (:mod:`.spellings`); "" for plain
    #: numbers and ISO 8601 timestamps, and levels spelled one way
    format: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Plan:
    """The column plan of a table: one :class:`ColumnPlan` per raw column, in the table's order."""

    columns: list = field(default_factory=list)

    def by_role(self, role) -> list:
        return [c.column for c in self.columns if c.role == role]

    def decided_by_few(self) -> list:
        """The columns categorical only because of a few values among numbers (ZIP+4 codes, a
        word such as ``rotary`` among cylinder counts): rows that lack those values, such as a
        fold's, would read the column as numbers."""
        return [c.column for c in self.columns
                if c.role == "categorical" and c.reason.startswith((_CODES, _LEVELS))]

    def group_codes(self) -> list:
        """The integer columns made categorical as codes of groups (a county, a town id): the
        ones ``ridgeback tune`` checks against reading them as numbers."""
        return [c.column for c in self.columns if c.role == "categorical" and c.reason.startswith(_GROUPS)]

    def many_levels(self) -> list:
        """The string columns categorical although they have more levels than
        ``cardinality_threshold``, because each repeats (``REPEATED_LEVEL_ROWS``): a fold's fewer
        rows might repeat them too little."""
        return [c.column for c in self.columns if c.role == "categorical" and c.reason.startswith(_MANY)]

    def periods(self) -> list:
        """The numeric columns that are also one-hot: the period a row was observed in (a year
        of a panel), whose shocks every row of that period shares."""
        return [c.column for c in self.columns if c.role == "numeric" and c.reason.startswith(_PERIOD)]

    def value_counts(self) -> list:
        """The heaped numeric columns (some values held by many more rows than the values beside
        them: brackets among computed values), whose value count is a feature too
        (:mod:`~ridgeback.tabular.value_counts`)."""
        return [c.column for c in self.columns if c.role == "numeric" and c.reason.startswith(_HEAPED)]

    def entities(self) -> list:
        """The columns encoded by their mean target as entities of a panel (a person, a customer),
        found so by their values: a fold's fewer rows might repeat them too little."""
        return [c.column for c in self.columns if c.role == "entity" and c.reason.startswith(_ENTITY)]

    def identifiers(self) -> list:
        """The columns dropped as identifiers because of their values or their name (a patient's
        id, a row number), not because the user named them: the ones ``ridgeback tune`` checks
        against reading them as numbers."""
        return [c.column for c in self.columns if c.role == "id" and c.reason.startswith(_IDENTIFIER)]

    def text(self) -> list:
        """The columns encoded as text (character n-grams): the ones ``ridgeback tune`` checks
        against leaving them out."""
        return [c.column for c in self.columns if c.role == "text"]

    def text_left_out(self) -> list:
        """The text columns left out because their codes did not help (``text_left_out``)."""
        return [c.column for c in self.columns if c.role == "drop" and c.reason.startswith(_TEXT_LEFT_OUT)]

    def formats(self) -> dict:
        """``{column: format}``: how each column's values are written (``ColumnPlan.format``)."""
        return {c.column: c.format for c in self.columns}

    def summary(self) -> str:
        """One line: how many columns of each role, and which ones were dropped.

        Examples
        --------
        >>> import pandas as pd
        >>> from ridgeback.tabular.columns import plan_columns
        >>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "k": ["a", "b", "a"], "c": [7, 7, 7]})
        >>> plan_columns(df).summary()
        'columns: 1 numeric, 1 categorical; dropped: c (constant)'
        """
        counts = [f"{len(self.by_role(r))} {r}" for r in ROLES[:5] if self.by_role(r)]
        dropped = [f"{c.column} ({'identifier' if c.role == 'id' else c.reason.split(':')[0]})"
                   for c in self.columns if c.role in ("id", "drop")]
        line = "columns: " + (", ".join(counts) if counts else "none used")
        if dropped:
            shown = ", ".join(dropped[:6]) + (f" and {len(dropped) - 6} more" if len(dropped) > 6 else "")
            line += f"; dropped: {shown}"
        return line

    def imputed(self) -> list:
        """``(column, how)`` for every used column that had missing values in the data."""
        how = {"numeric": "median, plus a missing-indicator column", "datetime": "median of each part, "
               "plus a missing-indicator column", "categorical": "its own level '<missing>'",
               "text": "the empty string", "entity": "its own level '<missing>'"}
        return [(c.column, how[c.role]) for c in self.columns if c.role in how and c.missing_share > 0]

    def table(self) -> str:
        """The plan as an aligned text table (what ``ridgeback describe`` prints)."""
        header = ("column", "role", "distinct", "missing", "action")
        rows = [(c.column, c.role, str(c.cardinality), f"{c.missing_share:.1%}",
                 c.action + (f" ({c.reason})" if c.reason else "")) for c in self.columns]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
        lines = ["  ".join(v.ljust(w) for v, w in zip(r[:4], widths, strict=True)) + "  " + r[4]
                 for r in [header, *rows]]
        return "\n".join(line.rstrip() for line in lines)

    def to_list(self) -> list:
        return [c.to_dict() for c in self.columns]

    @classmethod
    def from_list(cls, rows) -> Plan:
        fields = set(ColumnPlan.__dataclass_fields__)
        if not isinstance(rows, list) or not all(isinstance(r, dict) and set(r) <= fields for r in rows):
            raise ValueError(f"`plan` must be a list of column records with keys among {sorted(fields)}. "
                             f"Received: plan={str(rows)[:200]}")
        types = {"column": str, "role": str, "cardinality": int, "missing_share": (int, float), "action": str,
                 "reason": str, "coerced": int, "format": str}
        for r in rows:
            bad = [k for k, v in r.items() if not isinstance(v, types[k]) or isinstance(v, bool)]
            if bad or r.get("role") not in ROLES or not fields - {"coerced", "format"} <= set(r):
                raise ValueError(f"`plan` records need a column name, a role among {list(ROLES)}, a "
                                 f"cardinality, a missing share, an action and a reason. Received: "
                                 f"{str(r)[:200]}")
        return cls([ColumnPlan(**r) for r in rows])
