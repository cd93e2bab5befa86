"""check_gradients: it passes correct backward passes, and it catches wrong ones."""

import numpy as np
import pytest

from ridgeback import (
    L1,
    L2,
    CrossEntropy,
    Dense,
    Dropout,
    GroupL1,
    Layer,
    MeanSquaredError,
    ReLU,
    Sequential,
    Tanh,
    check_gradients,
    mlp,
)
from ridgeback.engine.penalties import Regularizer


class WrongTanh(Layer):
    """tanh whose backward forgets the square: g * (1 - y)."""

    def forward(self, x, training=False):
        self._y = np.tanh(x)
        return self._y

    def backward(self, grad_out):
        return grad_out * (1 - self._y)


class WrongL2(Regularizer):
    """Penalty w^2 with the gradient of w^2 / 2."""

    def penalty(self, w):
        return float(np.sum(w * w))

    def gradient(self, w):
        return w


def _data(seed=0, n=6, d=4, k=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, k, n)


def test_a_correct_float64_network_has_tiny_error():
    X, y = _data()
    net = mlp([4, 5, 3], activation="tanh", seed=0, dtype=np.float64)
    assert check_gradients(net, CrossEntropy(), X, y, regularizer=L2(0.1) + L1(0.01)) < 1e-8


def test_it_catches_a_wrong_layer_backward():
    X, y = _data()
    net = Sequential(Dense(4, 5, dtype=np.float64, seed=0), WrongTanh(),
                     Dense(5, 3, dtype=np.float64, seed=1))
    assert check_gradients(net, CrossEntropy(), X, y) > 1e-2


def test_it_includes_the_penalty_and_catches_a_wrong_penalty_gradient():
    X, y = _data()
    net = mlp([4, 5, 3], seed=0, dtype=np.float64)
    assert check_gradients(net, CrossEntropy(), X, y, regularizer=WrongL2()) > 1e-2


def test_it_includes_per_layer_regularizers():
    X, y = _data()
    net = Sequential(Dense(4, 5, dtype=np.float64, seed=0, regularizer=WrongL2()), Tanh(),
                     Dense(5, 3, dtype=np.float64, seed=1))
    assert check_gradients(net, CrossEntropy(), X, y) > 1e-2
    good = Sequential(Dense(4, 5, dtype=np.float64, seed=0, regularizer=GroupL1(0.3), regularize_bias=True),
                      Tanh(), Dense(5, 3, dtype=np.float64, seed=1))
    good.layers[0].bias.data[:] = 0.5  # a zero bias row would sit on the group norm's kink
    assert check_gradients(good, CrossEntropy(), X, y) < 1e-6


def test_dropout_in_training_mode_reuses_its_masks_and_leaves_the_rng_as_it_was():
    X, y = _data()
    net = Sequential(Dense(4, 6, dtype=np.float64, seed=0), ReLU(), Dropout(0.5, seed=3),
                     Dense(6, 3, dtype=np.float64, seed=1))
    drop = net.layers[2]
    before = drop.rng.bit_generator.state
    assert check_gradients(net, CrossEntropy(), X, y, training=True) < 1e-6
    assert drop.rng.bit_generator.state == before


@pytest.mark.parametrize("loss, y", [(MeanSquaredError(), np.ones((6, 3))),
                                     (CrossEntropy(), [0, 1, 2, 0, 1, 2])])
def test_it_accepts_lists_and_float_targets(loss, y):
    X, _ = _data()
    net = mlp([4, 3, 3], activation="tanh", seed=0, dtype=np.float64)
    assert check_gradients(net, loss, X.tolist(), y) < 1e-6
