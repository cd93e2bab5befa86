"""ridgeback: neural networks by explicit backpropagation, with L1, L2 and dropout made
first-class, measurable and tuned by cross-validation."""

from ._version import __version__
from .gradcheck import check_gradients
from .inspection import SelectedFeatures, layer_summary, selected_features
from .layers import Dense, Dropout, Layer, LeakyReLU, Parameter, ReLU, Sigmoid, Tanh
from .losses import BinaryCrossEntropy, CrossEntropy, Loss, MeanSquaredError
from .network import Sequential, mlp
from .optimizers import SGD, Adam, AdamW, Optimizer, RMSprop
from .regularizers import L1, L2, Constraint, ElasticNet, GroupL1, MaxNorm, Regularizer
from .training import EarlyStopping, History, Trainer, TrainingDiverged

__all__ = [
    "__version__",
    "Parameter", "Layer", "Dense", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Dropout",
    "Sequential", "mlp",
    "Loss", "CrossEntropy", "BinaryCrossEntropy", "MeanSquaredError",
    "Regularizer", "L1", "L2", "ElasticNet", "GroupL1", "Constraint", "MaxNorm",
    "Optimizer", "SGD", "Adam", "AdamW", "RMSprop",
    "Trainer", "History", "EarlyStopping", "TrainingDiverged",
    "check_gradients", "layer_summary", "selected_features", "SelectedFeatures",
]
