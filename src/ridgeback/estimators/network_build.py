"""What an estimator's checked hyper-parameters build: the network (numeric embedding, hidden
layers, the group lasso on the weight the inputs enter through), the model-wide regularizer and
the optimizer. The estimators (:mod:`ridgeback.estimators.base`) hand these to the
:class:`~ridgeback.Trainer`; the mapping from each parameter to its object is written there.
"""

from __future__ import annotations

import numpy as np

from ..engine.feature_groups import group_codes
from ..engine.group_l1 import GroupL1
from ..engine.inspection import input_weight
from ..engine.network import Sequential, mlp
from ..engine.optimizers import SGD, Adam, AdamW, RMSprop
from ..engine.penalties import L1, L2
from ..engine.periodic_embedding import PeriodicEmbedding
from ..engine.piecewise_linear_embedding import PiecewiseLinearEmbedding

__all__ = ["build_network", "build_regularizer", "build_optimizer", "PLE_BINS", "PLE_OUTPUTS"]

#: ``numeric_embedding="ple"``: bins per column (at most) and outputs per column
PLE_BINS, PLE_OUTPUTS = 16, 4


def build_regularizer(p):
    """``L1(l1) + L2(l2)`` for the checked parameters ``p`` (each only when positive; ``l1``
    proximal unless ``l1_proximal=False``), or None when both are zero."""
    terms = []
    if p["l1"] > 0:
        terms.append(L1(p["l1"], proximal=p["l1_proximal"]))
    if p["l2"] > 0:
        terms.append(L2(p["l2"]))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else terms[0] + terms[1]


def build_network(p, n_in, n_out, seed, feature_groups=None, X=None, previous=None):
    """``(network, regularizer)`` for the checked parameters ``p``: ``n_in`` inputs, ``n_out``
    outputs, weights from ``seed``. A piecewise-linear embedding takes its bins from ``X`` (the
    training columns), or from ``previous`` (the fitted network a warm start continues). With
    ``group_l1`` the weight the inputs enter through carries a :class:`~ridgeback.GroupL1`, one
    group per input column or per label of the checked ``feature_groups``."""
    embedding = None
    # an embedding has its own seed, apart from mlp's children, so the network after it is mlp's as ever
    embedding_seed = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    if p["numeric_embedding"] == "periodic":
        embedding = PeriodicEmbedding(n_in, sigma=p["periodic_sigma"], dtype=p["dtype"], seed=embedding_seed)
    elif p["numeric_embedding"] == "ple":
        kept = [l for l in getattr(previous, "layers", ()) if isinstance(l, PiecewiseLinearEmbedding)]
        if kept and kept[0].n_features == n_in:
            embedding = PiecewiseLinearEmbedding(kept[0].edges, PLE_OUTPUTS, dtype=p["dtype"],
                                                 seed=embedding_seed)
        else:
            embedding = PiecewiseLinearEmbedding.from_data(X, PLE_BINS, PLE_OUTPUTS, dtype=p["dtype"],
                                                           seed=embedding_seed)
    width_in = n_in if embedding is None else embedding.n_out
    network = mlp([width_in, *p["hidden_layer_sizes"], n_out], activation=p["activation"],
                  dropout=p["dropout"], seed=seed, input_dropout=p["input_dropout"], dtype=p["dtype"],
                  dropout_scale=p["dropout_scale"], max_norm=p["max_norm"],
                  normalization=p["normalization"])
    if embedding is not None:
        layers = network.layers
        at = 1 if p["input_dropout"] > 0 else 0  # after the input dropout: it drops whole columns
        network = Sequential(*layers[:at], embedding, *layers[at:])
    regularizer = build_regularizer(p)
    if p["group_l1"] > 0:
        # a per-layer regularizer replaces the global one on that layer: carry both
        group = GroupL1(p["group_l1"], groups=_group_labels(feature_groups))
        input_weight(network).regularizer = group if regularizer is None else regularizer + group
    return network, regularizer


def _group_labels(feature_groups):
    """GroupL1's integer groups for checked ``feature_groups``; None when there are none or
    every input is a group of its own (then the regularizer is exactly the ungrouped one)."""
    if feature_groups is None:
        return None
    codes, names = group_codes(feature_groups)
    return None if len(names) == len(codes) else codes.tolist()


def build_optimizer(p):
    """The optimizer of the checked parameters ``p``: ``optimizer`` with ``learning_rate`` and
    ``weight_decay``; Adam and AdamW with :math:`\\beta = (0.9, \\beta_2)`, SGD and RMSprop with
    ``momentum``."""
    lr, wd = p["learning_rate"], p["weight_decay"]
    if p["optimizer"] == "adam":
        return Adam(lr, betas=(0.9, p["beta_2"]), weight_decay=wd)
    if p["optimizer"] == "adamw":
        return AdamW(lr, betas=(0.9, p["beta_2"]), weight_decay=wd)
    if p["optimizer"] == "sgd":
        return SGD(lr, momentum=p["momentum"], weight_decay=wd)
    return RMSprop(lr, momentum=p["momentum"], weight_decay=wd)
