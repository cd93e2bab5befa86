"""Cross-validation machinery: folds, seeds, fitting one task, parallel execution.

A task is a pure function of its arguments: its seed is derived from the search's
``random_state`` and the task's coordinates alone, never from a shared generator, so the
order in which workers pick tasks up cannot change any result. Every task also runs with
BLAS limited to one thread (threadpoolctl), serial runs included: two workers on two cores
then do not oversubscribe, and a matrix product is summed in the same order whichever way
the task runs, which keeps serial, ``n_jobs`` and Dask results bit-identical.
"""

from __future__ import annotations

import numbers
import time
import warnings

import numpy as np
from sklearn.base import is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _num_samples

from .._util.jsonify import to_json
from .._util.validation import check_int, check_one_of
from ..engine.history import TrainingDiverged
from ..engine.inspection import final_step
from ..metrics import get_scorer

__all__ = ["make_folds", "resolve_entropy", "derive_seed", "seed_estimator", "run_tasks", "fit_and_score",
           "score_fitted", "check_n_jobs", "check_grid", "resolve_param", "final_step", "jsonable",
           "fit_params", "take_weights", "train_scoring_rows", "TRAIN_SCORE_ROWS"]

BACKENDS = (None, "loky", "threading", "multiprocessing", "dask")

#: the training rows a fold's training score is computed on at most, or as many as the fold holds
#: out if that is more (:func:`score_fitted`); the held-out score always takes every held-out row
TRAIN_SCORE_ROWS = 5000


def resolve_entropy(random_state, estimator=None) -> int:
    """One integer that seeds a whole search.

    ``random_state`` when given; else the estimator's own ``random_state`` (a pipeline's last
    step's), so that ``tune(MLPRegressor(random_state=0), ...)`` is the same search on every
    call, as scikit-learn's searches are; fresh entropy only when both are None.
    """
    if random_state is None and estimator is not None:
        random_state = _own_random_state(estimator)
    if random_state is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**63))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(2**31 - 1))
    return check_int("random_state", random_state, minimum=0)


def _own_random_state(estimator):
    """The ``random_state`` of the estimator (of a pipeline's last step that has one), or None."""
    params = estimator.get_params(deep=True)
    keys = [k for k in params if k == "random_state" or k.endswith("__random_state")]
    return params[keys[-1]] if keys else None


def derive_seed(entropy: int, *keys: int) -> int:
    """A 32-bit seed determined by ``entropy`` and ``keys`` only."""
    return int(np.random.SeedSequence([entropy, *keys]).generate_state(1)[0])


def seed_estimator(estimator, seed: int):
    """Set every ``random_state`` parameter (pipeline steps included) to ``seed``."""
    keys = [k for k in estimator.get_params(deep=True) if k == "random_state" or k.endswith("__random_state")]
    if keys:
        estimator.set_params(**dict.fromkeys(keys, seed))
    return estimator


