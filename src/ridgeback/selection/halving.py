r"""Successive halving over epochs: many candidates trained briefly, the best trained on.

With :math:`n` candidates, halving factor :math:`\eta` and the estimator's ``max_epochs``
:math:`R`, there are :math:`s + 1` rungs, :math:`s` the largest integer with
:math:`\eta^s \le n` and :math:`\eta^s \le R`. Rung :math:`i` trains its candidates up to
:math:`\lceil R / \eta^{s-i} \rceil` epochs (the last rung: :math:`R`) on the same folds; the
best :math:`\lfloor n_i / \eta \rfloor` by mean CV score (at least one) go on to the next rung.
27 candidates, :math:`\eta = 3`, :math:`R = 50`: 27 candidates at 2 epochs, 9 at 6, 3 at 17
and 1 at 50.

A candidate that goes on **resumes** its fold models: each fold's fit ends with
:meth:`~ridgeback.Trainer.continuation_state` (last epoch's weights, optimizer moments,
shuffling and dropout generators, early-stopping counters, the epoch reached, hence the
schedule position), and the next rung's fit of that fold starts from it with the larger
``max_epochs``. Training is therefore never repeated, and a candidate's scores at rung
:math:`i` are bit for bit those of a plain search with ``max_epochs`` set to that rung's
budget. (That holds for the constant learning rate; a schedule whose shape depends on
``max_epochs``, such as ``lr_schedule="cosine"`` or ``"onecycle"``, is laid out over each
rung's budget, so a resumed candidate's schedule is not the one a longer fit would have had.)
A fold whose early stopping has fired (or that diverged) is finished: its outcome
carries over unchanged, as a longer fit would end the same way.

Ranking. Rows are ranked by the rung reached, then by mean score; ``best_index_`` and the
one-standard-error choice are taken among the candidates of the highest rung reached (a
score after 2 epochs is not comparable with one after 50).

Synchronous, not asynchronous, halving. ASHA (Li et al. 2020) promotes a candidate as soon
as it is in the top :math:`1/\eta` of those *finished so far* at its rung, so that parallel
workers never wait at a rung's end. Which candidates are promoted then depends on the order
in which tasks finish, i.e. on the machine, the number of workers and the scheduler: the
same seeded search would pick differently serially, with ``n_jobs`` and on Dask. Here each
rung is a barrier: all its (candidate, fold) tasks run in parallel (joblib or Dask, lockstep
groups on the first rung), and promotion uses the complete rung, so results are identical
whatever the backend. The cost is idle workers at a rung's tail, which is small while a
rung holds many more tasks than workers (the first rungs); the last rungs hold
``n_candidates_i * n_folds`` tasks, still ``n_folds`` at the last.

A search without halving is the same machinery with one rung (used when a time budget or a
journal is given), so its results equal :func:`~ridgeback.tune`'s plain search.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.base import clone

from .._util.validation import check_int
from ..engine.history import TrainingDiverged
from .budget import DeadlineStop, passed
from .crossval import derive_seed, final_step, resolve_param, run_tasks, score_fitted, seed_estimator
from .rules import one_se_index, regularization_rank, score_ranks

__all__ = ["rung_budgets", "rung_sizes", "run_rungs"]


def rung_budgets(n_candidates: int, max_epochs: int, factor: int) -> list[int]:
    """The epoch budget of each rung (the last is ``max_epochs``)."""
    s = 0
    while factor ** (s + 1) <= n_candidates and factor ** (s + 1) <= max_epochs:
        s += 1
    return [max(1, -(-max_epochs // factor ** (s - i))) for i in range(s + 1)]


def rung_sizes(n_candidates: int, n_rungs: int, factor: int) -> list[int]:
    """How many candidates each rung trains."""
    sizes = [n_candidates]
    for _ in range(n_rungs - 1):
        sizes.append(max(1, sizes[-1] // factor))
    return sizes


# ---------------------------------------------------------------------- one task
def _fit_kwargs(**kwargs) -> dict:
    """The network's fit arguments that are set (it is fitted alone, on its fold's prepared
    matrix: nothing is routed through a pipeline)."""
    return {k: v for k, v in kwargs.items() if v is not None}


def _record(fitted, data, scoring, fit_time, keep_predictions=False) -> dict:
    """A fold outcome with the state to continue it from (None once it cannot go on)."""
    out = score_fitted(fitted, *data, scoring, fit_time, keep_predictions=keep_predictions)
    net = final_step(fitted)
    out["state"] = None if net.history_.stopped_early else net.trainer_.continuation_state()
    out["skipped"] = False
    return out


def _skipped() -> dict:
    return {"skipped": True, "state": None}


def rung_task(estimator, X, y, members, train, test, seed, scoring, epochs_param, budget, deadline,
              baseline=False, keep_predictions=False):
    """Outcomes of ``members`` (``(params, state)`` pairs; ``state`` None for a fresh start) on
    one fold, trained up to ``budget`` epochs: fresh ones together in lockstep when they
    allow it (no deadline), else one by one, resumed ones from their state. With ``baseline``,
    the first outcome also holds the linear baseline's scores on this fold
    (``"baseline"``, see :mod:`ridgeback.selection.baseline`), on the first member's fitted
    preprocessing."""
    outcomes, fitted = _rung_fits(estimator, X, y, members, train, test, seed, scoring, epochs_param,
                                  budget, deadline, keep_predictions)
    if baseline and not outcomes[0]["skipped"]:
        from .baseline import fold_scores

        start, predictions = time.perf_counter(), [] if keep_predictions else None
        scores = fold_scores(estimator, X, y, train, test, scoring, fitted, predictions)
        outcomes[0]["baseline"] = {"scores": scores, "seconds": time.perf_counter() - start,
                                   **({"predictions": predictions} if predictions else {})}
    return outcomes


def _rung_fits(estimator, X, y, members, train, test, seed, scoring, epochs_param, budget, deadline,
               keep_predictions=False):
    """``(outcomes, fitted)``: :func:`rung_task`'s fits, and the first member fitted (or None).
    Each network is fitted and scored on its fold's prepared matrices
    (:mod:`ridgeback.selection.prepared`), a pipeline's other steps fitted once per fold."""
    from .candidate_fits import fit_group  # the plain search's lockstep fitting, shared
    from .prepared import prepare_fold

    if passed(deadline):
        return [_skipped() for _ in members], None

    def build(params):
        return seed_estimator(clone(estimator).set_params(**params, **{epochs_param: budget}), seed)

    if len(members) > 1 and deadline is None and all(state is None for _, state in members):
        group = [build(params) for params, _ in members]
        start = time.perf_counter()
        fold = prepare_fold(group[0], X, y, train, test)
        try:
            together = fit_group(group, fold)
        except TrainingDiverged:  # one of them diverged: one by one, it gets its NaN score there
            together = False
        if together:
            fit_time = (time.perf_counter() - start) / len(group)
            return [_record(fold.network(m), fold.scoring_data, scoring, fit_time, keep_predictions)
                    for m in group], group[0]
    outcomes, first = [], None
    for params, state in members:
        if passed(deadline):
            outcomes.append(_skipped())
            continue
        model = build(params)
        stop = None if deadline is None else DeadlineStop(deadline)
        start = time.perf_counter()
        fold = prepare_fold(model, X, y, train, test)
        network = fold.network(model)
        try:
            network.fit(fold.X_fit, fold.y_train, **_fit_kwargs(resume_state=state,
                                                                callbacks=None if stop is None else [stop]))
        except TrainingDiverged as exc:
            outcomes.append({"test_score": float("nan"), "train_score": float("nan"),
                             "fit_time": time.perf_counter() - start, "n_iter": None, "error": str(exc),
                             "state": None, "skipped": False})
            continue
        if stop is not None and stop.fired:
            outcomes.append(_skipped())
            continue
        fold.assemble(model)
        final_step(model).trainer_.callbacks = []
        outcomes.append(_record(network, fold.scoring_data, scoring, time.perf_counter() - start,
                                keep_predictions))
        first = model if len(outcomes) == 1 else first
    return outcomes, first


