"""What a column's name says about it: an identifier (``id``, ``CustomerID``), a count of time
or a ranking (``year``, ``rank``: consecutive integers there are a feature), a group whose
integer codes are categories (``county``, ``townid``), or an entity seen in several rows of a
panel (``subject``, ``patient``, ``nr``). Used by :mod:`.columns` to decide roles; the values
decide too, the name alone never does.
"""

from __future__ import annotations

import re

__all__ = ["id_named", "identifier_named", "row_number_named", "ordinal_named", "group_named", "entity_named",
           "period_named"]

_ID_NAME = re.compile(r"(^|[_\s.-])(id|key|uuid|guid|rownames?|index|idx)$|^unnamed: ?\d+$|^$", re.IGNORECASE)
#: an identifier's own word (``id``, ``patient_id``, ``userId``): not "key", "index" or "rownames",
#: which name numbers too (a price index)
_ID_WORD = re.compile(r"(^|[_\s.-])(id|uuid|guid)$", re.IGNORECASE)
_CAMEL_WORDS = "Id|ID|Uuid|UUID|Guid|GUID"
_CAMEL_ID_WORD = re.compile(rf"[a-z0-9]({_CAMEL_WORDS})$")
#: names of a row's or a case's number (R's ``obs``, ``Obs``, Snow's ``case``, ``idcase``, ``rownum``,
#: ``record_no``): an identifier when its values are distinct integers, as a shuffled split's row
#: numbers are not in row order (not ``cases`` or ``records``, which count)
_ROW_NUMBER_NAME = re.compile(r"(^|[_\s.-])((obs|observation|case|row|record|serial|seq)[_\s.-]?"
                              r"(no|nr|num|number|id)?|rec[_\s.-]?(no|nr|num|number|id))$"
                              r"|^id[_.]?(case|obs|row)$", re.IGNORECASE)
#: names of a count of time or a ranking: consecutive integers there are a feature (a trend), not row numbers
_ORDINAL_NAME = re.compile(r"(^|[_\s.-])(year|yr|time|t|month|week|day|date|period|quarter|hour|minute|"
                           r"season|rank|ranking|age)s?$", re.IGNORECASE)
#: camelCase names of identifiers (CustomerID, userId, orderKey), case-sensitive: "paid" is none
_CAMEL_ID = re.compile(rf"[a-z0-9]({_CAMEL_WORDS}|Key)$")
#: the groups a name runs into "id" or "code" (``townid``, ``countycode``), with the abbreviations
#: tables write for them (``distid``, ``schid``, ``hospid``, ``cntyid``, ``deptcode``)
_RUN_INTO = (r"county|state|country|region|district|town|city|school|class|firm|company|store|village|"
             r"household|family|person|subject|patient|user|customer|party|prty|team|group|site|plant|choice|"
             r"dist|sch|schl|hosp|cnty|cty|dept|inst|fac|org|prov|muni")
#: names of the groups that integer codes stand for: as a number such a code's order means nothing
#: (county 37 is not between 36 and 38), while the groups differ. A whole word at the end of the
#: name (``county``, ``us_state``), a group run into "id" or "code" (``townid``, ``countycode``;
#: not any word: ``afraid`` and ``placid`` are moods), or "Code" in camelCase (``ZipCode``). Not
#: "school", "town" or "city" alone: econometric tables use them for years of schooling and the
#: size of a town
_GROUP_NAME = re.compile(
    r"(^|[_\s.-])(county|state|country|region|district|zip|zipcode|postcode|fips|municipality|province|"
    r"commune|village|class|firm|company|store|industry|occupation|code)s?$"
    rf"|^[a-z]*({_RUN_INTO})(id|code)$"
    r"|[a-z0-9](Code|CODE)$", re.IGNORECASE)
#: a group's name run into "id" (``schoolid``, ``schid``): an identifier's name when its values are
#: distinct (one school a row), as ``school_id`` is
_RUN_INTO_ID = re.compile(rf"^[a-z]*({_RUN_INTO})id$", re.IGNORECASE)
#: the units of an experiment or a survey's sampling are groups too (``named_codes``): a site, a
#: centre, a hospital, a batch, a block or plot of a field, a herd, a litter or a brood, a stratum
#: or a matched pair, a cluster or primary sampling unit, the tree, plant or animal measured again
#: and again, a family, whose members (Galton's children) are its rows, and a household's id
#: (``Ketchup.hid``, as ``hhid`` names one among the entities below). Singular: "stations" is
#: how many reported an earthquake, "trees" how many grow on a plot. Not an industry's sector:
#: beside a firm's own code it cost PatentsRD's network 0.018 R² on average over three splits
#: (benchmarks/QUALITY.md, "A tenth look")
_UNIT_NAME = re.compile(
    r"(^|[_\s.-])(location|site|station|center|centre|clinic|hospital|ward|batch|block|plot|farm|herd|"
    r"flock|litter|brood|nest|pen|cage|colony|chamber|team|stratum|strata|cluster|psu|pair|tree|plant|pig|"
    r"chick|rat|mouse|cow|calf|sow|horse|mare|dog|family|hid)$", re.IGNORECASE)

