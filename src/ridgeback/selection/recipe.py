r"""The no-hints search: what ``ridgeback tune`` tries when it is told nothing, sized to the data.

A user who runs ``ridgeback tune data.csv --target y`` gets :func:`default_recipe`: training
settings that apply to every candidate and to the refit (``settings``, below any flag or TOML
key the user gives), and a space of candidates (``grid``) searched at random by successive
halving over epochs (:mod:`ridgeback.selection.halving`), so that many candidates are tried
briefly and only the best are trained long. Every choice is measured in
``benchmarks/QUALITY.md``; the reasons, in short:

* **A linear candidate** (``hidden_layer_sizes=()``: logistic or ridge regression trained by
  the same engine, with the same penalties). On small or nearly linear tables no network
  beats it, and without it the search could only pick a noisier model.
* **Widths 64 to 256, one or two hidden layers**, so that signal-like data (many weakly
  informative, ordered features) can be expressed; the width is capped for small tables.
* **Numeric embeddings** may be chosen: periodic (:class:`~ridgeback.PeriodicEmbedding`;
  RealMLP-TD's ablation credits them with a fifth of the error on regression) and, from
  ``PLE_MIN_ROWS`` rows per fold (100 for each of its 16 bins), piecewise-linear over quantile
  bins (:class:`~ridgeback.PiecewiseLinearEmbedding`: the thresholds a tree splits on, on the
  tables where boosting otherwise beats MLPs).
* **Two anchors besides the random draw** (:func:`anchor`): RealMLP-TD's defaults as near as
  the grid allows, so that a strong combination is never left to chance (27 draws from this
  space rarely hold it; on MNIST-1D it is worth several points of accuracy), once with the
  periodic embedding's smooth initial frequencies and once with frequencies ten times larger,
  whose features follow a tree's thresholds (``THRESHOLD_SIGMA``).
* **Adam with** :math:`\beta_2 = 0.95` (RealMLP-TD; +2% / +23% error with 0.999 in its
  ablation), learning rates :math:`10^{-3}` to :math:`10^{-2}`, SiLU/Mish/ReLU, at a constant
  rate: a cosine or RealMLP-TD's multi-cycle schedule measured worse on 13 tables, as early
  stopping and halving's rungs end fits long before a schedule decays.
* **Regularization searched, not fixed**: L2 and L1 strengths, dropout and, for classifiers,
  label smoothing; the one-standard-error rule can then prefer the more regularized model.
  Label smoothing is left out when the classes are so unequal that it would move the rarest
  class's mean target by more than a quarter (:func:`smoothing_shift`): the search selects by
  log-loss, which such a shift spoils for every smoothed candidate (measured on imbalanced
  tables, where all of them ranked last and took half the draws).
* **After the search** (``ridgeback tune``): the linear baseline, scored on the same folds, is
  saved instead when no network candidate beats it; otherwise the chosen network is refitted on
  all rows with 5 seeds and the average saved (``--ensemble seeds``), which measured better
  than one refit on every table tried. On a regression where the two are within one standard
  error of each other, the seeded networks and the linear model are averaged half and half
  (:func:`~ridgeback.selection.rules.baseline_choice`).
* **Batch size sized to the rows**:
  :math:`\operatorname{clip}(2^{\operatorname{round}(\log_2(n/32))}, 32, 256)`
  (about 32 steps per epoch), and a longer budget on small tables, where an epoch is cheap.

Examples
--------
>>> r = default_recipe(n_rows=300, n_features=8, task="regression")
>>> r.search, r.settings["batch_size"], () in r.grid["hidden_layer_sizes"]
('halving', 32, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from .._util.validation import check_int
from ..estimators.hyperparams import PARAMETERS

__all__ = ["Recipe", "default_recipe", "anchor", "data_batch_size", "data_epochs", "smoothing_shift",
           "PLE_MIN_ROWS", "LABEL_SMOOTHING", "MAX_SMOOTHING_SHIFT", "THRESHOLD_SIGMA",
           "PERIODIC_SIGMA"]

#: rows a fold trains on from which piecewise-linear embeddings are searched: 100 rows for each
#: of their 16 bins (on smaller tables they overfit and take draws from the other candidates)
PLE_MIN_ROWS = 1600

#: the periodic embedding's initial frequency scale of the second anchor (:func:`anchor`): features
#: that turn several times across a standardized column, against the estimators' smooth 0.1
THRESHOLD_SIGMA = 1.0
#: ... and the estimators' default (RealMLP-TD's smooth 0.1), which the random draws take
PERIODIC_SIGMA = PARAMETERS["periodic_sigma"].default

#: the label smoothing the search may draw for classifiers (besides none)
LABEL_SMOOTHING = 0.1

#: the largest relative change of the rarest class's mean target that label smoothing may make
#: and still be searched (:func:`smoothing_shift`)
MAX_SMOOTHING_SHIFT = 0.25


@dataclass(frozen=True)
class Recipe:
    """A no-hints search: ``settings`` (CLI option -> value, applied to every candidate and the
    refit unless the user sets them), ``grid`` (estimator keyword -> values to sample),
    ``n_iter`` random candidates and the ``include`` candidates before them, searched by
    ``search``; ``notes``: grid key -> why the recipe left it out for this table (for the report)."""

    settings: dict = field(default_factory=dict)
    grid: dict = field(default_factory=dict)
    n_iter: int = 27
    search: str = "halving"
    include: list = field(default_factory=list)
    notes: dict = field(default_factory=dict)

    def without(self, fixed) -> Recipe:
        """The recipe with the estimator parameters in ``fixed`` (those the user set) no longer
        searched: dropped from the grid, the ``include`` candidates and the notes, so that every
        candidate takes the user's value."""
        fixed = set(fixed)
        include = []
        for point in self.include:  # two anchors that differ only in what the user set are one
            left = {k: v for k, v in point.items() if k not in fixed}
            if left not in include:
                include.append(left)
        return replace(self, grid={k: v for k, v in self.grid.items() if k not in fixed}, include=include,
                       notes={k: v for k, v in self.notes.items() if k not in fixed})


