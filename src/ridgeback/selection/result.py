"""What a search returns: :class:`TuneResult`, both answers of the search (the best mean score
and the one-standard-error choice) and the one refitted, and the ranking of candidate rows that
finds them (:func:`rank_and_choose`, shared by every search strategy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .crossval import jsonable
from .rules import one_se_index, regularization_rank, score_ranks

__all__ = ["TuneResult", "rank_and_choose"]


@dataclass
class TuneResult:
    """What :func:`tune` found: both answers of the search, and the one that was refitted.

    ``results_`` holds one dict per candidate (its ``params``, ``mean_score``, ``std_score``,
    ``fold_scores``, ``rank``...; ``train_scores``, the score on each fold's training rows, is
    taken on a sample of them on large tables, see
    :func:`~ridgeback.selection.crossval.score_fitted`). ``best_index_`` is the candidate
    with the best mean score, ``one_se_index_`` the most regularized one within one standard error of it (see
    :func:`regularization_rank`), and ``refit_index_`` the one ``refit`` chose: ``best_index_``
    under ``refit="best"`` (or no refit), ``one_se_index_`` under ``refit="1se"``.
    ``best_params_``, ``best_score_``, ``one_se_params_``, ``refit_params_`` and
    ``refit_score_`` are read from ``results_`` at these indices.
    """

    results_: list
    best_index_: int
    one_se_index_: int
    refit_index_: int
    best_estimator_: object
    refit: str
    n_folds: int
    scoring: str | None
    #: how the search ran, for searches other than the plain one (``search="halving"``, a time
    #: budget, a journal): strategy, rungs, what was evaluated and skipped (see ``run_rungs``)
    search: dict | None = None
    #: the linear baseline on the same folds (``tune(baseline=True)``; see ``linear_baseline``)
    baseline: dict | None = None
    #: candidate index -> its out-of-fold predictions, shape (n_samples, n_columns) float32
    #: (probabilities or values; NaN for rows in no held-out fold), when the scoring is a metric
    #: of :mod:`ridgeback.metrics`: for the best and the one-standard-error candidates, and for
    #: every evaluated candidate (at the rung it reached) of a halving or budgeted search
    oof_predictions_: dict | None = None
    #: the linear baseline's out-of-fold predictions at its chosen strength (``baseline=True``
    #: and a metric of :mod:`ridgeback.metrics`)
    baseline_oof_: np.ndarray | None = None

    @classmethod
    def from_results(cls, results: list, n_folds: int, scoring: str | None = None) -> TuneResult:
        """An unrefitted result for candidate rows scored on the same ``n_folds`` folds (e.g. the
        rows of several searches pooled): each row gets its ``rank``, and both answers are found.

        Every row needs ``params``, ``mean_score`` and ``std_score``; ``refit_index_`` is then
        ``best_index_`` and ``best_estimator_`` is None.
        """
        best, one_se = rank_and_choose(results, n_folds)
        return cls(results_=results, best_index_=best, one_se_index_=one_se, refit_index_=best,
                   best_estimator_=None, refit="none", n_folds=n_folds, scoring=scoring)

    @property
    def best_params_(self) -> dict:
        """Parameters of the candidate with the best mean score."""
        return dict(self.results_[self.best_index_]["params"])

    @property
    def best_score_(self) -> float:
        """The best mean score."""
        return float(self.results_[self.best_index_]["mean_score"])

    @property
    def best_score_index_(self) -> int:
        """``best_index_`` under its former name."""
        return self.best_index_

    @property
    def one_se_params_(self) -> dict:
        """Parameters of the one-standard-error choice."""
        return dict(self.results_[self.one_se_index_]["params"])

    @property
    def refit_params_(self) -> dict:
        """Parameters of the candidate ``refit`` chose."""
        return dict(self.results_[self.refit_index_]["params"])

    @property
    def refit_score_(self) -> float:
        """Mean score of the candidate ``refit`` chose."""
        return float(self.results_[self.refit_index_]["mean_score"])

    def to_frame(self):
        """``results_`` as a pandas DataFrame, one row per candidate, parameters as columns."""
        import pandas as pd

        rows = []
        for r in self.results_:
            row = {f"param_{k}": v for k, v in r["params"].items()}
            row.update({k: v for k, v in r.items() if k != "params"})
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """JSON-ready summary (no estimator)."""
        return jsonable({"best_params": self.best_params_, "best_index": self.best_index_,
                         "best_score": self.best_score_, "best_score_index": self.best_index_,
                         "one_se_index": self.one_se_index_, "one_se_params": self.one_se_params_,
                         "refit_index": self.refit_index_, "refit": self.refit, "n_folds": self.n_folds,
                         "scoring": self.scoring, "results": self.results_,
                         **({"search": self.search} if self.search is not None else {}),
                         **({"baseline": self.baseline} if self.baseline is not None else {})})


def rank_and_choose(results: list, n_folds: int) -> tuple[int, int]:
    """Give every candidate row its ``rank`` by mean score; return ``(best, one_se)``."""
    mean = np.array([r["mean_score"] for r in results], dtype=float)
    std = np.array([r["std_score"] for r in results], dtype=float)
    for row, rank in zip(results, score_ranks(mean), strict=True):
        row["rank"] = int(rank)
    return one_se_index(mean, std, n_folds, regularization_rank([r["params"] for r in results]))