def make_folds(estimator, X, y, cv, seed: int) -> list:
    """``(train, test)`` index pairs; shuffled stratified K-fold for classifiers, K-fold otherwise.

    ``cv`` may also be a scikit-learn splitter or an iterable of index pairs.
    """
    n = _num_samples(X)
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        cv = check_int("cv", cv, minimum=2)
        if n < cv:
            raise ValueError(f"`cv`={cv} folds need at least {cv} rows; use fewer folds or more data. "
                             f"Received: n_samples={n}")
        if is_classifier(estimator):
            labels, counts = np.unique(np.asarray(y), return_counts=True)
            numeric = labels.dtype.kind in "iuf"  # labels written as numbers: maybe numbers to predict
            # plain Python values for the messages (1, not np.int64(1); object arrays too)
            shown = [v.item() if isinstance(v, np.generic) else v for v in labels]
            hint = ", or --task regression if the labels are numbers to predict" * numeric
            if counts.max() < cv:
                raise ValueError(f"`cv`={cv} folds need a class with at least {cv} rows; the largest has "
                                 f"{counts.max()}. Use fewer folds (--cv {max(2, int(counts.max()))})"
                                 f"{hint}. "
                                 f"Received: cv={cv}")
            if labels.size == 2 and counts.min() == 1:  # the fold testing that row trains on one class
                lone = shown[int(np.argmin(counts))]
                raise ValueError(f"Class {lone!r} has a single row: the fold that tests it would train on "
                                 f"the other class alone, and a classifier needs two. Drop that row or "
                                 f"collect more of its class{hint}. "
                                 f"Received: class {lone!r} in 1 of {n} rows")
            rare = [(lab, int(c)) for lab, c in zip(shown, counts, strict=True) if c < cv]
            if rare:
                # as StratifiedKFold does: warn and go on; such a class is missing from the test rows
                # of some folds (and, with one row, from the training rows of one)
                listed = ", ".join(f"{lab!r} ({c} row{'s' if c > 1 else ''})" for lab, c in rare[:5])
                warnings.warn(f"Classes with fewer rows than cv={cv}: {listed}; some folds will not test "
                              f"them. Use --cv {max(2, min(c for _, c in rare))} to test them in every fold, "
                              f"or drop their rows.", UserWarning, stacklevel=2)
            splitter = StratifiedKFold(cv, shuffle=True, random_state=seed)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
                return list(splitter.split(np.zeros((n, 1)), np.asarray(y)))
        splitter = KFold(cv, shuffle=True, random_state=seed)
        return list(splitter.split(np.zeros((n, 1)), np.asarray(y)))
    if hasattr(cv, "split"):
        folds = list(cv.split(X, y))
    else:
        try:
            folds = [(np.asarray(tr), np.asarray(te)) for tr, te in cv]
        except (TypeError, ValueError):
            raise ValueError(f"`cv` must be an int >= 2, a splitter or an iterable of (train, test) indices. "
                             f"Received: cv={cv!r}") from None
    if len(folds) < 2:
        raise ValueError(f"`cv` must give at least 2 folds. Received: cv with {len(folds)} fold(s)")
    return folds


def _single_threaded(func, *args):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return func(*args)


class _Warned:
    """A task's result from another process, with the warnings it raised there (each message once)."""

    def __init__(self, value, messages):
        self.value, self.messages = value, messages


