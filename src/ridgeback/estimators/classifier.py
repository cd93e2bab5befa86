"""``MLPClassifier``: a ridgeback network behind scikit-learn's classifier API.

How the hyper-parameters become layers, regularizers and a Trainer is written down in
:mod:`ridgeback.estimators.base`. Classification always uses softmax cross-entropy with one output per
class (two outputs for a binary problem), so ``predict_proba`` has the same form for every number
of classes.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ..engine.losses import CrossEntropy
from ..engine.uncertainty import mc_dropout_predict
from ..metrics import metric_from_predictions
from .base import _BaseMLP, softmax
from .hyperparams import CLASS_WEIGHT, LABEL_SMOOTHING

__all__ = ["MLPClassifier"]


class MLPClassifier(ClassifierMixin, _BaseMLP):
    r"""Multilayer perceptron classifier with L1, L2, group-L1, dropout and max-norm.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Widths of the hidden layers; ``()`` gives a (multinomial) logistic regression.
    activation : {"relu", "leaky_relu", "tanh", "sigmoid", "gelu", "silu", "mish", "selu"}, default="relu"
        The hidden layers' activation (:data:`ridgeback.engine.network.ACTIVATIONS`). SELU is
        initialized for its self-normalizing fixed point (Glorot-scaled), the ReLU-like ones with He.
    l1, l2 : float >= 0, default=0.0
        Strengths of the penalties ``l1 * sum|w|`` and ``l2 * sum w**2`` on every weight, added
        to the *mean* data loss of a batch (not divided by the number of rows). ``l1`` is applied
        as a proximal step, giving exact zeros, unless ``l1_proximal=False``.
    group_l1 : float >= 0, default=0.0
        Group lasso ``group_l1 * sum_g ||W1[g, :]||_2`` on the first layer: removes whole inputs.
        Each input column is a group ``g`` of its own, unless ``fit`` is given feature groups
        (explicitly, or with a ``Preprocessor``'s output): then the columns of one raw column
        (its one-hot columns, its missing indicator) are one group, kept or removed together.
    dropout, input_dropout : float in [0, 1), default=0.0
        Dropout rates after every hidden activation, and on the inputs.
    max_norm : float > 0 or None
        Each unit's incoming weight vector is projected back to norm <= ``max_norm``.
    normalization : {None, "batch", "layer"}, default=None
        A :class:`~ridgeback.BatchNorm` or :class:`~ridgeback.LayerNorm` after each hidden Dense
        layer, before its activation and dropout (``Dense -> norm -> activation -> Dropout``).
        With **dropout**: the first normalization sees undropped units, but every later one sees
        the previous layer's dropped units (and the first one sees ``input_dropout``'s), so
        BatchNorm's running variance exceeds what it sees at inference (the "variance shift":
        measured 1.3-1.4x at dropout 0.5 in guide chapter 8; held-out scores moved little).
        With **weight decay / L2**: the normalization's own ``weight`` and ``bias`` are never
        penalized; the Dense weights before it still are, but a normalization undoes their
        scale, so shrinking them no longer shrinks the function: L2 then mostly raises the
        effective learning rate (the gradient grows as the weights shrink) rather than
        regularizing. L1's exact zeros do not stay under BatchNorm (chapter 8: 10 of 128 units
        removed against 78 without it). BatchNorm makes each
        row's output depend on the other rows of its batch in training (a mild regularizer of its
        own, noisier with small ``batch_size``); a last batch of one row is merged into the one
        before. LayerNorm normalizes each row on its own, the same in training and at inference.
    numeric_embedding : {None, "periodic", "ple"}, default=None
        ``"periodic"``: each input column first goes through a
        :class:`~ridgeback.PeriodicEmbedding` (16 learned frequencies, 4 outputs per column;
        Gorishniy et al. 2022), which helps with sharp or periodic dependence on one column.
        ``"ple"``: through a :class:`~ridgeback.PiecewiseLinearEmbedding` instead, on up to 16
        bins at the quantiles of the column's training values (4 outputs per column), which
        helps where thresholds on a column decide the target, as in a tree. ``group_l1`` then
        acts on the embedding's per-column weights, so ``selected_features`` still names input
        columns.
    periodic_sigma : float > 0, default=0.1
        The scale :math:`\sigma` of the periodic embedding's initial frequencies,
        :math:`f \sim \mathcal N(0, \sigma^2)` on standardized columns (RealMLP-TD: 0.1;
        Gorishniy et al. 2022 tune it from 0.01 to 100). With 0.1 a column's features vary
        slowly over its range, a smooth dependence; with 1.0 they turn several times across
        it, as a tree's thresholds do (``ridgeback tune``'s no-hints search tries both, see
        :func:`~ridgeback.selection.recipe.anchor`). Unused without ``numeric_embedding="periodic"``.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"}, default="adam"
    learning_rate : float > 0, default=1e-3
        The base rate; ``lr_schedule`` scales it step by step.
    lr_schedule : {"constant", "cosine", "onecycle", "multicycle"}, default="constant"
        The learning-rate schedule (:mod:`ridgeback.engine.schedules`), a factor on
        ``learning_rate`` at each optimizer step over the planned ``max_epochs`` (early stopping
        may end the run before the schedule does). ``"multicycle"`` is RealMLP-TD's. With
        "adamw" the decoupled decay follows the rate, as in PyTorch.
    beta_2 : float in [0, 1), default=0.999
        Adam's (and AdamW's) second-moment decay :math:`\beta_2` (RealMLP-TD uses 0.95); other
        optimizers ignore it.
    batch_size : int >= 1, default=32
    max_epochs : int >= 1, default=200
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the rows (stratified), stop when the validation loss
        has not improved by ``tol`` for ``patience`` epochs and keep the best epoch's weights.
    validation_fraction : float in (0, 1), default=0.1
    patience : int >= 0, default=10
    random_state : int, Generator or None
        Seeds the initialization, the shuffling, the dropout masks and the validation split.
    weight_decay : float >= 0, default=0.0
        The optimizer's weight decay (decoupled for "adamw", added to the gradient otherwise).
    momentum : float >= 0, default=0.0
        Momentum of "sgd" and "rmsprop".
    dropout_scale : {"inverted", "inference"}, default="inverted"
    l1_proximal : bool, default=True
    tol : float >= 0, default=1e-4
        Minimum improvement of the validation loss that resets the patience counter.
    scoring : "loss" or a metric name, default="loss"
        What early stopping watches on the validation rows: the validation loss, or a metric
        of :mod:`ridgeback.metrics` (``"roc_auc"``, ``"neg_log_loss"``..., higher is better,
        weighted by the validation rows' ``sample_weight``); ``validation_scores_`` then holds
        that metric per epoch. ``tol`` applies to it.
    dtype : {"float32", "float64"}, default="float32"
    warm_start : bool, default=False
        Start from the fitted weights of the previous call to ``fit`` (same layer sizes).
    verbose : int, default=0
        ``1`` prints one line per epoch.
    label_smoothing : float in [0, 1), default=0.0
        The cross-entropy's target puts ``1 - label_smoothing`` on the true class and spreads
        ``label_smoothing`` evenly over all classes (:class:`~ridgeback.CrossEntropy`; PyTorch's
        ``label_smoothing``). The validation loss that early stopping watches is smoothed too.
    class_weight : None, "balanced" or dict, default=None
        Weights of the classes in the loss, as in scikit-learn: ``"balanced"`` weighs class
        :math:`k` by ``n_samples / (n_classes * count_k)`` (counts over the rows given to
        ``fit``); a dict maps class labels to weights (missing classes weigh 1). They become
        :class:`~ridgeback.CrossEntropy`'s ``class_weight``: each batch's loss is
        :math:`\sum_i s_i c_{y_i} \ell_i / \sum_i s_i c_{y_i}`, with ``sample_weight``
        :math:`s_i`. Weights that come out all equal (balanced classes) leave the loss as it is.

    Attributes
    ----------
    network_ : Sequential
    classes_ : ndarray of shape (n_classes,)
    class_weight_ : ndarray of shape (n_classes,) or None
        The class weights used (None: unweighted).
    n_features_in_ : int
    feature_names_in_ : ndarray of str (only when ``X`` had column names)
    feature_groups_ : list of str or int (only when ``fit`` had feature groups)
        The feature of each input column.
    history_ : History
    loss_curve_ : list of float
        Training data loss per epoch.
    validation_scores_ : list of float
        Validation accuracy per epoch (only with ``early_stopping``).
    n_iter_ : int
        Epochs run.
    best_epoch_ : int or None
        The epoch whose weights were kept (with ``early_stopping``).
    trainer_ : Trainer

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from ridgeback import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier((16,), learning_rate=1e-2, max_epochs=50, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    _classifier = True
    _parameter_constraints = {**_BaseMLP._parameter_constraints, LABEL_SMOOTHING.name: LABEL_SMOOTHING.check,
                              CLASS_WEIGHT.name: CLASS_WEIGHT.check}

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, l1=0.0, l2=0.0, group_l1=0.0,
                 dropout=0.0, input_dropout=0.0, max_norm=None, normalization=None, numeric_embedding=None,
                 periodic_sigma=0.1, optimizer="adam", learning_rate=1e-3, lr_schedule="constant",
                 beta_2=0.999, batch_size=32, max_epochs=200, early_stopping=True, validation_fraction=0.1,
                 patience=10, random_state=None, weight_decay=0.0, momentum=0.0, dropout_scale="inverted",
                 l1_proximal=True, tol=1e-4, scoring="loss", dtype="float32", warm_start=False, verbose=0,
                 label_smoothing=0.0, class_weight=None):
        super().__init__(**self._shared(locals()))
        self.label_smoothing = label_smoothing
        self.class_weight = class_weight

    def fit(self, X, y, sample_weight=None, *, feature_groups=None, callbacks=None, resume_state=None):
        r"""Train on ``(X, y)``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels of any type (integers, strings).
        sample_weight : array-like of shape (n_samples,), optional
            Weights >= 0 of the rows: the loss is the weighted mean
            :math:`\sum_i w_i \ell_i / \sum_i w_i` (training and validation rows alike). All
            ones (or any all-equal weights) give the same model, bit for bit, as none.
        feature_groups : sequence of str or int, optional
            One label per column of ``X`` naming the feature it comes from (e.g. a raw
            column's one-hot columns share its name). ``group_l1`` then keeps or removes the
            columns of one feature together, and :func:`~ridgeback.selected_features` names
            features; kept as ``feature_groups_``. Default: the labels ``X`` carries when it
            comes from ``Preprocessor.fit_transform`` (as in a ``Pipeline``), else none, and
            every column is a group of its own.
        callbacks : list, optional
            Trainer callbacks (``on_epoch_end`` / ``on_batch_end``).
        resume_state : dict, optional
            A :meth:`Trainer.state` snapshot with the row ``"position"`` of the interrupted epoch:
            training continues from it, bit-identically to an uninterrupted run with the same
            data and ``random_state``.

        Returns
        -------
        self
        """
        return self._fit(X, y, callbacks, resume_state, sample_weight, feature_groups)

    def _encode_target(self, y, warm, sample_weight=None):
        check_classification_targets(y)
        classes, encoded = np.unique(y, return_inverse=True)
        if sample_weight is not None and np.unique(encoded[sample_weight > 0]).size < 2:
            raise ValueError(f"`y` must hold at least two classes with a non-zero sample_weight. "
                             f"Received: classes with weight > 0="
                             f"{classes[np.unique(encoded[sample_weight > 0])].tolist()!r}")
        if classes.size < 2:
            raise ValueError(f"`y` must hold at least two classes; found only one class. "
                             f"Received: classes={classes.tolist()!r}")
        if warm and not np.array_equal(classes, self.classes_):
            raise ValueError(f"warm_start=True needs the classes of the previous fit "
                             f"{self.classes_.tolist()!r}. "
                             f"Received: classes={classes.tolist()!r}")
        self.classes_ = classes
        return encoded.astype(np.intp), classes.size

    def _loss(self, target):
        self.class_weight_ = self._class_weights(target)
        return CrossEntropy(label_smoothing=LABEL_SMOOTHING.check("label_smoothing", self.label_smoothing),
                            class_weight=self.class_weight_)

    def _monitor(self, name):
        classes = np.arange(self.classes_.size)

        def monitor(output, y_val, w_val):
            return metric_from_predictions(name, y_val, softmax(output), classes, w_val)

        return monitor

    def _class_weights(self, target):
        """The classes' weights in the order of ``classes_`` (None when all are equal)."""
        spec = CLASS_WEIGHT.check("class_weight", self.class_weight)
        if spec is None:
            return None
        k = self.classes_.size
        if spec == "balanced":
            weights = len(target) / (k * np.bincount(target, minlength=k).astype(np.float64))
        else:
            unknown = [c for c in spec if c not in set(self.classes_.tolist())]
            if unknown:
                raise ValueError(f"`class_weight` names classes that are not in `y` "
                                 f"{self.classes_.tolist()!r}. Received: class_weight={spec!r}")
            weights = np.array([float(spec.get(c, 1.0)) for c in self.classes_.tolist()])
        if not weights.any():
            raise ValueError(f"`class_weight` must not weigh every class 0. Received: class_weight={spec!r}")
        return None if np.all(weights == weights[0]) else weights

    @staticmethod
    def _validation_scores(history, validation):
        return list(history.val_accuracy)

    def predict_proba(self, X):
        """Class probabilities (softmax of the outputs), shape (n_samples, n_classes), float64."""
        return softmax(self._forward(X))

    def predict_log_proba(self, X):
        return np.log(self.predict_proba(X))

    def predict(self, X):
        index = np.argmax(self._forward(X), axis=1)
        return self.classes_[index]

    def predict_mc(self, X, samples=50, seed=None):
        """Monte-Carlo dropout: mean and standard deviation of the class probabilities.

        Returns
        -------
        mean, std : ndarray of shape (n_samples, n_classes)
            Over ``samples`` dropout masks; ``std`` is zero when the network has no dropout.
        """
        check_is_fitted(self, "network_")
        X = self._check_X(X, reset=False, dtype=self.network_.dtype)
        return mc_dropout_predict(self.network_, X, samples=samples, seed=seed, transform=softmax)
