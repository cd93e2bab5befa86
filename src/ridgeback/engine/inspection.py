"""What regularization did to a network: exact zeros, norms, surviving input features."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .embeddings import EMBEDDINGS
from .feature_groups import group_codes
from .layers import Dense, Parameter
from .network import Sequential

__all__ = ["layer_summary", "selected_features", "SelectedFeatures", "active_inputs", "network_of",
           "input_names", "final_step", "input_weight", "feature_groups", "feature_norms"]


def final_step(model):
    """The estimator that holds the network: a Pipeline's last step, a TabularModel's
    estimator, else ``model`` itself.

    Duck-typed (a Pipeline has ``steps``; a TabularModel has ``estimator`` and
    ``preprocessor``), so that the engine needs neither scikit-learn nor the tabular layer.
    """
    if hasattr(model, "steps"):
        return model.steps[-1][1]
    if hasattr(model, "estimator") and hasattr(model, "preprocessor"):
        return model.estimator
    return model


def network_of(model, *, through_preprocessing: bool = True) -> Sequential:
    """The Sequential behind ``model``.

    Parameters
    ----------
    model : Sequential, fitted estimator (with a ``network_``), or a fitted Pipeline or
        TabularModel ending in one
    through_preprocessing : bool
        Whether a Pipeline or TabularModel is accepted. Pass False where the caller feeds the
        network its input matrix itself: a preprocessing step in front of the network would
        otherwise be skipped without a word.

    Raises
    ------
    ValueError
        When no Sequential is found (an unfitted estimator, another object).

    Examples
    --------
    >>> from ridgeback import mlp
    >>> net = mlp([3, 4, 2], seed=0)
    >>> network_of(net) is net
    True
    """
    holder = final_step(model) if through_preprocessing else model
    net = getattr(holder, "network_", holder)
    if not isinstance(net, Sequential):
        wrappers = ", or a fitted Pipeline or TabularModel ending in one" if through_preprocessing else ""
        raise ValueError(f"`model` must be a ridgeback Sequential or a fitted ridgeback estimator{wrappers}. "
                         f"Received: model of type {type(model).__name__}")
    return net


def input_names(model):
    """Names of the network's inputs: the preprocessing's output columns for a Pipeline or a
    TabularModel, else the estimator's ``feature_names_in_`` (None when it has none)."""
    if hasattr(model, "steps"):
        if len(model.steps) == 1:
            return getattr(model.steps[0][1], "feature_names_in_", None)
        try:
            return [str(n) for n in model[:-1].get_feature_names_out()]
        except (AttributeError, ValueError, TypeError):  # a step without output names
            return getattr(model.steps[-2][1], "feature_names_out_", None)
    if hasattr(model, "estimator") and hasattr(model, "preprocessor"):
        return getattr(model.preprocessor, "feature_names_out_", None)
    return getattr(model, "feature_names_in_", None)


def feature_groups(model):
    """The feature of each network input, or None: the labels the estimator was trained with
    (``feature_groups_``), else those of a Pipeline's or TabularModel's preprocessing step (a
    Preprocessor's ``feature_groups_``: the raw column each input comes from)."""
    labels = getattr(final_step(model), "feature_groups_", None)
    if labels is None and hasattr(model, "steps") and len(model.steps) > 1:
        labels = getattr(model.steps[-2][1], "feature_groups_", None)
    elif labels is None and hasattr(model, "estimator") and hasattr(model, "preprocessor"):
        labels = getattr(model.preprocessor, "feature_groups_", None)
    return None if labels is None else list(labels)


def _grouping(model, n_inputs):
    """``(codes, names)`` of :func:`~ridgeback.engine.feature_groups.group_codes` for the model's
    feature groups; None without them, or when they do not match its ``n_inputs`` inputs."""
    labels = feature_groups(model)
    if labels is None or len(labels) != n_inputs:
        return None
    return group_codes(labels)


def input_weight(model) -> Parameter:
    """The weight whose first axis runs over the network's input columns.

    The first Dense layer's ``(n_in, n_out)`` weight, or, for a network that starts with a
    :class:`~ridgeback.engine.periodic_embedding.PeriodicEmbedding` or a
    :class:`~ridgeback.engine.piecewise_linear_embedding.PiecewiseLinearEmbedding`, the embedding's
    ``(n_features, m, d)`` weight. Slice ``[j]`` holds every weight through which input ``j``
    reaches the network: it is the group that :class:`~ridgeback.GroupL1` should act on to
    remove whole inputs, and the one :func:`selected_features` reads.

    Examples
    --------
    >>> from ridgeback import mlp
    >>> input_weight(mlp([4, 3, 2], seed=0)).shape
    (4, 3)
    """
    net = network_of(model)
    return next(l for l in net.layers if isinstance(l, (Dense, *EMBEDDINGS))).weight


def active_inputs(weight: np.ndarray) -> np.ndarray:
    """Indices of the rows (input units) of ``weight`` that keep any non-zero weight; for a
    weight of more than two axes, the slices along the first axis."""
    return np.flatnonzero(np.any(weight.reshape(weight.shape[0], -1) != 0, axis=1))