def _in_worker(func, *args) -> _Warned:
    """:func:`_single_threaded` in a worker process, its warnings caught and sent back with the
    result: a worker writes to the console's stderr, where they would print as raw multi-line
    warnings, out of reach of a caller that turns them into notes (``ridgeback tune``). Only in
    a worker's main thread (joblib's processes): catching warnings swaps process-wide state, which
    threads running tasks side by side (a Dask worker's) would leave crossed."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return _Warned(_single_threaded(func, *args), [])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = _single_threaded(func, *args)
    messages, seen = [], set()
    for w in caught:
        key = (w.category.__name__, str(w.message))
        if key not in seen and not issubclass(w.category, DeprecationWarning):
            seen.add(key)
            messages.append(w.message if isinstance(w.message, Warning) else w.category(str(w.message)))
    return _Warned(value, messages)


def check_n_jobs(n_jobs):
    """``n_jobs`` as joblib takes it: None or a non-zero integer."""
    bad_jobs = isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0
    if n_jobs is not None and bad_jobs:
        raise ValueError(f"`n_jobs` must be None or a non-zero integer. Received: n_jobs={n_jobs!r}")
    return n_jobs


def run_tasks(func, shared, tasks, *, n_jobs=None, backend=None, scheduler=None, progress=None,
              on_result=None) -> list:
    """``[func(*shared, *task) for task in tasks]``, serially, with joblib or on Dask.

    Parameters
    ----------
    func : picklable callable
    shared : tuple
        Arguments common to every task (the data): scattered once to Dask workers.
    tasks : list of tuple
    n_jobs : int or None
        joblib workers (``None`` or 1: serial; -1: all cores).
    backend : {None, "loky", "threading", "multiprocessing", "dask"}
        ``None`` means joblib's default (loky), or Dask when ``scheduler`` is given.
    scheduler : str, distributed.Client or None
        Address of a Dask scheduler (``"tcp://host:8786"``) or a client; ``None`` with
        ``backend="dask"`` uses the current default client.
    progress : callable or None
        Called as ``progress(done, total)`` after each finished task, in the calling process
        (results are still returned in the order of ``tasks``).
    on_result : callable or None
        Called as ``on_result(index, result)`` in the calling process as each result arrives,
        in task order; what it returns is kept in the result's place (a fold ensemble takes the
        fitted models out of the results this way, keeping only those it may need).
    """
    total = len(tasks)

    def report(results):
        for done, result in enumerate(results, start=1):
            if isinstance(result, _Warned):  # raised again here, where the caller catches them
                for message in result.messages:
                    warnings.warn(message, stacklevel=2)
                result = result.value
            if on_result is not None:
                result = on_result(done - 1, result)
            if progress is not None:
                progress(done, total)
            yield result

    if backend is None and scheduler is not None:
        backend = "dask"
    check_one_of("backend", backend, BACKENDS)
    if backend == "dask":
        return _run_dask(func, shared, tasks, scheduler, report)
    check_n_jobs(n_jobs)
    if n_jobs in (None, 1) and backend is None:
        return list(report(_single_threaded(func, *shared, *task) for task in tasks))
    from joblib import Parallel, delayed

    # an ordered generator: results arrive in task order as the workers finish them
    run = _single_threaded if backend == "threading" else _in_worker  # threads share our warnings
    return list(report(Parallel(n_jobs=n_jobs, backend=backend, return_as="generator")(
        delayed(run)(func, *shared, *task) for task in tasks)))


def _run_dask(func, shared, tasks, scheduler, report):
    try:
        from distributed import Client, get_client
    except ImportError:  # pragma: no cover - the [distributed] extra is missing
        raise ValueError("backend='dask' needs the `distributed` package "
                         "(pip install 'ridgeback[distributed]'). "
                         "Received: backend='dask'") from None
    owned = None
    if scheduler is None:
        try:
            client = get_client()
        except ValueError:
            raise ValueError("backend='dask' without a scheduler needs a running distributed Client. "
                             "Received: scheduler=None") from None
    elif isinstance(scheduler, Client):
        client = scheduler
    elif isinstance(scheduler, str):
        client = owned = Client(scheduler, set_as_default=False)
    else:
        raise ValueError(f"`scheduler` must be an address such as 'tcp://host:8786' or a distributed.Client. "
                         f"Received: scheduler={scheduler!r}")
    try:
        # a list would be scattered element by element: wrap each item so it travels whole; no
        # content hash: a search scattering the same data again (a rung) would share the key of
        # futures being released, and its tasks would be cancelled
        shared_futures = [client.scatter([item], broadcast=True, hash=False)[0] for item in shared]
        futures = [client.submit(_in_worker, func, *shared_futures, *task, pure=False)
                   for task in tasks]
        return list(report(future.result() for future in futures))
    finally:
        if owned is not None:
            owned.close()


def jsonable(value):
    """Plain JSON values for result summaries: NaN as None, and objects that JSON cannot hold
    (an estimator in a Pipeline grid) kept as they are for the caller to show."""
    return to_json(value, unknown="keep")


def fit_params(estimator, sample_weight) -> dict:
    """``fit`` keyword arguments that pass ``sample_weight`` to the estimator (a pipeline's
    last step: ``"<step>__sample_weight"``); empty without weights."""
    if sample_weight is None:
        return {}
    if hasattr(estimator, "steps"):
        return {f"{estimator.steps[-1][0]}__sample_weight": sample_weight}
    return {"sample_weight": sample_weight}


def take_weights(sample_weight, rows):
    """The weights of ``rows`` (None without weights)."""
    return None if sample_weight is None else np.asarray(sample_weight)[rows]


def fit_and_score(estimator, X, y, train, test, seed, scoring, sample_weight=None, keep_predictions=False):
    """Fit a clone on the training rows, score it on both sides. Divergence scores NaN.

    A pipeline's steps before the network are fitted once per fold and shared
    (:mod:`ridgeback.selection.prepared`): the network is fitted and scored on their output,
    which gives the numbers the whole pipeline would.

    ``sample_weight`` is split with the rows: the training rows' weights go to ``fit``, the
    held-out rows' weights to the scorer."""
    from .prepared import prepare_fold

    w_train, w_test = take_weights(sample_weight, train), take_weights(sample_weight, test)
    seed_estimator(estimator, seed)
    start = time.perf_counter()
    fold = prepare_fold(estimator, X, y, train, test)  # a pipeline's steps: fitted once per fold
    network = fold.network(estimator)
    try:
        network.fit(fold.X_fit, fold.y_train, **fit_params(network, w_train))
    except TrainingDiverged as exc:
        return {"test_score": float("nan"), "train_score": float("nan"),
                "fit_time": time.perf_counter() - start, "n_iter": None, "error": str(exc),
                **({"test_predictions": None} if keep_predictions else {})}, None
    fold.assemble(estimator)
    return score_fitted(network, *fold.scoring_data, scoring, time.perf_counter() - start, w_train, w_test,
                        keep_predictions), estimator


