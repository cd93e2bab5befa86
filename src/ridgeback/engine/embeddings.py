r"""Embeddings of numeric inputs (Gorishniy et al. 2022, "On Embeddings for Numerical Features
in Tabular Deep Learning"): periodic (the PBLD variant of RealMLP, Holzmüller et al. 2024) and
piecewise-linear.

An MLP on raw standardized columns struggles with sharp or periodic dependence on one column
(a threshold, a cycle). Mapping each column to sines and cosines of learned frequencies
(:class:`PeriodicEmbedding`), or to its position within quantile bins
(:class:`PiecewiseLinearEmbedding`, the thresholds a tree would split on), then through a
small linear map of its own, gives the first Dense layer features in which such shapes are
nearly linear.

Grouping by input column
------------------------
Every parameter of either layer has the input column on its **first axis**: ``weight``
``(n_features, m, d)``, ``bias`` ``(n_features, d)`` and the periodic ``frequencies``
``(n_features, k)``. The
raw value :math:`x_j` itself enters column :math:`j`'s linear map (RealMLP's "densenet" part,
folded into the map), so column :math:`j` reaches the rest of the network only through
``weight[j]``: when ``weight[j]`` is all zero, output block :math:`j` is the constant
``bias[j]`` and the column is unused. Hence:

* :class:`~ridgeback.GroupL1` on ``weight`` groups ``weight[j]`` (its rows after reshaping to
  ``(n_features, -1)``), one group per input column, with no change to the regularizer;
* :func:`ridgeback.engine.inspection.input_weight` returns this ``weight`` for a network that
  starts with the embedding, and :func:`~ridgeback.selected_features` keeps the columns whose
  group is non-zero.

The output keeps the columns in order, each a contiguous block of ``d`` values, so the first
Dense layer's rows :math:`jd \ldots (j+1)d-1` also belong to column :math:`j`.

Each layer has a module of its own, its forward and backward side by side
(:mod:`ridgeback.engine.periodic_embedding`, :mod:`ridgeback.engine.piecewise_linear_embedding`),
and the per-column linear map both end with is :mod:`ridgeback.engine.column_map`'s. This module
holds what makes them one family: the grouping above and :data:`EMBEDDINGS`, the layers that
``Sequential`` and :func:`~ridgeback.engine.inspection.input_weight` take as the network's first.
"""

from __future__ import annotations

from .periodic_embedding import PeriodicEmbedding
from .piecewise_linear_embedding import PiecewiseLinearEmbedding

__all__ = ["PeriodicEmbedding", "PiecewiseLinearEmbedding", "EMBEDDINGS"]

#: the embedding layers: each takes the network's inputs, with input column j's weights in weight[j]
EMBEDDINGS = (PeriodicEmbedding, PiecewiseLinearEmbedding)
