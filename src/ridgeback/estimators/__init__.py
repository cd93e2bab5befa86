"""scikit-learn estimators over the engine: the hyper-parameter table, the shared base,
:class:`MLPClassifier` and :class:`MLPRegressor`.

The estimators are imported on first use (PEP 562): the command line reads the hyper-parameter
table (:mod:`.hyperparams`) to build its flags without importing scikit-learn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._util.lazy import lazy_exports

__all__ = ["MLPClassifier", "MLPRegressor"]

if TYPE_CHECKING:
    from .classifier import MLPClassifier
    from .regressor import MLPRegressor

__getattr__, __dir__ = lazy_exports(__name__, globals(),
                                    {".classifier": ("MLPClassifier",), ".regressor": ("MLPRegressor",)})