def data_batch_size(n_rows: int) -> int:
    """About 32 minibatches per epoch: :math:`2^{\\operatorname{round}(\\log_2(n/32))}` within 32..256."""
    n_rows = check_int("n_rows", n_rows, minimum=1)
    return int(min(256, max(32, 2 ** round(math.log2(n_rows / 32)))))


def data_epochs(n_rows: int) -> int:
    """The epoch budget of the last rung: 150 up to 2,000 rows, then fewer as epochs grow
    dearer (:math:`300{,}000/n`, at least 40; early stopping ends most fits sooner)."""
    n_rows = check_int("n_rows", n_rows, minimum=1)
    return int(max(40, min(150, round(300_000 / n_rows))))


def smoothing_shift(n_classes: int, min_class_share: float,
                    label_smoothing: float = LABEL_SMOOTHING) -> float:
    r"""How far label smoothing :math:`\varepsilon` moves the mean target of the rarest class,
    relative to its share :math:`p`: smoothed targets are :math:`(1-\varepsilon)\,y + \varepsilon/K`,
    so the class's mean target becomes :math:`(1-\varepsilon)p + \varepsilon/K` and

    .. math::
        \text{shift} = \frac{(1-\varepsilon)p + \varepsilon/K}{p} - 1
                     = \varepsilon\left(\frac{1}{Kp} - 1\right).

    Zero for balanced classes (:math:`p = 1/K`); 0.15 for a binary target with 20% positives,
    0.4 with 10%, 1.9 with 3%.

    Examples
    --------
    >>> round(smoothing_shift(2, 0.1), 3), smoothing_shift(4, 0.25)
    (0.4, 0.0)
    """
    n_classes = check_int("n_classes", n_classes, minimum=2)
    if not 0.0 < min_class_share <= 1.0 / n_classes + 1e-12:
        raise ValueError(f"`min_class_share` must be in (0, 1/n_classes]. Received: "
                         f"min_class_share={min_class_share!r} with n_classes={n_classes}")
    return label_smoothing * (1.0 / (n_classes * min_class_share) - 1.0)


