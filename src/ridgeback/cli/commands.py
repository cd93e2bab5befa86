"""``ridgeback train | predict | evaluate | report | export | datasets``."""

from __future__ import annotations

import hashlib
import signal
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ..persist.checkpoints import CHECKPOINT_FILE, load_checkpoint, save_checkpoint
from .common import (
    OPTIONS,
    emit,
    estimator_params,
    format_table,
    load_data,
    make_estimator,
    notes_on_stderr,
    resolve_settings,
)
from .progress import EpochProgress, progress_enabled

EXIT_OK, EXIT_INTERRUPTED = 0, 130
CHECKPOINT_DIR = "checkpoint"


def data_fingerprint(df: pd.DataFrame) -> str:
    """SHA-256 of a table's values and column names: a resumed run must see the same data."""
    h = hashlib.sha256()
    h.update("\x1f".join(map(str, df.columns)).encode("utf-8"))
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


class _Interrupt:
    """SIGINT handler: the first Ctrl-C asks training to stop after the current batch, a second one aborts."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def __enter__(self):
        try:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread: keep the default behaviour
            self._previous = None
        return self

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


class _Checkpointer:
    """Trainer callback: a checkpoint every ``every`` epochs, and one mid-epoch on Ctrl-C.

    An end-of-epoch checkpoint records the *next* epoch at row 0, so a resumed run draws the
    next shuffle from the saved RNG state exactly as the uninterrupted run would. When early
    stopping has just ended the run, the epoch recorded is ``max_epochs``: resuming then
    trains no further and only restores the best weights.
    """

    def __init__(self, directory: Path, every, extra: dict, interrupt: _Interrupt):
        self.directory, self.every, self.extra, self.interrupt = directory, every, extra, interrupt
        self.saved_at = None

    def on_batch_end(self, trainer, epoch, position):
        if self.interrupt.requested and not trainer.stop_training:
            save_checkpoint(self.directory, trainer.state(), self.extra, position=position)
            self.saved_at = (epoch, position)
            trainer.stop_training = True

    def on_epoch_end(self, trainer, epoch, logs):
        if trainer.stop_training or not self.every:
            return
        last = epoch + 1 >= trainer.epochs or trainer.history.stopped_early
        if (epoch + 1) % self.every and not last:
            return
        state = trainer.state()
        state["epoch"] = trainer.epochs if trainer.history.stopped_early else epoch + 1
        state["order"] = None
        save_checkpoint(self.directory, state, self.extra, position=0)
        self.saved_at = (epoch + 1, 0)


def _checkpoint_dir(rundir: Path) -> Path:
    if (rundir / CHECKPOINT_FILE).is_file():
        return rundir
    return rundir / CHECKPOINT_DIR


def _summary(model, X, y, estimator) -> dict:
    from ..engine.inspection import layer_summary

    layers = layer_summary(estimator)
    n_weights = sum(int(np.prod(r["shape"])) for r in layers)
    history = estimator.history_
    best = history.best_epoch if history.best_epoch is not None else history.epochs - 1
    val = {}
    if history.val_loss:
        val["loss"] = float(history.val_loss[best])
        if history.val_accuracy:
            val["accuracy"] = float(history.val_accuracy[best])
        elif getattr(estimator, "validation_scores_", None):
            val["r2"] = float(estimator.validation_scores_[best])
    return {
        "task": model.task,
        "rows": int(len(X)),
        "features_in": len(model.feature_names_in_),
        "inputs_after_preprocessing": len(model.feature_names_out_),
        "epochs": history.epochs,
        "best_epoch": None if history.best_epoch is None else history.best_epoch + 1,
        "stopped_early": history.stopped_early,
        "interrupted": history.interrupted,
        "train_metrics": model.evaluate(X, y),
        "validation": val,
        "zero_weight_share": sum(r["n_zero"] for r in layers) / max(n_weights, 1),
        "active_inputs": layers[0]["active_inputs"] if layers else None,
        "imputed_columns": list(model.preprocessor.imputed_columns_),
        "categorical_columns": list(model.preprocessor.categorical_columns_),
    }


def _summary_text(s: dict, out) -> str:
    lines = [
        f"trained a {s['task']} model on {s['rows']} rows, {s['features_in']} columns "
        f"({s['inputs_after_preprocessing']} network inputs), {s['epochs']} epochs"
        + (f", best epoch {s['best_epoch']}" if s["best_epoch"] else "")
        + (" (stopped early)" if s["stopped_early"] else "")
        + (" (interrupted)" if s["interrupted"] else "")
    ]
    lines.append("train:      " + ", ".join(f"{k}={v:.4g}" for k, v in s["train_metrics"].items()))
    if s["validation"]:
        lines.append("validation: " + ", ".join(f"{k}={v:.4g}" for k, v in s["validation"].items()))
    lines.append(
        f"exactly-zero weights: {100 * s['zero_weight_share']:.1f}%; active inputs: {s['active_inputs']}"
    )
    if s["imputed_columns"]:
        lines.append(
            f"missing values imputed (median / most frequent) in columns: {', '.join(s['imputed_columns'])}"
        )
    else:
        lines.append("no missing values: nothing imputed")
    lines.append(f"model saved to {out}")
    return "\n".join(lines)


def cmd_train(args) -> int:
    from ..persist.model_dir import save
    from ..tabular.data import split_target
    from ..tabular.model import TabularModel

    resume_state = None
    if args.resume:
        rundir = Path(args.resume)
        state, extra = load_checkpoint(_checkpoint_dir(rundir))
        if extra.get("command") != "train":
            raise ValueError(
                f"The checkpoint in {rundir} was not written by `ridgeback train`. "
                f"Received: resume={args.resume!r}"
            )
        resume_state = state
        settings, source, target = extra["settings"], extra["data"], extra["target"]
        out = Path(args.out) if args.out else Path(extra["out"])
        every = extra.get("checkpoint_every")
        ignored = [
            f"--{o.replace('_', '-')}"
            for o in (*OPTIONS, "task", "config", "data", "target")
            if getattr(args, o, None) is not None
        ]
        if ignored and not args.quiet:
            # a resumed run must repeat the original settings to stay bit-identical
            print(
                f"note: --resume uses the checkpoint's data and settings; ignoring {', '.join(ignored)}",
                file=sys.stderr,
            )
    else:
        if args.data is None or args.target is None or args.out is None:
            missing = [
                n
                for n, v in (("DATA", args.data), ("--target", args.target), ("--out", args.out))
                if v is None
            ]
            raise ValueError(
                f"`ridgeback train` needs DATA, --target and --out (or --resume RUNDIR). "
                f"Received: missing={', '.join(missing)}"
            )
        settings = resolve_settings(args)
        source, target, out = args.data, args.target, Path(args.out)
        every = args.checkpoint_every
        if every is not None and every < 1:
            raise ValueError(
                f"`--checkpoint-every` must be a number of epochs >= 1. Received: checkpoint_every={every}"
            )
    params = estimator_params(settings)
    df = load_data(source)
    X, y = split_target(df, target, task=settings.get("task"))
    task = settings.get("task") or ("classification" if _is_class_target(y) else "regression")
    estimator = make_estimator(task, params)
    fingerprint = data_fingerprint(df)
    if resume_state is not None and extra.get("fingerprint") != fingerprint:
        raise ValueError(
            f"The data differs from the data the checkpointed run was trained on; resume needs the "
            f"same file. Received: data={source!r}"
        )
    extra = {
        "command": "train",
        "settings": {k: (list(v) if isinstance(v, tuple) else v) for k, v in settings.items()},
        "data": str(source),
        "target": target,
        "out": str(out),
        "checkpoint_every": every,
        "fingerprint": fingerprint,
    }
    progress = EpochProgress(params.get("max_epochs", 200), enabled=progress_enabled(args.quiet))
    with _Interrupt() as interrupt, notes_on_stderr(args.quiet):
        checkpointer = _Checkpointer(out / CHECKPOINT_DIR, every, extra, interrupt)
        model = TabularModel(estimator)
        try:
            model.fit(X, y, callbacks=[checkpointer, progress], resume_state=resume_state)
        finally:
            progress.close()
        save(model, out)
        summary = _summary(model, X, y, estimator)
    summary["model_dir"] = str(out)
    emit(args, summary, _summary_text(summary, out))
    if interrupt.requested:
        print(
            f"ridgeback train: interrupted; model and checkpoint saved in {out} "
            f"(continue with `ridgeback train --resume {out}`)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return EXIT_OK


def _is_class_target(y) -> bool:
    from ..tabular.data import infer_task

    return infer_task(y) == "classification"


def _load_model(path):
    from ..persist.model_dir import load
    from ..tabular.model import TabularModel

    model = load(path)
    if not isinstance(model, TabularModel):
        raise ValueError(
            f"{path} holds a bare network, not a model trained on a table; the CLI needs one saved "
            f"by `ridgeback train` or `ridgeback tune`. Received: model={str(path)!r}"
        )
    return model


def cmd_predict(args) -> int:
    from .._util.files import atomic_write_text

    model = _load_model(args.model)
    df = load_data(args.data)
    with notes_on_stderr(args.quiet):
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
        {"rows": len(frame), "out": str(args.out), "columns": list(frame.columns)},
        f"wrote {len(frame)} predictions to {args.out}",
    )
    return EXIT_OK


def cmd_evaluate(args) -> int:
    model = _load_model(args.model)
    df = load_data(args.data)
    if args.target not in df.columns:
        raise ValueError(
            f"Target column {args.target!r} not found; available columns: "
            f"{', '.join(map(str, list(df.columns)[:20]))}. Received: target={args.target!r}"
        )
    with notes_on_stderr(args.quiet):
        scores = model.evaluate(df.drop(columns=[args.target]), df[args.target])
    emit(args, scores, "\n".join(f"{k:9s} {v:.6g}" for k, v in scores.items()))
    return EXIT_OK


def cmd_report(args) -> int:
    from ..report.document import render_report

    path = render_report(args.rundir)
    emit(args, {"report": str(path)}, f"report written to {path}")
    return EXIT_OK


def cmd_export(args) -> int:
    try:
        from ..persist.onnx import export_onnx
    except ImportError:  # the module moved or the extra is missing
        from ..persist.model_dir import export_onnx
    model = _load_model(args.model)
    path = export_onnx(model, args.onnx)
    emit(args, {"onnx": str(path)}, f"ONNX graph written to {path} (input 'input': the preprocessed matrix)")
    return EXIT_OK


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
    return EXIT_OK
