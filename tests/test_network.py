"""Sequential and mlp(): whole networks against PyTorch, the builder, configs, bad sizes."""

import numpy as np
import pytest

from ridgeback import (
    L1,
    L2,
    BinaryCrossEntropy,
    CrossEntropy,
    Dense,
    Dropout,
    ElasticNet,
    GroupL1,
    LeakyReLU,
    MaxNorm,
    MeanSquaredError,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    mlp,
)

ACTIVATIONS = {"relu": ReLU, "leaky_relu": lambda: LeakyReLU(0.05), "tanh": Tanh, "sigmoid": Sigmoid}
LOSSES = {"cross_entropy": CrossEntropy, "bce": BinaryCrossEntropy, "mse": MeanSquaredError}
REGULARIZERS = {"none": None, "l1": L1(0.02), "l2": L2(0.03), "elastic_net": ElasticNet(0.01, 0.02),
                "group_l1": GroupL1(0.05)}


def torch_activation(torch, name):
    F = torch.nn.functional
    return {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
            "leaky_relu": lambda t: F.leaky_relu(t, 0.05)}[name]


def torch_loss(torch, name, z, y):
    if name == "cross_entropy":
        return torch.nn.functional.cross_entropy(z, torch.tensor(y))
    if name == "bce":
        return torch.nn.BCEWithLogitsLoss()(z, torch.tensor(y))
    return torch.nn.MSELoss()(z, torch.tensor(y))


def torch_penalty(torch, name, w):
    if name == "none":
        return 0.0
    l1, l2, group = w.abs().sum(), (w * w).sum(), torch.linalg.norm(w, dim=1).sum()
    return {"l1": 0.02 * l1, "l2": 0.03 * l2, "elastic_net": 0.01 * l1 + 0.02 * l2,
            "group_l1": 0.05 * group}[name]


