"""What the search's preprocessing is told about column roles, decided on all rows before any
fold is held out: columns that a few values make categorical (every fold must read them alike),
integer group codes (one-hot only when the linear baseline clearly gains), periods such as a
year (one-hot beside their number only when it gains by two standard errors), heaped numbers
(their value count a feature too only when it gains by two standard errors), identifiers whose
values repeat (encoded by their mean target only when the linear baseline clearly gains),
identifiers (read as numbers only when the linear baseline gains so by a paired t-test at 5%
over the folds: rows numbered in the target's order) and text columns (kept only when the linear baseline
clearly gains from their codes)."""

from __future__ import annotations

from .common import column_list, make_preprocessor
from .search_helpers import pipeline

__all__ = ["fold_settings", "linear_scores", "group_code_settings", "period_settings", "value_count_settings",
           "entity_settings", "identifier_settings", "text_settings", "MAX_TEXT_CHECKS", "PERIOD_ERRORS",
           "VALUE_COUNT_ERRORS", "IDENTIFIER_LEVEL"]

#: standard errors by which the linear baseline must gain for periods to be one-hot too (one for
#: the other checks): up to 40 more inputs for the network, which often reads a year's shocks off
#: its number already
PERIOD_ERRORS = 2.0
#: standard errors by which the linear baseline must gain for heaped numbers to get their value
#: count: the count is also a smooth transform of the number, which the network does not need
VALUE_COUNT_ERRORS = 2.0
#: the two-sided level of the paired t-test over the folds by which the linear baseline must gain
#: for an identifier to be read as a number (2.78 standard errors on 5 folds, 12.7 on 2): an id
#: carries the target only through the order its rows were numbered in, which new rows need not
#: share, so only a gain the folds agree on keeps it
IDENTIFIER_LEVEL = 0.05
#: up to this many text columns are checked one by one (one linear cross-validation each, plus
#: one); more are kept or left out together (two), so that a wide table's check stays short
MAX_TEXT_CHECKS = 8


def _declare(settings: dict, role: str, columns: list) -> dict:
    """The settings with ``columns`` added to the ``role`` override (``categorical``, ``numeric``)."""
    if not columns:
        return settings
    given = settings.get(role) or []
    given = column_list(given) if isinstance(given, str) else list(given)
    return {**settings, role: [*given, *(c for c in columns if c not in given)]}


def fold_settings(settings: dict, X) -> dict:
    """The settings of the search's folds: every column that is categorical on all rows only
    because of a few values among numbers (ZIP+4 codes, a word such as ``rotary`` among cylinder
    counts) is declared categorical, so that each fold reads it as all rows do. Left to itself,
    a fold whose training rows lack those values would read the column as numbers, then refuse
    them among its held-out rows. The refit on all rows decides the same role by itself."""
    plan = make_preprocessor(settings).plan(X)
    # integer group codes too, when one-hot (the plan lists none with group_codes=False), and strings
    # of many levels that repeat: a fold with fewer repeats would read them as numbers, or as text
    few_or_many = plan.decided_by_few() + plan.group_codes() + plan.many_levels()
    settings = _declare(settings, "categorical", few_or_many)
    # identifiers whose values repeat: a fold's fewer rows repeat them less
    return _declare(settings, "entity", plan.entities())


def linear_scores(args, X, y, estimator, metric: str, seed=0):
    """``scores(settings)``: the fold scores of the linear baseline with the preprocessing of
    ``settings``, cross-validated by ``metric`` on one set of folds of all rows (``args.cv``,
    ``seed``), so that the checks below compare their choices on the same folds. A setting
    scored once is not fitted again (the group-code check's answer is the text check's start)."""
    import json

    from ..selection.baseline import linear_baseline
    from ..selection.crossval import make_folds

    target = y.to_numpy()
    done, folds = {}, []  # the folds are made on the first call: a table with nothing to check needs none

    def scores(settings: dict) -> list:
        # a setting left out and one set to None make the same preprocessor
        key = json.dumps({k: v for k, v in settings.items() if v is not None}, sort_keys=True, default=str)
        if key not in done:
            if not folds:
                folds.extend(make_folds(estimator, X, target, args.cv, seed))
            fitted = linear_baseline(pipeline(estimator, make_preprocessor(settings)), X, target, folds,
                                     scoring=metric)
            done[key] = fitted["fold_scores"]
        return done[key]

    return scores


