r"""The selection rules: candidates ranked by mean score, how regularized each candidate is, the
one-standard-error choice, the choice between the best network and the linear baseline, and
whether one set of fold scores clearly beats another.

Scores are "higher is better". A candidate whose folds did not all finish (a diverged fit
scores NaN) has a NaN mean: it ranks last and is never chosen.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..estimators.hyperparams import PARAMETERS, regularizing

__all__ = ["score_ranks", "one_se_index", "regularization_rank", "baseline_choice", "clearly_better",
           "few_events", "REGULARIZATION_PARAMS", "MIN_FOLD_EVENTS"]

#: parameter -> 1 when larger values regularize more (``l2``), -1 when smaller ones do
#: (``max_norm``, layer sizes): the hyper-parameter table's ``regularizes`` column
_DIRECTION = regularizing()
REGULARIZATION_PARAMS = tuple(_DIRECTION)


def score_ranks(mean) -> np.ndarray:
    """Rank of each candidate by mean score: 1 is the best, ties keep the candidates' order,
    NaN means come last."""
    order = np.argsort(-np.nan_to_num(np.asarray(mean, dtype=float), nan=-np.inf), kind="stable")
    ranks = np.empty(len(order), dtype=int)
    ranks[order] = np.arange(1, len(order) + 1)
    return ranks


def one_se_index(mean, std, n_folds, preference) -> tuple[int, int]:
    r"""``(best, chosen)``: the best mean score's index, and among the candidates within one
    standard error of it the one with the highest ``preference`` (ties: higher score, then the
    earlier candidate).

    The standard error is :math:`\mathrm{std}_{\text{best}}/\sqrt{K}` for ``n_folds`` :math:`K`.

    Examples
    --------
    >>> one_se_index([0.90, 0.92, 0.91, 0.80], [0.02] * 4, 4, [0.0, 0.5, 1.5, 2.0])
    (1, 2)
    """
    mean = np.asarray(mean, dtype=float)
    if np.all(np.isnan(mean)):
        raise ValueError("Every candidate failed (diverged) in every fold; lower the learning rate. "
                         "Received: mean_score=all NaN")
    best = int(np.nanargmax(mean))
    threshold = mean[best] - std[best] / np.sqrt(n_folds)
    within = [i for i in range(len(mean)) if mean[i] >= threshold]
    chosen = max(within, key=lambda i: (preference[i], mean[i], -i))
    return best, int(chosen)


def baseline_choice(network, linear, n_folds, *, average=False, paired=None, ensembled=False) -> str:
    r"""What the no-hints search saves, from the cross-validation of the best network and of the
    linear baseline on the same folds: ``"network"``, ``"linear"`` or ``"average"`` (the two
    averaged half and half).

    ``network`` and ``linear`` are ``(mean, std)`` of their fold scores (higher is better; a
    ``None`` or NaN mean never wins). The linear model is chosen when its mean is higher.
    With ``average=True`` the two are averaged instead whenever their means are within one
    standard error of the higher one, :math:`|\bar s_{\text{net}} - \bar s_{\text{lin}}|
    \le \mathrm{std}_{\text{winner}}/\sqrt{K}` (the one-standard-error rule's error):
    the cross-validation cannot tell them apart. ``paired``: ``(network's fold scores, linear's
    fold scores)`` when the folds are too few to trust the means (a class too rare for them,
    :func:`few_events`): then the network is chosen only when it is :func:`clearly_better` fold by
    fold, else the linear model.

    ``ensembled=True`` (the saved network averages several networks, ``tune``'s seeded refits):
    the linear model is chosen only when its mean is higher by more than one standard error,
    :math:`\bar s_{\text{lin}} - \bar s_{\text{net}} > \mathrm{std}_{\text{lin}}/\sqrt{K}`. The
    folds scored one network of the candidate; an average of five is better than any of them on
    log-loss (it is convex in the probabilities), while the linear model gains nothing from refits,
    so a tie on the folds is a win for the saved network. Measured in benchmarks/QUALITY.md ("The
    linear model only when it clearly wins").

    ``ridgeback tune`` asks for the average on regression with squared error, where it is never
    worse than the two models' mean error and better by a quarter of their squared
    disagreement:

    .. math::
        \operatorname{E}\Big[\big(\tfrac{a + b}{2} - y\big)^2\Big]
        = \tfrac12 \operatorname{E}[(a - y)^2] + \tfrac12 \operatorname{E}[(b - y)^2]
        - \tfrac14 \operatorname{E}[(a - b)^2] .

    On ranking and accuracy scores no such identity holds, and benchmarks/QUALITY.md measured
    the average worse there.

    Examples
    --------
    >>> baseline_choice((0.50, 0.03), (0.49, 0.05), 5)
    'network'
    >>> baseline_choice((0.50, 0.03), (0.49, 0.05), 5, average=True)
    'average'
    >>> baseline_choice((0.40, 0.03), (0.49, 0.05), 5, average=True)
    'linear'
    >>> baseline_choice((0.50, 0.03), (0.49, 0.05), 3, paired=([0.48, 0.55, 0.47], [0.50, 0.49, 0.48]))
    'linear'
    >>> tie = ((0.49, 0.03), (0.50, 0.05), 5)  # the linear model higher by 0.01, its error 0.022
    >>> baseline_choice(*tie), baseline_choice(*tie, ensembled=True)
    ('linear', 'network')
    """
    if paired is not None:
        return "network" if clearly_better(*paired)[0] else "linear"
    (net_mean, net_std), (lin_mean, lin_std) = network, linear
    if lin_mean is None or not np.isfinite(lin_mean):
        return "network"
    if net_mean is None or not np.isfinite(net_mean):
        return "linear"
    winner_std = lin_std if lin_mean > net_mean else net_std
    known = winner_std is not None and np.isfinite(winner_std)  # no spread recorded: no averaging
    error = winner_std / np.sqrt(n_folds) if known else 0.0
    if average and known and abs(net_mean - lin_mean) <= error:
        return "average"
    return "linear" if lin_mean - net_mean > (error if ensembled else 0.0) else "network"


#: a class with fewer rows than this per held-out fold is too rare for the folds' scores to rank a
#: network above the linear model by a hair (the "ten events per variable" of logistic regression)
MIN_FOLD_EVENTS = 10


def few_events(y, n_folds: int) -> bool:
    """Whether the rarest class of ``y`` has fewer than :data:`MIN_FOLD_EVENTS` rows per
    held-out fold of ``n_folds``: then ``ridgeback tune`` saves a network over the linear
    baseline only when it is clearly better fold by fold. Measured in benchmarks/QUALITY.md
    ("A sixth look"): 30 injured among 3,000 people, where the network won the cross-validated
    log-loss by a hair on 3 of 5 splits and lost 0.07 to 0.12 of test AUC to the logistic model
    each time.

    >>> few_events(["a"] * 970 + ["b"] * 30, 5), few_events(["a"] * 900 + ["b"] * 100, 5)
    (True, False)
    """
    _, counts = np.unique(np.asarray(y).astype(str), return_counts=True)
    return bool(counts.min() < MIN_FOLD_EVENTS * n_folds)


def clearly_better(scores, against, errors: float = 1.0) -> tuple[bool, float, float]:
    r"""Whether the fold scores ``scores`` beat ``against`` (the same folds, higher is better) by
    more than ``errors`` standard errors of their paired difference, with that mean and error.

    With :math:`d_k = s_k - t_k` over the :math:`K` folds: better when
    :math:`\bar d > e \cdot \operatorname{sd}(d)/\sqrt{K}`, :math:`e` = ``errors``. Paired, the
    folds' shared difficulty cancels, so a small steady gain counts and a large noisy one does not.

    Examples
    --------
    >>> clearly_better([0.80, 0.85, 0.83], [0.75, 0.80, 0.79])[0]
    True
    >>> clearly_better([0.80, 0.70, 0.90], [0.75, 0.80, 0.79])[0]
    False
    >>> clearly_better([0.80, 0.85, 0.83], [0.75, 0.80, 0.79], errors=40.0)[0]  # a gain of 0.047 ± 0.0033
    False
    """
    d = np.asarray(scores, dtype=np.float64) - np.asarray(against, dtype=np.float64)
    if d.size < 2 or not np.all(np.isfinite(d)):
        return False, float(np.mean(d)) if d.size else float("nan"), float("nan")
    mean, error = float(d.mean()), float(d.std(ddof=1) / np.sqrt(d.size))
    return mean > errors * error, mean, error


def _strength(name, value) -> float:
    """A number that grows with how strongly ``value`` of parameter ``name`` regularizes."""
    base = name.rsplit("__", 1)[-1]
    if value is None:  # no constraint (``max_norm=None``): the weakest setting
        return -np.inf
    row = PARAMETERS.get(base)  # (label_smoothing, the classifier's own, is no shared row)
    if row is not None and row.kind == "sizes":  # layer widths: their total
        value = sum((value,) if isinstance(value, numbers.Integral) else tuple(value))
    return _DIRECTION[base] * float(value)


def regularization_rank(candidates: list) -> np.ndarray:
    """How regularized each candidate is: the sum, over regularization parameters, of its
    value's rank among the distinct values searched (0 = weakest, 1 = strongest).

    Larger ``l1``, ``l2``, ``group_l1``, ``dropout``, ``input_dropout`` and ``weight_decay``
    regularize more; so do smaller ``max_norm`` (``None`` = no constraint = weakest) and fewer
    hidden units in total (the table's ``regularizes`` column). Parameters are matched by
    name, pipeline prefixes ignored.
    """
    names = sorted({k for c in candidates for k in c if k.rsplit("__", 1)[-1] in _DIRECTION})
    rank = np.zeros(len(candidates))
    for name in names:
        strengths = [_strength(name, c[name]) if name in c else None for c in candidates]
        levels = sorted({s for s in strengths if s is not None})
        if len(levels) < 2:
            continue
        for i, s in enumerate(strengths):
            if s is not None:
                rank[i] += levels.index(s) / (len(levels) - 1)
    return rank
