"""The ``ridgeback`` command line: train, tune, describe, predict, evaluate, report, export, demo, datasets.

This module parses argv, routes each command to its module and turns errors into exit codes
(:mod:`.exit_codes`): bad usage or bad input is one line on stderr, no traceback. The commands
live in ``train``, ``tune``, ``demo`` and ``commands`` (predict, evaluate, report, export,
datasets).
"""

from __future__ import annotations

import argparse
import sys

from .._version import __version__
from .common import add_column_args, add_hyperparameter_args, add_metric_arg, add_scaling_arg
from .exit_codes import ExitCode, help_line
from .interrupts import interrupted

__all__ = ["main", "build_parser"]


class UsageError(Exception):
    """Raised by the parser instead of printing a usage block and exiting."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")


_FORMATTER = argparse.RawDescriptionHelpFormatter


def _add_data_args(p, *, target=True):
    p.add_argument(
        "data", metavar="DATA", help="CSV or Parquet file, or builtin:NAME (see `ridgeback datasets`)"
    )
    if target:
        p.add_argument("--target", required=True, metavar="COL", help="name of the target column")


def _add_common(p):
    p.add_argument("--quiet", action="store_true", help="no progress bars, only the result")
    p.add_argument("--json", action="store_true", help="machine-readable JSON on stdout")


def _add_model_args(p):
    g = p.add_argument_group("model and training (defaults: --config file, then built-in)")
    g.add_argument(
        "--task", choices=("classification", "regression"),
        help="default: inferred from the target (text and up to 20 whole numbers: classes, unless the "
        "numbers look like a count or a score, or are ten or more taking every value of their range)"
    )
    g.add_argument("--drop-missing-target", action="store_true", default=None,
                   help="leave out the rows without a target value (a note says how many); by default "
                   "they are refused, by row")
    add_hyperparameter_args(g)  # one flag per row of the hyper-parameter table
    g.add_argument("--config", metavar="FILE", help="TOML file with any of these options (flags win)")
    add_scaling_arg(g)
    add_column_args(p)


TRAIN_EXAMPLES = """examples:
  ridgeback train data.csv --target label --hidden 128,64 --l1 1e-4 --dropout 0.2 --out model
  ridgeback train builtin:digits --target target --epochs 30 --checkpoint-every 5 --out model
  ridgeback train --resume model          # continue after a crash or Ctrl-C, bit-identically
  ridgeback train data.csv --target y --config run.toml --out model

A run.toml holds the same options with underscores, e.g.  hidden = "128,64"  l2 = 1e-4
  epochs = 50  (top level or under [train]).
--checkpoint-every N writes OUT/checkpoint/ every N epochs (model, optimizer, RNG states,
epoch, shuffle position; atomically); Ctrl-C always writes one before exiting with 130.
"""

TUNE_EXAMPLES = """examples:
  ridgeback tune data.csv --target label --out run            # default search space, 5-fold CV
  ridgeback tune builtin:wine --target target --grid "l2=1e-6,1e-4,1e-2;dropout=0,0.2,0.5" --cv 3 --out run
  ridgeback tune data.csv --target y --n-iter 20 --n-jobs 2 --out run
  ridgeback tune data.csv --target y --scheduler tcp://10.0.0.5:8786 --out run
  ridgeback tune data.csv --target y --search halving --n-iter 27 --time-budget 300 --out run
  ridgeback tune data.csv --target y --search halving --n-iter 27 --out run --resume   # after a kill

