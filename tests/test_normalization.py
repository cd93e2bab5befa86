"""BatchNorm and LayerNorm: finite differences, PyTorch parity (running statistics included),
mlp(normalization=), saving with the running statistics."""

import numpy as np
import pytest

from finite_differences import numeric_input_grad
from ridgeback import (
    CrossEntropy,
    Dense,
    MeanSquaredError,
    Sequential,
    Tanh,
    check_gradients,
    load,
    mlp,
    save,
)
from ridgeback.engine.normalization import BatchNorm, LayerNorm


def input_gradient_error(layer, x, training, seed=0):
    """Relative error between backward's input gradient and central differences of sum(g * y)."""
    g = np.random.default_rng(seed).standard_normal(layer.forward(x, training=training).shape)
    state = {k: v.copy() for k, v in layer.buffers().items()}
    layer.forward(x, training=training)
    analytic = layer.backward(g)

    # the output never reads running statistics it updates (training: batch statistics;
    # inference: no update), so central differences need no restoring between evaluations
    numeric = numeric_input_grad(layer, x.copy(), g, training=training)
    for k, v in layer.buffers().items():
        v[...] = state[k]
    return np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic) + np.linalg.norm(numeric))


def randomized(layer, seed):
    rng = np.random.default_rng(seed)
    layer.weight.data[:] = rng.uniform(0.5, 2.0, layer.n_features)
    layer.bias.data[:] = rng.standard_normal(layer.n_features)
    return layer


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_input_gradient_matches_finite_differences(training):
    layer = randomized(BatchNorm(4, dtype=np.float64), 0)
    layer.running_mean[:] = [0.1, -0.2, 0.3, 0.0]
    layer.running_var[:] = [0.5, 2.0, 1.0, 3.0]
    x = np.random.default_rng(1).standard_normal((6, 4)) * 2 + 1
    assert input_gradient_error(layer, x, training) < 1e-8


def test_layernorm_input_gradient_matches_finite_differences():
    layer = randomized(LayerNorm(5, dtype=np.float64), 2)
    x = np.random.default_rng(3).standard_normal((4, 5)) * 3
    assert input_gradient_error(layer, x, training=True) < 1e-8


@pytest.mark.parametrize("norm", ["batch", "layer"])
@pytest.mark.parametrize("training", [True, False])
def test_parameter_gradients_pass_check_gradients(norm, training):
    rng = np.random.default_rng(4)
    cls = {"batch": BatchNorm, "layer": LayerNorm}[norm]
    # the normalization first: a Dense bias just before it has an exactly zero gradient,
    # which a relative error cannot assess
    net = Sequential(randomized(cls(3, dtype=np.float64), 5), Dense(3, 4, dtype=np.float64, seed=0), Tanh(),
                     randomized(cls(4, dtype=np.float64), 6), Dense(4, 2, dtype=np.float64, seed=1))
    X, y = rng.standard_normal((8, 3)), rng.integers(0, 2, 8)
    assert check_gradients(net, CrossEntropy(), X, y, training=training) < 1e-7


