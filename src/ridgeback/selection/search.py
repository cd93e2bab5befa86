r"""Model selection by cross-validation: ``tune`` (grid / random search) and ``regularization_path``.

Scores are "higher is better" (the estimator's ``score`` by default: accuracy or R²).
For a candidate with fold scores :math:`s_1..s_K`, ``mean_score`` is their mean,
``std_score`` their standard deviation (divisor :math:`K`, as in scikit-learn) and the
standard error :math:`\mathrm{SE} = \mathrm{std}/\sqrt{K}`.

The one-standard-error rule (Breiman et al. 1984; glmnet's ``lambda.1se``) picks, among the
candidates whose mean score is at least :math:`\text{best} - \mathrm{SE}_{\text{best}}`, the
*simplest* one, which generalizes as well within noise and is usually sparser and more stable.

Every preprocessing step is fitted inside the fold: the estimator (a ridgeback estimator or a
scikit-learn ``Pipeline`` ending in one) is cloned and fitted on the training rows only.

Seeds. Within a search, the task for fold :math:`k` gets the seed
``derive_seed(random_state, 1, k)`` for every candidate: candidates are compared on the same
folds *and* the same initializations, shuffles and dropout masks (common random numbers), so a
difference in score comes from the hyper-parameters, not from luck of the draw. The seed
depends on nothing else, so serial, ``n_jobs`` and Dask runs give identical results.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import accumulate

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.model_selection import ParameterGrid, ParameterSampler
from sklearn.utils import _safe_indexing

from .._util.validation import check_int, check_one_of
from ..engine.trainer import TrainingDiverged
from ..estimators.base import _BaseMLP, fit_together
from ..estimators.hyperparams import lockstep_free
from ..metrics import Scorer, get_scorer
from .crossval import (
    assemble_held_out,
    check_grid,
    check_n_jobs,
    derive_seed,
    final_step,
    fit_and_score,
    fit_params,
    jsonable,
    make_folds,
    resolve_entropy,
    resolve_param,
    run_tasks,
    score_fitted,
    seed_estimator,
    take_weights,
)
from .ensemble import ENSEMBLES, FoldEnsemble, FoldKeeper
from .path import RegularizationPath, lambda_max, regularization_path  # public here; own module for size
from .prepared import one_search
from .rules import REGULARIZATION_PARAMS, one_se_index, regularization_rank, score_ranks

__all__ = ["tune", "TuneResult", "regularization_path", "RegularizationPath", "lambda_max",
           "regularization_rank", "one_se_index", "REGULARIZATION_PARAMS"]

#: parameters in which candidates may differ and still be trained together in lockstep
#: (each has its own network, penalties and dropout masks; see :mod:`ridgeback.engine.lockstep`)
LOCKSTEP_FREE = lockstep_free()
#: most candidates in one lockstep group: most of the saving is there by four (a step's fixed
#: costs are then shared four ways), and smaller groups leave tasks for parallel workers
LOCKSTEP_GROUP = 4


def _candidate_task(estimator, X, y, sample_weight, params, train, test, seed, scoring,
                    keep_predictions=False, keep_model=False):
    outcome, fitted = fit_and_score(clone(estimator).set_params(**params), X, y, train, test, seed, scoring,
                                    sample_weight, keep_predictions)
    return _with_model(outcome, fitted, keep_model)


def _with_model(outcome, fitted, keep):
    """The outcome, with the fitted model under ``"model"`` when it is to be kept (a fold
    ensemble); the model's trainer (optimizer state, early stopping's copies) is let go."""
    if keep:
        if fitted is not None:
            final_step(fitted).trainer_ = None
        outcome = {**outcome, "model": fitted}
    return outcome


def _group_task(estimator, X, y, sample_weight, group, train, test, seed, scoring, keep_predictions=False,
                keep_model=False):
    """Outcomes of the candidates ``group`` (parameter dicts) on one fold: fitted together in
    lockstep when they allow it, with the results of fitting them one by one, else one by one.
    With ``keep``, each outcome carries its fitted model (``"model"``)."""
    if len(group) > 1:
        from .prepared import prepare_fold

        w_train, w_test = take_weights(sample_weight, train), take_weights(sample_weight, test)
        members = [seed_estimator(clone(estimator).set_params(**params), seed) for params in group]
        start = time.perf_counter()
        fold = prepare_fold(members[0], X, y, train, test)
        try:
            together = _fit_group(members, fold, w_train)
        except TrainingDiverged:  # one of them diverged: one by one, it gets its NaN score there
            together = False
        if together:
            fit_time = (time.perf_counter() - start) / len(members)  # the group's time, shared out
            return [_with_model(score_fitted(fold.network(m), *fold.scoring_data, scoring, fit_time, w_train,
                                             w_test, keep_predictions), m, keep_model)
                    for m in members]
    return [_candidate_task(estimator, X, y, sample_weight, params, train, test, seed, scoring,
                            keep_predictions, keep_model) for params in group]


def _fit_group(members, fold, sample_weight=None) -> bool:
    """:func:`fit_together` of the members' networks on the ``fold``'s prepared training matrix
    (:func:`~ridgeback.selection.prepared.prepare_fold` of the first member: a pipeline's other
    steps, alike in every member, fitted once and shared); each member a whole fitted model
    after it."""
    weights = () if sample_weight is None else (sample_weight,)
    if not fit_together([fold.network(m) for m in members], fold.X_fit, fold.y_train, *weights):
        return False
    for m in members:
        fold.assemble(m)
    return True


def _workers(n_jobs, backend, scheduler, n_fits):
    """How many workers will share the tasks (as many as fits on Dask: a cluster's size is not
    known here, so Dask gets one candidate per task)."""
    if backend == "dask" or scheduler is not None:
        return n_fits
    if check_n_jobs(n_jobs) in (None, 1):
        return 1
    from joblib import effective_n_jobs

    return effective_n_jobs(n_jobs)


def _lockstep_groups(estimator, candidates, n_tasks, workers):
    """Candidate indices in groups to fit together: candidates that differ only in
    ``LOCKSTEP_FREE`` parameters of the network (a pipeline's other steps alike), at most
    ``LOCKSTEP_GROUP`` at a time and small enough that there are at least two tasks per worker;
    one candidate per group for other estimators."""
    size = max(1, min(LOCKSTEP_GROUP, n_tasks // (2 * workers)))
    final = final_step(estimator)
    if size == 1 or not isinstance(final, _BaseMLP):
        return [[i] for i in range(len(candidates))]
    prefix = "" if final is estimator else f"{estimator.steps[-1][0]}__"  # the network's parameters

    def free(name):
        return name.startswith(prefix) and name[len(prefix):] in LOCKSTEP_FREE

    alike = {}
    for i, params in enumerate(candidates):
        alike.setdefault(repr(sorted((k, repr(v)) for k, v in params.items() if not free(k))), []).append(i)
    return [chunk.tolist() for members in alike.values()
            for chunk in np.array_split(members, -(-len(members) // size))]


@dataclass
class TuneResult:
    """What :func:`tune` found: both answers of the search, and the one that was refitted.

    ``results_`` holds one dict per candidate (its ``params``, ``mean_score``, ``std_score``,
    ``fold_scores``, ``rank``...). ``best_index_`` is the candidate with the best mean score,
    ``one_se_index_`` the most regularized one within one standard error of it (see
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
        best, one_se = _rank_and_choose(results, n_folds)
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


def _rank_and_choose(results: list, n_folds: int) -> tuple[int, int]:
    """Give every candidate row its ``rank`` by mean score; return ``(best, one_se)``."""
    mean = np.array([r["mean_score"] for r in results], dtype=float)
    std = np.array([r["std_score"] for r in results], dtype=float)
    for row, rank in zip(results, score_ranks(mean), strict=True):
        row["rank"] = int(rank)
    return one_se_index(mean, std, n_folds, regularization_rank([r["params"] for r in results]))


#: at most this many bytes of held-out predictions are kept during a search (float32, every
#: candidate); a bigger search refits the chosen candidates on the folds instead (k fits each,
#: with the search's seeds, hence the same predictions)
OOF_BUDGET_BYTES = 64 * 2**20


@one_search
def tune(estimator, X, y, grid, *, cv=5, n_iter=None, n_jobs=None, backend=None, scheduler=None,
         random_state=None, refit="best", scoring=None, progress=None, lockstep=True,
         ensemble="none", sample_weight=None, search=None, halving_factor=3, time_budget=None,
         journal=None, baseline=False, include=None) -> TuneResult:
    """Cross-validated grid or random search over any hyper-parameters, with the 1-SE rule.

    Parameters
    ----------
    estimator : MLPClassifier, MLPRegressor or a Pipeline ending in one
        For raw tables, ``Pipeline([("preprocess", Preprocessor()), ("mlp", MLPClassifier())])``:
        each fold then fits its own imputation, scaling and one-hot categories on its training
        rows (grid keys ``"mlp__l2"``...).
    X, y : training data
    grid : dict or list of dicts
        Parameter name (``"l2"``, or ``"mlpclassifier__l2"`` in a pipeline) -> list of values;
        with ``n_iter``, values may also be scipy.stats distributions.
    cv : int, splitter or iterable of (train, test), default=5
        An int gives shuffled (stratified for classifiers) K-fold.
    n_iter : int or None
        ``None``: every combination of the grid. Otherwise ``n_iter`` random candidates.
    n_jobs, backend, scheduler
        Parallel execution over (candidate, fold) tasks: joblib workers, or ``backend="dask"``
        with a scheduler address or ``distributed.Client``. Results do not depend on them.
    random_state : int or None
        Seeds the folds, the random candidates and every fit. None: the estimator's own
        ``random_state`` (a pipeline's last step's) seeds them, so a seeded estimator gives
        the same search on every call, whatever ``n_jobs``, ``backend`` or ``lockstep``; the
        search is random only when both are None.
    refit : {"best", "1se", False}
        ``"best"``: refit the candidate with the best mean score on all data; ``"1se"``: the
        most regularized candidate (see :func:`regularization_rank`) within one standard error
        of the best; ``False``: no refit (``best_estimator_`` is None).
    scoring : str, callable or None
        A metric of :mod:`ridgeback.metrics` (``"roc_auc"``, ``"neg_log_loss"``...; its
        held-out predictions of the best and the 1-SE candidates are then kept in
        ``oof_predictions_``), another scikit-learn scorer; ``None`` uses ``estimator.score``.
        The ranking, the one-standard-error rule and the refit all use it.
    progress : callable or None
        Called as ``progress(done, total)`` as (candidate, fold) fits finish, with
        ``total = n_candidates * n_folds`` (e.g. to advance a progress bar); fits done in
        lockstep finish together, so ``done`` may advance by several. The refit is not counted.
    lockstep : bool, default=True
        On each fold, train up to four candidates of a ridgeback estimator (or of a pipeline
        ending in one) together when they differ only in the network's ``LOCKSTEP_FREE``
        parameters (penalties, dropout, layer sizes, activation, max-norm): a pipeline's other
        steps are fitted once for them, and the networks share one loop, one minibatch gather
        and one optimizer step over all their weights per step, with results bit-identical to
        fitting them one by one (``lockstep=False``). On small networks that saves about a fifth of the time;
        groups are kept small enough to leave at least two tasks per joblib worker, and Dask
        runs fit one candidate per task. ``mean_fit_time`` then shares a group's time out
        equally among its candidates.
    ensemble : {"none", "folds"}, default="none"
        ``"folds"``: ``best_estimator_`` is a :class:`~ridgeback.selection.ensemble.FoldEnsemble`
        of the chosen candidate's cross-validation fold models (already trained by the search;
        their mean probability or value), instead of a refit on all rows. The candidate is the
        one ``refit`` names (``"best"`` when ``refit=False``). Only the fold models of
        candidates that can still be chosen are held while the search runs
        (:class:`~ridgeback.selection.ensemble.FoldKeeper`); one let go too early is trained
        again with its fold's seed, bit-identical to the one scored.
    sample_weight : array-like of shape (n_samples,) or None
        Row weights, split with the folds: each fit gets its training rows' weights (a
        pipeline's last step receives them), each score its held-out rows' weights; the
        refit gets them all.
    search : {None, "grid", "random", "halving", "tpe"}
        ``None``: "grid" without ``n_iter``, "random" with it. ``"halving"``: successive halving
        over epochs of the grid's (or ``n_iter`` random) candidates, ``halving_factor`` (η) at a
        time: every candidate trains a few epochs on the same folds, the best 1/η resume their
        fold models for η times as many, up to ``max_epochs`` (see
        :mod:`ridgeback.selection.halving`). Rows then also hold ``rung`` and ``epochs``.
        ``"tpe"``: ``n_iter`` candidates proposed one at a time by Optuna's TPE sampler from the
        scores of those before (the ``[optuna]`` extra; :mod:`ridgeback.selection.samplers`).
    halving_factor : int >= 2, default=3
    time_budget : float or None
        Seconds: no new fit starts once they are spent, a fit running then is stopped and
        dropped, and the best candidate evaluated so far is chosen (and refitted).
        ``result.search`` says what was evaluated and what was skipped.
    journal : SearchJournal or None
        Records every finished (candidate, fold, rung) fit and skips those already recorded
        (see :mod:`ridgeback.selection.journal`): a killed search resumes where it stopped.
    baseline : bool, default=False
        Also cross-validate a linear model (LogisticRegression or Ridge, a small grid of
        strengths) in place of the network, on the same folds and preprocessing:
        ``result.baseline`` (see :mod:`ridgeback.selection.baseline`).
    include : list of dict or None
        Candidates evaluated before the grid's (or the ``n_iter`` random ones, which they do
        not replace: the random draw stays the same), e.g. a known-good default that a random
        draw may miss; each sets exactly the parameters of ``grid``. Not with ``search="tpe"``.

    Returns
    -------
    TuneResult
        Both answers: ``best_index_`` (the best mean score) and ``one_se_index_`` (the 1-SE
        choice), with ``refit_index_`` the one refitted (``best_index_`` when ``refit=False``).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from ridgeback import MLPClassifier, tune
    >>> X, y = load_iris(return_X_y=True)
    >>> result = tune(MLPClassifier((8,), learning_rate=1e-2, max_epochs=30), X, y,
    ...               {"l2": [0.0, 1e-3]}, cv=3, random_state=0)
    >>> len(result.results_), sorted(result.best_params_)
    (2, ['l2'])
    """
    check_one_of("refit", refit, ("best", "1se", False))
    check_one_of("ensemble", ensemble, ENSEMBLES)
    check_one_of("search", search, (None, "grid", "random", "halving", "tpe"))
    if search in ("random", "tpe") and n_iter is None:
        raise ValueError(f"search={search!r} needs `n_iter` (how many candidates to draw). "
                         "Received: n_iter=None")
    if search == "grid" and n_iter is not None:
        raise ValueError(f"search='grid' takes every combination; leave `n_iter` unset. "
                         f"Received: n_iter={n_iter}")
    adaptive = search in ("halving", "tpe") or time_budget is not None or journal is not None
    if ensemble == "folds" and adaptive:
        raise ValueError("ensemble='folds' keeps the fold models of a plain grid or random search; a "
                         "halving, TPE, budgeted or journaled search does not keep them. "
                         f"Received: ensemble='folds' with search={search!r}")
    grids = check_grid(estimator, grid, random=n_iter is not None)
    entropy = resolve_entropy(random_state, estimator)
    folds = make_folds(estimator, X, y, cv, derive_seed(entropy, 0))
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if sample_weight.shape != (len(y),):
            raise ValueError(f"`sample_weight` must hold one weight per row ({len(y)}). "
                             f"Received: sample_weight with shape {sample_weight.shape}")
    if sample_weight is not None and adaptive:
        raise ValueError("sample_weight is not yet passed to a halving, TPE, budgeted or journaled search. "
                         f"Received: sample_weight with search={search!r}")
    include = _check_include(include, grids)
    if search == "tpe" and include:
        raise ValueError(f"search='tpe' proposes every candidate itself; it takes no `include`. "
                         f"Received: include={include!r:.100}")
    if search == "tpe":
        return _tpe(estimator, X, y, grids, n_iter, folds, entropy, scoring, refit, time_budget, journal,
                    dict(n_jobs=n_jobs, backend=backend, scheduler=scheduler), progress)
    candidates = include + _candidates(grids, n_iter, entropy)
    if search == "halving" or time_budget is not None or journal is not None:
        from .budget import deadline_from
        from .halving import run_rungs

        deadline = deadline_from(time_budget)
        results, best, one_se, info = run_rungs(
            estimator, X, y, candidates, folds, entropy, scoring, factor=halving_factor,
            halving=search == "halving", n_jobs=n_jobs, backend=backend, scheduler=scheduler,
            progress=progress, lockstep=lockstep, deadline=deadline, journal=journal, baseline=baseline,
            keep_predictions=isinstance(get_scorer(scoring), Scorer))
        info["time_budget"] = time_budget
        oof = {i: _assemble_oof(runs, folds, len(y)) for i, runs in info.pop("oof_runs", {}).items()} or None
        linear_oof = info.pop("baseline_oof", None)
        return _finish(estimator, X, y, results, best, one_se, candidates, entropy, refit, len(folds),
                       scoring, info, info.pop("baseline", None), oof=oof, baseline_oof=linear_oof)
    k = len(folds)
    keeper = FoldKeeper(k, "1se" if refit == "1se" else "best") if ensemble == "folds" else None
    keep = isinstance(get_scorer(scoring), Scorer)
    in_search = keep and _oof_bytes(estimator, y, len(candidates)) <= OOF_BUDGET_BYTES
    outcomes = _cross_validate(estimator, X, y, candidates, folds, entropy, scoring,
                               n_jobs=n_jobs, backend=backend, scheduler=scheduler, progress=progress,
                               lockstep=lockstep, keeper=keeper, sample_weight=sample_weight,
                               keep_predictions=in_search)
    results = [_candidate_result(params, outcomes[i * k:(i + 1) * k]) for i, params in enumerate(candidates)]
    best, one_se = _rank_and_choose(results, k)
    oof = _chosen_oof(estimator, X, y, candidates, folds, entropy, scoring, sample_weight, outcomes,
                      (best, one_se), in_search) if keep else None
    linear = linear_oof = None
    if baseline:
        from .baseline import best_strength_oof, linear_baseline

        kept = [] if keep else None
        linear = linear_baseline(estimator, X, y, folds, scoring, predictions=kept)
        linear_oof = best_strength_oof(linear, kept, folds, len(y)) if keep else None
    return _finish(estimator, X, y, results, best, one_se, candidates, entropy, refit, k, scoring,
                   baseline=linear, keeper=keeper, folds=folds, sample_weight=sample_weight, oof=oof,
                   baseline_oof=linear_oof)


def _finish(estimator, X, y, results, best, one_se, candidates, entropy, refit, k, scoring, info=None,
            baseline=None, keeper=None, folds=None, sample_weight=None, oof=None, baseline_oof=None):
    """The TuneResult, with the chosen candidate refitted on all rows (for as many epochs as it
    was evaluated with, when a halving search stopped it short of ``max_epochs``)."""
    chosen = one_se if refit == "1se" else best
    refitted = None
    if keeper is not None:
        refitted = _fold_ensemble(estimator, X, y, candidates[chosen], folds, entropy, keeper.models(chosen),
                                  sample_weight)
    elif refit:
        params = dict(candidates[chosen])
        if results[chosen].get("epochs") is not None:
            params[resolve_param(estimator, "max_epochs")] = results[chosen]["epochs"]
        refitted = seed_estimator(clone(estimator).set_params(**params), derive_seed(entropy, 3))
        refitted.fit(X, y, **fit_params(refitted, sample_weight))
    return TuneResult(results_=results, best_index_=best, one_se_index_=one_se, refit_index_=chosen,
                      best_estimator_=refitted, refit=refit or "none", n_folds=k,
                      scoring=scoring if isinstance(scoring, str) or scoring is None else repr(scoring),
                      search=info, baseline=baseline, oof_predictions_=oof, baseline_oof_=baseline_oof)


def _tpe(estimator, X, y, grids, n_iter, folds, entropy, scoring, refit, time_budget, journal, run, progress):
    """``search="tpe"``: candidates asked of Optuna's TPE sampler one at a time, each
    cross-validated on ``folds`` (see :mod:`ridgeback.selection.samplers`)."""
    from .budget import deadline_from
    from .samplers import tpe_candidates

    if journal is not None:
        raise ValueError("search='tpe' keeps no journal (its candidates depend on the scores told back). "
                         "Received: a journal")
    n_iter, k, rows = check_int("n_iter", n_iter), len(folds), []

    def evaluate(params):
        outcomes = _cross_validate(estimator, X, y, [params], folds, entropy, scoring, progress=None,
                                   lockstep=False, **run)
        rows.append(_candidate_result(params, outcomes))
        if progress is not None:
            progress(len(rows) * k, n_iter * k)
        return rows[-1]["mean_score"]

    candidates = tpe_candidates(grids, n_iter, entropy, evaluate, deadline_from(time_budget))
    if not rows:
        raise ValueError(f"search='tpe' evaluated no candidate within the time budget. "
                         f"Received: time_budget={time_budget!r}")
    best, one_se = _rank_and_choose(rows, k)
    info = {"strategy": "tpe", "evaluated": len(rows), "skipped": n_iter - len(rows),
            "time_budget": time_budget, "stopped_by_budget": len(rows) < n_iter}
    return _finish(estimator, X, y, rows, best, one_se, candidates, entropy, refit, k, scoring, info)


def _chosen_oof(estimator, X, y, candidates, folds, entropy, scoring, sample_weight, outcomes, chosen,
                in_search) -> dict:
    """Candidate index -> its out-of-fold predictions, for the ``chosen`` (best, 1-SE) ones: from
    the search's outcomes when it kept them, else fitted again on each fold with the search's
    seeds (the same models). The other candidates' predictions are let go here."""
    k, oof = len(folds), {}
    for i in dict.fromkeys(chosen):
        runs = outcomes[i * k:(i + 1) * k] if in_search else [
            fit_and_score(clone(estimator).set_params(**candidates[i]), X, y, *folds[f],
                          derive_seed(entropy, 1, f), scoring, sample_weight, True)[0] for f in range(k)]
        oof[i] = _assemble_oof(runs, folds, len(y))
    for outcome in outcomes:
        outcome.pop("test_predictions", None)
    return oof


def _oof_bytes(estimator, y, n_candidates) -> int:
    """Bytes of every candidate's held-out predictions as float32."""
    width = np.unique(np.asarray(y)).size if is_classifier(estimator) else (
        1 if np.ndim(y) == 1 else np.shape(y)[1])
    return 4 * n_candidates * len(y) * width


def _assemble_oof(runs, folds, n_rows):
    """One candidate's held-out predictions, each row from the fold that held it out."""
    return assemble_held_out([r.get("test_predictions") for r in runs], folds, n_rows)


def _fold_ensemble(estimator, X, y, params, folds, entropy, models, sample_weight=None) -> FoldEnsemble:
    """The fold models of the candidate ``params`` as a FoldEnsemble: those the search kept, or
    (let go too early) trained again on each fold with that fold's seed, as the search did."""
    if models is None:
        models = []
        for fold, (train, _) in enumerate(folds):
            member = seed_estimator(clone(estimator).set_params(**params), derive_seed(entropy, 1, fold))
            member.fit(_safe_indexing(X, train), _safe_indexing(y, train),
                       **fit_params(member, take_weights(sample_weight, train)))
            final_step(member).trainer_ = None
            models.append(member)
    return FoldEnsemble(models)


def _check_include(include, grids) -> list:
    """``include`` as a list of candidate dicts, each setting exactly the parameters of one of
    the ``grids`` (a point of the searched space, as a drawn candidate is)."""
    if include is None:
        return []
    if not isinstance(include, (list, tuple)) or not all(isinstance(c, dict) for c in include):
        raise ValueError(f"`include` must be a list of candidate dicts. Received: include={include!r:.100}")
    for c in include:
        if not any(set(c) == set(grid) for grid in grids):
            expected = " or ".join(", ".join(sorted(grid)) for grid in grids)
            raise ValueError(f"each `include` candidate must set exactly the grid's parameters ({expected}). "
                             f"Received: include candidate {c!r:.100}")
    return [dict(c) for c in include]


def _candidates(grids, n_iter, entropy) -> list:
    """Every combination of the checked ``grids``, or ``n_iter`` random ones."""
    if n_iter is None:
        return list(ParameterGrid(grids))
    n_iter = check_int("n_iter", n_iter)
    return list(ParameterSampler(grids, n_iter, random_state=derive_seed(entropy, 2)))


def _cross_validate(estimator, X, y, candidates, folds, entropy, scoring, *, n_jobs, backend, scheduler,
                    progress, lockstep, keeper=None, sample_weight=None, keep_predictions=False) -> list:
    """The outcome of every (candidate, fold) fit, candidate-major: ``outcomes[i * n_folds + k]``.

    The tasks are lockstep groups of candidates on one fold; fold ``k`` is seeded with
    ``derive_seed(entropy, 1, k)`` whatever the candidate. With a ``keeper``
    (:class:`FoldKeeper`), each task returns its fitted models, which are handed to the keeper
    as they arrive and taken out of the outcomes.
    """
    k = len(folds)
    n_fits = len(candidates) * k
    groups = (_lockstep_groups(estimator, candidates, n_fits, _workers(n_jobs, backend, scheduler, n_fits))
              if lockstep else [[i] for i in range(len(candidates))])
    plan = [(group, fold) for group in groups for fold in range(k)]
    keep_model = keeper is not None
    tasks = [([candidates[i] for i in group], *folds[fold], derive_seed(entropy, 1, fold), scoring,
              keep_predictions, keep_model) for group, fold in plan]
    done_fits = list(accumulate(len(group) for group, _ in plan))
    report = None if progress is None else (lambda done, total: progress(done_fits[done - 1], n_fits))

    def hand_over(index, group_outcomes):
        group, fold = plan[index]
        for i, outcome in zip(group, group_outcomes, strict=True):
            keeper.add(i, fold, outcome.pop("model"), outcome["test_score"])
        return group_outcomes

    grouped = run_tasks(_group_task, (estimator, X, y, sample_weight), tasks, n_jobs=n_jobs, backend=backend,
                        scheduler=scheduler, progress=report, on_result=hand_over if keep_model else None)
    outcomes = [None] * n_fits
    for (group, fold), group_outcomes in zip(plan, grouped, strict=True):
        for i, outcome in zip(group, group_outcomes, strict=True):
            outcomes[i * k + fold] = outcome
    return outcomes


def _candidate_result(params, runs) -> dict:
    """A candidate's row of ``results_`` from its fold outcomes (scores NaN if a fold failed)."""
    test = np.array([r["test_score"] for r in runs])
    train = np.array([r["train_score"] for r in runs])
    failed = bool(np.isnan(test).any())
    return {
        "params": dict(params),
        "mean_score": float("nan") if failed else float(test.mean()),
        "std_score": float("nan") if failed else float(test.std()),
        "fold_scores": test.tolist(),
        "mean_train_score": float("nan") if failed else float(train.mean()),
        "train_scores": train.tolist(),
        "mean_fit_time": float(np.mean([r["fit_time"] for r in runs])),
        "n_iter": [r["n_iter"] for r in runs],
        "errors": [r["error"] for r in runs if r["error"]],
    }
