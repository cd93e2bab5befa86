"""The shared machinery of ``MLPClassifier`` and ``MLPRegressor``: parameter checks, trainer
construction, the validation split, fitting, warm starts and restoring.

An estimator turns its hyper-parameters into the core objects (built in
:mod:`ridgeback.estimators.network_build`) and hands them to the :class:`~ridgeback.Trainer`:

* ``l1`` and ``l2`` become one model-wide regularizer ``L1(l1) + L2(l2)`` on every weight
  (biases are never penalized); ``l1`` is proximal (exact zeros) unless ``l1_proximal=False``;
* ``group_l1`` becomes a :class:`~ridgeback.GroupL1` on the weight through which the inputs
  enter (:func:`~ridgeback.engine.inspection.input_weight`: the first Dense layer's, or the
  numeric embedding's), one group per input column, so whole features are removed; with
  feature groups (``fit(X, y, feature_groups=...)``, or carried by the matrix a
  ``Preprocessor`` produced, see :mod:`ridgeback.engine.feature_groups`) the input columns
  of one feature (a raw column's one-hot columns, its missing indicator...) form one group;
* ``max_norm``, ``dropout``, ``input_dropout`` and ``normalization`` go to :func:`~ridgeback.mlp`;
  ``numeric_embedding="periodic"`` puts a :class:`~ridgeback.PeriodicEmbedding` in front of it,
  ``"ple"`` a :class:`~ridgeback.PiecewiseLinearEmbedding` on the quantile bins of the columns
  ``fit`` receives (a warm start keeps the first fit's bins), after the input dropout, so that
  input dropout still drops whole columns;
* ``lr_schedule`` goes to the Trainer (per optimizer step; ``"constant"`` is no schedule at all),
  ``beta_2`` to Adam and AdamW as their :math:`\beta_2` (the other optimizers have none);
* with ``early_stopping`` a (stratified, for classifiers) share ``validation_fraction`` of the
  rows is held out, the validation loss is monitored and the best epoch's weights are kept.
"""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from .._util.validation import check_sample_weight
from ..engine.feature_groups import check_feature_groups, feature_groups_of
from ..engine.history import EarlyStopping, History
from ..engine.lockstep import fit_in_lockstep, lockstep_problem
from ..engine.trainer import Trainer, predict_in_batches
from ..metrics import check_metric
from .hyperparams import PARAMETERS
from .network_build import build_network, build_optimizer

__all__ = ["softmax", "fit_together"]


