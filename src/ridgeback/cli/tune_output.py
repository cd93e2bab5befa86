"""What ``ridgeback tune`` shows: the table of candidates and the summary it prints, and the
run's report (RUNDIR/run.json and RUNDIR/report.html: the data set, the settings, the search,
the linear baseline and what was saved)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._util.text import format_params
from .common import format_table
from .ensembles import SEED_MEMBERS
from .search_helpers import report_context

__all__ = ["params_text", "results_table", "search_errors", "write_tune_report", "summary_text",
           "search_lines", "baseline_lines", "AVERAGE_NOTE"]

#: the seed ensemble's note, when the linear baseline is averaged in
AVERAGE_NOTE = (", and that average is averaged half and half with the linear baseline, refitted on all "
                "rows (the two were within one standard error of each other in the cross-validation)")


def params_text(params: dict) -> str:
    """A candidate's parameters as tune prints them (``hidden`` for ``hidden_layer_sizes``)."""
    return format_params(params, empty="(defaults)", aliases={"hidden_layer_sizes": "hidden"})


def results_table(result) -> str:
    """Every candidate by rank; ``*`` marks the best mean score, ``1se`` the one-standard-error choice."""
    rows = []
    for i, r in enumerate(result.results_):
        mark = "".join(m for m, idx in (("*", result.best_index_), ("1se", result.one_se_index_)) if idx == i)
        rows.append(
            {
                "rank": r.get("rank"),
                "params": params_text(r["params"]),
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


def search_errors(result, index, y, task, n_folds, chosen="network"):
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


def write_tune_report(args, out, model, settings, grid, n_iter, X, task, metric, tune_ctx, gain=None,
                      errors=None, ensemble="none", search_notes=()) -> Path:
    """RUNDIR/run.json and RUNDIR/report.html: the data set, the run's settings and the search
    (``search_notes``: what the no-hints recipe left out, and why)."""
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
                       notes=[*notes, *search_notes,
                              *baseline_lines(tune_ctx.get("baseline"), tune_ctx, metric)]),
    )


def summary_text(args, result, metric, out, report, elapsed, gain=None, chosen="network",
                  ensemble="none", blend=None) -> str:
    """The candidates' table, both answers and where the model and the report went."""
    best, one_se = result.results_[result.best_index_], result.results_[result.one_se_index_]
    return "\n".join(
        [
            results_table(result),
            "",
            f"best (*):  {params_text(best['params'])}  cv {metric} {best['mean_score']:.4f} "
            f"± {best['std_score']:.4f}",
            f"1-SE:      {params_text(one_se['params'])}  cv {metric} {one_se['mean_score']:.4f} "
            f"(most regularized within one standard error of the best)",
            *search_lines(result.search),
            *baseline_lines(result.baseline, {**result.to_dict(), "chosen": chosen}, metric),
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


def search_lines(info) -> list:
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


def baseline_lines(baseline, tune_ctx, metric) -> list:
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
