"""``MLPRegressor``: a ridgeback network behind scikit-learn's regressor API (squared error,
one or several target columns, standardized on the training rows by default).

How the hyper-parameters become layers, regularizers and a Trainer is written down in
:mod:`ridgeback.estimators.base`; the parameters are those of
:class:`~ridgeback.estimators.classifier.MLPClassifier`.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_is_fitted

from .._util.validation import resolve_dtype
from ..engine.losses import MeanSquaredError
from ..engine.uncertainty import mc_dropout_predict
from ..metrics import metric_from_predictions
from .base import _BaseMLP
from .hyperparams import SCALE_TARGET, check_boolean

__all__ = ["MLPRegressor"]


class MLPRegressor(RegressorMixin, _BaseMLP):
    r"""Multilayer perceptron regressor (squared error) with L1, L2, group-L1, dropout and max-norm.

    The parameters and attributes are those of :class:`MLPClassifier`, except that there is
    no ``classes_`` and no ``label_smoothing``, the target may have several columns,
    ``validation_scores_`` holds the validation R² per epoch (variance-weighted over target
    columns), and:

    Parameters
    ----------
    scale_target : bool, default=True
        Standardize the target on the training rows before training,
        :math:`\tilde y = (y - \mu_y) / \sigma_y` per target column (a zero
        :math:`\sigma_y` is taken as 1), so that a target in the hundreds trains with the
        same learning rate and initialization as one of unit scale. Predictions are in the
        target's own units: after training the inverse map is folded into the output layer,
        :math:`W \leftarrow W\,\mathrm{diag}(\sigma_y)`, :math:`b \leftarrow b\,\sigma_y + \mu_y`,
        so ``network_``, saved models and ONNX graphs predict ``y`` directly. The loss history
        (``loss_curve_``, ``history_``) and the penalties are in standardized units; the output
        layer's weights (and their norms) are in the target's. A warm start keeps the
        :math:`\mu_y, \sigma_y` of the first fit. ``False`` trains on ``y`` as it is.

    Attributes
    ----------
    target_mean_, target_scale_ : ndarray of shape (n_outputs,)
        :math:`\mu_y` and :math:`\sigma_y` (0 and 1 with ``scale_target=False``).

    Examples
    --------
    >>> import numpy as np
    >>> from ridgeback import MLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3)); y = X @ [1.0, -2.0, 0.5]
    >>> reg = MLPRegressor((16,), learning_rate=1e-2, max_epochs=100, random_state=0).fit(X, y)
    >>> bool(reg.score(X, y) > 0.9)
    True
    """

    _classifier = False
    _parameter_constraints = {**_BaseMLP._parameter_constraints, SCALE_TARGET.name: SCALE_TARGET.check}

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, l1=0.0, l2=0.0, group_l1=0.0,
                 dropout=0.0, input_dropout=0.0, max_norm=None, normalization=None, numeric_embedding=None,
                 periodic_sigma=0.1, optimizer="adam", learning_rate=1e-3, lr_schedule="constant",
                 beta_2=0.999, batch_size=32, max_epochs=200, early_stopping=True, validation_fraction=0.1,
                 patience=10, random_state=None, weight_decay=0.0, momentum=0.0, dropout_scale="inverted",
                 l1_proximal=True, tol=1e-4, scoring="loss", dtype="float32", warm_start=False, verbose=0,
                 scale_target=True):
        super().__init__(**self._shared(locals()))
        self.scale_target = scale_target

    def fit(self, X, y, sample_weight=None, *, feature_groups=None, callbacks=None, resume_state=None):
        """Train on ``(X, y)``; ``y`` of shape (n_samples,) or (n_samples, n_targets).

        See :meth:`MLPClassifier.fit` for ``sample_weight``, ``feature_groups``, ``callbacks`` and
        ``resume_state``;
        with ``sample_weight`` the target is standardized by its weighted mean and standard
        deviation.
        """
        return self._fit(X, y, callbacks, resume_state, sample_weight, feature_groups)

    def _encode_target(self, y, warm, sample_weight=None):
        y = np.asarray(y, dtype=resolve_dtype(self.dtype))
        n_out = 1 if y.ndim == 1 else y.shape[1]
        if warm and n_out != self.n_outputs_:
            raise ValueError(f"warm_start=True needs {self.n_outputs_} target column(s) as in the "
                             f"previous fit. "
                             f"Received: y with shape {y.shape}")
        self._y_1d = y.ndim == 1
        if warm and hasattr(self, "target_mean_"):
            mean, scale = self.target_mean_, self.target_scale_  # the units the weights were trained in
        elif check_boolean("scale_target", self.scale_target):
            # statistics in float64 (a float32 sum of large targets loses digits), of every row passed
            # to fit: the early-stopping rows are part of the training data here
            wide = y.reshape(len(y), -1).astype(np.float64)
            if sample_weight is None:
                mean, scale = wide.mean(axis=0), wide.std(axis=0)
            else:
                mean = np.average(wide, axis=0, weights=sample_weight)
                scale = np.sqrt(np.average((wide - mean) ** 2, axis=0, weights=sample_weight))
            scale[scale == 0] = 1.0
        else:
            mean, scale = np.zeros(n_out), np.ones(n_out)
        self.target_mean_, self.target_scale_ = mean, scale
        if np.any(mean != 0) or np.any(scale != 1):
            y = ((y.reshape(len(y), -1) - mean) / scale).astype(y.dtype).reshape(y.shape)
        return y, n_out

    def _monitor(self, name):
        mean, scale = self.target_mean_, self.target_scale_

        def monitor(output, y_val, w_val):
            # in the target's units: the network trains (and y_val is held) in standardized ones
            pred = output.reshape(len(output), -1).astype(np.float64) * scale + mean
            truth = y_val.reshape(len(y_val), -1).astype(np.float64) * scale + mean
            return metric_from_predictions(name, truth, pred, sample_weight=w_val)

        return monitor

    def _output_to_training_units(self, network):
        out = network.dense_layers[-1]
        out.weight.data /= self.target_scale_.astype(out.weight.data.dtype)
        out.bias.data[...] = (out.bias.data - self.target_mean_) / self.target_scale_

    def _output_to_target_units(self, network):
        out = network.dense_layers[-1]
        out.weight.data *= self.target_scale_.astype(out.weight.data.dtype)
        out.bias.data[...] = out.bias.data * self.target_scale_ + self.target_mean_

    def _restore_target_scaling(self, scaling, n_outputs):
        if scaling is None:  # saved before scale_target existed: trained on the raw target
            self.target_mean_, self.target_scale_ = np.zeros(n_outputs), np.ones(n_outputs)
            return
        mean = np.asarray(scaling.get("mean") if isinstance(scaling, dict) else None, dtype=np.float64)
        scale = np.asarray(scaling.get("scale") if isinstance(scaling, dict) else None, dtype=np.float64)
        if (mean.shape != (n_outputs,) or scale.shape != (n_outputs,) or not np.all(np.isfinite(mean))
                or not np.all(np.isfinite(scale)) or np.any(scale <= 0)):
            raise ValueError(f"`target_scaling` must hold {n_outputs} finite means and {n_outputs} positive "
                             f"scales. Received: target_scaling={scaling!r}")
        self.target_mean_, self.target_scale_ = mean, scale

    @staticmethod
    def _loss(target=None):
        return MeanSquaredError()

    @staticmethod
    def _validation_scores(history, validation):
        # the loss is the mean squared error over all cells, so 1 - mse / mean(var) is the
        # variance-weighted R² without another pass over the validation rows
        if validation is None:  # restored from a saved model: the rows are gone
            return []
        y_val = validation[1].reshape(len(validation[1]), -1)
        spread = float(np.mean(np.var(y_val, axis=0, dtype=np.float64)))
        if spread == 0:
            return [float("nan")] * len(history.val_loss)
        return [1.0 - v / spread for v in history.val_loss]

    def predict(self, X):
        # float64 like every scikit-learn regressor, whatever the network's dtype
        out = self._forward(X).astype(np.float64)
        return out.ravel() if self._y_1d else out

    def predict_mc(self, X, samples=50, seed=None):
        """Monte-Carlo dropout: mean and standard deviation of the predictions over ``samples`` masks."""
        check_is_fitted(self, "network_")
        X = self._check_X(X, reset=False, dtype=self.network_.dtype)
        mean, std = mc_dropout_predict(self.network_, X, samples=samples, seed=seed)
        return (mean.ravel(), std.ravel()) if self._y_1d else (mean, std)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