def assemble_held_out(parts, folds, n_rows):
    """Out-of-fold predictions from each fold's held-out ``parts``: shape (n_rows, n_columns)
    float32, each row from the fold that held it out, NaN for rows in no held-out fold. None
    when a part is missing (a fold diverged) or the parts' columns differ (a fold trained
    without some class)."""
    if any(p is None for p in parts):
        return None
    widths = {1 if p.ndim == 1 else p.shape[1] for p in parts}
    if len(widths) > 1:
        return None
    width = widths.pop()
    out = np.full((n_rows, width), np.nan, dtype=np.float32)
    for (_, test), part in zip(folds, parts, strict=True):
        out[test] = part.reshape(len(test), width)
    return out


def train_scoring_rows(y, limit=None, classes=False):
    """The training rows a fold's training score is computed on: None (all of them) up to
    ``limit`` rows (default :data:`TRAIN_SCORE_ROWS`), else ``limit`` of them, sorted.

    The training score only reports how closely a candidate fits its own rows (the gap to the
    held-out score); it never ranks candidates. On a large table predicting every training
    row at every rung took a third of the search (20,000 rows of a 54,000-row table), so the
    score is estimated on a systematic sample: the rows ordered by target (stable), then taken
    at evenly spaced positions, which keeps each class's share (or the target's quantiles) and
    needs no random draw. With ``classes`` (a classifier's labels) at least one row of every
    class is kept, so that a score over classes sees them all.

    Examples
    --------
    >>> train_scoring_rows(np.arange(10), limit=20) is None
    True
    >>> train_scoring_rows(np.array([0] * 8 + [1]), limit=3).tolist()
    [0, 4, 8]
    >>> train_scoring_rows(np.array([1] * 9 + [0]), limit=2, classes=True).tolist()
    [0, 8, 9]
    """
    limit = TRAIN_SCORE_ROWS if limit is None else check_int("limit", limit, minimum=1)
    y = np.asarray(y)
    n = len(y)
    if n <= limit:
        return None
    positions = np.unique(np.round(np.linspace(0, n - 1, limit)).astype(np.intp))
    if y.ndim != 1:
        return positions
    try:
        order = np.argsort(y, kind="stable")
    except TypeError:  # labels that do not compare (mixed types): evenly spaced rows
        return positions
    rows = order[positions]
    if classes:
        first_of_each = np.unique(y[order], return_index=True)[1]
        rows = np.union1d(rows, order[first_of_each])
    return np.sort(rows)