# ---------------------------------------------------------------------- the rungs
def run_rungs(estimator, X, y, candidates, folds, entropy, scoring, *, factor=3, halving=True,
              n_jobs=None, backend=None, scheduler=None, progress=None, lockstep=True, deadline=None,
              journal=None, baseline=False, keep_predictions=False):
    """Cross-validate ``candidates`` rung by rung (see the module docstring).

    Returns
    -------
    rows : list of dict
        One row per candidate, from its highest complete rung: the plain search's keys, plus
        ``rung`` (None: never evaluated), ``epochs`` (that rung's budget), ``rung_scores`` and
        ``rung_epochs`` (its mean score at each rung it completed), ``status`` ("evaluated";
        "partial" or "skipped" when a time budget ran out before all its first-rung folds
        finished: ``folds_done`` and ``partial_score`` then say what did).
    best, one_se : int
    info : dict
        ``strategy``, ``factor``, ``rungs`` (epochs, candidates, tasks done and skipped per rung),
        ``evaluated`` / ``skipped`` candidate counts, ``skipped_tasks`` and ``stopped_by_budget``.
    """
    from .candidate_fits import candidate_result

    factor = check_int("halving_factor", factor, minimum=2)
    epochs_param = resolve_param(estimator, "max_epochs")
    if any(epochs_param in params for params in candidates) and halving:
        raise ValueError(f"search='halving' sets `max_epochs` itself (the rungs' budgets); take it out of "
                         f"the grid. Received: grid key={epochs_param!r}")
    max_epochs = int(estimator.get_params(deep=True)[epochs_param])
    n, k = len(candidates), len(folds)
    budgets = rung_budgets(n, max_epochs, factor) if halving else [max_epochs]
    sizes = rung_sizes(n, len(budgets), factor)
    total = sum(sizes) * k
    outcomes: dict = {}  # (candidate, fold, rung) -> outcome
    complete = [[] for _ in range(n)]  # per candidate: (rung, epochs, mean score) of complete rungs
    info = {"strategy": "halving" if halving else "full", "factor": factor if halving else None,
            "max_epochs": max_epochs, "rungs": [], "stopped_by_budget": False}
    alive, done = list(range(n)), 0
    for r, budget in enumerate(budgets):
        if r > 0:
            alive = _promote(alive, complete, r - 1, sizes[r])
        rung_info = {"rung": r, "epochs": budget, "candidates": len(alive),
                     "tasks_done": 0, "tasks_skipped": 0}
        info["rungs"].append(rung_info)
        if passed(deadline):
            info["stopped_by_budget"] = True
            rung_info["tasks_skipped"] = len(alive) * k
            break
        need = _needed(alive, k, r, outcomes, journal)
        plan = _plan(need, alive, r, k, estimator, candidates, lockstep, n_jobs, backend, scheduler)
        first_of_fold = {f: t for t, (_, f) in reversed(list(enumerate(plan)))}
        tasks = [([(candidates[i], (outcomes.get((i, f, r - 1)) or {}).get("state")) for i in group],
                  *folds[f], derive_seed(entropy, 1, f), scoring, epochs_param, budget, deadline,
                  baseline and r == 0 and first_of_fold[f] == t and not _has_baseline(outcomes, f, n),
                  keep_predictions)
                 for t, (group, f) in enumerate(plan)]
        done += (len(alive) * k) - len(need)

        def on_result(t, results, plan=plan, r=r):
            nonlocal done
            group, f = plan[t]
            for i, outcome in zip(group, results, strict=True):
                outcomes[(i, f, r)] = outcome
                if not outcome["skipped"] and journal is not None:
                    journal.put(i, f, r, outcome)
            done += len(group)
            if progress is not None:
                progress(min(done, total), total)
            return results

        if progress is not None and getattr(progress, "stage", None) is not None and len(budgets) > 1:
            progress.stage(r, len(budgets), budget)  # a bar may show the rung (the CLI's does)
        run_tasks(rung_task, (estimator, X, y), tasks, n_jobs=n_jobs, backend=backend,
                  scheduler=scheduler, on_result=on_result)
        _tally(alive, n, k, r, budget, outcomes, rung_info, complete)
        if rung_info["tasks_skipped"]:
            info["stopped_by_budget"] = True
            break
        if journal is not None and r > 0:  # every fit promoted from rung r - 1 has been continued
            journal.drop_states(r - 1)
    if journal is not None and not info["stopped_by_budget"]:
        journal.drop_states()  # finished: nothing is continued any more
    rows = [_row(i, candidates[i], complete[i], outcomes, k, budgets[0], candidate_result) for i in range(n)]
    if baseline:
        info["baseline"], info["baseline_oof"] = _baseline(estimator, outcomes, n, k, folds, len(y))
    best, one_se = _choose(rows, k)
    if keep_predictions:  # every candidate's held-out predictions, at the highest rung it completed
        info["oof_runs"] = {i: [outcomes[(i, f, rows[i]["rung"])] for f in range(k)]
                            for i in range(n) if rows[i]["rung"] is not None}
    info["evaluated"] = sum(row["rung"] is not None for row in rows)
    info["skipped"] = n - info["evaluated"]
    info["skipped_tasks"] = total - sum(ri["tasks_done"] for ri in info["rungs"]) - _carried(info, sizes, k)
    return rows, best, one_se, info


