"""The engine: NumPy only. Parameters (and their packing into one vector), layers, networks,
losses, regularizers, optimizers (and their fast paths), the step plan, the Trainer and
lockstep training, gradient checks, inspection and Monte-Carlo dropout. It knows nothing of
scikit-learn's estimator API, files or argv."""

from .activations import GELU, SELU, Mish, SiLU
from .constraints import Constraint, MaxNorm
from .gradcheck import check_gradients
from .group_l1 import GroupL1
from .history import EarlyStopping, History, TrainingDiverged
from .inspection import SelectedFeatures, layer_summary, selected_features
from .layers import Dense, Dropout, Layer, LeakyReLU, ReLU, Sigmoid, Tanh
from .losses import BinaryCrossEntropy, CrossEntropy, Loss, MeanSquaredError
from .network import Sequential, mlp
from .normalization import BatchNorm, LayerNorm
from .optimizers import SGD, Adam, AdamW, Optimizer, RMSprop
from .parameters import FlatParameters, Parameter, pack_parameters
from .penalties import L1, L2, ElasticNet, Regularizer
from .penalty_gradient import PenaltyGradient
from .periodic_embedding import PeriodicEmbedding
from .piecewise_linear_embedding import PiecewiseLinearEmbedding
from .schedules import Constant, Cosine, MultiCycle, OneCycle, Schedule
from .step_plan import StepPlan
from .trainer import Trainer
from .uncertainty import mc_dropout_predict

__all__ = [
    "Parameter", "FlatParameters", "pack_parameters",
    "Layer", "Dense", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Dropout",
    "GELU", "SiLU", "Mish", "SELU", "BatchNorm", "LayerNorm", "PeriodicEmbedding", "PiecewiseLinearEmbedding",
    "Sequential", "mlp",
    "Loss", "CrossEntropy", "BinaryCrossEntropy", "MeanSquaredError",
    "Regularizer", "L1", "L2", "ElasticNet", "GroupL1", "Constraint", "MaxNorm",
    "Optimizer", "SGD", "Adam", "AdamW", "RMSprop",
    "Schedule", "Constant", "Cosine", "OneCycle", "MultiCycle",
    "StepPlan", "PenaltyGradient", "Trainer", "History", "EarlyStopping", "TrainingDiverged",
    "check_gradients", "layer_summary", "selected_features", "SelectedFeatures", "mc_dropout_predict",
]
