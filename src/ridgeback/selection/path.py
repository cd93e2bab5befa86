r"""The cross-validated regularization path: :func:`regularization_path` and :func:`lambda_max`.

Public through :mod:`ridgeback.selection` (and ``ridgeback``); see there for scores, the
one-standard-error rule and seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.base import clone

from .._util.validation import check_int, check_one_of
from ..engine.feature_groups import feature_groups_of, group_codes
from .crossval import (
    derive_seed,
    final_step,
    fit_and_score,
    jsonable,
    make_folds,
    resolve_entropy,
    resolve_param,
    run_tasks,
    seed_estimator,
)
from .prepared import one_search
from .rules import one_se_index

__all__ = ["regularization_path", "RegularizationPath", "lambda_max"]


def _path_task(estimator, X, y, key, values, train, test, seed, scoring, warm_epochs):
    """One fold's path, rows in the order of ``values`` (descending); fitted from the weakest
    strength (from scratch) up, each next one warm-started."""
    est = clone(estimator)
    rows = []
    for j, value in enumerate(values[::-1]):
        _set_strength(est, key, value, j, warm_epochs)
        outcome, fitted = fit_and_score(est, X, y, train, test, seed, scoring)
        if fitted is None:  # diverged: the rest of this fold's path is lost too
            rows.extend([outcome | {"n_nonzero": None, "n_active": None}] * (len(values) - j))
            break
        outcome["n_nonzero"], outcome["n_active"] = _sparsity(fitted)
        rows.append(outcome)
    return rows[::-1]


def _set_strength(estimator, key, value, j, warm_epochs):
    """Set ``key`` to ``value`` for the ``j``-th fit along the path (weakest first): from the
    second on, the fit starts from the previous weights for ``warm_epochs`` epochs."""
    if j == 1:
        prefix = key[: -len(key.rsplit("__", 1)[-1])]
        estimator.set_params(**{f"{prefix}warm_start": True, f"{prefix}max_epochs": warm_epochs})
    estimator.set_params(**{key: value})


def _sparsity(estimator):
    from ..engine.inspection import active_inputs, input_weight

    net = final_step(estimator).network_
    n_nonzero = int(sum(np.count_nonzero(layer.weight.data) for layer in net.dense_layers))
    return n_nonzero, int(active_inputs(input_weight(net).data).size)


def lambda_max(estimator, X, y, param, *, seed=0, tries=4):
    r"""A strength of ``param`` ("l1", "group_l1" or "l2") that removes (nearly) every input.

    Heuristic, in two steps. (1) At the initial weights, with ``G`` the gradient of the mean
    data loss over all of ``X`` with respect to the input weights ``W`` (the first Dense layer's,
    or the numeric embedding's, one row per input column), a weight stays
    at zero under a proximal L1 step when :math:`\lambda \ge |G_{ij}|`, so
    :math:`\lambda_{\max} = \max|G|` (group L1: the largest row norm :math:`\max_j\|G_{j,:}\|_2`,
    or the largest norm of a group's rows :math:`\max_g\|G_g\|_2` when the preprocessing gives
    feature groups;
    L2 has no exact zeros, and :math:`100\max|G| / (2\,\mathrm{rms}(W))` is the strength whose
    stationary weights are about 1% of their initial scale). (2) For L1 and group L1 the
    estimator is fitted on all data at that strength; while more than 5% of the inputs stay
    active the strength is multiplied by 4 (at most ``tries`` times); early stopping is off
    for these fits.
    """
    key = resolve_param(estimator, param)
    base = key.rsplit("__", 1)[-1]
    check_one_of("param", base, ("l1", "group_l1", "l2"))
    # early stopping would restore near-initial weights at a strength that hurts the fit
    est = seed_estimator(clone(estimator).set_params(**{f"{key[: -len(base)]}early_stopping": False}), seed)
    Xt = X
    if hasattr(est, "steps"):
        from sklearn.pipeline import Pipeline

        Xt = Pipeline(est.steps[:-1]).fit_transform(X, y)
    network, loss, target = final_step(est).initial_network(Xt, y)
    groups = feature_groups_of(Xt)
    Xt = np.asarray(Xt, dtype=network.dtype)
    loss.forward(network.forward(Xt, training=False), target)
    network.backward(loss.backward(), input_grad=False)
    from ..engine.inspection import input_weight

    # the weight through which the inputs enter: the first Dense layer's, or a numeric
    # embedding's (n_features, m, d), one row per input after flattening
    first = input_weight(network)
    grad = first.grad.astype(np.float64).reshape(first.shape[0], -1)
    if base == "l2":
        return float(100 * np.abs(grad).max() / (2 * np.sqrt(np.mean(first.data.astype(np.float64) ** 2))))
    if base == "group_l1":
        squares = (grad ** 2).sum(axis=1)
        if groups is not None:  # the rows of one feature (a raw column's one-hot columns) together
            squares = np.bincount(group_codes(groups)[0], weights=squares)
        strength = float(np.sqrt(squares.max()))
    else:
        strength = float(np.abs(grad).max())
    for _ in range(tries):
        est.set_params(**{key: strength})
        est.fit(X, y)
        if _sparsity(est)[1] <= 0.05 * Xt.shape[1]:
            break
        strength *= 4
    return strength


@dataclass
class RegularizationPath:
    """Cross-validated scores along a descending grid of strengths (arrays indexed like ``values``).

    ``mean_train_score`` is the mean over folds of the score on each fold's training rows, on
    a sample of them on large tables (:func:`~ridgeback.selection.crossval.score_fitted`)."""

    param: str
    values: np.ndarray
    mean_score: np.ndarray
    std_score: np.ndarray
    fold_scores: np.ndarray
    mean_train_score: np.ndarray
    n_nonzero: np.ndarray
    n_active_features: np.ndarray
    index_min: int
    index_1se: int
    refit: str
    n_folds: int
    best_estimator_: object = None
    #: the metric's name (``scoring`` when it was a string; None: the estimator's own score)
    scoring: str | None = None

    @property
    def lambda_min(self) -> float:
        """The value with the best mean score."""
        return float(self.values[self.index_min])

    @property
    def lambda_1se(self) -> float:
        """The largest value whose mean score is within one standard error of the best."""
        return float(self.values[self.index_1se])

    def to_dict(self) -> dict:
        """JSON-ready summary (no estimator)."""
        return jsonable({"param": self.param, "values": self.values, "mean_score": self.mean_score,
                         "std_score": self.std_score, "fold_scores": self.fold_scores,
                         "mean_train_score": self.mean_train_score, "n_nonzero": self.n_nonzero,
                         "n_active_features": self.n_active_features, "lambda_min": self.lambda_min,
                         "lambda_1se": self.lambda_1se, "refit": self.refit, "n_folds": self.n_folds,
                         **({"scoring": self.scoring} if self.scoring is not None else {})})


@one_search
def regularization_path(estimator, X, y, *, param="l1", values=None, n_values=20, min_ratio=1e-3, cv=5,
                        n_jobs=None, backend=None, scheduler=None, refit="1se", scoring=None,
                        random_state=None, warm_epochs=None, early_stopping=False,
                        progress=None) -> RegularizationPath:
    r"""Cross-validated regularization path with :math:`\lambda_{\min}` and :math:`\lambda_{1se}`.

    The grid descends from a strength that removes (nearly) every input. Inside each fold the
    estimator is fitted at the *smallest* strength first (for the estimator's ``max_epochs``),
    then at each larger one starting from the previous weights (``warm_start``) for
    ``warm_epochs`` epochs, so the path follows the solution as the penalty tightens and inputs
    leave one by one. Why not from the top, as glmnet does for convex problems: for a network,
    all-zero weights are a stationary point whatever the penalty (no gradient reaches a layer
    whose successor is zero, and a ReLU unit with zero input is dead), so a path started where
    everything is removed would never come back; LassoNet walks its path from dense to sparse
    for the same reason.

    Parameters
    ----------
    estimator : MLPClassifier, MLPRegressor or a Pipeline ending in one
    X, y : training data
    param : str, default="l1"
        The strength to vary (``"l1"``, ``"group_l1"``, ``"l2"``, or any numeric parameter
        when ``values`` is given); a pipeline's last step is found without its prefix.
    values : sequence of float, optional
        Strengths to try (sorted descending). Default: ``n_values`` geometrically spaced from
        :func:`lambda_max` down to ``min_ratio`` times it.
    cv, n_jobs, backend, scheduler, scoring, random_state
        As in :func:`tune`; the tasks are the folds.
    refit : {"1se", "min", False}, default="1se"
        Refit on all data along the path, from the smallest value up to :math:`\lambda_{1se}`
        or :math:`\lambda_{\min}`.
    warm_epochs : int, optional
        Epochs for each warm-started value (default: a quarter of ``max_epochs``, at least 1).
    early_stopping : bool or None, default=False
        Overrides the estimator's ``early_stopping`` along the path (``None`` keeps it). Off by
        default: early stopping is a regularizer of its own, and with its restore-best rule a
        strong penalty would hand back the weights of an epoch before the penalty took effect,
        so the path would not show what the penalty does.
    progress : callable or None
        Called as ``progress(done, total)`` after each fold's whole path is fitted
        (``total = n_folds``; a fold's path is one task). ``lambda_max`` and the refit are not
        counted.

    Returns
    -------
    RegularizationPath
        ``lambda_min`` has the best mean score; ``lambda_1se`` is the largest value whose mean
        score is at least ``best - std_best / sqrt(n_folds)``, so ``lambda_1se >= lambda_min``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from ridgeback import MLPClassifier, regularization_path
    >>> X, y = load_iris(return_X_y=True)
    >>> path = regularization_path(MLPClassifier((8,), learning_rate=1e-2, max_epochs=20), X, y,
    ...                            values=[0.1, 0.01, 0.001], cv=3, random_state=0)
    >>> path.lambda_1se >= path.lambda_min
    True
    """
    check_one_of("refit", refit, ("1se", "min", False))
    key = resolve_param(estimator, param)
    if early_stopping is not None:
        prefix = key[: -len(key.rsplit("__", 1)[-1])]
        estimator = clone(estimator).set_params(**{f"{prefix}early_stopping": bool(early_stopping)})
    entropy = resolve_entropy(random_state, estimator)
    folds = make_folds(estimator, X, y, cv, derive_seed(entropy, 0))
    values = _strengths(estimator, X, y, param, values, n_values, min_ratio, derive_seed(entropy, 4))
    if warm_epochs is None:
        warm_epochs = max(1, int(final_step(estimator).get_params()["max_epochs"]) // 4)
    warm_epochs = check_int("warm_epochs", warm_epochs)
    tasks = [(key, values, train, test, derive_seed(entropy, 1, k), scoring, warm_epochs)
             for k, (train, test) in enumerate(folds)]
    paths = run_tasks(_path_task, (estimator, X, y), tasks, n_jobs=n_jobs, backend=backend,
                      scheduler=scheduler, progress=progress)
    result = _summarize(paths, key, values, refit)
    result.scoring = scoring if isinstance(scoring, str) else None
    if refit:
        stop = result.index_1se if refit == "1se" else result.index_min
        result.best_estimator_ = _refit_along(estimator, X, y, key, values[stop:],
                                              warm_epochs, derive_seed(entropy, 3))
    return result


def _strengths(estimator, X, y, param, values, n_values, min_ratio, seed) -> np.ndarray:
    """The path's strengths, descending: ``values`` checked, or ``n_values`` geometrically spaced
    from :func:`lambda_max` (fitted with ``seed``) down to ``min_ratio`` times it."""
    if values is None:
        n_values = check_int("n_values", n_values, minimum=2)
        if not 0 < min_ratio < 1:
            raise ValueError(f"`min_ratio` must be in (0, 1). Received: min_ratio={min_ratio!r}")
        top = lambda_max(estimator, X, y, param, seed=seed)
        values = np.geomspace(top, top * min_ratio, n_values)
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"`values` must be a non-empty list of finite numbers >= 0. "
                         f"Received: values={values!r}")
    return np.sort(values)[::-1]


def _summarize(paths, key, values, refit) -> RegularizationPath:
    """The folds' paths (one list of rows per fold, in the order of ``values``) as one
    :class:`RegularizationPath`, with λ_min and λ_1se."""
    k = len(paths)
    scores = np.array([[row["test_score"] for row in path] for path in paths]).T  # (n_values, k)
    mean, std = scores.mean(axis=1), scores.std(axis=1)

    def fold_mean(name):
        return np.array([np.mean([np.nan if p[j][name] is None else p[j][name] for p in paths])
                         for j in range(values.size)])

    # larger strengths come first: preferring the smaller index picks the largest value within 1 SE
    best, one_se = one_se_index(mean, std, k, -np.arange(values.size))
    return RegularizationPath(param=key, values=values, mean_score=mean, std_score=std, fold_scores=scores,
                              mean_train_score=fold_mean("train_score"), n_nonzero=fold_mean("n_nonzero"),
                              n_active_features=fold_mean("n_active"), index_min=best, index_1se=one_se,
                              refit=refit or "none", n_folds=k)


def _refit_along(estimator, X, y, key, values, warm_epochs, seed):
    """Refit on all data along ``values`` (descending), from the weakest up, as in each fold."""
    est = seed_estimator(clone(estimator), seed)
    for j, value in enumerate(values[::-1]):
        _set_strength(est, key, value, j, warm_epochs)
        est.fit(X, y)
    return est