def _both_ways(args, settings, X, y, estimator, metric, scores, flag: str | dict, columns: list, what: str,
               ways: tuple, overrides: str, errors: float = 1.0) -> tuple[dict, str]:
    """The settings with the Preprocessor's ``flag`` True when the linear baseline's fold scores
    with it are clearly better (:func:`~ridgeback.selection.rules.clearly_better`, by more than
    ``errors`` standard errors) than without, and the note: ``columns``, ``what`` they are, which
    of ``ways`` (``(done, not done)``) was taken, the gain and its error, and the ``overrides``
    that decide it outright. ``flag`` may instead be the settings with the change made (a column
    named to an override), taken when they are clearly better than ``settings``."""
    from ..selection.rules import clearly_better

    scores = scores or linear_scores(args, X, y, estimator, metric, settings.get("seed", 0))
    changed, unchanged = ((flag, settings) if isinstance(flag, dict)
                          else ({**settings, flag: True}, {**settings, flag: False}))
    better, gain, error = clearly_better(scores(changed), scores(unchanged), errors)
    done = ways[0].split(",")[0]
    exceeds = "its error" if errors == 1.0 else f"{errors:g} times its error"
    note = (f"{', '.join(columns)}: {what}, {ways[0] if better else ways[1]}. {done.capitalize()}, they move "
            f"the linear model's cross-validated {metric} by {gain:+.4f} (standard error {error:.4f}); they "
            f"are {done} only when the gain exceeds {exceeds} ({overrides} decide it)")
    return changed if better else unchanged, note


def group_code_settings(args, settings: dict, X, y, estimator, metric: str,
                        scores=None) -> tuple[dict, str | None]:
    """The settings with ``group_codes`` (the Preprocessor's: are group codes such as ``county``,
    ``townid``, ``subject`` or ``family`` one-hot?) decided for the search and the refit, and a sentence
    saying which and why (None when the table has no such column).

    One-hot only when the linear baseline, cross-validated on the same folds both ways, scores
    clearly better so (:func:`~ridgeback.selection.rules.clearly_better`: by more than one
    standard error of the paired difference); else the codes are read as numbers, as every tool
    reads integers. Measured in benchmarks/QUALITY.md: one-hot towns, counties and school classes
    gained 0.01 to 0.07 R², while 51 one-hot states, whose effect other columns already carry,
    cost 0.006 to 0.014 AUC. ``--categorical`` and ``--numeric`` name a column's role outright.
    ``scores``: a :func:`linear_scores` to share with the text check (else one of its own)."""
    groups = make_preprocessor(settings).plan(X).group_codes()
    if not groups:
        return settings, None
    off = make_preprocessor({**settings, "group_codes": False}).plan(X)
    roles = {c.column: c.role for c in off.columns if c.column in groups}
    other = sorted({_READ_AS.get(role, role) for role in roles.values()})
    return _both_ways(args, settings, X, y, estimator, metric, scores, "group_codes", groups,
                      "codes of groups", ("one-hot", "read as " + " or ".join(other)),
                      "--categorical or --numeric")


#: how a group code's column is read when not one-hot, in the check's note
_READ_AS = {"numeric": "numbers", "entity": "an entity's mean target", "text": "text"}