@pytest.mark.parametrize("reg", sorted(REGULARIZERS))
@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("act", sorted(ACTIVATIONS))
def test_network_matches_pytorch_for_every_layer_loss_and_regularizer(act, loss_name, reg):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    n, d, h, k, rate = 7, 5, 6, 4, 0.3
    net = Sequential(Dense(d, h, dtype=np.float64, seed=1), ACTIVATIONS[act](), Dropout(rate, seed=2),
                     Dense(h, k, dtype=np.float64, seed=3))
    for layer in net.dense_layers:
        layer.bias.data[...] = rng.standard_normal(layer.bias.data.shape) * 0.1
    X = rng.standard_normal((n, d))
    y = {"cross_entropy": rng.integers(0, k, n), "bce": rng.integers(0, 2, (n, k)).astype(np.float64),
         "mse": rng.standard_normal((n, k))}[loss_name]
    regularizer = REGULARIZERS[reg]

    # ours: forward with dropout active, recording the mask the Dropout layer drew
    x = X
    for layer in net.layers:
        before = x
        x = layer.forward(x, training=True)
        if isinstance(layer, Dropout):
            # a unit is kept where the output is non-zero; where the input was already 0 the
            # mask is irrelevant to the output and to every gradient
            mask = (x != 0) | (before == 0)
    loss = LOSSES[loss_name]()
    cost = loss.forward(x, y)
    grad_in = net.backward(loss.backward())
    grads = [p.grad.copy() for p in net.parameters()]
    if regularizer is not None:
        for p, g in zip(net.parameters(), grads, strict=True):
            if p.regularize:
                cost += regularizer.penalty(p.data)
                g += regularizer.gradient(p.data)

    # torch, from the same arrays
    W1, b1, W2, b2 = (torch.tensor(p.data.copy(), requires_grad=True) for p in net.parameters())
    Xt = torch.tensor(X, requires_grad=True)
    hidden = torch_activation(torch, act)(Xt @ W1 + b1) * torch.tensor(mask.astype(np.float64)) / (1 - rate)
    z = hidden @ W2 + b2
    cost_t = torch_loss(torch, loss_name, z, y)
    cost_t = cost_t + torch_penalty(torch, reg, W1) + torch_penalty(torch, reg, W2)
    cost_t.backward()

    np.testing.assert_allclose(x, z.detach().numpy(), rtol=1e-8, atol=1e-12)
    assert cost == pytest.approx(cost_t.item(), rel=1e-8)
    for ours, ref in zip(grads + [grad_in], [W1, b1, W2, b2, Xt], strict=True):
        np.testing.assert_allclose(ours, ref.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_mlp_builds_the_documented_stack():
    net = mlp([10, 8, 6, 3], activation="tanh", dropout=0.5, input_dropout=0.2, seed=0)
    assert [type(l).__name__ for l in net.layers] == [
        "Dropout", "Dense", "Tanh", "Dropout", "Dense", "Tanh", "Dropout", "Dense"]
    assert [l.rate for l in net.layers if isinstance(l, Dropout)] == [0.2, 0.5, 0.5]
    assert [(l.n_in, l.n_out, l.init) for l in net.dense_layers] == [
        (10, 8, "glorot"), (8, 6, "glorot"), (6, 3, "glorot")]
    assert net.dtype == np.float32 and (net.n_inputs, net.n_outputs) == (10, 3)
    assert [l.init for l in mlp([3, 4, 2]).dense_layers] == ["he", "he"]
    assert all(l.constraint == MaxNorm(3.0) for l in mlp([3, 4, 2], max_norm=3.0).dense_layers)


def test_mlp_seed_fixes_weights_and_masks():
    a, b = mlp([5, 7, 2], dropout=0.5, seed=4), mlp([5, 7, 2], dropout=0.5, seed=4)
    x = np.ones((3, 5), dtype=np.float32)
    np.testing.assert_array_equal(a.forward(x, training=True), b.forward(x, training=True))
    other = mlp([5, 7, 2], seed=5)
    assert not np.array_equal(a.dense_layers[0].weight.data, other.dense_layers[0].weight.data)
    # the two layers get independent streams, not the same initial weights
    c = mlp([6, 6, 6], seed=0)
    assert not np.array_equal(c.dense_layers[0].weight.data, c.dense_layers[1].weight.data)


def test_backward_without_input_gradient_fills_every_parameter_gradient():
    rng = np.random.default_rng(0)
    net = mlp([4, 5, 3], input_dropout=0.2, seed=0, dtype=np.float64)
    X, g = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    state = net.layers[0].rng.bit_generator.state
    net.forward(X, training=True)
    full_in = net.backward(g)
    full = [p.grad.copy() for p in net.parameters()]
    net.layers[0].rng.bit_generator.state = state
    net.forward(X, training=True)
    assert net.backward(g, input_grad=False) is None
    assert full_in.shape == X.shape
    for p, f in zip(net.parameters(), full, strict=True):
        np.testing.assert_array_equal(p.grad, f)


def test_config_round_trip_rebuilds_the_same_architecture():
    net = mlp([6, 5, 2], activation="leaky_relu", dropout=0.25, dropout_scale="inference",
              regularizer=L1(0.01), max_norm=2.0, dtype=np.float64, seed=0)
    rebuilt = Sequential.from_config(net.get_config())
    assert rebuilt.get_config() == net.get_config()
    assert rebuilt.dtype == np.float64
    assert rebuilt.dense_layers[0].regularizer == L1(0.01)
    with pytest.raises(ValueError, match=r"Received: class='Conv2D'"):
        Sequential.from_config({"layers": [{"class": "Conv2D", "config": {}}]})


@pytest.mark.parametrize("kwargs, message", [
    (dict(sizes=[4, 0, 2]), r"Received: sizes\[1\]=0"),
    (dict(sizes=[4]), r"Received: sizes=\[4\]"),
    (dict(sizes=[4, -3, 2]), r"Received: sizes\[1\]=-3"),
    (dict(sizes="abc"), r"Received: sizes='abc'"),
    (dict(sizes=[4, 3, 2], activation="swish"), r"Received: activation='swish'"),
    (dict(sizes=[4, 3, 2], dropout=1.5), r"Received: dropout=1\.5"),
    (dict(sizes=[4, 3, 2], input_dropout=-0.2), r"Received: input_dropout=-0\.2"),
    (dict(sizes=[4, 3, 2], dtype="float16"), r"Received: dtype='float16'"),
])
def test_bad_mlp_arguments_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mlp(**kwargs)
