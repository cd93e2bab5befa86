"""``ridgeback tune``: cross-validated choice of L1, L2, dropout and the network's size."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .._util.text import format_params
from .common import (
    emit,
    estimator_params,
    format_table,
    load_data,
    make_estimator,
    make_preprocessor,
    notes_on_stderr,
    parse_grid,
    resolve_metric,
    resolve_settings,
)
from .ensembles import (
    SEED_MEMBERS,
    blend_ensemble,
    blend_networks,
    blend_of,
    blend_record,
    ensemble_gain,
    ensemble_setting,
    hold_out,
    linear_model,
    refit,
    seed_ensemble,
    tabular_fold_ensemble,
    with_linear,
)
from .exit_codes import ExitCode
from .search_helpers import fold_progress, pipeline, report_context, status, step_grid, strip_step

#: epochs of a search with --grid (the no-hints search sizes its own: selection/recipe.py)
TUNE_EPOCHS = 50

#: the seed ensemble's note, when the linear baseline is averaged in
AVERAGE_NOTE = (", and that average is averaged half and half with the linear baseline, refitted on all "
                "rows (the two were within one standard error of each other in the cross-validation)")


def _params_text(params: dict) -> str:
    return format_params(params, empty="(defaults)", aliases={"hidden_layer_sizes": "hidden"})


def _results_table(result) -> str:
    """Every candidate by rank; ``*`` marks the best mean score, ``1se`` the one-standard-error choice."""
    rows = []
    for i, r in enumerate(result.results_):
        mark = "".join(m for m, idx in (("*", result.best_index_), ("1se", result.one_se_index_)) if idx == i)
        rows.append(
            {
                "rank": r.get("rank"),
                "params": _params_text(r["params"]),
                "score": r["mean_score"],
                "std": r["std_score"],
                "train": r.get("mean_train_score"),
                "epochs": "-" if r.get("status") == "skipped" else r.get("epochs"),
                "mark": mark,
            }
        )
    rows.sort(key=lambda r: r["rank"] if r["rank"] is not None else 10**9)
    columns = [
        ("rank", "rank", ""),
        ("cv score", "score", "{:.4f}"),
        ("± std", "std", "{:.4f}"),
        ("train", "train", "{:.4f}"),
        ("", "mark", ""),
        ("parameters", "params", ""),
    ]
    if result.search is not None:  # halving and budgets: the epochs each candidate was scored at
        columns.insert(4, ("epochs", "epochs", ""))
    return format_table(rows, columns)


def cmd_tune(args) -> int:
    """Search, refit the choice (--refit) on all rows, save it with its report, print the table."""
    # fewer epochs than `train`: every candidate is fitted once per fold (early stopping still applies)
    settings = resolve_settings(args, defaults={"epochs": TUNE_EPOCHS})
    X, y, task = _load_table(args, settings)
    recipe = None if args.grid else _recipe(X, y, task, args.cv)
    if recipe is not None:  # the no-hints search's settings, below the user's flags and TOML keys
        settings = resolve_settings(args, defaults=recipe.settings)
    args.settings = settings  # the column-role overrides reach the search and the refit
    base = estimator_params(settings)
    grid, n_iter = _search_space(args, recipe)
    from ..metrics import DEFAULT_METRIC

    metric = resolve_metric(settings, task, DEFAULT_METRIC[task])  # what picks the candidate
    ensemble = ensemble_setting(settings, recipe is not None and args.time_budget is None)
    if ensemble == "blend" and args.refit == "1se":
        raise ValueError("--ensemble blend weighs the candidates by their out-of-fold predictions; it takes "
                         "no --refit 1se. Received: --ensemble blend --refit 1se")
    holdout = None
    if ensemble == "folds":  # rows neither the search nor the models see: the ensemble's gain
        X, y, holdout = hold_out(X, y, task, settings.get("seed", 0))
    estimator = make_estimator(task, base)
    make_preprocessor(settings)  # a bad scaling or column list fails here, before any fitting
    for name, values in grid.items():  # check every candidate value before hours of fitting
        for value in values:
            make_estimator(task, {**base, name: value})
    include = _include(args, recipe, n_iter, ensemble)
    n_candidates = (n_iter or int(np.prod([len(v) for v in grid.values()]))) + len(include)
    status(args, f"tuning {n_candidates} candidates x {args.cv} folds ...")
    start = time.perf_counter()
    with notes_on_stderr(args.quiet):
        journal = _journal(args, X, y) if ensemble != "folds" else None
        result = _search(args, estimator, X, y, grid, n_iter, settings.get("seed", 0), metric,
                         "folds" if ensemble == "folds" else "none", journal, recipe, include)
        refit_index, blend, chosen, ensemble = _answer(args, result, recipe, ensemble, y, metric, task)
        linear = chosen == "linear"
        params = result.results_[refit_index]["params"]
        epochs = result.results_[refit_index].get("epochs")  # halving or a budget: as evaluated
        if linear:  # no network beat the linear model on the same folds: it is the answer
            model, out = _refit_linear(args, task, base, result.baseline, X, y)
            params = {"hidden_layer_sizes": (), "l2": model.estimator.l2}
            ensemble = "none"  # one deterministic fit: nothing to average
        else:
            model, out = _refit_and_save(args, task, base, params, X, y, epochs, save_it=ensemble == "none")
        if ensemble == "seeds":
            seeds = seed_ensemble(args, task, base, params, X, y, epochs, model)
            if chosen == "average":  # the CV cannot tell the network from the linear model
                seeds = with_linear(args, task, base, seeds, result.baseline, X, y)
            _save(seeds, out)
        if ensemble == "blend":
            _save(blend_ensemble(args, task, base, result, blend, X, y, model, refit_index), out)
        gain = None
        if ensemble == "folds":
            folds_model = tabular_fold_ensemble(result.best_estimator_)
            gain = ensemble_gain(folds_model, model, holdout, metric)
            _save(folds_model, out)
    elapsed = time.perf_counter() - start
    args.columns = model.preprocessor.plan_.summary()
    # the search ran without a refit; the CLI refitted `refit_index` as a TabularModel: say so
    tune_ctx = {**result.to_dict(), "refit": args.refit, "refit_index": refit_index, "metric": metric,
                "chosen": chosen,
                **({"blend": blend_record(blend)} if blend is not None else {})}
    errors = _held_out_errors(result, refit_index, y.to_numpy(), task, args.cv, chosen)
    report = _write_report(args, out, model, settings, grid, n_iter, X, task, metric, tune_ctx, gain, errors,
                           ensemble)
    emit(
        args,
        {
            "tune": tune_ctx,
            "refit": args.refit,
            "refit_params": params,
            "model_dir": str(out),
            "report": str(report),
            "columns": model.preprocessor.plan_.summary(),
            "plan": model.preprocessor.plan_.to_list(),
            "seconds": elapsed,
            "ensemble": ensemble,
            **({"ensemble_gain": gain} if gain is not None else {}),
        },
        _summary_text(args, result, metric, out, report, elapsed, gain, tune_ctx["chosen"], ensemble,
                      tune_ctx.get("blend") if ensemble == "blend" else None),
    )
    return ExitCode.OK


def _answer(args, result, recipe, ensemble, y, metric, task):
    """``(refit_index, blend, chosen, ensemble)``: which candidate is refitted (--refit's, or the
    blend's heaviest network), the blend (``--ensemble blend``; None otherwise or when nothing
    could be blended), what is saved (``chosen``: ``"linear"`` when no network beat the linear
    baseline on the same folds in the no-hints search, or the blend is the linear model alone;
    ``"average"`` when the no-hints search of a regression, with seeds, cannot tell the two
    apart and saves their average; else ``"network"``) and what ``ensemble`` comes to (a blend
    of one network is its seeded refits)."""
    refit_index = result.one_se_index_ if args.refit == "1se" else result.best_index_
    blend = blend_of(result, y, metric) if ensemble == "blend" else None
    if ensemble == "blend" and blend is None:
        ensemble = "seeds"  # no out-of-fold predictions to blend: the seeds of the best
    networks = blend_networks(blend) if blend is not None else []
    if networks:
        refit_index = max(networks, key=lambda i: (blend["weights"][i], -i))
    if blend is not None:
        chosen = "network" if networks else "linear"
    elif recipe is not None and ensemble != "folds":
        chosen = _baseline_choice(result, average=ensemble == "seeds" and task == "regression")
    else:
        chosen = "network"
    if blend is not None and chosen == "network" and len(blend["weights"]) == 1:
        ensemble = "seeds"  # one network alone: its seeded refits
    return refit_index, blend, chosen, ensemble


def _recipe(X, y, task, cv):
    """The no-hints search (:func:`~ridgeback.selection.recipe.default_recipe`), sized to the
    rows a fold trains on."""
    from ..selection.recipe import default_recipe

    if cv < 2:
        raise ValueError(f"`--cv` must be at least 2 folds. Received: cv={cv}")
    n_classes = min_share = None
    if task == "classification":
        shares = y.value_counts(normalize=True)
        n_classes, min_share = int(len(shares)), float(shares.min())
    return default_recipe(max(1, len(X) * (cv - 1) // cv), max(1, X.shape[1]), task, n_classes, min_share)


def _search_space(args, recipe=None):
    """``(grid, n_iter)``: --grid searched in full, else --n-iter (default: the recipe's) random
    candidates of the no-hints ``recipe``."""
    grid = parse_grid(args.grid) if args.grid else recipe.grid
    n_iter = args.n_iter if args.n_iter is not None else (None if args.grid else recipe.n_iter)
    if args.cv < 2:
        raise ValueError(f"`--cv` must be at least 2 folds. Received: cv={args.cv}")
    return grid, n_iter


def _load_table(args, settings):
    """``(X, y, task)`` of DATA, the task from the settings or inferred from the target."""
    from ..tabular.data import infer_task, split_target

    df = load_data(args.data)
    X, y = split_target(df, args.target, task=settings.get("task"))
    return X, y, settings.get("task") or infer_task(y)


def _journal(args, X, y):
    """RUNDIR/search/: the search's journal, fingerprinted by the data and every argument that
    changes a fit (not --n-jobs, --scheduler, --time-budget, --quiet, --json)."""
    import pandas as pd

    from ..selection.journal import SearchJournal, fingerprint

    data = pd.util.hash_pandas_object(X, index=True).to_numpy().tobytes() + repr(list(X.columns)).encode()
    data += pd.util.hash_pandas_object(pd.Series(y), index=False).to_numpy().tobytes()
    # the data are hashed by content (a copy of the file resumes too), not by the path
    ignored = {"data", "n_jobs", "scheduler", "time_budget", "quiet", "json", "resume", "settings", "columns",
               "func"}
    arguments = {k: v for k, v in sorted(vars(args).items()) if k not in ignored and not callable(v)}
    return SearchJournal(Path(args.out) / "search", fingerprint(data=data, arguments=arguments),
                         resume=args.resume)


def _search(args, estimator, X, y, grid, n_iter, seed, metric, ensemble="none", journal=None, recipe=None,
            include=()):
    """The cross-validated search by ``metric`` (no refit: the CLI refits a TabularModel; with
    ``ensemble="folds"`` the chosen candidate's fold models are kept), parameter names without
    the pipeline's prefix; every finished fit recorded in ``journal``; the ``include``
    candidates (:func:`_include`) evaluated besides the draw."""
    from ..selection.search import tune

    progress, close_progress = fold_progress(args)
    try:
        result = tune(
            pipeline(estimator, make_preprocessor(args.settings)),
            X,
            y.to_numpy(),
            step_grid(grid),
            cv=args.cv,
            n_iter=n_iter,
            n_jobs=args.n_jobs,
            backend="dask" if args.scheduler else None,
            scheduler=args.scheduler,
            random_state=seed,
            refit=args.refit if ensemble == "folds" else False,
            scoring=metric,
            progress=progress,
            ensemble=ensemble,
            search=_search_kind(args, n_iter, recipe, ensemble),
            halving_factor=args.halving_factor,
            time_budget=args.time_budget,
            journal=journal,
            baseline=True,
            include=[step_grid(c) for c in include],
        )
    finally:
        close_progress()
    return strip_step(result)


def _include(args, recipe, n_iter, ensemble) -> list:
    """The recipe's ``include`` candidates (its anchor), searched besides the random draw of the
    no-hints search; none with --grid or --search tpe."""
    if recipe is None or args.grid or _search_kind(args, n_iter, recipe, ensemble) == "tpe":
        return []
    return recipe.include


def _search_kind(args, n_iter, recipe=None, ensemble="none"):
    """tune's ``search``: --search, else the no-hints recipe's (halving; a random search of its
    candidates under --ensemble folds, which needs every fold model of the chosen one), where a
    random search's --n-iter is set by default."""
    if args.search == "grid" and n_iter is not None and not args.grid:
        raise ValueError("--search grid needs --grid (the default space is searched at random). "
                         "Received: --search grid without --grid")
    if args.search == "grid" and args.n_iter is not None:
        raise ValueError(f"--search grid takes every --grid combination; leave out --n-iter. "
                         f"Received: --n-iter {args.n_iter}")
    if args.search == "random" and n_iter is None:
        raise ValueError("--search random needs --n-iter N. Received: --search random without --n-iter")
    if args.search is None and recipe is not None and ensemble == "none":
        return recipe.search  # many candidates seen briefly, the best trained long
    if args.search is None and args.time_budget is not None and not args.grid:
        return "halving"  # a budget is best spent seeing every candidate briefly first
    return None if args.search in (None, "grid", "random") else args.search


def _refit_and_save(args, task, base, params, X, y, epochs=None, save_it=True):
    """``(model, out)``: the chosen ``params`` over the ``base`` settings (trained for ``epochs``,
    as the search evaluated it, when given), refitted on all rows as a TabularModel and saved in
    --out (unless ``save_it`` is False: a fold ensemble is saved)."""
    status(args, f"refitting {_params_text(params)} on all {len(X)} rows ...")
    model = refit(args, task, base, params, X, y, epochs)
    out = Path(args.out)
    if save_it:
        _save(model, out)
    return model, out


def _baseline_choice(result, average=False) -> str:
    """``"network"``, ``"linear"`` or ``"average"``: the best network candidate against the
    linear baseline on the same folds, by the same metric
    (:func:`~ridgeback.selection.rules.baseline_choice`). When the best candidate is itself
    linear (no hidden layer), there is no network to average with."""
    from ..selection.rules import baseline_choice

    baseline = result.baseline
    if not baseline or baseline.get("mean_score") is None:
        return "network"
    best = result.results_[result.best_index_]
    average = average and tuple(best["params"].get("hidden_layer_sizes", (1,))) != ()
    return baseline_choice((best.get("mean_score"), best.get("std_score")),
                           (baseline["mean_score"], baseline.get("std_score")), result.n_folds,
                           average=average)


def _refit_linear(args, task, base, baseline, X, y):
    """``(model, out)``: the baseline's linear model refitted on all rows (same preprocessing),
    held as a ridgeback network without hidden layer, and saved in --out."""
    model = linear_model(args, task, base, baseline, X, y)
    out = Path(args.out)
    _save(model, out)
    return model, out


def _save(model, out):
    from ..persist.model_dir import save

    save(model, out)



def _held_out_errors(result, index, y, task, n_folds, chosen="network"):
    """The report's errors part: the out-of-fold predictions of the refitted candidate (None when
    the search kept none, e.g. a fold diverged). When the linear baseline was saved instead, or
    averaged with the network, they are the network's alone, and the source says so."""
    from ..report.errors import held_out_errors

    oof = (result.oof_predictions_ or {}).get(index)
    if oof is None:
        return None
    which = {"linear": "the best network candidate; the saved model is the linear baseline, whose held-out "
                       "predictions were not kept",
             "average": "the one refitted; the saved model averages it with the linear baseline, whose "
                        "held-out predictions were not kept"}.get(chosen, "the one refitted")
    source = (f"the out-of-fold predictions of candidate {index} ({which}): each row predicted "
              f"by that candidate's model of the one fold, of {n_folds}, that held the row out")
    classes = np.unique(y) if task == "classification" else None
    return held_out_errors(task, y, oof, classes, source=source)


def _write_report(args, out, model, settings, grid, n_iter, X, task, metric, tune_ctx, gain=None,
                  errors=None, ensemble="none") -> Path:
    """RUNDIR/run.json and RUNDIR/report.html: the data set, the run's settings and the search."""
    from ..report.document import write_report

    dataset = {
        "name": str(args.data),
        "n_rows": int(len(X)),
        "n_features": int(X.shape[1]),
        "task": task,
        "target": args.target,
    }
    run_settings = {
        **{k: (list(v) if isinstance(v, tuple) else v) for k, v in settings.items()},
        "cv": args.cv,
        "n_iter": n_iter,
        "refit": args.refit,
        "grid": {k: [list(v) if isinstance(v, tuple) else v for v in vals] for k, vals in grid.items()},
    }
    comparison, notes = None, ()
    if gain is not None:
        run_settings["ensemble"] = "folds"
        comparison = [{"name": f"fold ensemble ({gain['n_members']} models, saved)",
                       "test_score": gain["ensemble"]["score"]},
                      {"name": "single refit", "test_score": gain["single_refit"]["score"]}]
        notes = (f"The saved model averages the chosen candidate's {gain['n_members']} cross-validation "
                 f"fold models. On {gain['holdout_rows']} held-out rows (seen by neither) its {metric} is "
                 f"{gain['ensemble']['score']:.4f} against {gain['single_refit']['score']:.4f} for a single "
                 f"refit on the same rows: a gain of {gain['gain']:+.4f}. The model figures below show "
                 f"the single refit.",)
    if ensemble == "seeds":
        run_settings["ensemble"] = "seeds"
        first = settings.get("seed", 0)
        notes = (f"The saved model averages {SEED_MEMBERS} refits of the chosen candidate on all rows, "
                 f"with seeds {first} to {first + SEED_MEMBERS - 1}"
                 f"{AVERAGE_NOTE if tune_ctx.get('chosen') == 'average' else ''}; the model figures below "
                 f"show the first network. Its gain over a single refit is not measured on this table (no "
                 f"rows are held out); benchmarks/QUALITY.md measures it on public tables.",)
    if ensemble == "blend":
        run_settings["ensemble"] = "blend"
        blend = tune_ctx["blend"]
        notes = (f"The saved model is a weighted blend of {blend['text']}, chosen by greedy ensemble "
                 f"selection on the candidates' out-of-fold predictions (out-of-fold {metric} "
                 f"{blend['oof_score']:.4f}, against {blend['members'][0]['oof_score']:.4f} for its "
                 f"largest member alone; optimistic, as the weights were chosen on those rows). Each "
                 f"network is refitted on all rows with seeds; the model figures below show candidate "
                 f"{tune_ctx['refit_index']}'s first refit.",)
    return write_report(
        out,
        report_context(f"ridgeback tune: {args.data}", dataset, run_settings, model, metric, tune=tune_ctx,
                       comparison=comparison, errors=errors,
                       notes=[*notes, *_baseline_lines(tune_ctx.get("baseline"), tune_ctx, metric)]),
    )


def _summary_text(args, result, metric, out, report, elapsed, gain=None, chosen="network",
                  ensemble="none", blend=None) -> str:
    """The candidates' table, both answers and where the model and the report went."""
    best, one_se = result.results_[result.best_index_], result.results_[result.one_se_index_]
    return "\n".join(
        [
            _results_table(result),
            "",
            f"best (*):  {_params_text(best['params'])}  cv {metric} {best['mean_score']:.4f} "
            f"± {best['std_score']:.4f}",
            f"1-SE:      {_params_text(one_se['params'])}  cv {metric} {one_se['mean_score']:.4f} "
            f"(most regularized within one standard error of the best)",
            *_search_lines(result.search),
            *_baseline_lines(result.baseline, {**result.to_dict(), "chosen": chosen}, metric),
            args.columns,
            f"refit on all data: {'the linear baseline' if chosen == 'linear' else args.refit}"
            f"{f', averaged over {SEED_MEMBERS} seeds' if ensemble == 'seeds' else ''}"
            f"{', then half and half with the linear baseline' if chosen == 'average' else ''} -> model "
            f"saved in {out} ({elapsed:.1f}s)" if gain is None and blend is None else
            f"refit on all data: the blend {blend['text']} (out-of-fold {metric} "
            f"{blend['oof_score']:.4f}) -> model saved in {out} ({elapsed:.1f}s)" if gain is None else
            f"fold ensemble of {gain['n_members']} models ({args.refit}) saved in {out} ({elapsed:.1f}s); "
            f"held-out {metric} {gain['ensemble']['score']:.4f} vs {gain['single_refit']['score']:.4f} for a "
            f"single refit ({gain['gain']:+.4f})",
            f"report: {report}",
        ]
    )


def _search_lines(info) -> list:
    """How the search ran: halving's rungs, and what a time budget left out."""
    if not info:
        return []
    lines = []
    if info["strategy"] == "halving":
        rungs = ", ".join(f"{r['candidates']} x {r['epochs']} epochs" for r in info["rungs"])
        lines.append(f"halving (eta {info['factor']}): {rungs}")
    if info.get("time_budget") is not None:
        left = (f"skipped {info['skipped']} candidate(s) and {info['skipped_tasks']} fit(s)"
                if info["stopped_by_budget"] else "nothing skipped")
        lines.append(f"time budget {info['time_budget']:g}s: evaluated {info['evaluated']} candidate(s), "
                     f"{left}")
    return lines


def _baseline_lines(baseline, tune_ctx, metric) -> list:
    """The linear baseline next to the chosen network, on the same folds."""
    if not baseline:
        return []
    chosen = tune_ctx["results"][tune_ctx.get("refit_index", tune_ctx["best_index"])]["mean_score"]
    gap = "" if chosen is None else f"; the network {chosen:.4f} ({chosen - baseline['mean_score']:+.4f})"
    lines = [f"linear baseline ({baseline['model']} {baseline['param']}={baseline['value']:g}, same folds): "
             f"cv {metric} {baseline['mean_score']:.4f} ± {baseline['std_score']:.4f}{gap}"]
    if tune_ctx.get("chosen") == "linear":
        lines.append("no network candidate beat the linear baseline, so the saved model is that linear "
                     "model, refitted on all rows and held as a ridgeback network without hidden layer "
                     "(the same predictions; it saves, loads, exports and reports like any other)")
    if tune_ctx.get("chosen") == "average":
        lines.append("the best network and the linear baseline are within one standard error of each "
                     "other, so the saved model averages the two half and half: on squared error an "
                     "average is never worse than the two models' mean error")
    return lines
