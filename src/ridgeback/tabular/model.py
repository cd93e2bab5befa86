"""``TabularModel``: a Preprocessor and an estimator that together take raw DataFrames."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.feature_groups import with_feature_groups
from .preprocessing import Preprocessor
from .spellings import spelling_key
from .target import check_target
from .values import as_frame

__all__ = ["TabularModel", "is_classifier", "target_name"]


def is_classifier(estimator) -> bool:
    """True for scikit-learn classifiers (tags), or anything with ``predict_proba``."""
    try:
        from sklearn.base import is_classifier as sk_is_classifier

        if sk_is_classifier(estimator):
            return True
    except Exception:  # an object without sklearn tags
        pass
    return hasattr(estimator, "predict_proba")


def target_name(y) -> str | None:
    """The name of a target (a named Series, such as a table's column), None if it has none."""
    name = getattr(y, "name", None)
    return None if name is None else str(name)


class TabularModel:
    """Raw table in, predictions out: ``Preprocessor`` then a ridgeback estimator.

    Parameters
    ----------
    estimator : MLPClassifier, MLPRegressor or another scikit-learn estimator
    preprocessor : Preprocessor or None
        Default: ``Preprocessor()`` (median/most-frequent imputation, scaling, one-hot).

    Attributes
    ----------
    task : {"classification", "regression"}
    classes_ : ndarray
        The original class labels (strings kept), classification only.
    feature_names_in_ : list of str
        The raw columns; ``predict`` matches them by name.
    target_name_ : str or None
        The name of the target ``fit`` was given (a named Series, such as a table's column), kept
        in the model file so that a file of rows to predict may still hold it; None if unnamed.

    Examples
    --------
    >>> from ridgeback import MLPClassifier, load_builtin
    >>> X, y = load_builtin("iris")
    >>> model = TabularModel(MLPClassifier(hidden_layer_sizes=(8,), max_epochs=5, random_state=0)).fit(X, y)
    >>> model.predict(X.head(3)).shape, model.task
    ((3,), 'classification')
    """

    def __init__(self, estimator, preprocessor=None):
        self.estimator = estimator
        self.preprocessor = preprocessor

    @property
    def task(self) -> str:
        return "classification" if is_classifier(self.estimator) else "regression"

    def fit(self, X, y, **fit_params):
        """Fit the preprocessor on ``X`` (training rows only) and the estimator on its output.

        The output carries the preprocessor's ``feature_groups_`` (see ``fit_transform``), so that
        a ridgeback estimator's ``group_l1`` keeps or removes each raw column as a whole.
        """
        X = as_frame(X)
        target = self._checked_target(X, y)
        if self.preprocessor is None:
            self.preprocessor = Preprocessor()
        matrix = self.preprocessor.fit_transform(X, target.to_numpy())
        self.estimator.fit(matrix, target.to_numpy(), **fit_params)
        self.feature_names_in_ = list(self.preprocessor.feature_names_in_)
        self.target_name_ = target_name(y)
        return self

    def _checked_target(self, X, y):
        """``y`` as a Series, checked to have ``X``'s rows and to suit the task."""
        if len(y) != X.shape[0]:
            raise ValueError(f"`X` and `y` must have the same number of rows. "
                             f"Received: X rows={X.shape[0]}, y rows={len(y)}")
        return check_target(y, self.task)

    def fit_alongside(self, estimator, X, y, matrix=None, **fit_params) -> TabularModel:
        """A new model of ``estimator`` fitted on ``X``, ``y`` through this model's fitted
        preprocessor, shared rather than fitted again: the members of one ensemble trained on
        the same rows (the seeded refits of ``ridgeback tune``). ``matrix``: ``X`` as
        :meth:`encode` gives it, to encode the rows once for many models.

        The result equals ``TabularModel(estimator, <a copy of the preprocessor>).fit(X, y)``,
        as the preprocessor's fit is deterministic, without that fit's cost.
        """
        self._check_fitted()
        X = as_frame(X)
        model = TabularModel(estimator, self.preprocessor)
        target = model._checked_target(X, y)
        estimator.fit(self.encode(X) if matrix is None else matrix, target.to_numpy(), **fit_params)
        model.feature_names_in_ = list(self.feature_names_in_)
        model.target_name_ = target_name(y)
        return model

    def encode(self, X):
        """``X``, the rows the preprocessor was fitted on, as it encodes them for training: the
        matrix with the ``feature_groups_`` of its raw columns (what :meth:`fit` gives the
        estimator; entity columns out of fold, see ``Preprocessor.transform_training``)."""
        self._check_fitted()
        return with_feature_groups(self.preprocessor.transform_training(X), self.preprocessor.feature_groups_)

    @classmethod
    def from_fitted(cls, estimator, preprocessor, target_name=None) -> TabularModel:
        """A fitted model of an estimator fitted on the output of a fitted ``preprocessor``
        (a loaded model, a fold model of a search), without fitting anything."""
        model = cls(estimator, preprocessor)
        model.feature_names_in_ = list(preprocessor.feature_names_in_)
        model.target_name_ = target_name
        return model

    def _check_fitted(self):
        if not hasattr(self, "feature_names_in_"):
            raise ValueError("This TabularModel is not fitted yet; call fit(X, y) first. Received: "
                             "fitted=False")

    @property
    def classes_(self):
        return self.estimator.classes_

    @property
    def feature_names_out_(self):
        return self.preprocessor.feature_names_out_

    def transform(self, X) -> np.ndarray:
        """The preprocessed matrix: the network's (and the ONNX graph's) input."""
        self._check_fitted()
        return self.preprocessor.transform(X)

    def predict(self, X) -> np.ndarray:
        """Predicted labels (original labels) or values."""
        return self.estimator.predict(self.transform(X))

    def predict_proba(self, X) -> np.ndarray:
        if self.task != "classification":
            raise ValueError("predict_proba needs a classifier. Received: task='regression'")
        return self.estimator.predict_proba(self.transform(X))

    def predict_mc(self, X, samples=50, seed=None):
        """Mean and standard deviation of probabilities / values over ``samples`` dropout masks."""
        return self.estimator.predict_mc(self.transform(X), samples=samples, seed=seed)

    def evaluate(self, X, y, sample_weight=None, metric=None) -> dict:
        """Scores on ``(X, y)`` (:func:`ridgeback.metrics.scores`): accuracy, log_loss, macro F1
        (``f1``), roc_auc, average_precision and balanced_accuracy, or rmse, mae and r2.

        With ``metric`` (a name of :mod:`ridgeback.metrics`) the dict starts with ``metric``
        (the name) and ``score`` (its value, higher is better).

        Examples
        --------
        >>> from ridgeback import MLPRegressor, load_builtin
        >>> X, y = load_builtin("diabetes")
        >>> reg = MLPRegressor(hidden_layer_sizes=(8,), max_epochs=3, random_state=0)
        >>> model = TabularModel(reg).fit(X, y)
        >>> sorted(model.evaluate(X, y))
        ['mae', 'r2', 'rmse']
        """
        from ..metrics import check_metric, metric_from_predictions, scores

        self._check_fitted()
        if metric is not None:
            check_metric(metric, self.task)
        if self.task == "regression":
            y = check_target(y, "regression")
        else:
            y = _labels(y)
        if len(y) != len(X):
            raise ValueError(f"`X` and `y` must have the same number of rows. Received: X rows={len(X)}, "
                             f"y rows={len(y)}")
        if self.task == "regression":
            pred = np.asarray(self.predict(X), dtype=np.float64).ravel()
            truth = y.to_numpy(dtype=np.float64)
            out = scores("regression", truth, pred, sample_weight=sample_weight)
            if metric is not None:
                score = metric_from_predictions(metric, truth, pred, sample_weight=sample_weight)
                out = {"metric": metric, "score": score, **out}
            return out
        classes = np.asarray(self.classes_)
        index = _class_index(classes, y)
        if (index < 0).any():
            unseen = sorted({str(v) for v, i in zip(y, index, strict=True) if i < 0})
            raise ValueError(f"Labels never seen in training: {unseen}; the model knows {classes.tolist()}. "
                             f"Received: labels={unseen}")
        truth = classes[index]
        proba = self.predict_proba(X)
        out = scores("classification", truth, proba, classes, sample_weight)
        if metric is not None:
            out = {"metric": metric,
                   "score": metric_from_predictions(metric, truth, proba, classes, sample_weight), **out}
        return out

    def __repr__(self):
        return f"TabularModel({self.estimator!r}, {self.preprocessor!r})"


def _key(value):
    """Compare labels across dtypes: 1, 1.0 and np.int64(1) are one label; "1" is another."""
    if isinstance(value, (bool, np.bool_)):
        return ("b", bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return ("n", float(value))
    return ("s", str(value))


def _class_index(classes: np.ndarray, y) -> np.ndarray:
    """The position of each label of ``y`` among ``classes`` (-1: none), compared by :func:`_key`;
    a text label no class has is matched by its spelling (``Yes`` to the class ``yes``,
    :func:`~ridgeback.tabular.spellings.spelling_key`) when exactly one class is spelled so."""
    exact = {_key(c): i for i, c in enumerate(classes)}
    spelled: dict = {}
    for i, c in enumerate(classes):
        if isinstance(c, str):
            spelled.setdefault(spelling_key(c), []).append(i)
    index = np.full(len(y), -1, dtype=np.intp)
    for row, v in enumerate(y):
        i = exact.get(_key(v))
        if i is None and isinstance(v, str) and len(spelled.get(spelling_key(v), ())) == 1:
            i = spelled[spelling_key(v)][0]
        index[row] = -1 if i is None else i
    return index


def _labels(y) -> pd.Series:
    s = pd.Series(y) if not isinstance(y, pd.Series) else y.reset_index(drop=True)
    missing = s.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise ValueError(f"The labels have missing values at row {row}. Received: y={s.iloc[row]!r}")
    return s
