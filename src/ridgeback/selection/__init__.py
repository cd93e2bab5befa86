"""Model selection: folds and seeds, the parallel runner, the one-standard-error rule, the
hyper-parameter search (:func:`tune`) and regularization paths."""

from .path import RegularizationPath, regularization_path
from .result import TuneResult
from .search import tune

__all__ = ["tune", "TuneResult", "regularization_path", "RegularizationPath"]
