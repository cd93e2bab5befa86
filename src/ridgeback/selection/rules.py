r"""The selection rules: candidates ranked by mean score, and the one-standard-error choice.

Scores are "higher is better". A candidate whose folds did not all finish (a diverged fit
scores NaN) has a NaN mean: it ranks last and is never chosen.
"""

from __future__ import annotations

import numpy as np

__all__ = ["score_ranks", "one_se_index"]


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
