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
from .hyperparams import CLIP_PREDICTIONS, SCALE_TARGET, check_boolean

__all__ = ["MLPRegressor", "TARGET_CLIP_MARGIN", "clip_bounds", "clipped", "clipping_range", "target_range"]

#: ``clip_predictions`` widens the training target's range by this share of its width on each
#: side, as ``Preprocessor(clip=True)`` widens each input column's (its ``CLIP_MARGIN``)
TARGET_CLIP_MARGIN = 0.5


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
    clip_predictions : bool, default=True
        Keep each prediction inside bounds drawn from the range :math:`[a, b]` the target took on
        the training rows (:func:`clip_bounds`): that range widened by half its width on each side,
        :math:`[a - (b-a)/2,\ b + (b-a)/2]`, as the inputs are clipped, and never across zero
        where the target never crossed it (:math:`a \ge 0` raises the lower bound to 0: a count,
        a price, a duration is never predicted negative). A network extrapolating from a value it
        never saw (a small county with an execution, predicted -132 murders) is cut back there,
        while a test value a little beyond the training range (a trend, a heavy tail) is still
        reached. ``False`` keeps the network's output. ``predict_mc`` clips its mean; saved
        models, ensembles (which clip their average) and ONNX graphs clip alike. Measured in
        benchmarks/QUALITY.md ("Predictions kept to the target's sign").

    Attributes
    ----------
    target_mean_, target_scale_ : ndarray of shape (n_outputs,)
        :math:`\mu_y` and :math:`\sigma_y` (0 and 1 with ``scale_target=False``).
    target_range_ : ndarray of shape (2, n_outputs) or None
        The smallest and largest training target per column (a warm start widens them to hold
        the new rows' too), from which :func:`clip_bounds` draws the clip; None for a model
        saved before they were kept, which clips nothing.

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
    _parameter_constraints = {**_BaseMLP._parameter_constraints, SCALE_TARGET.name: SCALE_TARGET.check,
                              CLIP_PREDICTIONS.name: CLIP_PREDICTIONS.check}

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, l1=0.0, l2=0.0, group_l1=0.0,
                 dropout=0.0, input_dropout=0.0, max_norm=None, normalization=None, numeric_embedding=None,
                 periodic_sigma=0.1, optimizer="adam", learning_rate=1e-3, lr_schedule="constant",
                 beta_2=0.999, batch_size=32, max_epochs=200, early_stopping=True, validation_fraction=0.1,
                 patience=10, random_state=None, weight_decay=0.0, momentum=0.0, dropout_scale="inverted",
                 l1_proximal=True, tol=1e-4, scoring="loss", dtype="float32", warm_start=False, verbose=0,
                 scale_target=True, clip_predictions=True):
        super().__init__(**self._shared(locals()))
        self.scale_target = scale_target
        self.clip_predictions = clip_predictions

    def fit(self, X, y, sample_weight=None, *, feature_groups=None, callbacks=None, resume_state=None):
        """Train on ``(X, y)``; ``y`` of shape (n_samples,) or (n_samples, n_targets).

        See :meth:`MLPClassifier.fit` for ``sample_weight``, ``feature_groups``, ``callbacks`` and
        ``resume_state``;
        with ``sample_weight`` the target is standardized by its weighted mean and standard
        deviation.
        """
        return self._fit(X, y, callbacks, resume_state, sample_weight, feature_groups)

    def _encode_target(self, y, warm, sample_weight=None):
        bounds = target_range(y)  # of the values as given (float64), not of their float32 rounding
        y = np.asarray(y, dtype=resolve_dtype(self.dtype))
        n_out = 1 if y.ndim == 1 else y.shape[1]
        if warm and n_out != self.n_outputs_:
            raise ValueError(f"warm_start=True needs {self.n_outputs_} target column(s) as in the "
                             f"previous fit. "
                             f"Received: y with shape {y.shape}")
        self._y_1d = y.ndim == 1
        self.target_range_ = _widened(bounds, getattr(self, "target_range_", None) if warm else None)
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

    def _restore_target_range(self, target_range, n_outputs):
        if target_range is None:  # saved before the range was kept: nothing to clip to
            self.target_range_ = None
            return
        given = target_range if isinstance(target_range, dict) else {}
        try:
            low = np.asarray(given.get("min"), dtype=np.float64)
            high = np.asarray(given.get("max"), dtype=np.float64)
        except (TypeError, ValueError):  # not numbers: refused below, by name
            low = high = np.asarray(np.nan)
        if (low.shape != (n_outputs,) or high.shape != (n_outputs,) or not np.all(np.isfinite(low))
                or not np.all(np.isfinite(high)) or np.any(low > high)):
            raise ValueError(f"`target_range` must hold {n_outputs} finite minima and {n_outputs} maxima, "
                             f"each minimum at most its maximum. Received: target_range={target_range!r}")
        self.target_range_ = np.stack([low, high])

    def _clipped(self, out):
        """``out`` (n_samples, n_outputs) clipped to :func:`clip_bounds` of ``target_range_``
        (``clip_predictions``)."""
        seen = getattr(self, "target_range_", None)
        if seen is None or not check_boolean("clip_predictions", self.clip_predictions):
            return out
        return clipped(out, seen)

    def predict(self, X):
        # float64 like every scikit-learn regressor, whatever the network's dtype
        return self._predict(X)

    def _predict(self, X, clip=True):
        """``predict``; ``clip=False``: the network's own output (an ensemble clips its average)."""
        out = self._forward(X).astype(np.float64)
        out = out.reshape(out.shape[0], -1)
        out = self._clipped(out) if clip else out
        return out.ravel() if self._y_1d else out

    def predict_mc(self, X, samples=50, seed=None):
        """Monte-Carlo dropout: mean and standard deviation of the predictions over ``samples`` masks."""
        check_is_fitted(self, "network_")
        X = self._check_X(X, reset=False, dtype=self.network_.dtype)
        mean, std = mc_dropout_predict(self.network_, X, samples=samples, seed=seed)
        mean = np.asarray(mean)
        mean = self._clipped(mean.reshape(mean.shape[0], -1)).astype(mean.dtype).reshape(mean.shape)
        return (mean.ravel(), std.ravel()) if self._y_1d else (mean, std)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def target_range(y) -> np.ndarray:
    """``(2, n_outputs)``: the smallest and largest finite value of each column of ``y`` (float64).

    Examples
    --------
    >>> target_range([3.0, -1.0, 2.0]).tolist()
    [[-1.0], [3.0]]
    """
    wide = np.asarray(y, dtype=np.float64)
    wide = wide.reshape(len(wide), -1)
    finite = np.where(np.isfinite(wide), wide, np.nan)
    return np.stack([np.nanmin(finite, axis=0), np.nanmax(finite, axis=0)])


