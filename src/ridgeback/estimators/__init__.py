"""scikit-learn estimators over the engine: the hyper-parameter table, the shared base and
:class:`MLPClassifier` / :class:`MLPRegressor`."""

from .mlp import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
