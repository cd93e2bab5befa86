"""``ridgeback predict | evaluate | report | export | datasets``: the commands that use a saved
model or run directory, and the list of built-in data sets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import emit, format_table, leak_check, load_data, load_table, make_preprocessor, notes_on_stderr
from .exit_codes import ExitCode


def _load_model(path):
    from ..persist.loading import load
    from ..selection.ensemble import FoldEnsemble
    from ..tabular.model import TabularModel

    model = load(path)
    tabular_ensemble = isinstance(model, FoldEnsemble) and isinstance(model.members[0], TabularModel)
    if not isinstance(model, TabularModel) and not tabular_ensemble:
        raise ValueError(
            f"{path} holds a bare network, not a model trained on a table; the CLI needs one saved "
            f"by `ridgeback train` or `ridgeback tune`. Received: model={str(path)!r}"
        )
    return model


def _training_target(path, model) -> str | None:
    """The target column the model at ``path`` was trained on: RUNDIR/run.json's
    ``dataset.target`` (written by ``tune``), else the model's own ``target_name_`` (a model
    file of ``train``), or None when neither says."""
    import json
    from pathlib import Path

    from ..report.document import RUN_FILE

    try:
        run = json.loads((Path(path) / RUN_FILE).read_text(encoding="utf-8"))
        target = run["dataset"]["target"]
    except (OSError, ValueError, KeyError, TypeError):
        target = None
    if not isinstance(target, str):
        target = getattr(model, "target_name_", None)
    return target if isinstance(target, str) else None


def cmd_predict(args) -> int:
    from .._util.files import atomic_write_text

    model = _load_model(args.model)
    df = load_data(args.data, args.quiet)
    target = _training_target(args.model, model)  # a file with its labels: the target is no feature
    if target in df.columns and target not in (model.feature_names_in_ or []):
        df = df.drop(columns=[target])
    with notes_on_stderr(args.quiet) as notes:
        frame = pd.DataFrame(index=range(len(df)))
        if args.mc_samples is not None:
            if args.mc_samples < 1:
                raise ValueError(f"`--mc-samples` must be >= 1. Received: mc_samples={args.mc_samples}")
            mean, std = model.predict_mc(df, samples=args.mc_samples, seed=args.seed)
            if model.task == "classification":
                classes = np.asarray(model.classes_)
                frame["prediction"] = classes[np.argmax(mean, axis=1)]
                for j, c in enumerate(classes):
                    frame[f"mean_{c}"] = mean[:, j]
                for j, c in enumerate(classes):
                    frame[f"std_{c}"] = std[:, j]
            else:
                frame["mean"], frame["std"] = np.asarray(mean).ravel(), np.asarray(std).ravel()
        else:
            frame["prediction"] = model.predict(df)
            if model.task == "classification":
                proba = model.predict_proba(df)
                for j, c in enumerate(np.asarray(model.classes_)):
                    frame[f"proba_{c}"] = proba[:, j]
    atomic_write_text(args.out, frame.to_csv(index=False))
    emit(
        args,
        {"rows": len(frame), "out": str(args.out), "columns": list(frame.columns),
         **({"warnings": notes} if notes else {})},
        f"wrote {len(frame)} predictions to {args.out}",
    )
    return ExitCode.OK


def cmd_evaluate(args) -> int:
    model = _load_model(args.model)
    df = load_data(args.data, args.quiet)
    if args.target not in df.columns:
        raise ValueError(
            f"Target column {args.target!r} not found; available columns: "
            f"{', '.join(map(str, list(df.columns)[:20]))}. Received: target={args.target!r}"
        )
    with notes_on_stderr(args.quiet) as notes:
        # with --metric, `metric` and `score` (its value, higher is better) lead the plain names
        scores = model.evaluate(df.drop(columns=[args.target]), df[args.target],
                                metric=getattr(args, "metric", None))
    # `warnings` only when there is something to say, so that the scores' keys stay as they were
    text = "\n".join(f"{k:9s} {v}" if isinstance(v, str) else f"{k:9s} {v:.6g}" for k, v in scores.items())
    emit(args, {**scores, **({"warnings": notes} if notes else {})}, text)
    return ExitCode.OK


def cmd_describe(args) -> int:
    """The column plan of DATA: each column's role, distinct values, share missing and action."""
    from ..tabular.target import describe_task

    _, X, y = load_table(args.data, args.target, quiet=args.quiet)
    plan = make_preprocessor(vars(args)).plan(X)
    task, why = describe_task(y)
    leaks, note = leak_check(vars(args), X, y, task, args.target, quiet=True)
    emit(args, {"rows": int(len(X)), "target": args.target, "task": task, "task_reason": why,
                "summary": plan.summary(), "columns": plan.to_list(), "leaks": [r.to_dict() for r in leaks]},
         f"{len(X)} rows, target {args.target!r}: {task} ({why}; train and tune take --task)\n"
         f"{plan.table()}\n{plan.summary()}" + (f"\n{note}" if note else ""))
    return ExitCode.OK


def cmd_report(args) -> int:
    from ..report.document import render_report

    path = render_report(args.rundir)
    emit(args, {"report": str(path)}, f"report written to {path}")
    return ExitCode.OK


def cmd_export(args) -> int:
    from ..persist.onnx import export_onnx

    model = _load_model(args.model)
    path = export_onnx(model, args.onnx)
    emit(args, {"onnx": str(path)}, f"ONNX graph written to {path} (input 'input': the preprocessed matrix)")
    return ExitCode.OK


def cmd_datasets(args) -> int:
    from ..tabular.data import list_builtins

    keys = ("name", "task", "rows", "features", "description")
    rows = [dict(zip(keys, r, strict=True)) for r in list_builtins()]
    emit(
        args,
        {"datasets": rows},
        format_table(
            rows,
            [
                ("name", "name", ""),
                ("task", "task", ""),
                ("rows", "rows", ""),
                ("features", "features", ""),
                ("description", "description", ""),
            ],
        )
        + "\n\nuse as DATA: builtin:NAME (label column 'target')",
    )
    return ExitCode.OK
