"""ridgeback: neural networks by explicit backpropagation, with L1, L2 and dropout made
first-class, measurable and tuned by cross-validation."""

from ._version import __version__
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
    Constraint,
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
    Optimizer,
    Parameter,
    PeriodicEmbedding,
    Regularizer,
    ReLU,
    RMSprop,
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
from .estimators import MLPClassifier, MLPRegressor
from .persist import ModelFormatError, export_onnx, load, save
from .selection import RegularizationPath, TuneResult, regularization_path, tune
from .tabular import Preprocessor, TabularModel, list_builtins, load_builtin, read_table

__all__ = [
    "__version__",
    "Parameter", "Layer", "Dense", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Dropout",
    "GELU", "SiLU", "Mish", "SELU", "BatchNorm", "LayerNorm", "PeriodicEmbedding",
    "Sequential", "mlp",
    "Loss", "CrossEntropy", "BinaryCrossEntropy", "MeanSquaredError",
    "Regularizer", "L1", "L2", "ElasticNet", "GroupL1", "Constraint", "MaxNorm",
    "Optimizer", "SGD", "Adam", "AdamW", "RMSprop",
    "Trainer", "History", "EarlyStopping", "TrainingDiverged",
    "check_gradients", "layer_summary", "selected_features", "SelectedFeatures",
    "mc_dropout_predict",
    "MLPClassifier", "MLPRegressor", "tune", "TuneResult", "regularization_path", "RegularizationPath",
    "read_table", "load_builtin", "list_builtins", "Preprocessor", "TabularModel",
    "save", "load", "ModelFormatError", "export_onnx",
]