--grid: "name=v1,v2,...;name=..." with names l1, l2, group_l1, dropout, input_dropout, max_norm,
lr, lr_schedule, beta_2, batch_size, epochs, hidden (sizes joined by 'x', e.g. hidden=64,128x64),
activation, normalization, numeric_embedding, periodic_sigma, label_smoothing, optimizer, scaling
(each candidate's folds scaled its own way) and ensemble (one value, as --ensemble: it is applied
after the search). Without --grid, the no-hints recipe sized to the data
(ridgeback.selection.recipe): successive halving over 27 random candidates (--n-iter), plus two
anchors near RealMLP-TD's defaults (one with --periodic-sigma 1, for thresholds), of L1/L2
strengths, dropout, label smoothing, depth (0 to 2 hidden layers: the linear model is a
candidate), width, activation, learning rate and numeric embeddings (periodic, or
piecewise-linear from 1,600 rows per fold), with Adam's beta_2 = 0.95 and the batch size and
epochs sized to the rows (your flags win: a flag for a searched parameter, such as
--dropout 0.5, fixes it for every candidate). Writes
RUNDIR/model.json + weights.npz (so that `ridgeback predict RUNDIR DATA` works), RUNDIR/run.json
and RUNDIR/report.html.
Every finished (candidate, fold, rung) fit is recorded in RUNDIR/search/ as it finishes: after a
kill or Ctrl-C (exit 130), the same command with --resume skips them and ends with the same model.
A finished search keeps there only the fits' scores and held-out predictions (the training states
that a resume continues from are deleted once nothing continues them).
"""


class _Version(argparse.Action):
    """``--version``: the version, and whether numba's compiled update or NumPy runs Adam (looked
    up only when asked: it imports numba)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from ..engine.fastpaths import backend

        print(f"ridgeback {__version__} (Adam's update: {backend() or 'NumPy'})")  # on stdout, as argparse's
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The ``ridgeback`` parser: one subcommand per command, each with its examples."""
    parser = _Parser(
        prog="ridgeback",
        formatter_class=_FORMATTER,
        description="Neural networks by explicit backpropagation, with L1, L2 and dropout "
        "tuned by cross-validation.",
        epilog="examples:\n  ridgeback demo\n  ridgeback datasets\n"
        "  ridgeback train builtin:iris --target target --out model\n"
        "  ridgeback predict model new.csv --out preds.csv\n\n" + help_line(),
    )
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="show the version and what runs Adam's update, and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add in (_add_train, _add_tune, _add_describe, _add_predict, _add_evaluate, _add_report, _add_export,
                _add_demo, _add_datasets):
        add(sub)
    return parser


def _add_train(sub):
    p = sub.add_parser(
        "train", help="train a model on a table", formatter_class=_FORMATTER, epilog=TRAIN_EXAMPLES
    )
    p.add_argument("data", metavar="DATA", nargs="?", help="CSV or Parquet file, or builtin:NAME")
    p.add_argument("--target", metavar="COL", help="name of the target column (required unless --resume)")
    _add_model_args(p)
    add_metric_arg(p, "what early stopping watches on the validation rows (default: the validation loss)")
    p.add_argument("--checkpoint-every", type=int, metavar="N", help="write a checkpoint every N epochs")
    p.add_argument("--resume", metavar="RUNDIR", help="resume the run saved in RUNDIR (its --out)")
    p.add_argument("--out", metavar="MODELDIR", help="directory to save the model to")
    _add_common(p)


def _add_tune(sub):
    p = sub.add_parser(
        "tune",
        help="cross-validated search over regularization",
        formatter_class=_FORMATTER,
        epilog=TUNE_EXAMPLES,
    )
    _add_data_args(p)
    _add_model_args(p)
    add_metric_arg(p, "the cross-validated score that picks the candidate "
                   "(default: neg_log_loss for classification, r2 for regression)")
    p.add_argument("--cv", type=int, default=5, metavar="K", help="folds (default 5)")
    p.add_argument("--grid", metavar="SPEC", help='e.g. "l2=1e-6,1e-4,1e-2;dropout=0,0.2,0.5"')
    p.add_argument("--n-iter", type=int, metavar="N", help="random search with N candidates")
    p.add_argument("--n-jobs", type=int, metavar="N", help="parallel workers (joblib)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run the folds on a Dask cluster")
    p.add_argument(
        "--refit",
        choices=("best", "1se"),
        default="best",
        help="refit the best candidate or the most regularized one within 1 SE (default best)",
    )
    p.add_argument(
        "--search",
        choices=("grid", "random", "halving"),
        help="grid (every --grid combination), random (--n-iter candidates) or halving: every "
        "candidate a few epochs, the best 1/ETA resumed for ETA times as many, up to --epochs "
        "(default: grid with --grid, else random)",
    )
    p.add_argument("--halving-factor", type=int, default=3, metavar="ETA", help="halving's ETA (default 3)")
    p.add_argument(
        "--time-budget",
        type=float,
        metavar="SECONDS",
        help="start no fit after SECONDS; the best candidate evaluated by then is refitted and saved "
        "(without --search and --grid, the search is then halving)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the search recorded in --out (same data and arguments), skipping finished fits",
    )
    p.add_argument(
        "--ensemble",
        choices=("none", "folds", "seeds", "blend"),
        help="folds: save the chosen candidate's cross-validation fold models, averaged, instead of "
        "a refit; 20%% of the rows are held out to measure its gain over a single refit. seeds: refit "
        "the chosen candidate on all rows with 5 seeds and save their average. blend (a halving "
        "search): weigh the best "
        "candidates and the linear baseline by greedy ensemble selection on their out-of-fold "
        "predictions, refit each on all rows (5 seeded refits shared by weight) and save the weighted "
        "average. Default: seeds without --grid and --time-budget, none otherwise",
    )
    p.add_argument("--out", required=True, metavar="RUNDIR", help="directory for the model and the report")
    _add_common(p)


def _add_describe(sub):
    p = sub.add_parser(
        "describe",
        help="show what would be done with each column of a table",
        formatter_class=_FORMATTER,
        epilog="examples:\n  ridgeback describe data.csv --target label\n"
        "  ridgeback describe data.csv --target y --categorical zip_code --drop notes\n\n"
        "Prints each column's role (numeric, categorical, text, datetime, id, drop), its number\n"
        "of distinct values, its share of missing values and what train and tune will do with it.",
    )
    _add_data_args(p)
    add_column_args(p)
    _add_common(p)


def _add_predict(sub):
    p = sub.add_parser(
        "predict",
        help="predict with a saved model",
        formatter_class=_FORMATTER,
        epilog="examples:\n  ridgeback predict model new.csv --out preds.csv\n"
        "  ridgeback predict run new.csv --out preds.csv --mc-samples 50\n\n"
        "Writes a 'prediction' column (original labels), class probabilities\n"
        "'proba_<label>'; with --mc-samples N the mean and standard deviation over N\n"
        "dropout masks ('mean_...' and 'std_...').",
    )
    p.add_argument("model", metavar="MODELDIR")
    p.add_argument("data", metavar="DATA")
    p.add_argument("--out", required=True, metavar="FILE", help="CSV file to write")
    p.add_argument("--mc-samples", type=int, metavar="N", help="Monte-Carlo dropout samples")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the dropout masks (default 0)")
    _add_common(p)


def _add_evaluate(sub):
    p = sub.add_parser(
        "evaluate",
        help="score a saved model on labelled data",
        formatter_class=_FORMATTER,
        epilog="examples:\n  ridgeback evaluate model test.csv --target label\n"
        "  ridgeback evaluate model test.csv --target y --json\n\n"
        "Classification: accuracy, log-loss, macro F1, ROC AUC (one-vs-rest for several classes),\n"
        "average precision (macro) and balanced accuracy. Regression: RMSE, MAE, R².\n"
        "--metric NAME also reports that scorer's value (higher is better) as `metric`/`score`.",
    )
    p.add_argument("model", metavar="MODELDIR")
    _add_data_args(p)
    add_metric_arg(p, "also report this scorer's value")
    _add_common(p)


def _add_report(sub):
    p = sub.add_parser(
        "report",
        help="re-render RUNDIR/report.html from RUNDIR/run.json",
        formatter_class=_FORMATTER,
        epilog="examples:\n  ridgeback report run",
    )
    p.add_argument("rundir", metavar="RUNDIR")
    _add_common(p)


def _add_export(sub):
    p = sub.add_parser(
        "export",
        help="export a saved model to ONNX",
        formatter_class=_FORMATTER,
        epilog="examples:\n  ridgeback export model --onnx model.onnx\n\n"
        "The graph takes the preprocessed float matrix (input 'input').",
    )
    p.add_argument("model", metavar="MODELDIR")
    p.add_argument("--onnx", required=True, metavar="FILE")
    _add_common(p)


def _add_demo(sub):
    p = sub.add_parser(
        "demo",
        help="L1/L2/dropout tuned on built-in digits, with a report",
        formatter_class=_FORMATTER,
        epilog="examples:\n  ridgeback demo\n  ridgeback demo --out demo-run --quiet\n\n"
        "No download; about a minute on two cores.",
    )
    p.add_argument("--out", default="demo-run", metavar="DIR", help="run directory (default demo-run)")
    p.add_argument("--seed", type=int, default=0, metavar="N")
    p.add_argument("--n-jobs", type=int, metavar="N")
    _add_common(p)


def _add_datasets(sub):
    p = sub.add_parser(
        "datasets",
        help="list the built-in datasets",
        formatter_class=_FORMATTER,
        epilog="examples:\n  ridgeback datasets\n"
        "  ridgeback train builtin:breast_cancer --target target --out model",
    )
    _add_common(p)


def _one_line(exc) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())


def main(argv=None) -> int:
    """Run the command line; return the exit code (the console script exits with it).

    Examples
    --------
    >>> main(["datasets", "--quiet"])  # doctest: +ELLIPSIS
    name...
    0
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(_one_line(exc), file=sys.stderr)
        return int(ExitCode.USAGE)
    if args.command is None:
        parser.print_help()
        return int(ExitCode.USAGE)
    return int(_run_command(args))


