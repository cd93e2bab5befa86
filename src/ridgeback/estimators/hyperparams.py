"""The hyper-parameter table: one row per parameter of :class:`MLPClassifier` / :class:`MLPRegressor`.

Every place that names a hyper-parameter reads it from here, so adding one means adding a row
(and the keyword to the estimators' ``__init__``, which scikit-learn requires to be explicit):

* the estimators' validation (``_parameter_constraints``, checked once at the start of ``fit``);
* the command line: the flag (``--lr``), its parser, choices and help, the TOML key and the
  ``--grid`` name (``lr`` or ``learning_rate``) all come from :attr:`HyperParameter.option`;
* the report: a parameter's label and whether its axis is logarithmic;
* model selection: which parameters regularize (and in which direction, for the
  one-standard-error rule) and which may differ between candidates trained in lockstep.

Examples
--------
>>> from ridgeback.estimators.hyperparams import PARAMETERS, by_option
>>> PARAMETERS["learning_rate"].option, by_option("lr").name
('lr', 'learning_rate')
>>> PARAMETERS["optimizer"].choices
('sgd', 'adam', 'adamw', 'rmsprop')
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._util.validation import (
    check_int,
    check_nonnegative,
    check_one_of,
    check_positive,
    check_rate,
    resolve_dtype,
)
from ..engine.network import ACTIVATIONS, NORMALIZATIONS
from ..engine.optimizers import OPTIMIZERS
from ..engine.schedules import SCHEDULES
from ..metrics import METRICS

__all__ = ["HyperParameter", "PARAMETERS", "SCALE_TARGET", "CLIP_PREDICTIONS", "LABEL_SMOOTHING",
           "CLASS_WEIGHT", "NUMERIC_EMBEDDINGS", "task_parameters", "by_option", "cli_parameters",
           "searchable", "lockstep_free", "regularizing", "label", "parse_hidden", "check_boolean"]


# ---------------------------------------------------------------- checks: (name, value) -> value
def check_hidden_sizes(name, value):
    sizes = (value,) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else value
    try:
        sizes = tuple(sizes)
    except TypeError:
        raise ValueError(f"`{name}` must be a tuple of positive integers. "
                         f"Received: {name}={value!r}") from None
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1:
            raise ValueError(f"`{name}` must be a tuple of positive integers. Received: {name}={value!r}")
    return tuple(int(s) for s in sizes)


def check_boolean(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"`{name}` must be True or False. Received: {name}={value!r}")
    return bool(value)


def _optional_positive(name, value):
    return None if value is None else check_positive(name, value)


def _fraction(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ValueError(f"`{name}` must be a number in (0, 1). Received: {name}={value!r}")
    return float(value)


def _random_state(name, value):
    if value is None or isinstance(value, (np.random.Generator, np.random.RandomState)):
        return value
    return check_int(name, value, minimum=0)


def _scoring(name, value):
    if not isinstance(value, str) or (value != "loss" and value not in METRICS):
        raise ValueError(f"`{name}` must be 'loss' or one of {', '.join(METRICS)}. "
                         f"Received: {name}={value!r}")
    return value


def _dtype(name, value):
    return resolve_dtype(value)


def _smoothing(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"`{name}` must be a number in [0, 1). Received: {name}={value!r}")
    return float(value)


def _beta(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"`{name}` must be a number in [0, 1) (Adam's second-moment decay). "
                         f"Received: {name}={value!r}")
    return float(value)


def _optional_choice(options):
    """None or one of ``options`` (the command line writes None as ``none``)."""
    def check(name, value):
        return check_one_of(name, value, (None, *options))

    return check


def _parse_optional_choice(text):
    """``"none"`` -> None, else the text lower-cased (the row's check decides if it is allowed)."""
    if text is None:
        return None
    text = str(text).strip()
    return None if text.lower() == "none" else text.lower()


def _choice(options):
    def check(name, value):
        return check_one_of(name, value, options)

    return check


def _int_at_least(minimum):
    def check(name, value):
        return check_int(name, value, minimum=minimum)

    return check


# ---------------------------------------------------------------- text parsers (CLI flags, --grid, TOML)
def parse_hidden(text, name="hidden"):
    """``"128,64"`` (or ``"128x64"``) -> (128, 64); ``""``/``"none"`` -> () (a linear model)."""
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if isinstance(text, (list, tuple)):
        text = ",".join(str(t) for t in text)
    if not isinstance(text, str):
        raise ValueError(f"`{name}` must be layer widths like 128,64. Received: {name}={text!r}")
    if text.strip().lower() in ("", "none"):
        return ()
    sizes = []
    for part in text.replace("x", ",").split(","):
        try:
            size = int(part)
        except ValueError:
            raise ValueError(
                f"`{name}` must be positive integers separated by commas, e.g. 128,64. "
                f"Received: {name}={text!r}"
            ) from None
        if size < 1:
            raise ValueError(
                f"`{name}` must hold layer widths >= 1; a hidden size of {size} is not allowed. "
                f"Received: {name}={text!r}"
            )
        sizes.append(size)
    return tuple(sizes)


def _optional_float(text: str):
    return None if text.strip().lower() == "none" else float(text)


#: ``numeric_embedding`` choices: ``"periodic"`` puts a PeriodicEmbedding in front of the network,
#: ``"ple"`` a PiecewiseLinearEmbedding on the training columns' quantile bins
NUMERIC_EMBEDDINGS = ("periodic", "ple")


@dataclass(frozen=True)
class HyperParameter:
    """One hyper-parameter: its check, its command-line face and what it means to a search.

    Attributes
    ----------
    name : str
        The estimator's keyword (``"learning_rate"``).
    default
        The estimators' default (their ``__init__`` must agree; a test checks it).
    check : callable
        ``check(name, value) -> value``: raises ``ValueError`` naming the parameter and the
        received value, returns the normalized value.
    help : str
        One line for ``--help`` and the docs.
    label : str
        How the report names it.
    option : str or None
        The command-line option with underscores (``"lr"`` gives ``--lr``, TOML key ``lr``,
        ``--grid`` names ``lr`` and ``learning_rate``); None: not on the command line.
    parse : callable
        Text (a flag's, a ``--grid`` value's) -> value.
    kind : {"float", "int", "choice", "sizes", "text"}
        How the command line reads it (``choices`` for ``"choice"``).
    choices : tuple or None
    cli_default
        The command line's default where it differs from the estimator's (None: the estimator's).
    metavar : str
    searchable : bool
        May be a ``--grid`` name.
    log_scale : bool
        Values are compared on a log scale (report axes, random search ranges).
    lockstep : bool
        Candidates that differ only in such parameters may be trained together in lockstep:
        each keeps its own network, penalties and dropout masks (see :mod:`ridgeback.engine.lockstep`).
    regularizes : {1, -1, 0}
        1: larger values regularize more (``l2``); -1: smaller values do (``max_norm``, layer
        sizes); 0: neither. The one-standard-error rule ranks candidates by it.
    task : {None, "classification", "regression"}
        A keyword of one estimator only (``label_smoothing``: the classifier's; ``scale_target``:
        the regressor's); None: both.
    """

    name: str
    default: Any
    check: Callable[[str, Any], Any]
    help: str
    label: str
    option: str | None = None
    parse: Callable[[str], Any] = float
    kind: str = "float"
    choices: tuple | None = None
    cli_default: Any = None
    metavar: str = "X"
    searchable: bool = False
    log_scale: bool = False
    lockstep: bool = False
    regularizes: int = 0
    task: str | None = None

    @property
    def flag(self) -> str | None:
        """``"--lr"`` for option ``"lr"``; None when not on the command line."""
        return None if self.option is None else "--" + self.option.replace("_", "-")

    @property
    def grid_names(self) -> tuple:
        """Names ``--grid`` accepts for it: the option and the estimator's keyword."""
        if not self.searchable:
            return ()
        return tuple(dict.fromkeys((self.option, self.name)))


_ROWS = (
    HyperParameter("hidden_layer_sizes", (100,), check_hidden_sizes,
                   "hidden layer widths, e.g. 128,64 (default 64)", "hidden layer sizes",
                   option="hidden", parse=parse_hidden, kind="sizes", cli_default="64", metavar="SIZES",
                   searchable=True, lockstep=True, regularizes=-1),
    HyperParameter("activation", "relu", _choice(tuple(ACTIVATIONS)), "activation of the hidden layers",
                   "activation", option="activation", parse=str, kind="choice", choices=tuple(ACTIVATIONS),
                   searchable=True, lockstep=True),
    HyperParameter("l1", 0.0, check_nonnegative, "L1 strength on every weight (proximal: exact zeros)",
                   "L1 strength λ₁", option="l1", searchable=True, log_scale=True, lockstep=True,
                   regularizes=1),
    HyperParameter("l2", 0.0, check_nonnegative, "L2 strength on every weight", "L2 strength λ₂",
                   option="l2", searchable=True, log_scale=True, lockstep=True, regularizes=1),
    HyperParameter("group_l1", 0.0, check_nonnegative, "group lasso on the inputs (removes features)",
                   "group-L1 strength", option="group_l1", searchable=True, log_scale=True, lockstep=True,
                   regularizes=1),
    HyperParameter("dropout", 0.0, check_rate, "dropout rate after each hidden layer, in [0, 1)",
                   "dropout rate", option="dropout", searchable=True, lockstep=True, regularizes=1),
    HyperParameter("input_dropout", 0.0, check_rate, "dropout rate on the inputs, in [0, 1)",
                   "input dropout rate", option="input_dropout", searchable=True, lockstep=True,
                   regularizes=1),
    HyperParameter("max_norm", None, _optional_positive, "max-norm constraint on each unit's weights",
                   "max-norm", option="max_norm", parse=_optional_float, metavar="C", searchable=True,
                   lockstep=True, regularizes=-1),
    # BatchNorm splits the rows differently (a last one-row batch is merged) and is not
    # lockstep-free; a network with or without LayerNorm could be, but one flag per row
    HyperParameter("normalization", None, _optional_choice(tuple(NORMALIZATIONS)),
                   "normalization after each hidden Dense layer: none, batch or layer", "normalization",
                   option="normalization", parse=_parse_optional_choice, kind="choice",
                   choices=("none", *NORMALIZATIONS), searchable=True),
    HyperParameter("numeric_embedding", None, _optional_choice(NUMERIC_EMBEDDINGS),
                   "embed each input column first: none, periodic or ple (piecewise-linear)",
                   "numeric embedding",
                   option="numeric_embedding", parse=_parse_optional_choice, kind="choice",
                   choices=("none", *NUMERIC_EMBEDDINGS), searchable=True, lockstep=True),
    HyperParameter("periodic_sigma", 0.1, check_positive,
                   "initial frequency scale of the periodic embedding (default 0.1; larger: wigglier)",
                   "periodic embedding σ", option="periodic_sigma", searchable=True, log_scale=True,
                   lockstep=True),
    HyperParameter("optimizer", "adam", _choice(tuple(OPTIMIZERS)), "the optimizer", "optimizer",
                   option="optimizer", parse=str, kind="choice", choices=tuple(OPTIMIZERS), searchable=True),
    HyperParameter("learning_rate", 1e-3, check_positive, "learning rate (default 1e-3)", "learning rate",
                   option="lr", cli_default=1e-3, searchable=True, log_scale=True),
    # the schedule and beta_2 change the optimizer that lockstep candidates share: not lockstep-free
    HyperParameter("lr_schedule", "constant", _choice(tuple(SCHEDULES)),
                   "learning-rate schedule, per step (default constant)", "learning-rate schedule",
                   option="lr_schedule", parse=str, kind="choice", choices=tuple(SCHEDULES), searchable=True),
    HyperParameter("beta_2", 0.999, _beta, "Adam's second-moment decay β2 (default 0.999)", "Adam β2",
                   option="beta_2", searchable=True),
    HyperParameter("max_epochs", 200, check_int, "maximum epochs (default 100; 50 for tune)", "epochs",
                   option="epochs", parse=int, kind="int", cli_default=100, metavar="N", searchable=True),
    HyperParameter("batch_size", 32, check_int, "minibatch size (default 32)", "batch size",
                   option="batch_size", parse=int, kind="int", cli_default=32, metavar="N", searchable=True),
    HyperParameter("early_stopping", True, check_boolean, "hold out a validation split and stop early",
                   "early stopping"),
    HyperParameter("validation_fraction", 0.1, _fraction, "share of rows held out for early stopping",
                   "validation fraction"),
    HyperParameter("patience", 10, _int_at_least(0),
                   "patience in epochs on a 10% validation split (default 10; 0 turns it off)", "patience",
                   option="early_stopping", parse=int, kind="int", metavar="N"),
    HyperParameter("random_state", None, _random_state,
                   "random seed (default 0): same seed, same model", "seed",
                   option="seed", parse=int, kind="int", cli_default=0, metavar="N"),
    HyperParameter("weight_decay", 0.0, check_nonnegative,
                   "the optimizer's weight decay (decoupled for adamw)", "weight decay", log_scale=True,
                   regularizes=1),
    HyperParameter("momentum", 0.0, check_nonnegative, "momentum of sgd and rmsprop", "momentum"),
    HyperParameter("dropout_scale", "inverted", _choice(("inverted", "inference")),
                   "where dropout's 1/(1-p) scaling happens", "dropout scaling", lockstep=True),
    HyperParameter("l1_proximal", True, check_boolean, "L1 as a proximal step (exact zeros)",
                   "proximal L1", lockstep=True),
    HyperParameter("tol", 1e-4, check_nonnegative, "minimum validation-loss improvement", "tolerance"),
    HyperParameter("scoring", "loss", _scoring,
                   "what early stopping watches on the validation rows: 'loss' or a metric (--metric)",
                   "early-stopping metric"),
    HyperParameter("dtype", "float32", _dtype, "float32 or float64", "dtype"),
    HyperParameter("warm_start", False, check_boolean, "start from the previous fit's weights",
                   "warm start"),
    HyperParameter("verbose", 0, _int_at_least(0), "one line per epoch when > 0", "verbose"),
)

#: estimator keyword -> row, in the estimators' signature order
PARAMETERS: dict[str, HyperParameter] = {row.name: row for row in _ROWS}

#: :class:`MLPRegressor` only
SCALE_TARGET = HyperParameter("scale_target", True, check_boolean,
                              "standardize the target for training", "target scaling", task="regression")
#: :class:`MLPRegressor` only: predictions kept inside the training target's range
CLIP_PREDICTIONS = HyperParameter("clip_predictions", True, check_boolean,
                                  "clip predictions to the training target's range", "prediction clip",
                                  task="regression")

#: :class:`MLPClassifier` only; candidates may differ in it in lockstep (each has its own loss)
LABEL_SMOOTHING = HyperParameter("label_smoothing", 0.0, _smoothing,
                                 "label smoothing of the cross-entropy, in [0, 1) (classification)",
                                 "label smoothing", option="label_smoothing", searchable=True, lockstep=True,
                                 regularizes=1, task="classification")

def check_class_weight(name, value):
    """None, ``"balanced"`` or a dict class label -> weight >= 0 (scikit-learn's meanings)."""
    if value is None or (isinstance(value, str) and value == "balanced"):
        return value
    if isinstance(value, dict) and all(
            isinstance(w, numbers.Real) and not isinstance(w, bool) and np.isfinite(w) and w >= 0
            for w in value.values()):
        return dict(value)
    raise ValueError(f"`{name}` must be None, 'balanced' or a dict of class label -> weight >= 0. "
                     f"Received: {name}={value!r}")


#: :class:`MLPClassifier` only; the command line takes ``--class-weight balanced``
CLASS_WEIGHT = HyperParameter("class_weight", None, check_class_weight,
                              "weigh classes: 'balanced' weighs each class by n / (k * its count)",
                              "class weights", option="class_weight", parse=str, kind="choice",
                              choices=("balanced",), task="classification")


#: every row: the shared ones, then those of one estimator
_ALL_ROWS = (*_ROWS, LABEL_SMOOTHING, CLASS_WEIGHT, SCALE_TARGET, CLIP_PREDICTIONS)


def task_parameters(task: str) -> dict[str, HyperParameter]:
    """Keyword -> row of the estimator for ``task`` ("classification" or "regression")."""
    return {**PARAMETERS, **{row.name: row for row in _ALL_ROWS if row.task == task}}


def by_option(option: str) -> HyperParameter | None:
    """The row whose command-line option or ``--grid`` name is ``option`` (dashes allowed)."""
    key = option.replace("-", "_")
    for row in _ALL_ROWS:
        if key == row.option or key in row.grid_names:
            return row
    return None


def cli_parameters() -> list[HyperParameter]:
    """Rows with a command-line option, in ``--help`` order."""
    return [row for row in _ALL_ROWS if row.option is not None]


def searchable() -> dict[str, HyperParameter]:
    """``--grid`` name -> row (both the option and the keyword)."""
    return {name: row for row in _ALL_ROWS for name in row.grid_names}


def lockstep_free() -> tuple:
    """Keywords in which candidates may differ and still be trained together."""
    return tuple(row.name for row in _ALL_ROWS if row.lockstep)


def regularizing() -> dict[str, int]:
    """Keyword -> direction (1: larger regularizes more; -1: smaller does), for the 1-SE rule."""
    return {row.name: row.regularizes for row in _ALL_ROWS if row.regularizes}


def _base(name: str) -> str:
    """A grid key without its pipeline prefix (``"mlp__l2"`` -> ``"l2"``)."""
    return name.rsplit("__", 1)[-1]


def label(name: str) -> str:
    """The report's label for a parameter (pipeline prefixes ignored; unknown names as they are)."""
    row = PARAMETERS.get(_base(name)) or by_option(_base(name)) or (
        CLASS_WEIGHT if _base(name) == CLASS_WEIGHT.name else None)
    return name if row is None else row.label


def is_log_scale(name: str) -> bool:
    """Whether a parameter's values are compared on a log scale (pipeline prefixes ignored)."""
    row = PARAMETERS.get(_base(name)) or by_option(_base(name))
    return row is not None and row.log_scale
