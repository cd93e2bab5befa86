"""``ridgeback train``: one model on a table, with checkpoints, Ctrl-C handling and exact resume."""

from __future__ import annotations

import hashlib
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..persist.checkpoints import CHECKPOINT_FILE, load_checkpoint, save_checkpoint
from .common import (
    CONFIG_ONLY,
    OPTIONS,
    emit,
    estimator_params,
    leak_check,
    load_table,
    make_estimator,
    make_preprocessor,
    notes_on_stderr,
    resolve_metric,
    resolve_settings,
)
from .exit_codes import ExitCode
from .progress import EpochProgress, progress_enabled

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
        elif getattr(estimator, "validation_scores_", None) and not history.val_score:
            val["r2"] = float(estimator.validation_scores_[best])
        if history.val_score:  # --metric: the metric early stopping watched
            val[estimator.scoring] = float(history.val_score[best])
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
        # what early stopping watched on the validation rows: --metric, else the validation loss
        "metric": estimator.scoring,
        "validation": val,
        "zero_weight_share": sum(r["n_zero"] for r in layers) / max(n_weights, 1),
        "active_inputs": layers[0]["active_inputs"] if layers else None,
        "imputed_columns": list(model.preprocessor.imputed_columns_),
        "categorical_columns": list(model.preprocessor.categorical_columns_),
        "columns": model.preprocessor.plan_.summary(),
        "plan": model.preprocessor.plan_.to_list(),
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
    lines.append(s["columns"])
    if s["imputed_columns"]:
        lines.append(
            f"missing values imputed (median with a missing indicator / a '<missing>' level) in columns: "
            f"{', '.join(s['imputed_columns'])}"
        )
    else:
        lines.append("no missing values: nothing imputed")
    lines.append(f"model saved to {out}")
    return "\n".join(lines)


def cmd_train(args) -> int:
    """Train on a table (or resume a checkpointed run), save the model, print its summary."""
    from ..persist.model_dir import save
    from ..tabular.model import TabularModel

    if args.resume:
        run = _resumed_run(args)
    else:
        run = _new_run(args)
    params = estimator_params(run.settings)
    df, X, y = load_table(run.source, run.target, run.settings.get("task"), args.quiet,
                          run.settings.get("drop_missing_target", False))
    task = run.settings.get("task") or ("classification" if _is_class_target(y) else "regression")
    metric = resolve_metric(run.settings, task)  # None: early stopping watches the validation loss
    if metric is not None:
        params["scoring"] = metric
    estimator = make_estimator(task, params)
    make_preprocessor(run.settings)  # a bad scaling or column list fails here, before any training
    if run.state is None:  # a resumed run was checked when it started
        leak_check(run.settings, X, y, task, run.target, args.quiet, run.settings.get("seed", 0) or 0)
    fingerprint = data_fingerprint(df)
    if run.state is not None and run.fingerprint != fingerprint:
        raise ValueError(
            f"The data differs from the data the checkpointed run was trained on; resume needs the "
            f"same file. Received: data={run.source!r}"
        )
    extra = {
        "command": "train",
        "settings": {k: (list(v) if isinstance(v, tuple) else v) for k, v in run.settings.items()},
        "data": str(run.source),
        "target": run.target,
        "out": str(run.out),
        "checkpoint_every": run.every,
        "fingerprint": fingerprint,
    }
    progress = EpochProgress(params.get("max_epochs", 200), enabled=progress_enabled(args.quiet))
    with _Interrupt() as interrupt, notes_on_stderr(args.quiet):
        checkpointer = _Checkpointer(run.out / CHECKPOINT_DIR, run.every, extra, interrupt)
        model = TabularModel(estimator, make_preprocessor(run.settings))
        try:
            model.fit(X, y, callbacks=[checkpointer, progress], resume_state=run.state)
        finally:
            progress.close()
        save(model, run.out)
        summary = _summary(model, X, y, estimator)
    summary["model_dir"] = str(run.out)
    emit(args, summary, _summary_text(summary, run.out))
    if interrupt.requested:
        print(
            f"ridgeback train: interrupted; model and checkpoint saved in {run.out} "
            f"(continue with `ridgeback train --resume {run.out}`)",
            file=sys.stderr,
        )
        return ExitCode.INTERRUPTED
    return ExitCode.OK


@dataclass
class _Run:
    """What a training run needs before it reads the data: from the flags, or from a checkpoint
    (then with the trainer's ``state`` and the ``fingerprint`` of the data it was trained on)."""

    settings: dict
    source: str
    target: str
    out: Path
    every: int | None
    state: dict | None = None
    fingerprint: str | None = None


def _resumed_run(args) -> _Run:
    """The run saved in --resume RUNDIR: its data, settings and trainer state (flags ignored)."""
    rundir = Path(args.resume)
    state, extra = load_checkpoint(_checkpoint_dir(rundir))
    if extra.get("command") != "train":
        raise ValueError(
            f"The checkpoint in {rundir} was not written by `ridgeback train`. "
            f"Received: resume={args.resume!r}"
        )
    ignored = [
        f"--{o.replace('_', '-')}"
        for o in (*OPTIONS, *CONFIG_ONLY, "config", "data", "target")
        if getattr(args, o, None) is not None
    ]
    if ignored and not args.quiet:
        # a resumed run must repeat the original settings to stay bit-identical
        print(
            f"note: --resume uses the checkpoint's data and settings; ignoring {', '.join(ignored)}",
            file=sys.stderr,
        )
    return _Run(settings=extra["settings"], source=extra["data"], target=extra["target"],
                out=Path(args.out) if args.out else Path(extra["out"]), every=extra.get("checkpoint_every"),
                state=state, fingerprint=extra.get("fingerprint"))


def _new_run(args) -> _Run:
    """A run from DATA, --target, --out and the settings (flags > --config > built-in defaults)."""
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
    every = args.checkpoint_every
    if every is not None and every < 1:
        raise ValueError(
            f"`--checkpoint-every` must be a number of epochs >= 1. Received: checkpoint_every={every}"
        )
    return _Run(settings=settings, source=args.data, target=args.target, out=Path(args.out), every=every)


def _is_class_target(y) -> bool:
    from ..tabular.target import infer_task

    return infer_task(y) == "classification"
