"""The training data of a :class:`~ridgeback.engine.trainer.Trainer`: ``(X, y)``, the validation
data and the rows' weights checked and converted for its network, and the minibatches an epoch
splits the rows into."""

from __future__ import annotations

import warnings

import numpy as np

from .._util.validation import check_array_2d, check_sample_weight
from .normalization import BatchNorm

__all__: list[str] = []


class _TrainingData:
    """The :class:`~ridgeback.engine.trainer.Trainer`'s methods for its data (the Trainer inherits
    them; they read its ``model``, ``loss`` and ``batch_size``)."""

    def check_data(self, X, y, validation_data=None):
        """The training (and validation) data, validated and converted for this network.

        ``validation_data`` is ``(X_val, y_val)`` or ``(X_val, y_val, w_val)``; its weights are
        checked by :meth:`check_weights`.

        Returns
        -------
        X, y, X_val, y_val : ndarray
            ``X_val`` and ``y_val`` are None without ``validation_data``.
        """
        X, y = self._check_pair(X, y, "X")
        X_val = y_val = None
        if validation_data is not None:
            X_val, y_val = self._check_pair(*validation_data[:2], "X_val")
        return X, y, X_val, y_val

    @staticmethod
    def check_weights(sample_weight, n_rows, validation_data=None):
        """The training and validation rows' weights, checked (``check_sample_weight``): None
        where there are none, or where all are equal (the plain mean, computed the plain way)."""
        w = check_sample_weight("sample_weight", sample_weight, n_rows)
        w_val = None
        if validation_data is not None and len(validation_data) > 2:
            w_val = check_sample_weight("validation sample_weight", validation_data[2],
                                        len(validation_data[0]))
        return w, w_val

    def _check_pair(self, X, y, name):
        dtype = self.model.dtype
        X = check_array_2d(name, X, dtype)
        if X.shape[1] != self.model.n_inputs:
            raise ValueError(f"`{name}` must have {self.model.n_inputs} columns to match the network's "
                             f"input. Received: {name} with shape {X.shape}")
        yname = "y" if name == "X" else "y_val"
        y_arr = np.asarray(y)
        if y_arr.shape[:1] != X.shape[:1]:
            raise ValueError(f"`{name}` and `{yname}` must have the same number of rows. "
                             f"Received: {name} with {X.shape[0]} rows, {yname} with shape {y_arr.shape}")
        if X.shape[0] == 0:
            raise ValueError(f"`{name}` must have at least one row. Received: {name} with shape {X.shape}")
        try:
            y_arr = self.loss.check_target(y_arr, self.model.n_outputs, dtype)
        except ValueError as exc:
            raise ValueError(str(exc).replace("`y`", f"`{yname}`")) from None
        return X, y_arr

    def warn_if_full_batch(self, n_rows: int) -> None:
        """Warn, at the caller of the function that calls this (``fit``, ``fit_in_lockstep``),
        when a batch would be the whole training set of ``n_rows`` rows."""
        if self.batch_size > n_rows:
            warnings.warn(f"batch_size={self.batch_size} is larger than the {n_rows} training rows: "
                          f"each step uses the whole training set.", stacklevel=3)

    @property
    def has_batchnorm(self) -> bool:
        """Whether the network holds a BatchNorm (which needs two rows in every training batch)."""
        return any(isinstance(l, BatchNorm) for l in self.model.layers)

    def batch_bounds(self, n_rows: int) -> list[tuple[int, int]]:
        """``(start, stop)`` of each minibatch of an epoch over ``n_rows`` shuffled rows.

        Batches of ``batch_size`` rows, the last one shorter; with a BatchNorm a last batch of a
        single row is merged into the one before (see the notes of
        :class:`~ridgeback.engine.trainer.Trainer`).
        """
        bs = self.batch_size
        bounds = [(start, min(start + bs, n_rows)) for start in range(0, n_rows, bs)]
        if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1 and self.has_batchnorm:
            bounds[-2:] = [(bounds[-2][0], n_rows)]
        return bounds