def _needed(alive, k, r, outcomes, journal) -> list:
    """The (candidate, fold) fits rung ``r`` must run. A fit the journal recorded is read back,
    and a fold that finished in the previous rung (stopped early or diverged) is carried over
    as it is; both are put in ``outcomes`` directly. A fold whose previous state the journal
    dropped is trained afresh to this rung's budget (the same scores as continuing it, at a
    constant learning rate)."""
    need = []
    for i in alive:
        for f in range(k):
            cached = None if journal is None else journal.get(i, f, r)
            if cached is not None:
                outcomes[(i, f, r)] = cached
                continue
            prev = outcomes.get((i, f, r - 1))
            if prev is not None and prev["state"] is None and not prev.get("state_dropped"):
                outcomes[(i, f, r)] = {**prev, "fit_time": 0.0}  # finished: stopped early or diverged
                continue
            need.append((i, f))  # a dropped state is trained afresh to this rung's budget
    return need


def _tally(alive, n, k, r, budget, outcomes, rung_info, complete) -> None:
    """After rung ``r``: count its done and skipped fits, record the mean score of each candidate
    whose folds all finished, and let go of the previous rung's training states."""
    for i in alive:
        runs = [outcomes[(i, f, r)] for f in range(k)]
        skipped = sum(o["skipped"] for o in runs)
        rung_info["tasks_skipped"] += skipped
        rung_info["tasks_done"] += k - skipped
        if not skipped:
            mean = float(np.mean([o["test_score"] for o in runs]))
            complete[i].append((r, budget, mean))
    for i in range(n):  # the previous rung's states are no longer needed
        for f in range(k):
            if (i, f, r - 1) in outcomes:
                outcomes[(i, f, r - 1)]["state"] = None


