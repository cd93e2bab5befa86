"""Regularizers: gradients, PyTorch parity, exact proximal steps, sparsity, the registry (the group
lasso's own tests are in test_group_l1.py, the constraints' in test_constraints.py)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ridgeback import (
    L1,
    L2,
    SGD,
    Adam,
    CrossEntropy,
    Dense,
    ElasticNet,
    GroupL1,
    MaxNorm,
    MeanSquaredError,
    Sequential,
    Tanh,
    Trainer,
    check_gradients,
    mlp,
)
from ridgeback.engine.penalties import Sum
from ridgeback.engine.regularizers import deserialize, get, serialize

REGULARIZERS = {
    "l1": lambda: L1(0.3),
    "l1_smooth": lambda: L1(0.3, proximal=False),
    "l2": lambda: L2(0.2),
    "elastic_net": lambda: ElasticNet(0.1, 0.3),
    "elastic_net_smooth": lambda: ElasticNet(0.1, 0.3, proximal=False),
    "group_l1": lambda: GroupL1(0.4),
    "group_l1_smooth": lambda: GroupL1(0.4, proximal=False),
    "sum": lambda: L1(0.1) + L2(0.05) + GroupL1(0.2),
}
#: the same tests with groups, on weights of four rows
GROUPED = {"group_l1_grouped": lambda: GroupL1(0.4, groups=[0, 1, 0, 1]),
           "group_l1_grouped_smooth": lambda: GroupL1(0.4, proximal=False, groups=[1, 1, 1, 0])}


@settings(max_examples=16, deadline=None)
@given(st.sampled_from(sorted(REGULARIZERS)), st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**16))
def test_penalty_gradient_passes_check_gradients(name, d_in, d_out, seed):
    rng = np.random.default_rng(seed)
    net = Sequential(Dense(d_in, 3, dtype=np.float64, seed=seed), Tanh(), Dense(3, d_out, dtype=np.float64))
    X, y = rng.standard_normal((4, d_in)), rng.standard_normal((4, d_out))
    reg = REGULARIZERS[name]()
    assert check_gradients(net, MeanSquaredError(), X, y, regularizer=reg) < 1e-6


def torch_penalty(torch, name, w):
    l1, l2, group = w.abs().sum(), (w * w).sum(), torch.linalg.norm(w, dim=1).sum()
    return {"l1": 0.3 * l1, "l1_smooth": 0.3 * l1, "l2": 0.2 * l2,
            "elastic_net": 0.1 * l1 + 0.3 * l2, "elastic_net_smooth": 0.1 * l1 + 0.3 * l2,
            "group_l1": 0.4 * group, "group_l1_smooth": 0.4 * group,
            "sum": 0.1 * l1 + 0.05 * l2 + 0.2 * group}[name]


@pytest.mark.parametrize("name", sorted(REGULARIZERS))
def test_penalty_and_gradient_match_pytorch(name):
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(2).standard_normal((6, 4))
    w[1] = 0.0  # a zero row: sign(0) = 0 and the group (sub)gradient 0, as torch takes them
    wt = torch.tensor(w, requires_grad=True)
    ref = torch_penalty(torch, name, wt)
    ref.backward()
    reg = REGULARIZERS[name]()
    assert reg.penalty(w) == pytest.approx(ref.item(), rel=1e-12)
    grad = reg.gradient(w)
    # torch's norm backward at a zero row is nan; ours is the zero subgradient, checked apart
    rows = np.arange(6) != 1 if "group" in name or name == "sum" else np.ones(6, bool)
    np.testing.assert_allclose(grad[rows], wt.grad.numpy()[rows], rtol=1e-10, atol=1e-15)
    np.testing.assert_array_equal(grad[1], 0.0)


def test_l1_proximal_step_on_a_hand_worked_sgd_example():
    # w = (0.5, -0.3), b = 0, x = (1, 2), y = 0:  z = 0.5 - 0.6 = -0.1,  dL/dz = 2(z - y) = -0.2
    # dL/dw = x * -0.2 = (-0.2, -0.4);  SGD lr 0.5:  w = (0.6, -0.1),  b = 0.1
    # soft-threshold by lr * 0.3 = 0.15:  w = (0.45, 0)  (exactly zero);  the bias is untouched
    net = Sequential(Dense(2, 1, dtype=np.float64))
    net.layers[0].weight.data[:] = [[0.5], [-0.3]]
    trainer = Trainer(net, MeanSquaredError(), SGD(0.5), regularizer=L1(0.3), batch_size=1, epochs=1, seed=0)
    trainer.fit(np.array([[1.0, 2.0]]), np.array([0.0]))
    np.testing.assert_allclose(net.layers[0].weight.data.ravel(), [0.45, 0.0], rtol=1e-14)
    assert net.layers[0].weight.data[1, 0] == 0.0
    assert net.layers[0].bias.data[0] == pytest.approx(0.1, rel=1e-14)


def test_elastic_net_proximal_step_thresholds_then_shrinks():
    # the same step, then w / (1 + 2 * lr * l2) = (0.45, 0) / (1 + 2 * 0.5 * 0.5) = (0.3, 0)
    net = Sequential(Dense(2, 1, dtype=np.float64))
    net.layers[0].weight.data[:] = [[0.5], [-0.3]]
    Trainer(net, MeanSquaredError(), SGD(0.5), regularizer=ElasticNet(0.3, 0.5), batch_size=1,
            epochs=1, seed=0).fit(np.array([[1.0, 2.0]]), np.array([0.0]))
    np.testing.assert_allclose(net.layers[0].weight.data.ravel(), [0.3, 0.0], rtol=1e-14)


def test_l1_threshold_under_adam_is_the_per_coordinate_step():
    # after Adam's first step sqrt(v_hat) = |g|: the step per unit gradient is lr / (|g| + eps),
    # and the L1 threshold is that step times lambda
    rng = np.random.default_rng(0)
    net = Sequential(Dense(3, 2, dtype=np.float64, seed=0))
    X, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    w0 = net.layers[0].weight.data.copy()
    z = X @ w0
    g = X.T @ (2 * (z - y) / z.size)
    lr, lam, eps = 0.05, 0.5, 1e-8
    expected = w0 - lr * g / (np.abs(g) + eps)
    threshold = lr * lam / (np.abs(g) + eps)
    expected = np.sign(expected) * np.maximum(np.abs(expected) - threshold, 0)
    Trainer(net, MeanSquaredError(), Adam(lr, eps=eps), regularizer=L1(lam), batch_size=5, epochs=1,
            seed=0).fit(X, y)
    np.testing.assert_allclose(net.layers[0].weight.data, expected, rtol=1e-12, atol=1e-15)


def test_proximal_l1_gives_exact_zeros_where_the_subgradient_does_not(digits):
    X_train, _, y_train, _ = digits
    zeros = {}
    for proximal in (True, False):
        net = mlp([64, 32, 10], seed=0)
        Trainer(net, CrossEntropy(), Adam(3e-3), regularizer=L1(1e-3, proximal=proximal), epochs=5,
                seed=0).fit(X_train, y_train)
        zeros[proximal] = np.mean(net.layers[0].weight.data == 0)
    assert zeros[True] > 0.4
    assert zeros[False] < 0.01


def test_l1_on_digits_zeroes_half_the_first_layer_at_no_real_cost_in_accuracy(digits):
    X_train, X_test, y_train, y_test = digits
    result = {}
    for reg in (None, L1(3e-4)):
        net = mlp([64, 128, 10], seed=0)
        Trainer(net, CrossEntropy(), Adam(3e-3), regularizer=reg, epochs=40, seed=0).fit(X_train, y_train)
        acc = np.mean(net.forward(X_test).argmax(axis=1) == y_test)
        result[reg is None] = (acc, np.mean(net.layers[0].weight.data == 0))
    (acc_l1, zero_l1), (acc_plain, zero_plain) = result[False], result[True]
    assert zero_plain == 0.0
    assert zero_l1 >= 0.5
    assert acc_l1 >= acc_plain - 0.015


def test_regularizers_apply_to_weights_not_biases_and_layers_override_the_global_one():
    net = Sequential(Dense(2, 2, dtype=np.float64, seed=0, regularizer=L2(1.0)),
                     Dense(2, 1, dtype=np.float64))
    for p in net.parameters():
        p.data[...] = 1.0
    trainer = Trainer(net, MeanSquaredError(), SGD(0.1), regularizer=L1(0.5))
    # layer 0: L2(1) on its 4 weights = 4; layer 1: L1(0.5) on its 2 weights = 1; biases: nothing
    assert trainer.penalty() == pytest.approx(5.0)


def test_composition_adds_penalties_and_gradients():
    w = np.random.default_rng(0).standard_normal((3, 4))
    reg = L1(0.1) + L2(0.2)
    assert isinstance(reg, Sum)
    assert reg.penalty(w) == pytest.approx(L1(0.1).penalty(w) + L2(0.2).penalty(w))
    np.testing.assert_allclose(reg.gradient(w), L1(0.1).gradient(w) + L2(0.2).gradient(w))


@pytest.mark.parametrize("obj", [L1(0.1, proximal=False), L2(0.3), ElasticNet(0.1, 0.2), GroupL1(0.5),
                                 GroupL1(0.5, groups=[0, 0, 1, 2]), MaxNorm(2.5),
                                 L1(0.1) + GroupL1(0.2, groups=[1, 0])])
def test_regularizers_serialize_to_plain_dicts_and_back(obj):
    import json

    spec = json.loads(json.dumps(serialize(obj)))
    assert deserialize(spec) == obj
    assert deserialize(spec) is not obj
    if spec["name"] != "sum":  # a Sum is built from terms, not keyword arguments
        assert get(spec["name"], **spec["config"]) == obj


@pytest.mark.parametrize("make, message", [
    (lambda: L1(-0.1), r"Received: strength=-0\.1"),
    (lambda: L2(-1), r"Received: strength=-1"),
    (lambda: GroupL1(float("nan")), r"Received: strength=nan"),
    (lambda: GroupL1(0.1, groups=[[0, 1]]), r"Received: groups=\[\[0, 1\]\]"),
    (lambda: GroupL1(0.1, groups=[0.5, 1.0]), r"Received: groups=\[0\.5, 1\.0\]"),
    (lambda: GroupL1(0.1, groups=[0, 1]).penalty(np.ones((3, 2))), r"Received: groups of length 2"),
    (lambda: ElasticNet(-0.1, 0.1), r"Received: l1=-0\.1"),
    (lambda: ElasticNet(0.1, -2.0), r"Received: l2=-2\.0"),
    (lambda: MaxNorm(0), r"Received: max_value=0"),
    (lambda: MaxNorm(-3.0), r"Received: max_value=-3\.0"),
    (lambda: mlp([4, 3, 2], max_norm=0.0), r"Received: max_norm=0\.0"),
    (lambda: get("lasso"), r"Received: name='lasso'"),
    (lambda: deserialize({"name": "nope"}), r"Received: spec="),
])
def test_bad_regularizer_values_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("name", sorted(REGULARIZERS) + sorted(GROUPED))
def test_gradients_and_proximal_steps_keep_float32(name):
    reg = {**REGULARIZERS, **GROUPED}[name]()
    w = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    assert reg.gradient(w).dtype == np.float32
    grad = np.zeros_like(w)
    reg.add_gradient(w, grad)
    assert grad.dtype == np.float32
    reg.prox(w, np.full(w.shape, 0.01, dtype=np.float32))  # an Adam-like per-coordinate step
    reg.prox(w, 0.01)
    assert w.dtype == np.float32


def test_only_a_plain_l2_penalty_has_an_l2_coefficient():
    # the coefficient c of a gradient that is exactly w * c, which an optimizer may fuse into its update
    assert L2(0.25).l2_coefficient == 0.5 and L2(0.0).l2_coefficient == 0.0
    for reg in (L1(0.1), L1(0.1, proximal=False), ElasticNet(0.1, 0.2, proximal=False), GroupL1(0.1),
                L2(0.1) + L2(0.2)):
        assert reg.l2_coefficient is None
    w = np.random.default_rng(0).standard_normal((3, 4))
    grad = np.zeros_like(w)
    L2(0.25).add_gradient(w, grad)
    np.testing.assert_array_equal(grad, w * L2(0.25).l2_coefficient)
