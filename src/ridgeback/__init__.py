"""ridgeback: neural networks by explicit backpropagation, with L1, L2 and dropout made
first-class, measurable and tuned by cross-validation.

Importing the package is cheap: each public name is imported from its subpackage the first time
it is used (PEP 562), so ``import ridgeback`` and ``ridgeback --help`` load neither
scikit-learn nor the engine until an attribute or a command asks for them.
"""

# ruff: noqa: F401  (the TYPE_CHECKING imports are what static tools see; __all__ is built)
from __future__ import annotations

from typing import TYPE_CHECKING

from ._util.lazy import lazy_exports
from ._version import __version__

#: public name -> the subpackage that defines it, in the order of the API reference
_SOURCES = {
    ".engine": (
        "Parameter", "Layer", "Dense", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Dropout", "GELU",
        "SiLU", "Mish", "SELU", "BatchNorm", "LayerNorm", "PeriodicEmbedding",
        "PiecewiseLinearEmbedding", "Sequential", "mlp", "Loss", "CrossEntropy", "BinaryCrossEntropy",
        "MeanSquaredError", "Regularizer", "L1", "L2", "ElasticNet", "GroupL1", "Constraint", "MaxNorm",
        "Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Schedule", "Constant", "Cosine", "OneCycle",
        "MultiCycle", "Trainer", "History", "EarlyStopping", "TrainingDiverged", "check_gradients",
        "layer_summary", "selected_features", "SelectedFeatures", "mc_dropout_predict",
    ),
    ".estimators": (
        "MLPClassifier", "MLPRegressor",
    ),
    ".selection": (
        "tune", "TuneResult", "regularization_path", "RegularizationPath",
    ),
    ".tabular": (
        "read_table", "load_builtin", "list_builtins", "Preprocessor", "TabularModel", "restating_columns",
        "Restatement",
    ),
    ".persist": (
        "save", "load", "ModelFormatError", "export_onnx",
    ),
}
__all__ = ["__version__", *(name for names in _SOURCES.values() for name in names)]

if TYPE_CHECKING:  # what static tools and editors see; at run time __getattr__ imports on demand
    from .engine import (
        GELU,
        L1,
        L2,
        SELU,
        SGD,
        Adam,
        AdamW,
        BatchNorm,
        BinaryCrossEntropy,
        Constant,
        Constraint,
        Cosine,
        CrossEntropy,
        Dense,
        Dropout,
        EarlyStopping,
        ElasticNet,
        GroupL1,
        History,
        Layer,
        LayerNorm,
        LeakyReLU,
        Loss,
        MaxNorm,
        MeanSquaredError,
        Mish,
        MultiCycle,
        OneCycle,
        Optimizer,
        Parameter,
        PeriodicEmbedding,
        PiecewiseLinearEmbedding,
        Regularizer,
        ReLU,
        RMSprop,
        Schedule,
        SelectedFeatures,
        Sequential,
        Sigmoid,
        SiLU,
        Tanh,
        Trainer,
        TrainingDiverged,
        check_gradients,
        layer_summary,
        mc_dropout_predict,
        mlp,
        selected_features,
    )
    from .estimators import (
        MLPClassifier,
        MLPRegressor,
    )
    from .persist import (
        ModelFormatError,
        export_onnx,
        load,
        save,
    )
    from .selection import (
        RegularizationPath,
        TuneResult,
        regularization_path,
        tune,
    )
    from .tabular import (
        Preprocessor,
        Restatement,
        TabularModel,
        list_builtins,
        load_builtin,
        read_table,
        restating_columns,
    )

__getattr__, __dir__ = lazy_exports(__name__, globals(), _SOURCES)
