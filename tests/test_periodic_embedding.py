"""PeriodicEmbedding: finite differences, PyTorch parity, one group per input column, saving."""

import numpy as np
import pytest

from finite_differences import numeric_input_grad
from ridgeback import (
    Adam,
    CrossEntropy,
    Dense,
    GroupL1,
    MeanSquaredError,
    ReLU,
    Sequential,
    Tanh,
    Trainer,
    check_gradients,
    load,
    save,
    selected_features,
)
from ridgeback.engine.inspection import input_weight
from ridgeback.engine.periodic_embedding import PeriodicEmbedding


def embedded(n_features=3, k=4, d=2, include_input=True, seed=0, sigma=0.5):
    emb = PeriodicEmbedding(n_features, k, sigma, d, include_input=include_input, dtype=np.float64, seed=seed)
    emb.bias.data[:] = np.random.default_rng(seed + 100).standard_normal(emb.bias.data.shape)
    return Sequential(emb, Dense(n_features * d, 5, dtype=np.float64, seed=seed + 1), Tanh(),
                      Dense(5, 2, dtype=np.float64, seed=seed + 2))


@pytest.mark.parametrize("include_input", [True, False])
def test_parameter_gradients_pass_check_gradients(include_input):
    rng = np.random.default_rng(0)
    net = embedded(include_input=include_input)
    X, y = rng.standard_normal((7, 3)), rng.integers(0, 2, 7)
    assert check_gradients(net, CrossEntropy(), X, y) < 1e-7


@pytest.mark.parametrize("include_input", [True, False])
def test_input_gradient_matches_finite_differences(include_input):
    rng = np.random.default_rng(1)
    emb = PeriodicEmbedding(4, 3, 0.7, 2, include_input=include_input, dtype=np.float64, seed=2)
    x = rng.standard_normal((5, 4))
    g = rng.standard_normal((5, 8))
    emb.forward(x)
    analytic = emb.backward(g)
    numeric = numeric_input_grad(emb, x.copy(), g)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-9)