def default_recipe(n_rows: int, n_features: int, task: str, n_classes: int | None = None,
                   min_class_share: float | None = None) -> Recipe:
    """The search ``ridgeback tune`` runs with no hints, for ``n_rows`` training rows of
    ``n_features`` columns (as the preprocessing encodes them) and ``task``.

    Parameters
    ----------
    n_rows, n_features : int
    task : {"classification", "regression"}
    n_classes : int or None
        Classes of a classification target (label smoothing is searched for classifiers).
    min_class_share : float or None
        The rarest class's share of the rows. Label smoothing is searched only while its
        :func:`smoothing_shift` is at most ``MAX_SMOOTHING_SHIFT`` (None: classes taken as
        balanced).
    """
    n_rows = check_int("n_rows", n_rows, minimum=1)
    n_features = check_int("n_features", n_features, minimum=1)
    if task not in ("classification", "regression"):
        raise ValueError(f"`task` must be 'classification' or 'regression'. Received: task={task!r}")
    shift = (smoothing_shift(n_classes, min_class_share)
             if task == "classification" and min_class_share is not None and (n_classes or 0) >= 2 else None)
    smooth = task == "classification" and (shift is None or shift <= MAX_SMOOTHING_SHIFT)
    widths = [w for w in (64, 128, 256) if w <= max(64, n_rows // 2)]
    hidden = [(), *[(w,) for w in widths], *[(w, w) for w in widths[1:]]]
    grid = {
        "hidden_layer_sizes": hidden,
        "activation": ["relu", "silu", "mish"],
        "learning_rate": [1e-3, 3e-3, 1e-2],
        "l2": [0.0, 1e-5, 1e-4, 1e-3, 1e-2],
        "l1": [0.0, 0.0, 1e-5, 1e-4],
        "dropout": [0.0, 0.1, 0.2, 0.3],
        "numeric_embedding": [None, "periodic", *(["ple"] if n_rows >= PLE_MIN_ROWS else [])],
        # one value, so that the random draws are those of the grid without it; the second anchor
        # tries THRESHOLD_SIGMA
        "periodic_sigma": [PERIODIC_SIGMA],
    }
    if smooth:
        grid["label_smoothing"] = [0.0, LABEL_SMOOTHING]
    notes = {}
    if task == "classification" and not smooth:
        notes["label_smoothing"] = (
            f"Label smoothing is not searched: the rarest class holds {min_class_share:.2%} of the rows, "
            f"and smoothing of {LABEL_SMOOTHING} would move its mean target by "
            f"{shift:+.0%} (searched up to {MAX_SMOOTHING_SHIFT:+.0%}; "
            f"--label-smoothing sets it for every candidate).")
    settings = {"epochs": data_epochs(n_rows), "batch_size": data_batch_size(n_rows), "beta_2": 0.95}
    return Recipe(settings=settings, grid=grid, n_iter=27, search="halving",
                  include=[anchor(grid), anchor(grid, periodic_sigma=THRESHOLD_SIGMA)], notes=notes)


def anchor(grid: dict, periodic_sigma: float | None = None) -> dict:
    """A candidate every no-hints search evaluates besides its random draw: RealMLP-TD's
    defaults (Holzmüller et al. 2024) as near as ``grid`` allows. The deepest, widest network
    of the grid, periodic embeddings, label smoothing 0.1 (classifiers), dropout 0.1 (its 0.15
    decays on a schedule), a middle learning rate, SiLU and a light L2, no L1.

    A random draw of 27 misses any one combination most of the time, and on a signal-like
    table the best combination is worth several points of accuracy (benchmarks/QUALITY.md).

    ``periodic_sigma``: the embedding's initial frequency scale, when not the estimators' 0.1.
    :func:`default_recipe` evaluates the anchor twice, with 0.1 and with ``THRESHOLD_SIGMA``
    (1.0), whose features turn several times across a column's range as a tree's thresholds
    do: on the held-apart tables where LightGBM led by thresholds (children's wheeze by id,
    a travel mode, 779 quarrels) it won the folds and closed most of the gap
    (benchmarks/QUALITY.md, "Thresholds: a second anchor").

    >>> anchor({"hidden_layer_sizes": [(), (64,)]}, periodic_sigma=1.0)["periodic_sigma"]
    1.0
    """
    point = {"hidden_layer_sizes": grid["hidden_layer_sizes"][-1], "activation": "silu",
             "learning_rate": 3e-3, "l2": 1e-5, "l1": 0.0, "dropout": 0.1, "numeric_embedding": "periodic"}
    if "label_smoothing" in grid:
        point["label_smoothing"] = LABEL_SMOOTHING
    if periodic_sigma is not None or "periodic_sigma" in grid:
        point["periodic_sigma"] = periodic_sigma if periodic_sigma is not None else grid["periodic_sigma"][0]
    return point
