"""``ridgeback tune``: cross-validated choice of L1, L2, dropout and the network's size.

The command's steps: settings, the search, its answer, the refit and what is saved; what it
prints and the report it writes are in :mod:`.tune_output`."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .column_roles import (
    entity_settings,
    fold_settings,
    group_code_settings,
    identifier_settings,
    linear_scores,
    period_settings,
    text_settings,
    value_count_settings,
)
from .common import (
    OPTIONS,
    emit,
    estimator_params,
    leak_check,
    load_table,
    make_estimator,
    make_preprocessor,
    notes_on_stderr,
    parse_grid,
    resolve_metric,
    resolve_settings,
    user_settings,
)
from .ensembles import (
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
from .search_helpers import fold_progress, pipeline, split_preprocessing, status, step_grid, strip_step
from .tune_output import params_text, search_errors, summary_text, write_tune_report

#: epochs of a search with --grid (the no-hints search sizes its own: selection/recipe.py)
TUNE_EPOCHS = 50


def cmd_tune(args) -> int:
    """Search, refit the choice (--refit) on all rows, save it with its report, print the table."""
    if args.cv < 2:  # before the table is read: the recipe is sized to the rows a fold trains on
        raise ValueError(f"`--cv` must be at least 2 folds. Received: cv={args.cv}")
    # fewer epochs than `train`: every candidate is fitted once per fold (early stopping still applies)
    settings = resolve_settings(args, defaults={"epochs": TUNE_EPOCHS})
    X, y, task = _load_table(args, settings)
    task_note = None
    if not settings.get("task"):
        from ..tabular.target import numbered_classes_note

        task_note = numbered_classes_note(y, args.target)
        if task_note:
            status(args, task_note)
    leaks, leak_note = leak_check(settings, X, y, task, args.target, args.quiet, settings.get("seed", 0))
    recipe = None if args.grid else _unfixed(_recipe(X, y, task, args.cv), args)
    if recipe is not None:  # the no-hints search's settings, below the user's flags and TOML keys
        settings = resolve_settings(args, defaults=recipe.settings)
    args.settings = settings  # the column-role overrides reach the search and the refit
    base = estimator_params(settings)
    grid, n_iter = _search_space(args, recipe)
    settings = _grid_ensemble(grid, settings)
    from ..metrics import DEFAULT_METRIC

    metric = resolve_metric(settings, task, DEFAULT_METRIC[task])  # what picks the candidate
    ensemble = ensemble_setting(settings, recipe is not None and args.time_budget is None)
    if ensemble == "blend" and args.refit == "1se":
        raise ValueError("--ensemble blend weighs the candidates by their out-of-fold predictions; it takes "
                         "no --refit 1se. Received: --ensemble blend --refit 1se")
    estimator = make_estimator(task, base)
    make_preprocessor(settings)  # a bad scaling or column list fails here, before any fitting
    # what the checks' and the search's folds warn of (values a fold's rows never held) is noted
    # once, after the search, as one-line notes
    with notes_on_stderr(args.quiet):
        settings, column_notes = _column_checks(args, settings, X, y, estimator, metric)
        for name, values in split_preprocessing(grid)[0].items():  # every candidate value checked
            for value in values:  # before hours of fitting (parse_grid checked the preprocessing's)
                make_estimator(task, {**base, name: value})
        include = _include(args, recipe, n_iter, ensemble)
        n_candidates = (n_iter or int(np.prod([len(v) for v in grid.values()]))) + len(include)
        status(args, f"tuning {n_candidates} candidates x {args.cv} folds ...")
        start = time.perf_counter()
        # planned on all rows, before any are held out: a column that a few values make
        # categorical stays so in every fold, even where only the held-out rows hold those values
        search_settings = fold_settings(args.settings, X)
        holdout = None
        if ensemble == "folds":  # rows neither the search nor the models see: the ensemble's gain
            args.settings = search_settings  # the fold models are saved: the refit reads them alike
            X, y, holdout = hold_out(X, y, task, settings.get("seed", 0))
        journal = _journal(args, X, y) if ensemble != "folds" else None
        result = _search(args, estimator, X, y, grid, n_iter, settings.get("seed", 0), metric,
                         "folds" if ensemble == "folds" else "none", journal, recipe, include,
                         search_settings)
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
    errors = search_errors(result, refit_index, y.to_numpy(), task, args.cv, chosen)
    notes = [*(recipe.notes.values() if recipe is not None else ()),
             *(n for n in (task_note, leak_note, *column_notes) if n)]
    report = write_tune_report(args, out, model, settings, grid, n_iter, X, task, metric, tune_ctx, gain,
                               errors, ensemble, notes)
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
            "leaks": [leak.to_dict() for leak in leaks],
            "ensemble": ensemble,
            **({"ensemble_gain": gain} if gain is not None else {}),
        },
        summary_text(args, result, metric, out, report, elapsed, gain, tune_ctx["chosen"], ensemble,
                      tune_ctx.get("blend") if ensemble == "blend" else None),
    )
    return ExitCode.OK


def _answer(args, result, recipe, ensemble, y, metric, task):
    """``(refit_index, blend, chosen, ensemble)``: which candidate is refitted (--refit's, or the
    blend's heaviest network), the blend (``--ensemble blend``; None otherwise or when nothing
    could be blended), what is saved (``chosen``: ``"linear"`` when no network beat the linear
    baseline on the same folds in the no-hints search, or the blend is the linear model alone;
    ``"average"`` when the no-hints search of a regression, with seeds, cannot tell the two
    apart and saves their average; with a class too rare for the folds, ``"linear"`` unless the
    network is clearly better fold by fold; else ``"network"``) and what ``ensemble`` comes to (a blend
    of one network is its seeded refits)."""
    from ..selection.rules import few_events

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
        chosen = _baseline_choice(result, average=ensemble == "seeds" and task == "regression",
                                  rare=task == "classification" and few_events(y, result.n_folds),
                                  ensembled=ensemble == "seeds" and task == "classification")
    else:
        chosen = "network"
    if blend is not None and chosen == "network" and len(blend["weights"]) == 1:
        ensemble = "seeds"  # one network alone: its seeded refits
    return refit_index, blend, chosen, ensemble


def _column_checks(args, settings, X, y, estimator, metric) -> tuple[dict, list]:
    """The settings with the column-role checks decided (group codes, periods, value counts,
    entities, text: the linear baseline on one set of folds, each setting fitted once), and the checks' notes
    (None where a table has nothing to check), each said on stderr; ``args.settings`` takes the
    settings."""
    scores = linear_scores(args, X, y, estimator, metric, settings.get("seed", 0))
    settings, group_note = group_code_settings(args, settings, X, y, estimator, metric, scores)
    settings, period_note = period_settings(args, settings, X, y, estimator, metric, scores)
    settings, count_note = value_count_settings(args, settings, X, y, estimator, metric, scores)
    settings, entity_note = entity_settings(args, settings, X, y, estimator, metric, scores)
    settings, id_note = identifier_settings(args, settings, X, y, estimator, metric, scores)
    settings, text_note = text_settings(args, settings, X, y, estimator, metric, scores)
    args.settings = settings
    notes = [group_note, period_note, count_note, entity_note, id_note, text_note]
    for note in notes:
        if note:
            status(args, note)
    return settings, notes


def _recipe(X, y, task, cv):
    """The no-hints search (:func:`~ridgeback.selection.recipe.default_recipe`), sized to the
    rows a fold trains on."""
    from ..selection.recipe import default_recipe

    n_classes = min_share = None
    if task == "classification":
        shares = y.value_counts(normalize=True)
        n_classes, min_share = int(len(shares)), float(shares.min())
    return default_recipe(max(1, len(X) * (cv - 1) // cv), max(1, X.shape[1]), task, n_classes, min_share)


def _unfixed(recipe, args):
    """The ``recipe`` without the estimator parameters set by a flag or a --config key: the
    no-hints search does not vary them (``--dropout 0.5`` gives every candidate dropout 0.5)."""
    settings = user_settings(args)
    fixed = {OPTIONS[option] for option in settings if option in OPTIONS}
    if "numeric_embedding" in fixed and str(settings.get("numeric_embedding")).lower() != "periodic":
        fixed.add("periodic_sigma")  # no periodic embedding: its sigma is no search, the anchors one
    left = recipe.without(fixed)
    if not any(len(values) > 1 for values in left.grid.values()):  # one value is no search
        names = ", ".join(f"--{option.replace('_', '-')}" for option, name in OPTIONS.items()
                          if name in recipe.grid)
        raise ValueError("Every parameter the no-hints search varies is set by a flag or --config key, so "
                         f"nothing is left to tune: use `ridgeback train`, or give --grid. Received: {names} "
                         "all set")
    return left


def _search_space(args, recipe=None):
    """``(grid, n_iter)``: --grid searched in full, else --n-iter (default: the recipe's) random
    candidates of the no-hints ``recipe``."""
    grid = parse_grid(args.grid) if args.grid else recipe.grid
    n_iter = args.n_iter if args.n_iter is not None else (None if args.grid else recipe.n_iter)
    return grid, n_iter


def _grid_ensemble(grid: dict, settings: dict) -> dict:
    """The settings with --grid's ``ensemble`` (taken out of ``grid``), as --ensemble would set
    it. The ensemble is how the chosen candidate becomes the saved model, after the search: it
    is not cross-validated among candidates, so it takes one value."""
    if "ensemble" not in grid:
        return settings
    values = grid.pop("ensemble")
    shown = ",".join(values)
    if len(values) != 1:
        raise ValueError(f"--grid 'ensemble' takes one value: the ensemble is how the chosen candidate "
                         f"becomes the saved model, after the search, not a parameter the candidates "
                         f"are compared on. Received: ensemble={shown}")
    if settings.get("ensemble") not in (None, values[0]):
        raise ValueError(f"--grid 'ensemble' and --ensemble (or its TOML key) disagree. "
                         f"Received: ensemble={shown} and --ensemble {settings['ensemble']}")
    if not grid:
        raise ValueError(f"--grid must name at least one parameter to search besides 'ensemble'. "
                         f"Received: grid ensemble={shown}")
    return {**settings, "ensemble": values[0]}


def _load_table(args, settings):
    """``(X, y, task)`` of DATA, the task from the settings or inferred from the target."""
    from ..tabular.target import infer_task

    _, X, y = load_table(args.data, args.target, settings.get("task"), args.quiet,
                         settings.get("drop_missing_target", False))
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


def _search(args, estimator, X, y, grid, n_iter, seed, metric, ensemble, journal, recipe, include, settings):
    """The cross-validated search by ``metric`` (no refit: the CLI refits a TabularModel; with
    ``ensemble="folds"`` the chosen candidate's fold models are kept), parameter names without
    the pipeline's prefix; every finished fit recorded in ``journal``; the ``include``
    candidates (:func:`_include`) evaluated besides the draw; the folds' preprocessing from
    ``settings`` (:func:`fold_settings`)."""
    from ..selection.search import tune

    progress, close_progress = fold_progress(args)
    try:
        result = tune(
            pipeline(estimator, make_preprocessor(settings)),
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
    status(args, f"refitting {params_text(params)} on all {len(X)} rows ...")
    model = refit(args, task, base, params, X, y, epochs)
    out = Path(args.out)
    if save_it:
        _save(model, out)
    return model, out


def _baseline_choice(result, average=False, rare=False, ensembled=False) -> str:
    """``"network"``, ``"linear"`` or ``"average"``: the best network candidate against the
    linear baseline on the same folds, by the same metric
    (:func:`~ridgeback.selection.rules.baseline_choice`). When the best candidate is itself
    linear (no hidden layer and no numeric embedding: :func:`_linear_params`), there is no
    network to average with. ``rare``: a class too rare
    for the folds to rank the two (:func:`~ridgeback.selection.rules.few_events`): the fold
    scores are compared pair by pair (``baseline_choice``'s ``paired``). ``ensembled``: the saved
    network averages seeded refits, and the linear model must win by more than one standard
    error."""
    from ..selection.rules import baseline_choice

    baseline = result.baseline
    if not baseline or baseline.get("mean_score") is None:
        return "network"
    best = result.results_[result.best_index_]
    paired = ((best["fold_scores"], baseline["fold_scores"])
              if rare and baseline.get("fold_scores") and best.get("fold_scores") else None)
    average = average and not _linear_params(best["params"])
    return baseline_choice((best.get("mean_score"), best.get("std_score")),
                           (baseline["mean_score"], baseline.get("std_score")), result.n_folds,
                           average=average, paired=paired, ensembled=ensembled)


def _linear_params(params) -> bool:
    """Whether a candidate's ``params`` make a linear model of the preprocessed columns: no hidden
    layer and no numeric embedding (with an embedding a network without hidden layer is an
    additive model, a sum of a learned curve per number)."""
    return (tuple(params.get("hidden_layer_sizes", (1,))) == ()
            and params.get("numeric_embedding") in (None, "none"))


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
