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

The (candidate, fold) fits themselves, in lockstep groups, are run by
:mod:`ridgeback.selection.candidate_fits`; what a search returns is
:class:`~ridgeback.selection.result.TuneResult`.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.model_selection import ParameterGrid, ParameterSampler
from sklearn.utils import _safe_indexing

from .._util.validation import check_int, check_one_of
from ..metrics import Scorer, get_scorer
from .candidate_fits import LOCKSTEP_FREE as LOCKSTEP_FREE  # named in tune's docstring
from .candidate_fits import candidate_result, cross_validate
from .crossval import (
    assemble_held_out,
    check_grid,
    derive_seed,
    final_step,
    fit_and_score,
    fit_params,
    make_folds,
    resolve_entropy,
    resolve_param,
    seed_estimator,
    take_weights,
)
from .ensemble import ENSEMBLES, FoldEnsemble, FoldKeeper
from .path import RegularizationPath, lambda_max, regularization_path  # public here; own module for size
from .prepared import one_search
from .result import TuneResult, rank_and_choose  # TuneResult public here, as tune returns it
from .rules import REGULARIZATION_PARAMS, one_se_index, regularization_rank

__all__ = ["tune", "TuneResult", "regularization_path", "RegularizationPath", "lambda_max",
           "regularization_rank", "one_se_index", "REGULARIZATION_PARAMS"]


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
    adaptive, sample_weight = _check_arguments(refit, ensemble, search, n_iter, time_budget, journal,
                                               sample_weight, len(y))
    grids = check_grid(estimator, grid, random=n_iter is not None)
    entropy = resolve_entropy(random_state, estimator)
    folds = make_folds(estimator, X, y, cv, derive_seed(entropy, 0))
    include = _check_include(include, grids)
    if search == "tpe" and include:
        raise ValueError(f"search='tpe' proposes every candidate itself; it takes no `include`. "
                         f"Received: include={include!r:.100}")
    run = dict(n_jobs=n_jobs, backend=backend, scheduler=scheduler)
    if search == "tpe":
        return _tpe(estimator, X, y, grids, n_iter, folds, entropy, scoring, refit, time_budget, journal,
                    run, progress)
    candidates = include + _candidates(grids, n_iter, entropy)
    if adaptive:
        return _adaptive(estimator, X, y, candidates, folds, entropy, scoring, refit, search == "halving",
                         halving_factor, time_budget, journal, baseline, lockstep, run, progress)
    return _plain(estimator, X, y, candidates, folds, entropy, scoring, refit, ensemble, baseline,
                  lockstep, sample_weight, run, progress)


def _check_arguments(refit, ensemble, search, n_iter, time_budget, journal, sample_weight, n_rows):
    """``(adaptive, sample_weight)``: tune's arguments checked together (whether the search is
    halving, TPE, budgeted or journaled; the weights as float64)."""
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
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if sample_weight.shape != (n_rows,):
            raise ValueError(f"`sample_weight` must hold one weight per row ({n_rows}). "
                             f"Received: sample_weight with shape {sample_weight.shape}")
    if sample_weight is not None and adaptive:
        raise ValueError("sample_weight is not yet passed to a halving, TPE, budgeted or journaled search. "
                         f"Received: sample_weight with search={search!r}")
    return adaptive, sample_weight


def _adaptive(estimator, X, y, candidates, folds, entropy, scoring, refit, halving, factor, time_budget,
              journal, baseline, lockstep, run, progress):
    """A halving, budgeted or journaled search of ``candidates`` (:func:`~.halving.run_rungs`)."""
    from .budget import deadline_from
    from .halving import run_rungs

    results, best, one_se, info = run_rungs(
        estimator, X, y, candidates, folds, entropy, scoring, factor=factor, halving=halving, **run,
        progress=progress, lockstep=lockstep, deadline=deadline_from(time_budget), journal=journal,
        baseline=baseline, keep_predictions=isinstance(get_scorer(scoring), Scorer))
    info["time_budget"] = time_budget
    oof = {i: _assemble_oof(runs, folds, len(y)) for i, runs in info.pop("oof_runs", {}).items()} or None
    linear_oof = info.pop("baseline_oof", None)
    return _finish(estimator, X, y, results, best, one_se, candidates, entropy, refit, len(folds),
                   scoring, info, info.pop("baseline", None), oof=oof, baseline_oof=linear_oof)


def _plain(estimator, X, y, candidates, folds, entropy, scoring, refit, ensemble, baseline, lockstep,
           sample_weight, run, progress):
    """A grid or random search: every candidate on every fold (the chosen one's fold models kept
    under ``ensemble="folds"``), then the linear baseline on the same folds."""
    k = len(folds)
    keeper = FoldKeeper(k, "1se" if refit == "1se" else "best") if ensemble == "folds" else None
    keep = isinstance(get_scorer(scoring), Scorer)
    in_search = keep and _oof_bytes(estimator, y, len(candidates)) <= OOF_BUDGET_BYTES
    outcomes = cross_validate(estimator, X, y, candidates, folds, entropy, scoring, **run, progress=progress,
                              lockstep=lockstep, keeper=keeper, sample_weight=sample_weight,
                              keep_predictions=in_search)
    results = [candidate_result(params, outcomes[i * k:(i + 1) * k]) for i, params in enumerate(candidates)]
    best, one_se = rank_and_choose(results, k)
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
        outcomes = cross_validate(estimator, X, y, [params], folds, entropy, scoring, progress=None,
                                   lockstep=False, **run)
        rows.append(candidate_result(params, outcomes))
        if progress is not None:
            progress(len(rows) * k, n_iter * k)
        return rows[-1]["mean_score"]

    candidates = tpe_candidates(grids, n_iter, entropy, evaluate, deadline_from(time_budget))
    if not rows:
        raise ValueError(f"search='tpe' evaluated no candidate within the time budget. "
                         f"Received: time_budget={time_budget!r}")
    best, one_se = rank_and_choose(rows, k)
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