def softmax(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class _Printer:
    """``verbose=1``: one line per epoch."""

    def on_epoch_end(self, trainer, epoch, logs):
        parts = ", ".join(f"{k}={v:.5g}" for k, v in logs.items() if k != "epoch")
        print(f"epoch {epoch + 1}: {parts}", flush=True)


class _BaseMLP(BaseEstimator):
    """Shared fit logic; see :class:`MLPClassifier` for the parameters."""

    # one declarative table (estimators/hyperparams.py), checked once at the start of ``fit``
    _parameter_constraints = {name: row.check for name, row in PARAMETERS.items()}

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, l1=0.0, l2=0.0, group_l1=0.0,
                 dropout=0.0, input_dropout=0.0, max_norm=None, normalization=None, numeric_embedding=None,
                 periodic_sigma=0.1, optimizer="adam", learning_rate=1e-3, lr_schedule="constant",
                 beta_2=0.999, batch_size=32, max_epochs=200, early_stopping=True, validation_fraction=0.1,
                 patience=10, random_state=None, weight_decay=0.0, momentum=0.0, dropout_scale="inverted",
                 l1_proximal=True, tol=1e-4, scoring="loss", dtype="float32", warm_start=False, verbose=0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.l1 = l1
        self.l2 = l2
        self.group_l1 = group_l1
        self.dropout = dropout
        self.input_dropout = input_dropout
        self.max_norm = max_norm
        self.normalization = normalization
        self.numeric_embedding = numeric_embedding
        self.periodic_sigma = periodic_sigma
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.beta_2 = beta_2
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state
        self.weight_decay = weight_decay
        self.momentum = momentum
        self.dropout_scale = dropout_scale
        self.l1_proximal = l1_proximal
        self.tol = tol
        self.scoring = scoring
        self.dtype = dtype
        self.warm_start = warm_start
        self.verbose = verbose

    @staticmethod
    def _shared(values: dict) -> dict:
        """The arguments of this ``__init__`` out of a subclass ``__init__``'s ``locals()``.

        scikit-learn reads each estimator's own signature, so every subclass lists all its
        parameters and passes these on with ``super().__init__(**self._shared(locals()))``.
        """
        return {name: values[name] for name in _SHARED_PARAMS}

    # ------------------------------------------------------------ building blocks
    def checked_params(self) -> dict:
        """The hyper-parameters, each checked and normalized by its row of the table.

        Raises ``ValueError`` naming the first bad parameter and the value received; ``fit``
        calls it first, and callers that build an estimator from user input (the command
        line, model files) call it to fail before any work is done.
        """
        return {name: check(name, getattr(self, name)) for name, check in self._parameter_constraints.items()}

    def _seeds(self, random_state):
        """Three independent integer seeds (network, training, validation split)."""
        if random_state is None:
            entropy = np.random.SeedSequence().entropy
        elif isinstance(random_state, np.random.Generator):
            entropy = int(random_state.integers(2**63))
        elif isinstance(random_state, np.random.RandomState):
            entropy = int(random_state.randint(2**31 - 1))
        else:
            entropy = random_state
        return [int(s) for s in np.random.SeedSequence(entropy).generate_state(3)]

    @staticmethod
    def _feature_groups(X, feature_groups, n_features):
        """The checked labels given to ``fit``, else those ``X`` carries, else None."""
        if feature_groups is None:
            feature_groups = feature_groups_of(X)
        return None if feature_groups is None else check_feature_groups(feature_groups, n_features)

    def initial_network(self, X, y):
        """The untrained network, the loss and the encoded target that ``fit(X, y)`` would start
        from, without training (same seed, hence the same initial weights, and the same feature
        groups when ``X`` carries them; no validation split).

        Returns
        -------
        network : Sequential
        loss : Loss
        target : ndarray
            ``y`` as the loss expects it (class indices, or the scaled target).
        """
        p = self.checked_params()
        target, n_out = self._encode_target(np.asarray(y), False)
        groups = self._feature_groups(X, None, np.shape(X)[1])
        network, _ = build_network(p, np.shape(X)[1], n_out, self._seeds(p["random_state"])[0], groups,
                                   X=np.asarray(X, dtype=p["dtype"]) if p["numeric_embedding"] == "ple"
                                   else None)  # the bins fit would take, from the same values
        loss = self._loss(target)
        return network, loss, loss.check_target(target, n_out, network.dtype)

    @staticmethod
    def _split(y, fraction, seed, stratify):
        """Deterministic train/validation split, stratified by class when asked.

        Rows are shuffled, then ranked within their class by ``(rank + 0.5) / class size``;
        the rows with the lowest keys form the validation set. Every class contributes in
        proportion to its size, and a class with a single row stays in training.
        """
        n = y.shape[0]
        n_val = max(1, int(round(fraction * n)))
        if n - n_val < 1:
            raise ValueError(f"early_stopping holds out a validation set and needs at least 2 rows; "
                             f"set early_stopping=False to fit on fewer. Received: n_samples={n}")
        order = np.random.default_rng(seed).permutation(n)
        if stratify:
            labels = y[order]
            keys = np.empty(n)
            for label in np.unique(labels):
                where = np.flatnonzero(labels == label)
                keys[where] = (np.arange(where.size) + 0.5) / where.size
            order = order[np.argsort(keys, kind="stable")]
        return np.sort(order[n_val:]), np.sort(order[:n_val])

    def _check_X(self, X, y="no_validation", *, reset, dtype):
        """scikit-learn's input checks, with this project's ``Received:`` suffix on errors."""
        kwargs = {} if isinstance(y, str) and y == "no_validation" else {
            "y": y, "multi_output": not self._classifier, "y_numeric": not self._classifier}
        try:
            return validate_data(self, X, reset=reset, dtype=dtype, **kwargs)
        except ValueError as exc:
            shape = getattr(X, "shape", None)
            received = f"X with shape {shape}" if shape is not None else f"X of type {type(X).__name__}"
            raise ValueError(f"{exc} Received: {received}") from None

    # ------------------------------------------------------------ fitting
    def _fit(self, X, y, callbacks, resume_state, sample_weight=None, feature_groups=None):
        run = self._prepare_fit(X, y, callbacks, resume_state, sample_weight, feature_groups)
        run.trainer.fit(run.X, run.y, validation_data=run.validation, sample_weight=run.weight)
        return self._finish_fit(run)

    def _prepare_fit(self, X, y, callbacks, resume_state, sample_weight=None, feature_groups=None):
        """Everything of a fit up to training: the checked data, the network and its Trainer.

        ``sample_weight`` is split with the rows: the training rows' weights weigh the
        training loss, the validation rows' weights the validation loss that early stopping
        watches. Weights that are all equal are dropped (bit-identical to no weights).
        ``feature_groups`` (else the labels ``X`` carries) group ``group_l1``'s inputs.
        """
        p = self.checked_params()
        warm = p["warm_start"] and resume_state is None and hasattr(self, "network_")
        carried = X  # the matrix as given: checking it below makes a plain array, without labels
        X, y = self._check_X(X, y, reset=not warm, dtype=p["dtype"])
        groups = self._feature_groups(carried, feature_groups, X.shape[1])
        weight = check_sample_weight("sample_weight", sample_weight, X.shape[0])
        target, n_out = self._encode_target(y, warm, weight)
        net_seed, train_seed, split_seed = self._seeds(p["random_state"])
        network, regularizer = build_network(p, X.shape[1], n_out, net_seed, groups, X=X,
                                             previous=self.network_ if warm else None)
        if warm:
            self._copy_weights(self.network_, network)
            self._output_to_training_units(network)
        validation = None
        X_train, y_train, w_train = X, target, weight
        if p["early_stopping"]:
            train, val = self._split(target if self._classifier else np.zeros(len(X)),
                                     p["validation_fraction"], split_seed, self._classifier)
            X_train, y_train = X[train], target[train]
            validation = (X[val], target[val])
            if weight is not None:
                w_train, validation = weight[train], (*validation, weight[val])
        stopper = None
        if p["early_stopping"]:
            stopper = EarlyStopping(p["patience"], min_delta=p["tol"], restore_best=True)
        callbacks = list(callbacks or ())
        if p["verbose"]:
            callbacks.append(_Printer())
        schedule = None if p["lr_schedule"] == "constant" else p["lr_schedule"]
        monitor = None
        if p["scoring"] != "loss":
            check_metric(p["scoring"], "classification" if self._classifier else "regression")
            monitor = self._monitor(p["scoring"])
        trainer = Trainer(network, self._loss(target), build_optimizer(p), regularizer=regularizer,
                          batch_size=p["batch_size"], epochs=p["max_epochs"], early_stopping=stopper,
                          seed=train_seed, callbacks=callbacks, lr_schedule=schedule, monitor=monitor)
        if resume_state is not None:
            trainer.load_state(resume_state, int(resume_state.get("position", 0)))
        return SimpleNamespace(trainer=trainer, network=network, X=X_train, y=y_train, validation=validation,
                               weight=w_train, feature_groups=groups)

    def _finish_fit(self, run):
        # the fitted estimator outlives the run: let go of progress bars and checkpoint writers
        # (open files, terminals) so that it can be pickled and copied
        run.trainer.callbacks = []
        self.trainer_ = run.trainer
        self._output_to_target_units(run.network)
        self._set_fitted(run.network, run.trainer.history, run.validation)
        self._set_feature_groups(run.feature_groups)
        return self

    def _set_feature_groups(self, labels):
        if labels is not None:
            self.feature_groups_ = list(labels)
        elif hasattr(self, "feature_groups_"):  # from an earlier fit with feature groups
            del self.feature_groups_

    @staticmethod
    def _copy_weights(old, new):
        """Every parameter and buffer (BatchNorm statistics) of ``old`` into ``new``."""
        old_shapes = [(name, p.shape) for name, p in old.named_parameters()]
        new_shapes = [(name, p.shape) for name, p in new.named_parameters()]
        if old_shapes != new_shapes:
            raise ValueError("warm_start=True needs the same layer sizes as the fitted network; "
                             f"set warm_start=False to start afresh (fitted weights: {old_shapes}). "
                             f"Received: weights of shapes {new_shapes}")
        for (_, a), (_, b) in zip(old.named_parameters(), new.named_parameters(), strict=True):
            b.data[...] = a.data
        for (_, a), (_, b) in zip(old.named_buffers(), new.named_buffers(), strict=True):
            b[...] = a

    # Hooks around training for a target that is trained in other units (MLPRegressor's
    # scale_target): the network is trained in those units and handed back in the target's.
    def _output_to_training_units(self, network):
        pass

    def _output_to_target_units(self, network):
        pass

    def _set_fitted(self, network, history, validation=None):
        self.network_ = network
        self.history_ = history
        self.loss_curve_ = list(history.train_loss)
        self.n_iter_ = history.epochs
        self.best_epoch_ = history.best_epoch
        self.n_outputs_ = network.n_outputs
        if history.val_score:  # scoring= a metric: the metric early stopping watched
            self.validation_scores_ = list(history.val_score)
        elif history.val_loss:
            self.validation_scores_ = self._validation_scores(history, validation)
        elif hasattr(self, "validation_scores_"):  # from an earlier fit with early stopping
            del self.validation_scores_

    # ------------------------------------------------------------ prediction
    def _forward(self, X):
        check_is_fitted(self, "network_")
        # float64 inputs promote every product to float64: BLAS picks its kernel by the batch's
        # shape, and in float32 a row's prediction would then depend (at ~1e-7) on which other
        # rows share its batch; in float64 that noise is ~1e-16 and predictions are row-wise exact
        X = self._check_X(X, reset=False, dtype=np.float64)
        return predict_in_batches(self.network_, X)

    def restore_fitted(self, network, *, classes=None, n_features_in, feature_names_in=None, history=None,
                       target_scaling=None, class_weight=None, feature_groups=None, target_range=None):
        """Make this estimator a fitted one around ``network``, without training (used by
        :func:`ridgeback.load`).

        ``class_weight`` (classifiers): the per-class weights it was trained with, one per class
        in the order of ``classes``, as in ``class_weight_``; None for equal weights.

        ``target_scaling`` (regressors): ``{"mean": [...], "scale": [...]}`` per output, as in
        ``target_mean_`` / ``target_scale_``; None means the network was trained on the raw target.
        ``target_range`` (regressors): ``{"min": [...], "max": [...]}`` per output, as in
        ``target_range_``; None (a model saved before it was kept) clips nothing.
        ``feature_groups``: the labels it was trained with (``feature_groups_``), one per input.
        """
        if self._classifier:
            if classes is None or len(classes) != network.n_outputs:
                raise ValueError(f"`classes` must list one label per network output ({network.n_outputs}). "
                                 f"Received: classes={classes!r}")
            self.classes_ = np.asarray(classes)
            if class_weight is not None and len(class_weight) != len(classes):
                raise ValueError(f"`class_weight` must give one weight per class ({len(classes)}). "
                                 f"Received: class_weight={class_weight!r}")
            self.class_weight_ = None if class_weight is None else np.asarray(class_weight, dtype=np.float64)
        else:
            self._y_1d = network.n_outputs == 1
            self._restore_target_scaling(target_scaling, network.n_outputs)
            self._restore_target_range(target_range, network.n_outputs)
        if n_features_in != network.n_inputs:
            raise ValueError(f"`n_features_in` must match the network's {network.n_inputs} inputs. "
                             f"Received: n_features_in={n_features_in!r}")
        self.n_features_in_ = int(n_features_in)
        if feature_names_in is not None:
            self.feature_names_in_ = np.asarray(feature_names_in, dtype=object)
        if isinstance(history, dict):
            history = History(**history)
        groups = None if feature_groups is None else check_feature_groups(feature_groups, network.n_inputs)
        self.trainer_ = None
        self._set_fitted(network, history if history is not None else History())
        self._set_feature_groups(groups)
        return self

    _restore_fitted = restore_fitted  # the name before it was public


#: the parameters of ``_BaseMLP.__init__``, in order (what :meth:`_BaseMLP._shared` passes on)
_SHARED_PARAMS = tuple(inspect.signature(_BaseMLP.__init__).parameters)[1:]


def fit_together(estimators, X, y, sample_weight=None) -> bool:
    """Fit ridgeback MLP estimators on the same ``(X, y)`` in lockstep (see :mod:`ridgeback.engine.lockstep`):
    the same fitted estimators as ``[e.fit(X, y, sample_weight) for e in estimators]``, bit for bit.

    Returns False, having fitted nothing, when they cannot share the loop: other seeds, batch
    sizes, epochs or optimizer settings, verbose output, or different training rows, targets
    or validation split (e.g. another ``validation_fraction``).
    """
    runs = [e._prepare_fit(X, y, None, None, sample_weight) for e in estimators]
    if lockstep_problem([run.trainer for run in runs]) is not None:
        return False
    first = runs[0]
    def rows(run):
        return (run.X, run.y) + (run.validation or ()) + (() if run.weight is None else (run.weight,))

    for run in runs[1:]:
        if len(rows(run)) != len(rows(first)) or not all(
                np.array_equal(a, b) for a, b in zip(rows(run), rows(first), strict=True)):
            return False
    fit_in_lockstep([run.trainer for run in runs], first.X, first.y, validation_data=first.validation,
                    sample_weight=first.weight)
    for estimator, run in zip(estimators, runs, strict=True):
        estimator._finish_fit(run)
    return True
