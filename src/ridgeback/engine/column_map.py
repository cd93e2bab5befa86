r"""The per-column linear map both numeric embeddings end with (:class:`_ColumnMap`, the base of
:class:`~ridgeback.engine.periodic_embedding.PeriodicEmbedding` and
:class:`~ridgeback.engine.piecewise_linear_embedding.PiecewiseLinearEmbedding`): column
:math:`j`'s features through a linear map of its own, its backward, and the config that carries
``weight``'s regularizer. Why every parameter has the input column on its first axis:
:mod:`ridgeback.engine.embeddings`. The periodic embedding computes the same map in parts (its
cosines, sines and raw value each through their rows of ``weight``), so that the
``(F, N, 2k + 1)`` array ``_map`` takes is never built; the piecewise-linear one uses ``_map``.
"""

from __future__ import annotations

import numpy as np

from .layers import Layer


class _ColumnMap(Layer):
    r"""What both embeddings share: column :math:`j`'s features :math:`z_j` (``(F, N, m)``, one
    slice per column) through a linear map of its own, :math:`e_j = z_j W_j + b_j`, with
    ``weight`` ``(F, m, d)`` and ``bias`` ``(F, d)``; the output :math:`[e_1, \dots, e_F]`; and
    the config, which carries ``weight``'s regularizer (group L1's groups)."""

    @property
    def n_in(self):
        return self.n_features

    @property
    def n_out(self):
        return self.n_features * self.d_embedding

    def _map(self, z):
        r""":math:`[z_1 W_1 + b_1, \dots]` as ``(N, F d)`` for ``z`` of shape ``(F, N, m)``."""
        out = np.matmul(z, self.weight.data)  # (F, N, d)
        out += self.bias.data[:, None, :]
        return np.ascontiguousarray(out.transpose(1, 0, 2)).reshape(z.shape[1], self.n_out)

    def _map_backward(self, grad_out, z, z_grad=True):
        r"""Fill ``weight.grad`` and ``bias.grad``; return :math:`\partial C/\partial z`,
        ``(F, N, m)`` (None unless ``z_grad``)."""
        n = z.shape[1]
        g = grad_out.reshape(n, self.n_features, self.d_embedding).transpose(1, 0, 2)  # (F, N, d)
        np.matmul(z.transpose(0, 2, 1), g, out=self.weight.grad)
        self.bias.grad[...] = g.sum(axis=1)
        return np.matmul(g, self.weight.data.transpose(0, 2, 1)) if z_grad else None

    def _with_regularizer(self, config) -> dict:
        from .regularizers import serialize  # regularizers know nothing of layers; only names cross

        if self.weight.regularizer is not None:  # e.g. group_l1's GroupL1, one group per column
            config["regularizer"] = serialize(self.weight.regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        from .regularizers import deserialize

        config = dict(config)
        regularizer = config.pop("regularizer", None)
        layer = cls(**config)
        if regularizer is not None:
            layer.weight.regularizer = deserialize(regularizer)
        return layer