def _handler(command: str):
    """The function that runs ``command``, imported from its module only when asked."""
    if command == "train":
        from .train import cmd_train

        return cmd_train
    if command == "tune":
        from .tune import cmd_tune

        return cmd_tune
    if command == "demo":
        from .demo import run_demo

        return run_demo
    from . import commands

    return {
        "describe": commands.cmd_describe,
        "predict": commands.cmd_predict,
        "evaluate": commands.cmd_evaluate,
        "report": commands.cmd_report,
        "export": commands.cmd_export,
        "datasets": commands.cmd_datasets,
    }[command]


def _run_command(args) -> ExitCode:
    """Run the parsed command; errors the user can act on become one line on stderr and a code."""
    from ..engine.history import TrainingDiverged

    try:
        return _handler(args.command)(args)
    except TrainingDiverged as exc:
        print(f"ridgeback {args.command}: {_one_line(exc)}", file=sys.stderr)
        return ExitCode.DIVERGED
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): the work is done, stop writing without a traceback
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.OK
    except (
        ValueError,
        UsageError,
        FileNotFoundError,
        IsADirectoryError,
        NotADirectoryError,
        PermissionError,
        OSError,  # e.g. an unreachable --scheduler: say so in one line, no traceback
    ) as exc:
        print(f"ridgeback {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return ExitCode.USAGE
    except BaseException as exc:  # Ctrl-C, also one that surfaced as another exception (cli/interrupts.py)
        if not interrupted(exc):
            raise
        print(f"ridgeback {args.command}: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
