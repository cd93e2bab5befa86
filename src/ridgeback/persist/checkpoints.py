"""Training checkpoints: everything needed to resume a run bit-identically, saved atomically.

A checkpoint is two files in a run directory:

* ``checkpoint.json``: the epoch and the row position inside it, the RNG states of the
  shuffling and of every dropout layer (NumPy bit-generator states, plain JSON), the
  history, the early-stopping counters, caller-supplied ``extra`` settings and the name and
  SHA-256 of the array file;
* ``checkpoint-EEEEEE-PPPPPPPP.npz``: the packed weights, the optimizer state, the epoch's
  shuffle order, the network's buffers (BatchNorm's running statistics, ``buffer.NAME``) and
  early stopping's best weights and buffers (plain dtypes, loaded with ``allow_pickle=False``).

The JSON also records ``base_lr``, the rate a learning-rate schedule scales. Checkpoints
written before buffers and schedules existed have neither, and load as before.

The array file is written first under a fresh name, then ``checkpoint.json`` is replaced
(temporary file, fsync, rename): the JSON is the commit point, so a process killed at any
moment leaves either the previous complete checkpoint or the new one, never a mix. Array
files that the JSON no longer names are removed afterwards.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from .._util.files import atomic_write_bytes, atomic_write_text
from .._util.jsonify import float_from_json, to_json

__all__ = ["save_checkpoint", "load_checkpoint", "has_checkpoint", "CHECKPOINT_FILE", "FORMAT_VERSION"]

CHECKPOINT_FILE = "checkpoint.json"
FORMAT = "ridgeback-checkpoint"
FORMAT_VERSION = 1
_OPT = "optimizer."
_BUF = "buffer."
_BEST_BUF = "early_stopping.best_buffer."


def _history_from_json(history: dict) -> dict:
    return {k: ([float_from_json(v) for v in val] if isinstance(val, list) else val)
            for k, val in history.items()}


def _exact_json(value, where):
    """``value`` as JSON that reads back to the very same floats (inf and nan as strings)."""
    return to_json(value, where, nonfinite="string")


def has_checkpoint(rundir) -> bool:
    """True when ``rundir`` holds a checkpoint."""
    return (Path(rundir) / CHECKPOINT_FILE).is_file()


def save_checkpoint(rundir, trainer_state: dict, extra: dict | None = None, *, position: int = 0) -> Path:
    """Save a :meth:`ridgeback.Trainer.state` snapshot (and JSON-able ``extra``) into ``rundir``.

    Parameters
    ----------
    rundir : str or Path
        Created when missing.
    trainer_state : dict
        From ``Trainer.state()``; ``trainer_state["position"]``, when present, overrides
        ``position``.
    extra : dict, optional
        Anything the caller needs to rebuild the run (data source, settings); plain JSON values.
    position : int
        Rows of the epoch ``trainer_state["epoch"]`` already trained on.

    Returns
    -------
    Path
        The path of ``checkpoint.json``.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from ridgeback import Adam, CrossEntropy, Trainer, mlp
    >>> X = np.random.default_rng(0).standard_normal((32, 3)).astype(np.float32); y = (X[:, 0] > 0) * 1
    >>> trainer = Trainer(mlp([3, 4, 2], seed=0), CrossEntropy(), Adam(1e-2), epochs=2, seed=0)
    >>> _ = trainer.fit(X, y)
    >>> rundir = tempfile.mkdtemp()
    >>> _ = save_checkpoint(rundir, trainer.state(), {"note": "demo"})
    >>> state, extra = load_checkpoint(rundir)
    >>> bool(np.array_equal(state["weights"], trainer.state()["weights"])), extra["note"]
    (True, 'demo')
    """
    rundir = Path(rundir)
    position = int(trainer_state.get("position", position))
    epoch = int(trainer_state["epoch"])
    arrays = {"weights": np.asarray(trainer_state["weights"])}
    for key, value in trainer_state["optimizer"].items():
        arrays[_OPT + key] = np.asarray(value)
    for key, value in (trainer_state.get("buffers") or {}).items():
        arrays[_BUF + key] = np.asarray(value)
    if trainer_state.get("order") is not None:
        arrays["order"] = np.asarray(trainer_state["order"], dtype=np.int64)
    es = trainer_state.get("early_stopping")
    es_json = None
    if es is not None:
        es_json = {
            "best": _exact_json(es["best"], "early_stopping.best"),
            "best_epoch": es["best_epoch"],
            "wait": int(es["wait"]),
            "has_best_weights": es["best_weights"] is not None,
        }
        if es["best_weights"] is not None:
            arrays["early_stopping.best_weights"] = np.asarray(es["best_weights"])
        for key, value in (es.get("best_buffers") or {}).items():
            arrays[_BEST_BUF + key] = np.asarray(value)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    payload = buffer.getvalue()
    name = f"checkpoint-{epoch:06d}-{position:08d}.npz"
    atomic_write_bytes(rundir / name, payload)
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "arrays": name,
        "sha256": hashlib.sha256(payload).hexdigest(),
        "epoch": epoch,
        "position": position,
        "rng": _exact_json(trainer_state.get("rng"), "rng"),
        "dropout_rngs": _exact_json(trainer_state.get("dropout_rngs", []), "dropout_rngs"),
        "history": _exact_json(trainer_state.get("history", {}), "history"),
        "running": _exact_json(list(trainer_state.get("running", (0.0, 0, 0))), "running"),
        "base_lr": _exact_json(trainer_state.get("base_lr"), "base_lr"),
        "early_stopping": es_json,
        "extra": _exact_json(extra or {}, "extra"),
    }
    atomic_write_text(rundir / CHECKPOINT_FILE, json.dumps(meta, indent=1) + "\n")
    for old in rundir.glob("checkpoint-*.npz"):
        if old.name != name:
            try:
                old.unlink()
            except OSError:  # a concurrent reader on some platforms; harmless leftover
                pass
    return rundir / CHECKPOINT_FILE


def _fail(rundir, what, received):
    raise ValueError(f"The checkpoint in {rundir} is not usable: {what}. Received: {received}")


def load_checkpoint(rundir) -> tuple[dict, dict]:
    """Load the checkpoint of ``rundir``.

    Returns
    -------
    state : dict
        In the form of ``Trainer.state()`` plus ``"position"``: pass it to
        ``Trainer.load_state(state, state["position"])`` or as ``resume_state`` to an
        estimator's ``fit``.
    extra : dict
        What was given to :func:`save_checkpoint`.

    Raises
    ------
    ValueError
        No checkpoint, invalid JSON, another format version, or an array file that is missing,
        altered (SHA-256 mismatch) or holds other arrays than expected.
    """
    rundir = Path(rundir)
    path = rundir / CHECKPOINT_FILE
    if not has_checkpoint(rundir):
        raise ValueError(
            f"No checkpoint found: {path} does not exist (train with --checkpoint-every N to "
            f"write one). Received: rundir={str(rundir)!r}"
        )
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(rundir, f"{CHECKPOINT_FILE} is not valid UTF-8 JSON ({exc})", f"file={str(path)!r}")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        _fail(rundir, f"{CHECKPOINT_FILE} is not a ridgeback checkpoint", f"file={str(path)!r}")
    if meta.get("format_version") != FORMAT_VERSION:
        _fail(
            rundir,
            f"expected checkpoint format version {FORMAT_VERSION}",
            f"format_version={meta.get('format_version')!r}",
        )
    name = meta.get("arrays")
    if not isinstance(name, str) or "/" in name or "\\" in name or name.startswith("."):
        _fail(rundir, "the array file name must be a plain file name", f"arrays={name!r}")
    data_path = rundir / name
    if not data_path.is_file():
        _fail(rundir, f"the array file {name} is missing", f"arrays={name!r}")
    payload = data_path.read_bytes()
    if hashlib.sha256(payload).hexdigest() != meta.get("sha256"):
        _fail(rundir, f"{name} does not match the SHA-256 recorded in {CHECKPOINT_FILE}", f"arrays={name!r}")
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (ValueError, OSError) as exc:
        _fail(rundir, f"{name} cannot be read ({exc})", f"arrays={name!r}")
    if "weights" not in arrays:
        _fail(rundir, f"{name} has no 'weights' array", f"arrays={sorted(arrays)}")
    es = meta.get("early_stopping")
    early = None
    if es is not None:
        early = {
            "best": float_from_json(es["best"]),
            "best_epoch": es["best_epoch"],
            "wait": es["wait"],
            "best_weights": arrays.get("early_stopping.best_weights") if es["has_best_weights"] else None,
            "best_buffers": {k[len(_BEST_BUF):]: v for k, v in arrays.items() if k.startswith(_BEST_BUF)},
        }
    state = {
        "weights": arrays["weights"],
        "optimizer": {k[len(_OPT) :]: v for k, v in arrays.items() if k.startswith(_OPT)},
        "rng": meta["rng"],
        "dropout_rngs": meta["dropout_rngs"],
        "epoch": int(meta["epoch"]),
        "position": int(meta["position"]),
        "order": arrays.get("order"),
        "history": _history_from_json(meta["history"]),
        "running": meta.get("running") or [0.0, 0, 0],
        "buffers": {k[len(_BUF):]: v for k, v in arrays.items() if k.startswith(_BUF)},
        "base_lr": None if meta.get("base_lr") is None else float_from_json(meta["base_lr"]),
        "early_stopping": early,
    }
    return state, meta.get("extra", {})