def test_batchnorm_matches_torch_in_training_and_inference_running_stats_included():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    ours = randomized(BatchNorm(5, momentum=0.2, eps=1e-4, dtype=np.float64), 8)
    ref = torch.nn.BatchNorm1d(5, momentum=0.2, eps=1e-4, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(ours.weight.data))
        ref.bias.copy_(torch.tensor(ours.bias.data))
    ref.train()
    for step in range(4):
        x = rng.standard_normal((7 + step, 5)) * (1 + step) + step
        g = rng.standard_normal(x.shape)
        out = ours.forward(x, training=True)
        dx = ours.backward(g)
        xt = torch.tensor(x, requires_grad=True)
        ref.weight.grad = ref.bias.grad = None
        out_t = ref(xt)
        out_t.backward(torch.tensor(g))
        np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ours.weight.grad, ref.weight.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ours.bias.grad, ref.bias.grad.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(ours.running_mean, ref.running_mean.numpy(), rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(ours.running_var, ref.running_var.numpy(), rtol=1e-13, atol=1e-14)
    ref.eval()
    x = rng.standard_normal((6, 5))
    g = rng.standard_normal(x.shape)
    out = ours.forward(x, training=False)
    dx = ours.backward(g)
    xt = torch.tensor(x, requires_grad=True)
    ref.weight.grad = None
    out_t = ref(xt)
    out_t.backward(torch.tensor(g))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad, ref.weight.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_layernorm_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    ours = randomized(LayerNorm(6, eps=1e-3, dtype=np.float64), 10)
    ref = torch.nn.LayerNorm(6, eps=1e-3, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(ours.weight.data))
        ref.bias.copy_(torch.tensor(ours.bias.data))
    x = rng.standard_normal((9, 6)) * 4 - 1
    g = rng.standard_normal(x.shape)
    out = ours.forward(x, training=True)
    dx = ours.backward(g)
    xt = torch.tensor(x, requires_grad=True)
    out_t = ref(xt)
    out_t.backward(torch.tensor(g))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad, ref.weight.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.bias.grad, ref.bias.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_affine_parameters_are_not_penalized_and_start_as_identity():
    for layer in (BatchNorm(3), LayerNorm(3)):
        assert [p.name for p in layer.parameters()] == ["weight", "bias"]
        assert not any(p.regularize for p in layer.parameters())
        np.testing.assert_array_equal(layer.weight.data, 1.0)
        np.testing.assert_array_equal(layer.bias.data, 0.0)
    bn = BatchNorm(3)
    np.testing.assert_array_equal(bn.running_mean, 0.0)
    np.testing.assert_array_equal(bn.running_var, 1.0)
    assert LayerNorm(3).buffers() == {}


def test_batchnorm_refuses_a_training_batch_of_one_row():
    with pytest.raises(ValueError, match="Received: x with shape"):
        BatchNorm(2).forward(np.ones((1, 2), dtype=np.float32), training=True)
    out = BatchNorm(2).forward(np.ones((1, 2), dtype=np.float32), training=False)
    assert out.shape == (1, 2)


@pytest.mark.parametrize("kwargs, name", [({"n_features": 0}, "n_features"),
                                          ({"n_features": 2, "eps": 0.0}, "eps"),
                                          ({"n_features": 2, "momentum": 1.5}, "momentum")])
def test_invalid_arguments_name_themselves(kwargs, name):
    with pytest.raises(ValueError, match=f"Received: {name}="):
        BatchNorm(**kwargs)


def test_mlp_places_the_normalization_after_each_hidden_dense_before_the_activation():
    net = mlp([4, 8, 6, 2], normalization="batch", dropout=0.2, seed=0)
    assert [type(l).__name__ for l in net.layers] == [
        "Dense", "BatchNorm", "ReLU", "Dropout", "Dense", "BatchNorm", "ReLU", "Dropout", "Dense"]
    assert [l.n_features for l in net.layers if isinstance(l, BatchNorm)] == [8, 6]
    assert type(mlp([4, 8, 2], normalization="layer").layers[1]) is LayerNorm
    # without normalization the network is the one it always was, weights included
    plain, again = mlp([4, 8, 2], seed=3), mlp([4, 8, 2], seed=3, normalization=None)
    for a, b in zip(plain.parameters(), again.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)
    with pytest.raises(ValueError, match="Received: normalization='group'"):
        mlp([4, 8, 2], normalization="group")


def test_running_statistics_are_saved_and_loaded(tmp_path):
    rng = np.random.default_rng(11)
    net = mlp([3, 5, 2], normalization="batch", seed=0)
    for _ in range(3):
        net.forward(rng.standard_normal((16, 3)).astype(np.float32), training=True)
    bn = net.layers[1]
    assert not np.all(bn.running_mean == 0)
    back = load(save(net, tmp_path / "m"))
    np.testing.assert_array_equal(back.layers[1].running_mean, bn.running_mean)
    np.testing.assert_array_equal(back.layers[1].running_var, bn.running_var)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_array_equal(back.forward(x), net.forward(x))


def test_a_model_file_without_the_running_statistics_is_refused(tmp_path):
    import json

    from ridgeback.persist.npz import ModelFormatError

    directory = save(mlp([3, 5, 2], normalization="batch", seed=0), tmp_path / "m")
    doc = json.loads((directory / "model.json").read_text())
    del doc["arrays"]["1.running_var"]
    (directory / "model.json").write_text(json.dumps(doc))
    with pytest.raises(ModelFormatError, match="missing \\['1.running_var'\\]"):
        load(directory)


def test_batchnorm_network_trains_on_a_regression():
    from ridgeback import Adam, Trainer

    rng = np.random.default_rng(12)
    X = rng.standard_normal((256, 4)) * [1, 10, 100, 0.1]
    y = (X[:, :1] / 1 + X[:, 1:2] / 10) ** 2
    net = mlp([4, 16, 1], normalization="batch", seed=0, dtype=np.float64)
    Trainer(net, MeanSquaredError(), Adam(1e-2), epochs=60, batch_size=32, seed=0).fit(X, y)
    assert float(np.mean((net.forward(X) - y) ** 2)) < 0.2 * float(np.var(y))


@pytest.mark.parametrize("config, message", [({"n_features": 2**40}, "above the bound"),
                                             ({"n_features": "5"}, "invalid config")])
def test_hostile_normalization_configs_are_refused_before_allocation(tmp_path, config, message):
    import json

    from ridgeback.persist.npz import ModelFormatError

    directory = save(mlp([3, 5, 2], normalization="batch", seed=0), tmp_path / "m")
    doc = json.loads((directory / "model.json").read_text())
    doc["architecture"]["layers"][1]["config"].update(config)
    (directory / "model.json").write_text(json.dumps(doc))
    with pytest.raises(ModelFormatError, match=message):
        load(directory)