def _has_baseline(outcomes, fold, n) -> bool:
    return any("baseline" in outcomes.get((i, fold, 0), {}) for i in range(n))


def _baseline(estimator, outcomes, n, k, folds, n_rows):
    """``(summary, oof)``: the linear baseline from the first rung's outcomes and the
    out-of-fold predictions of its chosen strength (``(None, None)`` when a fold lacks it: a time
    budget ran out first; ``oof`` None when no predictions were kept)."""
    from .baseline import LINEAR_GRID, best_strength_oof, summarize

    per_fold = [next((outcomes[(i, f, 0)]["baseline"] for i in range(n)
                      if "baseline" in outcomes.get((i, f, 0), {})), None) for f in range(k)]
    strengths = len(next(iter(LINEAR_GRID.values())))
    if any(p is None or len(p["scores"]) != strengths for p in per_fold):  # (a journal of another grid)
        return None, None
    summary = summarize(estimator, [p["scores"] for p in per_fold], sum(p["seconds"] for p in per_fold))
    return summary, best_strength_oof(summary, [p.get("predictions") for p in per_fold], folds, n_rows)


def _carried(info, sizes, k) -> int:
    """Tasks of the rungs that never started (beyond those counted as skipped)."""
    started = sum(ri["tasks_done"] + ri["tasks_skipped"] for ri in info["rungs"])
    return sum(sizes[:len(info["rungs"])]) * k - started


