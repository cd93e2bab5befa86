"""Preprocessing fitted once per fold and shared by every candidate trained on that fold.

A search fits many candidates on the same folds, and most differ only in the network: the
steps before it in a pipeline (the preprocessor) see the same training rows with the same
parameters every time. Fitting them is deterministic, so each fold's preprocessing is fitted
once, and its outputs are kept:

- ``X_fit``: the steps' ``fit_transform`` of the training rows, what the network trains on
  (exactly what ``Pipeline.fit`` would hand it);
- ``X_train`` and ``X_test``: the fitted steps' ``transform`` of the training and held-out
  rows, what the scores are computed from (exactly what ``Pipeline.predict`` would see).

Every candidate's network is then fitted on ``X_fit`` and scored on the kept matrices, and its
pipeline holds the shared fitted steps: the same numbers as fitting each pipeline alone, with
the preprocessing fitted and applied once per fold instead of once per candidate (and per rung
of a halving search). A bare network (no pipeline) has no steps to share: its fold is the rows
themselves.

The folds are kept in a per-process cache keyed by the data's content (so joblib workers and
Dask workers that receive copies of the data still share), the fold's rows and the steps'
parameters; it holds at most :data:`CACHE_FOLDS` folds and :data:`CACHE_BYTES` bytes, least
recently used first out, and a search (:func:`one_search`) empties it in the calling process
when it starts and ends.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing

from ..tabular.limits import default_memory_limit

__all__ = ["PreparedFold", "prepare_fold", "clear_prepared", "one_search", "CACHE_FOLDS", "CACHE_BYTES"]

#: most folds kept at once (two searches' worth of 5 folds)
CACHE_FOLDS = 10
#: most bytes of kept matrices per process (512 MiB, or less on a machine with under 16 GiB:
#: a thirty-second of its memory; every parallel worker keeps its own); a fold larger than
#: this is prepared but not kept
CACHE_BYTES = min(512 * 2**20, default_memory_limit() // 8)


@dataclass(frozen=True)
class PreparedFold:
    """One fold's rows, through the pipeline's fitted preprocessing steps.

    ``steps`` is None for a bare network (the matrices are then the rows themselves)."""

    steps: list | None
    X_fit: object
    y_train: object
    X_train: object
    X_test: object
    y_test: object

    def network(self, model):
        """The part of ``model`` (a clone with its candidate's parameters) to fit on ``X_fit``:
        a pipeline's last step, or the model itself."""
        return model if self.steps is None else model.steps[-1][1]

    def assemble(self, model):
        """``model`` with the shared fitted steps in front of its fitted network (in place)."""
        if self.steps is not None:
            model.steps[:-1] = self.steps
        return model

    @property
    def scoring_data(self) -> tuple:
        """``(X_train, y_train, X_test, y_test)`` for scoring the network alone."""
        return self.X_train, self.y_train, self.X_test, self.y_test

    @property
    def nbytes(self) -> int:
        matrices = {id(m): m for m in (self.X_fit, self.X_train, self.X_test)}
        return sum(int(getattr(m, "nbytes", 0)) for m in matrices.values())


_cache: OrderedDict = OrderedDict()
_digests: dict = {}  # id(data) -> (weak reference, digest): each object hashed once
_lock = threading.Lock()  # joblib's threading backend shares the cache between threads


def clear_prepared() -> None:
    """Forget every kept fold."""
    with _lock:
        _cache.clear()
        _digests.clear()


def one_search(func):
    """Decorate a search: the folds it prepares in this process are kept for it alone (the cache
    is emptied when it starts and when it ends, so its memory is let go)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        clear_prepared()
        try:
            return func(*args, **kwargs)
        finally:
            clear_prepared()

    return wrapper


def prepare_fold(model, X, y, train, test) -> PreparedFold:
    """The fold ``(train, test)`` of ``(X, y)`` through ``model``'s preprocessing steps (all
    but a pipeline's last), fitted on the training rows, from the cache when an earlier
    candidate prepared it with the same steps' parameters."""
    train, test = np.asarray(train), np.asarray(test)
    steps = list(model.steps[:-1]) if hasattr(model, "steps") else []
    if not steps:
        X_train, y_train = _safe_indexing(X, train), _safe_indexing(y, train)
        return PreparedFold(None, X_train, y_train, X_train, _safe_indexing(X, test), _safe_indexing(y, test))
    try:
        key = (_digest(X), _digest(y), _digest(train), _digest(test), _steps_key(steps))
    except TypeError:  # cells that cannot be hashed (lists...): prepared, not kept
        key = None
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    from sklearn.pipeline import Pipeline

    X_train, y_train = _safe_indexing(X, train), _safe_indexing(y, train)
    pre = Pipeline([(name, step if step is None or isinstance(step, str) else clone(step))
                    for name, step in steps])
    X_fit = pre.fit_transform(X_train, y_train)
    X_train_t = _transform(pre.steps, X_train)
    if _same(X_fit, X_train_t):
        X_train_t = X_fit  # one matrix kept, not two
    fold = PreparedFold(pre.steps, X_fit, y_train, X_train_t, _transform(pre.steps, _safe_indexing(X, test)),
                        _safe_indexing(y, test))
    for matrix in (fold.X_fit, fold.X_train, fold.X_test):  # shared: no candidate may write into them
        if isinstance(matrix, np.ndarray):
            matrix.flags.writeable = False
    if key is not None and fold.nbytes <= CACHE_BYTES:
        with _lock:
            _cache[key] = fold
            while len(_cache) > CACHE_FOLDS or sum(f.nbytes for f in _cache.values()) > CACHE_BYTES:
                _cache.popitem(last=False)
    return fold


def _transform(steps, X):
    """``X`` through the fitted ``steps`` in turn, as ``Pipeline.transform`` passes it."""
    for _, step in steps:
        if step is not None and not isinstance(step, str):
            X = step.transform(X)
    return X


def _same(a, b) -> bool:
    try:
        return a.shape == b.shape and bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except (AttributeError, TypeError, ValueError):
        return False


def _steps_key(steps) -> str:
    """The steps' names, classes and (deep) parameters: equal keys fit equal steps."""
    parts = []
    for name, step in steps:
        if step is None or isinstance(step, str):
            parts.append((name, repr(step)))
            continue
        params = sorted((k, repr(v)) for k, v in step.get_params(deep=True).items())
        parts.append((name, f"{type(step).__module__}.{type(step).__qualname__}", params))
    return repr(parts)


def _digest(data) -> bytes:
    """A content digest of a DataFrame, Series or array (values, index, names and dtypes)."""
    known = _digests.get(id(data))
    if known is not None and known[0]() is data:
        return known[1]
    h = hashlib.blake2b(digest_size=16)
    if hasattr(data, "iloc"):
        import pandas as pd

        dtypes = data.dtypes if hasattr(data, "columns") else [data.dtype]
        h.update(repr((type(data).__name__, data.shape, [str(c) for c in getattr(data, "columns", [])],
                       [str(t) for t in dtypes])).encode())
        h.update(pd.util.hash_pandas_object(data, index=True).to_numpy().tobytes())
    else:
        array = np.ascontiguousarray(np.asarray(data))
        h.update(repr((array.shape, str(array.dtype))).encode())
        h.update(array.tobytes() if array.dtype != object else repr(array.tolist()).encode())
    digest = h.digest()
    try:
        ref = weakref.ref(data)
    except TypeError:  # an object without weak references: hashed each time
        return digest
    with _lock:
        _digests[id(data)] = (ref, digest)
        if len(_digests) > 64:  # dead references pile up across searches
            for k in [k for k, (r, _) in _digests.items() if r() is None]:
                del _digests[k]
    return digest