def clip_bounds(target_range, margin=TARGET_CLIP_MARGIN) -> np.ndarray:
    r"""``(2, n_outputs)``: the bounds ``clip_predictions`` keeps predictions in, from the
    training target's range :math:`[a, b]` per column (:func:`target_range`):
    :math:`[a - m(b-a),\ b + m(b-a)]` with :math:`m` = ``margin``, the lower bound raised to 0
    where :math:`a \ge 0` and the upper one lowered to 0 where :math:`b \le 0` (a target that
    never crossed zero is not predicted across it).

    Examples
    --------
    >>> clip_bounds([[0.0], [1346.0]]).tolist()  # murders in a county: never below zero
    [[0.0], [2019.0]]
    >>> clip_bounds([[-2.0, 10.0], [2.0, 20.0]]).tolist()
    [[-4.0, 5.0], [4.0, 25.0]]
    """
    low, high = np.asarray(target_range, dtype=np.float64)
    width = high - low
    lower, upper = low - margin * width, high + margin * width
    lower = np.where(low >= 0, np.maximum(lower, 0.0), lower)
    upper = np.where(high <= 0, np.minimum(upper, 0.0), upper)
    return np.stack([lower, upper])


def clipped(values, target_range) -> np.ndarray:
    """``values``, shape (n_samples,) or (n_samples, n_outputs), clipped by :func:`clip_bounds`
    of ``target_range`` (what a regressor, an ensemble of them and the linear baseline clip)."""
    low, high = clip_bounds(target_range)
    return np.clip(values, low[0], high[0]) if np.ndim(values) == 1 else np.clip(values, low, high)


def clipping_range(model):
    """The training target range ``model`` (an :class:`MLPRegressor`, or a TabularModel around
    one) clips its predictions by, or None when it clips nothing (``clip_predictions=False``, a
    model saved before ranges were kept, another kind of estimator)."""
    estimator = getattr(model, "estimator", model)
    if not isinstance(estimator, MLPRegressor) or not estimator.clip_predictions:
        return None
    return getattr(estimator, "target_range_", None)


def _widened(new, old):
    """``new``'s range widened to hold ``old`` (a warm start's earlier rows), when both exist."""
    if old is None or np.shape(old) != np.shape(new):
        return new
    return np.stack([np.minimum(new[0], old[0]), np.maximum(new[1], old[1])])
