r"""Blends: greedy ensemble selection over the search's out-of-fold predictions.

A search cross-validates many candidates; each leaves out-of-fold (OOF) predictions
:math:`P_m` (probabilities or values: every row predicted by the fold model that did not train
on it). Caruana et al. (2004, "Ensemble Selection from Libraries of Models") blend them
greedily: start from the best single model; at each of ``rounds`` steps add (with
replacement) the model whose addition scores best,

.. math::
    B_t = \frac{1}{t}\sum_{s=1}^{t} P_{m_s}, \qquad
    m_t = \operatorname*{arg\,max}_m\ \operatorname{score}\!\Big(y,\ \frac{(t-1)\,B_{t-1} + P_m}{t}\Big),

and keep the best-scoring prefix :math:`B_{t^*}` (the shortest among ties). A model's weight
is the share of the steps that picked it, :math:`w_m = \#\{s \le t^*: m_s = m\} / t^*`: a
convex combination, so a blend of calibrated probabilities stays a probability. Adding a model
twice moves the blend towards it, which makes the weights finer than "in or out".

The blend is chosen on the same OOF rows it is scored on, so its OOF score is optimistic;
the greedy steps with replacement, a small pool (the best candidates only) and the
shortest best prefix keep it from fitting the folds' noise (AutoGluon blends its models the
same way). A blend never scores below the best single model on the OOF rows: that is its first
step.
"""

from __future__ import annotations

import numpy as np

from .._util.validation import check_int

__all__ = ["greedy_blend", "blend_search", "apportion", "BLEND_ROUNDS", "BLEND_POOL", "LINEAR"]

#: greedy steps: weights in multiples of 1/20
BLEND_ROUNDS = 20
#: the network candidates a search's blend may draw on: the best by mean CV score
BLEND_POOL = 8
#: the key of the linear baseline among a search's blend members
LINEAR = "linear"


def greedy_blend(predictions: dict, y, metric: str, classes=None, rounds: int = BLEND_ROUNDS,
                 sample_weight=None) -> dict:
    """Weights of the greedy blend of ``predictions`` (see the module docstring).

    Parameters
    ----------
    predictions : dict
        Model key -> its OOF predictions, shape (n_samples, n_columns) or (n_samples,):
        probabilities in the columns of ``classes`` (classification) or values. Keys are kept
        in order; a tie goes to the earlier key. Models with a non-finite prediction are left out.
    y : array-like of shape (n_samples,)
    metric : str
        A metric of :mod:`ridgeback.metrics` (higher is better), e.g. ``"neg_log_loss"``, ``"r2"``.
    classes : array-like or None
        The class labels of the probability columns (classification).
    rounds : int
        Greedy steps (the weights are multiples of ``1/t*``, ``t* <= rounds``).
    sample_weight : array-like or None

    Returns
    -------
    dict
        ``{"weights": {key: weight > 0}, "score": blended OOF score, "single": {key: score},
        "steps": t*}``; the weights sum to 1.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0.0, 1.0, 2.0, 3.0])
    >>> low, high = y - 1.0, y + 1.0          # each alone is off by one; their mean is exact
    >>> greedy_blend({"low": low, "high": high}, y, "r2")["weights"]
    {'low': 0.5, 'high': 0.5}
    """
    from ..metrics import check_metric, metric_from_predictions

    check_metric(metric)
    rounds = check_int("rounds", rounds, minimum=1)
    y = np.asarray(y)
    usable = {}
    for key, p in predictions.items():
        p = np.asarray(p, dtype=np.float64)
        if p.shape[0] != len(y):
            raise ValueError(f"`predictions` must have one row per target value ({len(y)}). "
                             f"Received: {p.shape[0]} rows for model {key!r}")
        if np.all(np.isfinite(p)):
            p = p.reshape(len(y), -1)
            if classes is not None:  # float32 probabilities: rows sum to 1 only to float32 rounding
                p = p / p.sum(axis=1, keepdims=True)
            usable[key] = p
    if not usable:
        raise ValueError("`predictions` must hold at least one model with finite predictions. "
                         f"Received: models={list(predictions)}")

    def score(p) -> float:
        value = metric_from_predictions(metric, y, p, classes, sample_weight)
        return value if np.isfinite(value) else -np.inf

    keys = list(usable)
    single = {k: score(usable[k]) for k in keys}
    first = max(keys, key=lambda k: single[k])  # max keeps the first of equal scores
    total, picks = usable[first].copy(), [first]
    best_score, best_len = single[first], 1
    for t in range(2, rounds + 1):
        trial = {k: score((total + usable[k]) / t) for k in keys}
        pick = max(keys, key=lambda k: trial[k])
        total += usable[pick]
        picks.append(pick)
        if trial[pick] > best_score + 1e-12:
            best_score, best_len = trial[pick], t
    chosen = picks[:best_len]
    weights = {k: chosen.count(k) / best_len for k in keys if k in chosen}
    return {"weights": weights, "score": float(best_score),
            "single": {k: float(v) for k, v in single.items()}, "steps": best_len}