def _plan(need, alive, r, k, estimator, candidates, lockstep, n_jobs, backend, scheduler):
    """``[(candidate indices, fold)]``: the first rung's fresh fits in lockstep groups,
    candidate-major (a candidate's folds finish together, which a time budget favours)."""
    from .candidate_fits import lockstep_groups, worker_count

    needed = set(need)
    if r == 0 and lockstep:
        n_fits = len(alive) * k
        groups = lockstep_groups(estimator, [candidates[i] for i in alive], n_fits,
                                  worker_count(n_jobs, backend, scheduler, n_fits))
        groups = [[alive[j] for j in group] for group in groups]
    else:
        groups = [[i] for i in alive]
    plan = []
    for group in groups:
        for f in range(k):
            members = [i for i in group if (i, f) in needed]
            if members:
                plan.append((members, f))
    return plan


def _promote(alive, complete, rung, size) -> list:
    """The ``size`` candidates of ``alive`` with the best mean score at ``rung`` (NaN last,
    ties to the lower index), in index order."""
    scored = [(i, next((m for rr, _, m in complete[i] if rr == rung), np.nan)) for i in alive]
    means = np.array([m for _, m in scored], dtype=float)
    order = np.argsort(-np.nan_to_num(means, nan=-np.inf), kind="stable")
    return sorted(scored[j][0] for j in order[:size])


def _row(i, params, complete, outcomes, k, first_budget, candidate_result) -> dict:
    if not complete:
        # not every fold of the first rung finished in time: no score, but the folds that did
        # finish give a partial one, the last resort of a search whose budget ran out early
        done = [o for f in range(k) if not (o := outcomes.get((i, f, 0), {"skipped": True}))["skipped"]]
        row = {"params": dict(params), "mean_score": float("nan"), "std_score": float("nan"),
               "fold_scores": [], "mean_train_score": float("nan"), "train_scores": [],
               "mean_fit_time": float("nan"), "n_iter": [], "errors": []}
        row.update(rung=None, epochs=first_budget, rung_scores=[], rung_epochs=[],
                   status="partial" if done else "skipped", folds_done=len(done),
                   partial_score=float(np.mean([o["test_score"] for o in done])) if done else float("nan"))
        return row
    last = complete[-1][0]
    runs = [outcomes[(i, f, last)] for f in range(k)]
    fit_time = [sum(outcomes[(i, f, r)]["fit_time"] for r, _, _ in complete) for f in range(k)]
    row = candidate_result(params, [{**o, "fit_time": t} for o, t in zip(runs, fit_time, strict=True)])
    row.update(rung=last, epochs=complete[-1][1], rung_scores=[m for _, _, m in complete],
               rung_epochs=[e for _, e, _ in complete], status="evaluated")
    return row


def _choose(rows, k) -> tuple[int, int]:
    """Give every row its ``rank`` (rung reached, then mean score); return ``(best, one_se)``
    taken among the candidates of the highest rung reached."""
    rung = np.array([-1 if row["rung"] is None else row["rung"] for row in rows])
    mean = np.array([row["mean_score"] for row in rows], dtype=float)
    order = np.lexsort((np.arange(len(rows)), -np.nan_to_num(mean, nan=-np.inf), -rung))
    ranks = np.empty(len(rows), dtype=int)
    ranks[order] = np.arange(1, len(rows) + 1)
    top = np.flatnonzero(rung == rung.max())
    # within the top rung, equal scores share a rank as in the plain search
    shared = score_ranks(mean[top])
    for j, i in enumerate(top):
        ranks[i] = int(shared[j])
    for row, rank in zip(rows, ranks, strict=True):
        row["rank"] = int(rank)
    if rung.max() < 0:  # no candidate has all its folds: the best partial score, if any
        partial = np.array([row["partial_score"] for row in rows], dtype=float)
        best = 0 if np.all(np.isnan(partial)) else int(np.nanargmax(partial))
        return best, best
    std = np.array([rows[i]["std_score"] for i in top], dtype=float)
    best, one_se = one_se_index(mean[top], std, k, regularization_rank([rows[i]["params"] for i in top]))
    return int(top[best]), int(top[one_se])
