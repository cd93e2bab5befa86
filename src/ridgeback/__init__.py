"""ridgeback: neural networks by explicit backpropagation, with L1, L2 and dropout made
first-class, measurable and tuned by cross-validation."""

from ._version import __version__
from .data import list_builtins, load_builtin, read_table
from .estimators import MLPClassifier, MLPRegressor
from .gradcheck import check_gradients
from .inspection import SelectedFeatures, layer_summary, selected_features
from .io import ModelFormatError, load, save
from .layers import Dense, Dropout, Layer, LeakyReLU, Parameter, ReLU, Sigmoid, Tanh
from .losses import BinaryCrossEntropy, CrossEntropy, Loss, MeanSquaredError
from .network import Sequential, mlp
from .onnx import export_onnx
from .optimizers import SGD, Adam, AdamW, Optimizer, RMSprop
from .preprocessing import Preprocessor
from .regularizers import L1, L2, Constraint, ElasticNet, GroupL1, MaxNorm, Regularizer
from .selection import RegularizationPath, TuneResult, regularization_path, tune
from .tabular import TabularModel
from .training import EarlyStopping, History, Trainer, TrainingDiverged
from .uncertainty import mc_dropout_predict

__all__ = [
    "__version__",
    "Parameter", "Layer", "Dense", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Dropout",
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