def blend_search(result, y, metric: str, pool: int = BLEND_POOL, rounds: int = BLEND_ROUNDS,
                 sample_weight=None) -> dict | None:
    """The greedy blend of a search's candidates: the ``pool`` best network candidates by mean
    CV score whose OOF predictions were kept (``result.oof_predictions_``, each at the rung it
    reached) and the linear baseline (``result.baseline_oof_``, key :data:`LINEAR`).

    Returns
    -------
    dict or None
        :func:`greedy_blend`'s result, plus ``pool`` (the keys it drew on, best first) and
        ``cv`` (each pooled key's mean CV score); None when fewer than one model has OOF
        predictions.
    """
    from ..metrics import REGRESSION_METRICS, check_metric

    check_metric(metric)
    pool = check_int("pool", pool, minimum=1)
    oof = result.oof_predictions_ or {}
    rows = result.results_
    ranked = sorted((i for i in oof if oof[i] is not None and rows[i].get("mean_score") is not None
                     and np.isfinite(rows[i]["mean_score"])), key=lambda i: (-rows[i]["mean_score"], i))
    cv = {i: float(rows[i]["mean_score"]) for i in ranked[:pool]}
    linear = getattr(result, "baseline_oof_", None)
    if linear is not None and result.baseline and result.baseline.get("mean_score") is not None:
        cv[LINEAR] = float(result.baseline["mean_score"])
    if not cv:
        return None
    keys = sorted(cv, key=lambda k: -cv[k])  # ties in the greedy steps go to the better CV score
    predictions = {k: (linear if k == LINEAR else oof[k]) for k in keys}
    y = np.asarray(y)
    classes = None if metric in REGRESSION_METRICS else np.unique(y)
    out = greedy_blend(predictions, y, metric, classes, rounds=rounds, sample_weight=sample_weight)
    return {**out, "pool": keys, "cv": cv}


def apportion(weights: dict, slots: int) -> dict:
    """Refits per blend member: ``slots`` shared in proportion to ``weights`` (largest
    remainder), at least one each (so more than ``slots`` when there are more members).

    >>> apportion({3: 0.6, 7: 0.4}, 5)
    {3: 3, 7: 2}
    """
    slots = check_int("slots", slots, minimum=1)
    total = float(sum(weights.values()))
    raw = {k: slots * w / total for k, w in weights.items()}
    counts = {k: max(1, int(r)) for k, r in raw.items()}
    while sum(counts.values()) > slots and max(counts.values()) > 1:  # the ones pushed it over
        k = min((key for key in counts if counts[key] > 1), key=lambda key: raw[key] - counts[key])
        counts[k] -= 1
    while sum(counts.values()) < slots:
        k = max(raw, key=lambda key: raw[key] - counts[key])
        counts[k] += 1
    return counts