#: names of the entities a panel follows over several rows (a person, a patient, a household, a
#: customer): as a number such an identifier means nothing, while the entities differ. A whole
#: word at the end of the name (``subject``, ``person_nr``); "nr" is a panel's abbreviation
#: (Ecdat's ``Males``; not "pid", which is also a party identification, ANES's 0-6 scale)
_ENTITY_WORDS = (r"subject|patient|person|individual|respondent|participant|household|customer|"
                 r"client|user|member|player|worker|employee|student|pupil|animal|nr|hhid")
_ENTITY_NAME = re.compile(rf"(^|[_\s.-])({_ENTITY_WORDS})s?$", re.IGNORECASE)
#: the same, singular: "workers" or "students" is as often how many there are
_ENTITY_ONE = re.compile(rf"(^|[_\s.-])({_ENTITY_WORDS})$", re.IGNORECASE)

#: names of the period a row was observed in (a year, a quarter, a survey's wave): every row of one
#: period shares its shocks (a recession, a new law), which no smooth function of the number holds
_PERIOD_NAME = re.compile(r"(^|[_\s.-])(year|yr|quarter|qtr|month|period|wave|season)s?$", re.IGNORECASE)


def id_named(name: str) -> bool:
    """A name such as ``id``, ``customer_id``, ``CustomerID``, ``userId``, ``uuid`` or ``rownames``."""
    return bool(_ID_NAME.search(name) or _CAMEL_ID.search(name))


def identifier_named(name: str) -> bool:
    """A name whose last word is ``id`` (``id``, ``patient_id``, ``userId``, ``uuid``): an
    identifier by its name alone, as :func:`id_named`'s ``index`` or ``key`` are not.

    A group's name run into "id" is one too (``schoolid``, ``distid``: :data:`_RUN_INTO_ID`):

    >>> [identifier_named(n) for n in ("id", "CustomerID", "price_index", "paid", "schid", "rapid")]
    [True, True, False, False, True, False]
    """
    return bool(_ID_WORD.search(name) or _CAMEL_ID_WORD.search(name) or _RUN_INTO_ID.search(name))


def row_number_named(name: str) -> bool:
    """A name such as ``obs``, ``case``, ``idcase``, ``row_num`` or ``record_no``: a row's number
    when its values are distinct integers.

    >>> [row_number_named(n) for n in ("obs", "Obs", "idcase", "record_no", "cases", "rec", "showcase")]
    [True, True, True, True, False, False, False]
    """
    return bool(_ROW_NUMBER_NAME.search(name))


def ordinal_named(name: str) -> bool:
    """A name such as ``year``, ``month``, ``age`` or ``rank``: a count of time or a ranking."""
    return bool(_ORDINAL_NAME.search(name))


def group_named(name: str, units: bool = True) -> bool:
    """A name such as ``county``, ``us_state``, ``townid``, ``distid``, ``countycode`` or ``ZipCode``; with
    ``units`` also an experiment's or a sample's unit (``site``, ``litter``, ``stratum``,
    ``tree``: the ``named_codes`` of :class:`~ridgeback.tabular.preprocessing.Preprocessor`).

    >>> group_named("county"), group_named("LOCATION"), group_named("LOCATION", units=False)
    (True, True, False)
    """
    return bool(_GROUP_NAME.search(name) or (units and _UNIT_NAME.search(name)))


def entity_named(name: str, plural: bool = True) -> bool:
    """A name such as ``subject``, ``patient``, ``person_nr`` or ``nr``: an entity a
    panel follows over several rows; with ``plural=False`` not ``subjects`` or ``workers``, which
    often count them.

    >>> entity_named("subject"), entity_named("workers"), entity_named("workers", plural=False)
    (True, True, False)
    """
    return bool((_ENTITY_NAME if plural else _ENTITY_ONE).search(name))


def period_named(name: str) -> bool:
    """A name such as ``year``, ``sample.yr``, ``quarter`` or ``wave``: the period a row was
    observed in (not ``age`` or ``rank``, which :func:`ordinal_named` also names)."""
    return bool(_PERIOD_NAME.search(name))
