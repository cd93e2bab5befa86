"""A search journal: every finished (candidate, fold, rung) fit recorded on disk, so that a
killed search resumes where it stopped.

Layout of ``DIRECTORY`` (a run directory's ``search/``):

* ``journal.json``: the fingerprint of the search (hashes of the data and of the arguments);
* ``cCCCCC-fFF-rRR.state.npz``, ``cCCCCC-fFF-rRR.npz`` then ``cCCCCC-fFF-rRR.json`` per
  finished fit: the state to continue it from (:meth:`Trainer.continuation_state`: weights,
  optimizer moments, generators), then its outcome (scores, held-out predictions, fit time,
  epochs). Every array and NumPy scalar is in an ``.npz`` (exact), the rest in the ``.json``
  with ``{"__npz__": key}`` where an array was (Python floats are written by ``repr``, which
  reads back bit for bit; RNG states are plain integers).

Each file is written atomically (temporary file, fsync, rename), the ``.json`` last: a fit is
recorded once its ``.json`` exists, so a process killed at any moment (``kill -9``) leaves
either a complete record or none. No pickle.

The states are the bulk of a journal (a network's weights and two Adam moments per fit) and
are needed only to continue a fit: :meth:`SearchJournal.drop_states` deletes them once a rung
has been continued, and all of them when the search has finished, so that a finished run
keeps only its outcomes (a record whose state was dropped reads back with
``state_dropped=True``: not finished, to be trained again if it must be continued).
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from .._util.files import atomic_write_bytes, atomic_write_text

__all__ = ["SearchJournal", "fingerprint"]

HEADER = "journal.json"


def fingerprint(**parts) -> dict:
    """``{name: sha256}`` of each part (bytes, or anything JSON can write with sorted keys)."""
    out = {}
    for name, value in parts.items():
        data = value if isinstance(value, bytes) else json.dumps(value, sort_keys=True, default=repr).encode()
        out[name] = hashlib.sha256(data).hexdigest()
    return out


class SearchJournal:
    """The finished fits of one search in ``directory``.

    Parameters
    ----------
    directory : path
    fingerprint : dict
        ``{part: hash}`` of what the search depends on (see :func:`fingerprint`).
    resume : bool
        True: keep the fits recorded by an earlier run with the same fingerprint (a different
        one is refused with a ValueError naming the parts that differ). False: start afresh,
        removing any earlier records.
    """

    def __init__(self, directory, fingerprint: dict, *, resume: bool):
        self.directory = Path(directory)
        self.fingerprint = dict(fingerprint)
        header = self.directory / HEADER
        if resume and header.is_file():
            saved = json.loads(header.read_text()).get("fingerprint", {})
            differ = sorted(k for k in set(saved) | set(self.fingerprint)
                            if saved.get(k) != self.fingerprint.get(k))
            if differ:
                raise ValueError(f"--resume needs the same {' and '.join(differ)} as the interrupted search "
                                 f"recorded in {self.directory}; run without --resume to start afresh. "
                                 f"Received: different {', '.join(differ)}")
            self._started = True
        else:
            # nothing is written (nor removed) before the first fit is recorded: a search that
            # fails on bad input leaves the run directory as it was
            self._started = False
        self.resumed = len(list(self.directory.glob("c*-f*-r*.json"))) if self._started else 0

    def _start(self) -> None:
        """A fresh journal: earlier records removed, the fingerprint written."""
        if self.directory.is_dir():
            for old in self.directory.glob("c*-f*-r*.*"):
                old.unlink()
        atomic_write_text(self.directory / HEADER,
                          json.dumps({"version": 1, "fingerprint": self.fingerprint}, indent=1))
        self._started = True

    def _stem(self, candidate, fold, rung) -> Path:
        return self.directory / f"c{candidate:06d}-f{fold:02d}-r{rung:02d}"

    def put(self, candidate: int, fold: int, rung: int, outcome: dict) -> None:
        """Record a finished fit's ``outcome`` (arrays and NumPy scalars anywhere inside); its
        ``"state"``, when not None, goes to a file of its own (see :meth:`drop_states`)."""
        if not self._started:
            self._start()
        stem = self._stem(candidate, fold, rung)
        state = outcome.get("state")
        arrays: dict = {}
        plain = _split({**outcome, "state": None} if state is not None else outcome, arrays)
        if state is not None:
            state_arrays: dict = {}
            entry = {"__state__": _split(state, state_arrays)}
            atomic_write_bytes(_state_file(stem), _npz_bytes(state_arrays))
            plain = {"__dict__": [[k, entry if k == "state" else v] for k, v in plain["__dict__"]]}
        atomic_write_bytes(stem.with_suffix(".npz"), _npz_bytes(arrays))
        atomic_write_text(stem.with_suffix(".json"), json.dumps(plain))

    def get(self, candidate: int, fold: int, rung: int) -> dict | None:
        """The recorded outcome, or None. A state deleted by :meth:`drop_states` reads back as
        ``state=None`` with ``state_dropped=True``."""
        if not self._started:
            return None
        stem = self._stem(candidate, fold, rung)
        try:
            plain = json.loads(stem.with_suffix(".json").read_text())
        except FileNotFoundError:
            return None
        entry = next((v for k, v in plain["__dict__"] if k == "state" and isinstance(v, dict)
                      and "__state__" in v), None)
        if entry is not None:
            plain = {"__dict__": [[k, None if k == "state" else v] for k, v in plain["__dict__"]]}
        outcome = _join(plain, _load(stem.with_suffix(".npz")))
        if entry is not None:
            try:
                outcome["state"] = _join(entry["__state__"], _load(_state_file(stem)))
            except FileNotFoundError:
                outcome["state_dropped"] = True
        return outcome

    def drop_states(self, rung: int | None = None) -> None:
        """Delete the training states recorded at ``rung`` (every rung: None), keeping the
        outcomes. A search calls it for a rung once the next rung has continued every fit
        it promoted, and for all when it has finished."""
        if not self._started:
            return
        pattern = "c*-f*-r*" if rung is None else f"c*-f*-r{rung:02d}"
        for path in self.directory.glob(pattern + _STATE_SUFFIX):
            path.unlink(missing_ok=True)


_STATE_SUFFIX = ".state.npz"


def _state_file(stem: Path) -> Path:
    return stem.with_name(stem.name + _STATE_SUFFIX)


def _npz_bytes(arrays: dict) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _load(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def _split(value, arrays: dict):
    """``value`` with every array and NumPy scalar moved into ``arrays`` (a reference left)."""
    if isinstance(value, (np.ndarray, np.generic)):
        key = f"a{len(arrays)}"
        arrays[key] = np.asarray(value)
        return {"__npz__": key, "scalar": isinstance(value, np.generic)}
    if isinstance(value, dict):
        return {"__dict__": [[k, _split(v, arrays)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_split(v, arrays) for v in value]
    return value


def _join(value, arrays: dict):
    if isinstance(value, dict):
        if "__npz__" in value:
            array = arrays[value["__npz__"]]
            return array[()] if value["scalar"] else array
        return {k: _join(v, arrays) for k, v in value["__dict__"]}
    if isinstance(value, list):
        return [_join(v, arrays) for v in value]
    return value
