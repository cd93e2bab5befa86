"""The candidates' fits on the folds: every (candidate, fold) fit of a search, run as tasks.

A task fits a group of candidates on one fold, seeded with ``derive_seed(entropy, 1, k)`` for
fold :math:`k` whatever the candidate (common random numbers; see
:mod:`ridgeback.selection.search`). Candidates of a ridgeback estimator (or of a pipeline
ending in one) that differ only in the network's ``LOCKSTEP_FREE`` parameters are grouped, up
to ``LOCKSTEP_GROUP`` at a time, and trained together in lockstep
(:func:`~ridgeback.estimators.base.fit_together`), with the results of fitting them one by
one. A candidate's row of ``results_`` is made here from its fold outcomes. The plain, random
and TPE searches run their fits through :func:`cross_validate`; successive halving
(:mod:`ridgeback.selection.halving`) shares the grouping and the lockstep fitting.
"""

from __future__ import annotations

import time
from itertools import accumulate

import numpy as np
from sklearn.base import clone

from ..engine.history import TrainingDiverged
from ..estimators.base import _BaseMLP, fit_together
from ..estimators.hyperparams import lockstep_free
from .crossval import (
    check_n_jobs,
    derive_seed,
    final_step,
    fit_and_score,
    run_tasks,
    score_fitted,
    seed_estimator,
    take_weights,
)

__all__ = ["LOCKSTEP_FREE", "LOCKSTEP_GROUP", "cross_validate", "candidate_result", "fit_group",
           "lockstep_groups", "worker_count"]

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
            together = fit_group(members, fold, w_train)
        except TrainingDiverged:  # one of them diverged: one by one, it gets its NaN score there
            together = False
        if together:
            fit_time = (time.perf_counter() - start) / len(members)  # the group's time, shared out
            return [_with_model(score_fitted(fold.network(m), *fold.scoring_data, scoring, fit_time, w_train,
                                             w_test, keep_predictions), m, keep_model)
                    for m in members]
    return [_candidate_task(estimator, X, y, sample_weight, params, train, test, seed, scoring,
                            keep_predictions, keep_model) for params in group]


def fit_group(members, fold, sample_weight=None) -> bool:
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


def worker_count(n_jobs, backend, scheduler, n_fits):
    """How many workers will share the tasks (as many as fits on Dask: a cluster's size is not
    known here, so Dask gets one candidate per task)."""
    if backend == "dask" or scheduler is not None:
        return n_fits
    if check_n_jobs(n_jobs) in (None, 1):
        return 1
    from joblib import effective_n_jobs

    return effective_n_jobs(n_jobs)


def lockstep_groups(estimator, candidates, n_tasks, workers):
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


def cross_validate(estimator, X, y, candidates, folds, entropy, scoring, *, n_jobs, backend, scheduler,
                    progress, lockstep, keeper=None, sample_weight=None, keep_predictions=False) -> list:
    """The outcome of every (candidate, fold) fit, candidate-major: ``outcomes[i * n_folds + k]``.

    The tasks are lockstep groups of candidates on one fold; fold ``k`` is seeded with
    ``derive_seed(entropy, 1, k)`` whatever the candidate. With a ``keeper``
    (:class:`FoldKeeper`), each task returns its fitted models, which are handed to the keeper
    as they arrive and taken out of the outcomes.
    """
    k = len(folds)
    n_fits = len(candidates) * k
    groups = (lockstep_groups(estimator, candidates, n_fits, worker_count(n_jobs, backend, scheduler, n_fits))
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


def candidate_result(params, runs) -> dict:
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