def period_settings(args, settings: dict, X, y, estimator, metric: str,
                    scores=None) -> tuple[dict, str | None]:
    """The settings with ``periods`` (the Preprocessor's: are integer periods such as ``year``
    one-hot too, besides their number?) decided for the search and the refit, and a sentence
    saying which and why (None when the table has no such column).

    One-hot too only when the linear baseline, cross-validated on the same folds both ways,
    scores better so by more than ``PERIOD_ERRORS`` standard errors
    (:func:`~ridgeback.selection.rules.clearly_better`): the years of a panel whose rows share a
    recession or a new law; else the number alone, its trend. Measured in benchmarks/QUALITY.md
    ("Periods"): where the linear gain was smaller, the network lost as often as it gained.
    ``--numeric`` and ``--categorical`` name a column's role outright. ``scores``: as for
    :func:`group_code_settings`."""
    periods = make_preprocessor(settings).plan(X).periods()
    if not periods:
        return settings, None
    return _both_ways(args, settings, X, y, estimator, metric, scores, "periods", periods,
                      "periods whose rows share their shocks (a year of a panel)",
                      ("one-hot too, beside their number", "read as numbers"), "--categorical or --numeric",
                      PERIOD_ERRORS)


def value_count_settings(args, settings: dict, X, y, estimator, metric: str,
                         scores=None) -> tuple[dict, str | None]:
    """The settings with ``value_counts`` (the Preprocessor's: do heaped numbers, some values held
    by many more rows than the values beside them, get the count of rows that hold their value
    as a second feature?) decided for the search and the refit, and a sentence saying which and
    why (None when the table has no such column).

    Counted only when the linear baseline, cross-validated on the same folds both ways, scores
    better so by more than ``VALUE_COUNT_ERRORS`` standard errors
    (:func:`~ridgeback.selection.rules.clearly_better`): an income recorded in brackets for some
    rows and computed for others; else the number alone. Measured in benchmarks/QUALITY.md
    ("Values many rows share"): counted for every heaped number, the networks lost as often as
    they gained. A class too rare for the folds (:func:`~ridgeback.selection.rules.few_events`)
    leaves them numbers: six events per held-out fold cannot measure a gain in log-loss (there
    the check took the count of days ill and the network it then saved lost 0.09 of test AUC).
    ``--numeric`` names a column a number only. ``scores``: as for :func:`group_code_settings`."""
    from sklearn.base import is_classifier

    from ..selection.rules import few_events

    heaped = make_preprocessor(settings).plan(X).value_counts()
    if not heaped:
        return settings, None
    if is_classifier(estimator) and few_events(y, args.cv):
        return {**settings, "value_counts": False}, (
            f"{', '.join(heaped)}: heaped numbers (values held by many more rows than those beside them), "
            f"read as numbers: the rarest class has too few rows per fold to tell whether their value "
            f"counts help (--numeric decides it)")
    return _both_ways(args, settings, X, y, estimator, metric, scores, "value_counts", heaped,
                      "heaped numbers (values held by many more rows than those beside them)",
                      ("counted too, beside their number", "read as numbers"), "--numeric",
                      VALUE_COUNT_ERRORS)


def entity_settings(args, settings: dict, X, y, estimator, metric: str,
                    scores=None) -> tuple[dict, str | None]:
    """The settings with ``entities`` (the Preprocessor's: are identifiers whose values repeat,
    a person or a customer of a panel, encoded by their mean target?) decided for the search and
    the refit, and a sentence saying which and why (None when the table has no such column).

    Encoded only when the linear baseline, cross-validated on the same folds both ways, scores
    clearly better so (:func:`~ridgeback.selection.rules.clearly_better`); else the columns are
    read as before the rule (numbers, or text). Measured in benchmarks/QUALITY.md ("People
    seen in several rows"): a man's own rate of union membership over eight years, a patient's
    other outcome, a firm's other years are worth 0.1 to 0.24 of log-loss or R²; a baseball
    player's id, whose season statistics already carry the runs, is not. ``--entity``, ``--numeric`` and
    ``--drop`` name a column's role outright. ``scores``: as for :func:`group_code_settings`."""
    entities = make_preprocessor(settings).plan(X).entities()
    if not entities:
        return settings, None
    return _both_ways(args, settings, X, y, estimator, metric, scores, "entities", entities,
                      "identifiers whose values repeat (a person or a customer seen in several rows)",
                      ("encoded, by their mean target out of fold", "read as before"),
                      "--entity, --numeric or --drop")