def layer_summary(model) -> list[dict]:
    """Per Dense layer: shape, share of exactly-zero weights, L1/L2 norms, active inputs.

    Examples
    --------
    >>> from ridgeback import mlp
    >>> layer_summary(mlp([4, 3, 2], seed=0))[0]["zero_fraction"]
    0.0
    """
    rows = []
    for i, layer in enumerate(network_of(model).dense_layers):
        w = layer.weight.data
        rows.append({
            "layer": i,
            "shape": tuple(w.shape),
            "zero_fraction": float(np.mean(w == 0)),
            "n_zero": int(np.count_nonzero(w == 0)),
            "l1_norm": float(np.abs(w).sum()),
            "l2_norm": float(np.sqrt(np.vdot(w, w))),
            "max_column_norm": float(np.sqrt((w.astype(np.float64) ** 2).sum(axis=0)).max()),
            "active_inputs": int(active_inputs(w).size),
        })
    return rows


@dataclass(frozen=True)
class SelectedFeatures:
    """Features that keep a non-zero weight in the first layer.

    A feature is a network input or, for a model with feature groups (trained on a
    Preprocessor's output, or ``fit(..., feature_groups=...)``), a group of inputs: a raw
    column with its one-hot columns, missing indicator, date parts or text codes.
    ``indices`` are the kept features' positions among all features (the groups in order of
    first appearance; the inputs themselves without groups), ``names`` their names (raw column
    names; None when the data had none) and ``inputs`` the network inputs still used.
    Iterating, ``len`` or ``np.asarray`` give the indices.
    """

    indices: np.ndarray
    names: list | None = None
    inputs: np.ndarray | None = None

    def __len__(self):
        return len(self.indices)

    def __iter__(self):
        return iter(self.indices.tolist())

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.indices, dtype=dtype)


def selected_features(model, feature_names=None) -> SelectedFeatures:
    """Indices (and names) of the features the network still uses.

    A feature with several inputs (the one-hot columns of one raw column) is used while any
    of them keeps a non-zero weight; ``group_l1`` removes them together.

    Parameters
    ----------
    model : Sequential, fitted MLPClassifier / MLPRegressor, or a fitted Pipeline or TabularModel
        ending in one
    feature_names : sequence of str, optional
        Names of the network inputs, for a model without feature groups. Defaults to the
        preprocessing's output columns (``feature_names_out_``) for a Pipeline or TabularModel,
        else the estimator's ``feature_names_in_`` when it has one. A model with feature groups
        names its features by their labels (the raw columns); pass its ``network_`` to list
        the inputs one by one.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.pipeline import Pipeline
    >>> from ridgeback import MLPRegressor, Preprocessor
    >>> df = pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0], "city": ["a", "b", "a", "b"]})
    >>> pipe = Pipeline([("preprocess", Preprocessor()),
    ...                  ("mlp", MLPRegressor((3,), max_epochs=2, early_stopping=False, batch_size=4,
    ...                                       random_state=0))]).fit(df, [1.0, 2.0, 3.0, 4.0])
    >>> selected_features(pipe).names  # the raw columns: "city" stands for city=a and city=b
    ['size', 'city']
    >>> selected_features(pipe).inputs.tolist()
    [0, 1, 2]
    """
    weight = input_weight(model).data
    inputs = active_inputs(weight)
    grouping = _grouping(model, weight.shape[0])
    if grouping is not None:
        codes, labels = grouping
        kept = np.unique(codes[inputs])
        return SelectedFeatures(indices=kept, names=[str(labels[g]) for g in kept], inputs=inputs)
    if feature_names is None:
        feature_names = input_names(model)
    names = None if feature_names is None else [str(feature_names[i]) for i in inputs]
    return SelectedFeatures(indices=inputs, names=names, inputs=inputs)


def feature_norms(model, feature_names=None) -> tuple[np.ndarray, list | None]:
    """The L2 norm of each feature's weights in the first layer (float64), and the features' names.

    The features are those of :func:`selected_features`: the feature groups' inputs together
    when the model has them, else each input (named by ``feature_names``, or as
    :func:`selected_features` finds them). A feature is used exactly when its norm is non-zero.

    Examples
    --------
    >>> from ridgeback import mlp
    >>> norms, names = feature_norms(mlp([4, 3, 2], seed=0))
    >>> norms.shape, names
    ((4,), None)
    """
    weight = input_weight(model).data.astype(np.float64)
    squares = (weight.reshape(weight.shape[0], -1) ** 2).sum(axis=1)
    grouping = _grouping(model, weight.shape[0])
    if grouping is not None:
        codes, labels = grouping
        return np.sqrt(np.bincount(codes, weights=squares, minlength=len(labels))), [str(n) for n in labels]
    if feature_names is None:
        feature_names = input_names(model)
    return np.sqrt(squares), None if feature_names is None else [str(n) for n in feature_names]