def score_fitted(estimator, X_train, y_train, X_test, y_test, scoring, fit_time, w_train=None, w_test=None,
                 keep_predictions=False) -> dict:
    """The outcome record of a fitted estimator: its scores on both sides (weighted by the
    rows' weights when given) and its fit time; with ``keep_predictions`` (a metric of
    :mod:`ridgeback.metrics`) also ``test_predictions``, what the score was computed from on
    the held-out rows (probabilities or values), as float32.

    The held-out score takes every held-out row; the training score is taken on at most
    :data:`TRAIN_SCORE_ROWS` training rows, or on as many as are held out when that is more
    (:func:`train_scoring_rows`), so that it is never noisier than the held-out score it is
    read against (on a heavy-tailed target a poorly fitted candidate's R² varies by a few
    hundredths between samples of 4,000 rows, as between its held-out folds)."""
    scorer = check_scoring(estimator, scoring=get_scorer(scoring))
    limit = max(TRAIN_SCORE_ROWS, _num_samples(X_test))
    rows = train_scoring_rows(y_train, limit=limit, classes=is_classifier(final_step(estimator)))
    if rows is not None:
        X_train, y_train = _safe_indexing(X_train, rows), _safe_indexing(y_train, rows)
        w_train = take_weights(w_train, rows)

    def score(X_, y_, w_):
        return float(scorer(estimator, X_, y_) if w_ is None else scorer(estimator, X_, y_, sample_weight=w_))

    kept = getattr(scorer, "predictions", None) if keep_predictions else None
    held_out = None if kept is None else kept(estimator, X_test)
    test_score = None if held_out is None else scorer.from_predictions(estimator, y_test, held_out, w_test)
    outcome = {"test_score": score(X_test, y_test, w_test) if test_score is None else float(test_score),
               "train_score": score(X_train, y_train, w_train),
               "fit_time": fit_time, "n_iter": getattr(final_step(estimator), "n_iter_", None),
               "error": None}
    if keep_predictions:
        outcome["test_predictions"] = None if held_out is None else np.asarray(held_out, dtype=np.float32)
    return outcome


def check_grid(estimator, grid, *, random: bool) -> list:
    """The grid as a list of dicts, every key a parameter of ``estimator``, every list non-empty."""
    grids = [grid] if isinstance(grid, dict) else list(grid) if isinstance(grid, (list, tuple)) else None
    if not grids or not all(isinstance(g, dict) for g in grids):
        raise ValueError(f"`grid` must be a dict of parameter -> list of values, or a non-empty list of such "
                         f"dicts. Received: grid={grid!r}")
    valid = estimator.get_params(deep=True)
    for g in grids:
        if not g:
            raise ValueError(f"`grid` must name at least one parameter. Received: grid={g!r}")
        for name, values in g.items():
            if name not in valid:
                raise ValueError(f"Unknown parameter {name!r} in `grid` for {type(estimator).__name__}; "
                                 f"expected one of {sorted(valid)}. Received: grid key={name!r}")
            if random and hasattr(values, "rvs"):
                continue
            if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
                raise ValueError(f"`grid[{name!r}]` must be a list of values"
                                 f"{' or a distribution with .rvs' if random else ''}. "
                                 f"Received: grid[{name!r}]={values!r}")
            if len(values) == 0:
                raise ValueError(f"`grid[{name!r}]` must hold at least one value. "
                                 f"Received: grid[{name!r}]=[]")
    return grids


def resolve_param(estimator, param):
    """``param`` or, inside a Pipeline, ``"<last step>__param"``."""
    valid = estimator.get_params(deep=True)
    if param in valid:
        return param
    if hasattr(estimator, "steps") and f"{estimator.steps[-1][0]}__{param}" in valid:
        return f"{estimator.steps[-1][0]}__{param}"
    raise ValueError(f"Unknown parameter {param!r} for {type(estimator).__name__}; expected one of "
                     f"{sorted(valid)}. Received: param={param!r}")

