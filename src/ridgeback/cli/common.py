"""Command-line helpers: settings from flags and ``--config``, ``--grid`` parsing, output."""

from __future__ import annotations

import json
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

from ..estimators.hyperparams import cli_parameters, parse_hidden, searchable, task_parameters

#: CLI option (also TOML key) -> estimator parameter, and the CLI's defaults where they differ
#: from the estimator's: both from the hyper-parameter table
OPTIONS = {row.option: row.name for row in cli_parameters()}
_CHOICE_ROWS = {row.option: row for row in cli_parameters() if row.kind == "choice"}
_ROW_DEFAULTS = {row.name: row.default for row in cli_parameters()}
DEFAULTS = {row.option: row.cli_default for row in cli_parameters() if row.cli_default is not None}
#: --drop, --categorical, --numeric, --datetime, --id, --entity: the Preprocessor's column-role overrides
COLUMN_OPTIONS = ("drop", "categorical", "numeric", "datetime", "id", "entity")
#: --scaling: how the Preprocessor scales numeric columns, and its default
SCALING_DEFAULT = "standard"
#: options read from flags or TOML keys that are no estimator parameter (--ensemble: tune's)
CONFIG_ONLY = ("task", "ensemble", "metric", "scaling", "drop_missing_target", *COLUMN_OPTIONS)


def column_list(text: str) -> list:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``: a COL[,COL] option's column names."""
    return [c.strip() for c in text.split(",") if c.strip()]


def add_column_args(p) -> None:
    """The column-role overrides; each takes COL[,COL] and may be repeated."""
    g = p.add_argument_group("column roles (default: inferred; see `ridgeback describe`)")
    helps = {"drop": "leave these columns out", "categorical": "one-hot encode these columns",
             "numeric": "read these as numbers (text that is not a number becomes missing)",
             "datetime": "read these as dates (year, month, weekday, hour, epoch)",
             "id": "these are identifiers: leave them out",
             "entity": "these identify an entity seen in several rows (a person, a customer): encode each "
                       "level by its mean target, out of fold"}
    for option, text in helps.items():
        g.add_argument(f"--{option}", action="extend", type=column_list, metavar="COL[,COL]", help=text)


def add_scaling_arg(p) -> None:
    """``--scaling standard|robust|quantile``: the Preprocessor's scaling of numeric columns (TOML
    key ``scaling``)."""
    from ..tabular.scalings import SCALINGS

    p.add_argument("--scaling", choices=SCALINGS,
                   help=f"how numeric columns are scaled (default: {SCALING_DEFAULT}): 'standard' subtracts "
                        "the mean and divides by the standard deviation; 'robust' subtracts the median, "
                        "divides by the interquartile range, then clips smoothly, z / sqrt(1 + (z/3)^2), "
                        "so that outliers stay within about +-3; 'quantile' maps each value's rank among "
                        "the training rows onto a standard normal, so that skewed columns spread out")


def add_metric_arg(p, text: str) -> None:
    """``--metric NAME``: a metric of :mod:`ridgeback.metrics` (checked by the command, so that an
    unknown name exits 2 with the list of valid ones)."""
    from ..metrics import METRICS

    p.add_argument("--metric", metavar="NAME", help=f"{text}; one of {', '.join(METRICS)}")


def resolve_metric(settings: dict, task: str, default=None):
    """The run's metric: --metric (or the TOML key), else ``default``; checked against the task."""
    from ..metrics import check_metric

    name = settings.get("metric", default)
    return None if name is None else check_metric(name, task)


def make_preprocessor(settings: dict):
    """A Preprocessor with the column-role overrides and the scaling of the settings (flags or TOML keys)."""
    from ..tabular.preprocessing import Preprocessor
    from ..tabular.scalings import SCALINGS

    scaling = settings.get("scaling", SCALING_DEFAULT)
    if scaling not in SCALINGS:
        raise ValueError(f"`scaling` must be one of {list(SCALINGS)}. Received: scaling={scaling!r}")

    overrides = {}
    for option in COLUMN_OPTIONS:
        value = settings.get(option)
        if value is None:
            continue
        if isinstance(value, str):
            value = column_list(value)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"`{option}` must be a list of column names or a string COL[,COL]. "
                             f"Received: {option}={value!r}")
        overrides[option] = value
    # not flags: `tune` decides them (cli/column_roles), the column flags override them
    return Preprocessor(scaling=scaling, group_codes=bool(settings.get("group_codes", True)),
                        text_left_out=settings.get("text_left_out"),
                        many_levels=bool(settings.get("many_levels", True)),
                        entities=bool(settings.get("entities", True)),
                        periods=bool(settings.get("periods", True)),
                        value_counts=bool(settings.get("value_counts", True)), **overrides)


def add_hyperparameter_args(group) -> None:
    """One flag per command-line row of the hyper-parameter table (``--lr``, ``--l2``...)."""
    for row in cli_parameters():
        if row.kind == "choice":
            group.add_argument(row.flag, choices=row.choices, help=row.help.replace("%", "%%"))
        else:
            kind = {"float": float, "int": int}.get(row.kind)
            group.add_argument(row.flag, type=kind, metavar=row.metavar, help=row.help.replace("%", "%%"))