def test_matches_the_same_computation_in_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    emb = PeriodicEmbedding(3, 5, 1.0, 4, dtype=np.float64, seed=4)
    emb.bias.data[:] = rng.standard_normal(emb.bias.data.shape)
    x = rng.standard_normal((6, 3))
    g = rng.standard_normal((6, 12))
    out = emb.forward(x)
    dx = emb.backward(g)
    xt = torch.tensor(x, requires_grad=True)
    f = torch.tensor(emb.frequencies.data, requires_grad=True)
    w = torch.tensor(emb.weight.data, requires_grad=True)
    b = torch.tensor(emb.bias.data, requires_grad=True)
    angles = 2 * torch.pi * xt[:, :, None] * f[None]
    z = torch.cat([torch.cos(angles), torch.sin(angles), xt[:, :, None]], dim=2)
    ref = (torch.einsum("nfm,fmd->nfd", z, w) + b).reshape(6, 12)
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(emb.frequencies.grad, f.grad.numpy(), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(emb.weight.grad, w.grad.numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(emb.bias.grad, b.grad.numpy(), rtol=1e-12, atol=1e-13)


def test_output_blocks_are_per_column_and_a_zero_group_removes_the_column():
    rng = np.random.default_rng(5)
    net = embedded(n_features=4, d=3)
    emb = net.layers[0]
    x = rng.standard_normal((8, 4))
    before = emb.forward(x)
    moved = x.copy()
    moved[:, 2] += 1.0
    changed = np.any(emb.forward(moved) != before, axis=0).reshape(4, 3)
    assert changed.tolist() == [[False] * 3, [False] * 3, [True] * 3, [False] * 3]
    emb.weight.data[2] = 0.0
    np.testing.assert_array_equal(emb.forward(moved), emb.forward(x))
    assert input_weight(net) is emb.weight
    assert selected_features(net).indices.tolist() == [0, 1, 3]


def test_group_l1_on_the_embedding_weight_has_one_group_per_input_column():
    emb = PeriodicEmbedding(3, 2, 1.0, 2, seed=0, dtype=np.float64)
    reg = GroupL1(0.5)
    expected = 0.5 * sum(np.linalg.norm(emb.weight.data[j]) for j in range(3))
    assert reg.penalty(emb.weight.data) == pytest.approx(expected, rel=1e-12)
    w = emb.weight.data.copy()
    norms = [np.linalg.norm(w[j]) for j in range(3)]
    step = (sorted(norms)[0] + sorted(norms)[1]) / 2 / 0.5  # removes exactly the weakest column
    reg.prox(w, step)
    zero = [bool(np.all(w[j] == 0)) for j in range(3)]
    assert zero == [n == min(norms) for n in norms]


def test_training_with_group_l1_on_the_embedding_drops_noise_columns():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((400, 5))
    y = np.sin(2 * X[:, :1]) + 0.5 * X[:, 1:2]
    emb = PeriodicEmbedding(5, 8, 0.3, 3, seed=0)
    emb.weight.regularizer = GroupL1(3e-2)
    net = Sequential(emb, Dense(15, 16, seed=1), ReLU(), Dense(16, 1, seed=2))
    Trainer(net, MeanSquaredError(), Adam(1e-2), epochs=60, batch_size=50, seed=0).fit(X, y)
    assert selected_features(net).indices.tolist() == [0, 1]
    assert float(np.mean((net.forward(X.astype(np.float32)) - y) ** 2)) < 0.1 * float(np.var(y))


def test_saved_and_loaded_with_every_array(tmp_path):
    net = embedded(include_input=False)
    back = load(save(net, tmp_path / "m"))
    assert back.layers[0].get_config() == net.layers[0].get_config()
    assert back.n_inputs == 3
    x = np.random.default_rng(7).standard_normal((4, 3))
    np.testing.assert_array_equal(back.forward(x), net.forward(x))


def test_shapes_config_and_argument_checks():
    emb = PeriodicEmbedding(3, n_frequencies=4, d_embedding=2, seed=0)
    assert emb.frequencies.shape == (3, 4) and emb.weight.shape == (3, 9, 2) and emb.bias.shape == (3, 2)
    assert [p.regularize for p in emb.parameters()] == [False, True, False]
    assert (emb.n_in, emb.n_out) == (3, 6)
    assert PeriodicEmbedding.from_config(emb.get_config()).get_config() == emb.get_config()
    assert PeriodicEmbedding.declared_arrays(emb.get_config())["weight"][0] == (3, 9, 2)
    with pytest.raises(ValueError, match="Received: sigma=0"):
        PeriodicEmbedding(3, sigma=0)
    with pytest.raises(ValueError, match="Received: x with shape"):
        emb.forward(np.zeros((2, 4), dtype=np.float32))
    same = PeriodicEmbedding(3, n_frequencies=4, d_embedding=2, seed=0)
    np.testing.assert_array_equal(same.frequencies.data, emb.frequencies.data)


def test_a_saved_embedding_keeps_its_group_lasso(tmp_path):
    """group_l1 with a periodic embedding puts a GroupL1 on the embedding's weight: a loaded
    model keeps it (so a warm start goes on removing the same columns)."""
    from ridgeback import MLPRegressor, load, save
    from ridgeback.engine.periodic_embedding import PeriodicEmbedding

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    y = X[:, 0] + 0.1 * rng.standard_normal(60)
    reg = MLPRegressor((8,), numeric_embedding="periodic", group_l1=0.05, max_epochs=3,
                       random_state=0).fit(X, y)
    embedding = [layer for layer in reg.network_.layers if isinstance(layer, PeriodicEmbedding)][0]
    assert embedding.weight.regularizer is not None
    back = load(save(reg, tmp_path / "m"))
    loaded = [layer for layer in back.network_.layers if isinstance(layer, PeriodicEmbedding)][0]
    assert loaded.weight.regularizer == embedding.weight.regularizer
    w = embedding.weight.data
    assert loaded.weight.regularizer.penalty(w) == embedding.weight.regularizer.penalty(w) > 0
    np.testing.assert_array_equal(back.predict(X), reg.predict(X))