def identifier_settings(args, settings: dict, X, y, estimator, metric: str,
                        scores=None) -> tuple[dict, str | None]:
    """The settings with the numeric identifiers that the plan drops (a patient's id, a row's
    number: :meth:`~ridgeback.tabular.plan.Plan.identifiers`) named ``numeric`` when the linear
    baseline reads the target off their order, and a sentence saying which and why (None when
    the table has no such column).

    Read as numbers only when the linear baseline, cross-validated on the same folds both ways,
    scores better so by a paired t-test at level ``IDENTIFIER_LEVEL`` over the :math:`K` folds,
    by more than :math:`t_{0.975, K-1}` standard errors
    (:func:`~ridgeback.selection.rules.clearly_better`; 2.78 on 5 folds): a table whose rows
    were numbered in the order of their outcome, or of the time they were recorded. Measured in
    benchmarks/QUALITY.md ("Identifiers that carry the target"): Muscatine's children were
    numbered by their pattern of obesity, and every peer read the id as a number. A class too
    rare for the folds (:func:`~ridgeback.selection.rules.few_events`) leaves them dropped, as it
    leaves heaped numbers uncounted. ``--numeric`` and ``--drop`` name a column's role outright."""
    from scipy.stats import t
    from sklearn.base import is_classifier

    from ..selection.rules import few_events

    ids = [c for c in make_preprocessor(settings).plan(X).identifiers() if X[c].dtype.kind in "iuf"]
    if not ids:
        return settings, None
    what = "identifiers (distinct integers: a row's number, a person's id)"
    if is_classifier(estimator) and few_events(y, args.cv):
        return settings, (f"{', '.join(ids)}: {what}, dropped: the rarest class has too few rows per fold to "
                          f"tell whether their order carries the target (--numeric decides it)")
    return _both_ways(args, settings, X, y, estimator, metric, scores, _declare(settings, "numeric", ids),
                      ids, what, ("read as numbers, their order carrying the target", "dropped"),
                      "--numeric or --drop", round(float(t.ppf(1 - IDENTIFIER_LEVEL / 2, args.cv - 1)), 2))


def text_settings(args, settings: dict, X, y, estimator, metric: str,
                  scores=None) -> tuple[dict, str | None]:
    """The settings with ``text_left_out`` (the Preprocessor's: text columns to leave out) decided
    for the search and the refit, and a sentence saying which and why (None when the table has no
    text column).

    Each text column is kept only when the linear baseline with every text column's codes scores
    clearly better, on the same folds, than without that column
    (:func:`~ridgeback.selection.rules.clearly_better`). A column of free text that carries the
    target (a review, a job title) passes; a name that is nearly unique per row (a school
    district, a product) adds fixed-width codes that are noise to a model fitted on a few hundred
    rows. Measured in benchmarks/QUALITY.md ("Text that does not help"). With more than
    ``MAX_TEXT_CHECKS`` text columns, they are kept or left out together, by the same test.
    ``--categorical`` or ``--drop`` name a column's role outright; a text column cannot be forced
    in. ``scores``: as for :func:`group_code_settings`."""
    from ..selection.rules import clearly_better

    text = make_preprocessor(settings).plan(X).text()
    if not text:
        return settings, None
    scores = scores or linear_scores(args, X, y, estimator, metric, settings.get("seed", 0))
    with_all = scores({**settings, "text_left_out": None})
    left_out, parts = [], []
    # one column at a time, or all together when there are too many to check each
    checks = [[c] for c in text] if len(text) <= MAX_TEXT_CHECKS else [text]
    for columns in checks:
        better, gain, error = clearly_better(with_all, scores({**settings, "text_left_out": columns}))
        if not better:
            left_out += columns
        parts.append(f"{', '.join(columns)} {'kept' if better else 'left out'} ({gain:+.4f}, standard error "
                     f"{error:.4f})")
    note = (f"text columns: {'; '.join(parts)}. The codes move the linear model's cross-validated "
            f"{metric} by the amount shown; text is kept only when that gain exceeds its error "
            f"(--categorical or --drop decide it)")
    return {**settings, "text_left_out": left_out or None}, note