def read_config(path) -> dict:
    """The options in a TOML file (top level, or the ``[train]`` / ``[tune]`` tables merged over it)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise ValueError(
                f"Reading --config needs Python >= 3.11 or the tomli package (pip install tomli). "
                f"Received: config={str(path)!r}"
            ) from None
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"The config file does not exist. Received: config={str(path)!r}")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"The config file is not valid TOML: {exc}. Received: config={str(path)!r}"
        ) from None
    flat = {k: v for k, v in doc.items() if not isinstance(v, dict)}
    for section in ("train", "tune"):
        if isinstance(doc.get(section), dict):
            flat.update(doc[section])
    out = {}
    for key, value in flat.items():
        norm = key.replace("-", "_")
        if norm not in OPTIONS and norm not in CONFIG_ONLY:
            raise ValueError(
                f"Unknown option {key!r} in the config file; expected one of "
                f"{sorted(OPTIONS) + list(CONFIG_ONLY)}. Received: {key}={value!r}"
            )
        out[norm] = value
    return out


def user_settings(args) -> dict:
    """CLI option -> value, for the options the user set: the flag when given, else the
    --config value (no defaults)."""
    config = read_config(args.config) if getattr(args, "config", None) else {}
    settings = {}
    for option in (*OPTIONS, *CONFIG_ONLY):
        value = getattr(args, option, None)
        if value is None:
            value = config.get(option)
        if value is not None:
            settings[option] = value
    return settings


def resolve_settings(args, defaults=None) -> dict:
    """CLI option -> value: the flag when given, else the --config value, else the CLI default."""
    given = user_settings(args)
    defaults = {**DEFAULTS, "scaling": SCALING_DEFAULT, **(defaults or {})}
    settings = {}
    for option in (*OPTIONS, *CONFIG_ONLY):
        value = given.get(option, defaults.get(option))
        if value is not None:
            settings[option] = value
    return settings


def estimator_params(settings: dict) -> dict:
    """Estimator keyword arguments from CLI settings (bad values are reported by the estimator's checks)."""
    params = {}
    for option, value in settings.items():
        if option not in OPTIONS:
            continue
        if option == "hidden":
            value = parse_hidden(value)
        if option in _CHOICE_ROWS and isinstance(value, str):  # "none" -> None (--normalization none)
            value = _CHOICE_ROWS[option].parse(value)
        if option == "early_stopping":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(
                    f"`early-stopping` must be a patience in epochs >= 0 (0 turns it off). "
                    f"Received: early_stopping={value!r}"
                )
            params["early_stopping"] = value > 0
            if value == 0:
                continue
        params[OPTIONS[option]] = value
    if "batch_size" in params and isinstance(params["batch_size"], int) and params["batch_size"] < 1:
        raise ValueError(f"`batch-size` must be an integer >= 1. Received: batch_size={params['batch_size']}")
    return params


def make_estimator(task: str, params: dict):
    from ..estimators.classifier import MLPClassifier
    from ..estimators.regressor import MLPRegressor

    cls = MLPClassifier if task == "classification" else MLPRegressor
    own = task_parameters(task)
    for name in [n for n in params if n not in own]:  # another task's keyword (label_smoothing)
        if params[name] != _ROW_DEFAULTS.get(name):
            other = "regression" if task == "classification" else "classification"
            raise ValueError(f"`{name}` applies to {other} only; this is a {task} task. "
                             f"Received: {name}={params[name]!r}")
        params = {k: v for k, v in params.items() if k != name}
    estimator = cls(**params)
    estimator.checked_params()  # fail on a bad value before any file is read further or written
    return estimator


def parse_grid(spec: str) -> dict:
    """``"l2=1e-6,1e-4;dropout=0,0.5"`` -> ``{"l2": [1e-6, 1e-4], "dropout": [0.0, 0.5]}``.

    Examples
    --------
    >>> parse_grid("l2=1e-6,1e-4; hidden=64,128x64")
    {'l2': [1e-06, 0.0001], 'hidden_layer_sizes': [(64,), (128, 64)]}
    """
    grid = {}
    for part in spec.split(";"):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(
                f"Each --grid entry must look like name=v1,v2. Received: grid entry={part.strip()!r}"
            )
        name, values = (s.strip() for s in part.split("=", 1))
        names = searchable()
        key = name.replace("-", "_")
        choices = _setting_choices()
        row = names.get(key)
        if row is None and key not in choices:
            raise ValueError(
                f"Unknown --grid parameter {name!r}; expected one of {sorted([*names, *choices])}. "
                f"Received: grid name={name!r}"
            )
        key = row.name if row is not None else key
        if key in grid:
            raise ValueError(f"--grid names {name!r} twice. Received: grid={spec!r}")
        items = [v.strip() for v in values.split(",")]
        if not values.strip() or any(not v for v in items):
            raise ValueError(
                f"--grid {name!r} needs a comma-separated list of values. Received: {name}={values!r}"
            )
        if row is None:  # a setting of the run's, not the network's: one of its choices
            bad = [item for item in items if item not in choices[key]]
            if bad:
                raise ValueError(f"--grid {name!r} takes {', '.join(map(repr, choices[key]))}. "
                                 f"Received: {key}={bad[0]!r}")
            grid[key] = items
            continue
        grid[key] = [_grid_value(row, name, item) for item in items]
    if not grid:
        raise ValueError(
            f'--grid must name at least one parameter, e.g. "l2=1e-4,1e-2". Received: grid={spec!r}'
        )
    return grid


def _setting_choices() -> dict:
    """--grid names that are not the network's parameters, with their choices: the
    preprocessing's (searched per candidate: ``search_helpers.PREPROCESSING_GRID``) and
    ``ensemble`` (how the chosen candidate becomes the saved model: one value only, which
    ``tune`` takes as --ensemble)."""
    from ..tabular.scalings import SCALINGS
    from .ensembles import ENSEMBLE_CHOICES

    return {"scaling": SCALINGS, "ensemble": ENSEMBLE_CHOICES}


def _grid_value(row, name: str, item: str):
    try:
        return row.parse(item)
    except ValueError as exc:
        if "Received" in str(exc):
            raise
        raise ValueError(
            f"--grid {name!r} value {item!r} is not a number. Received: {name}={item!r}"
        ) from None


def load_data(source, quiet=False):
    """The table at ``source``; what the reader warns of (a file read as Windows-1252) is a
    one-line note on stderr."""
    from ..tabular.data import read_table

    with notes_on_stderr(quiet):
        return read_table(str(source))


def load_table(source, target, task=None, quiet=False, drop_missing_target=False):
    """``(df, X, y)``: the table at ``source`` (:func:`load_data`) and its features and
    ``target`` (:func:`~ridgeback.tabular.target.split_target`, the ``task`` given or inferred);
    what reading the target warns of (classes spelled several ways) is a one-line note. With
    ``drop_missing_target`` the rows without a target value are left out, and a note says how
    many (else they are refused, by row)."""
    from ..tabular.target import split_target

    df = load_data(source, quiet)
    if drop_missing_target not in (None, False, True):
        raise ValueError(f"`drop_missing_target` must be true or false. "
                         f"Received: drop_missing_target={drop_missing_target!r}")
    if drop_missing_target and target in df.columns and not isinstance(df[target], type(df)):
        missing = df[target].isna().to_numpy()
        if missing.any() and not missing.all():  # none left: split_target says the table has no rows
            df = df.loc[~missing].reset_index(drop=True)
            if not quiet:
                print(f"note: left out {int(missing.sum())} of {missing.size} rows without a value in the "
                      f"target column {target!r} (--drop-missing-target)", file=sys.stderr)
    with notes_on_stderr(quiet):
        X, y = split_target(df, target, task=task)
    return df, X, y


def leak_check(settings: dict, X, y, task: str, target: str, quiet: bool = False, seed: int = 0):
    """``(found, note)``: the columns of ``X`` that restate the target
    (:func:`~ridgeback.tabular.leaks.restating_columns`), without those the user drops or names
    as identifiers (--drop, --id), and the one-line note (None when none does), said on stderr
    at once unless ``quiet``: before any fitting, since it makes every score meaningless."""
    from ..tabular.leaks import leak_note, restating_columns

    left_out = set()
    for option in ("drop", "id"):
        value = settings.get(option) or []
        left_out.update(column_list(value) if isinstance(value, str) else value)
    found = restating_columns(X[[c for c in X.columns if c not in left_out]], y, task, seed)
    note = leak_note(found, target)
    if note and not quiet:
        print(f"note: {note}", file=sys.stderr, flush=True)
    return found, note


@contextmanager
def notes_on_stderr(quiet: bool):
    """Turn Python warnings raised inside into one-line notes on stderr (never a multi-line warning);
    the list it yields receives the counts of unseen values (for ``warnings`` in --json)."""
    from ..tabular.limits import UnseenValuesWarning

    notes = []  # the unseen values' counts, for `warnings` in --json
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield notes
    seen = set()
    for w in caught:
        if issubclass(w.category, DeprecationWarning):
            continue
        if isinstance(w.message, UnseenValuesWarning):
            notes.append({"kind": "unseen values", "counts": w.message.counts})
        text = " ".join(str(w.message).split())
        if text not in seen and not quiet:
            print(f"note: {text}", file=sys.stderr)
        seen.add(text)


def emit(args, payload: dict, text: str) -> None:
    """Print ``payload`` as JSON with --json, else ``text``."""
    if getattr(args, "json", False):
        print(json.dumps(payload, indent=1, default=str, allow_nan=True))
    else:
        print(text)


def format_table(rows: list, columns: list) -> str:
    """A plain fixed-width table: ``columns`` are (header, key, format) triples."""
    cells = [[h for h, _, _ in columns]]
    for row in rows:
        out = []
        for _, key, fmt in columns:
            value = row.get(key)
            out.append("-" if value is None else (fmt.format(value) if fmt else str(value)))
        cells.append(out)
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
