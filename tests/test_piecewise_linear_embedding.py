"""PiecewiseLinearEmbedding: the encoding's values, finite differences, the same computation in
PyTorch (which has no such layer), quantile bins, one group per input column, saving, ONNX and
the estimators' ``numeric_embedding="ple"``."""

import numpy as np
import pytest

from finite_differences import numeric_input_grad
from ridgeback import (
    Adam,
    CrossEntropy,
    Dense,
    GroupL1,
    MeanSquaredError,
    MLPClassifier,
    MLPRegressor,
    PiecewiseLinearEmbedding,
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

#: column 0: 3 bins; column 1: 1 bin (a 0/1 column); column 2: constant (one bin of width 0)
EDGES = [[-1.0, 0.0, 0.5, 2.0], [0.0, 1.0], [3.0, 3.0]]


def ple(d=2, seed=0, edges=EDGES):
    emb = PiecewiseLinearEmbedding(edges, d, dtype=np.float64, seed=seed)
    emb.bias.data[:] = np.random.default_rng(seed + 100).standard_normal(emb.bias.data.shape)
    return emb


def away_from_knots(rng, n):
    """Inputs no finite-difference step can carry across an edge (the derivative jumps there)."""
    x = np.column_stack([rng.choice([-1.7, -0.6, 0.2, 0.9, 2.6], n), rng.choice([-0.4, 0.3, 1.8], n),
                         rng.choice([2.0, 3.5], n)])
    return x + rng.uniform(-0.05, 0.05, x.shape)


def test_the_encoding_reads_full_bins_below_the_position_in_its_own_and_zero_above():
    z, active = ple().encode(np.array([[0.25, 0.5, 3.0], [-3.0, -1.0, 7.0], [5.0, 2.0, 3.0]]))
    np.testing.assert_allclose(z[0], [[1.0, 0.5, 0.0], [0.5, 0, 0], [0, 0, 0]])
    # below the first edge the first bin goes negative; above the last, the last bin exceeds 1
    np.testing.assert_allclose(z[1], [[-2.0, 0.0, 0.0], [-1.0, 0, 0], [0, 0, 0]])
    np.testing.assert_allclose(z[2], [[1.0, 1.0, 3.0], [2.0, 0, 0], [0, 0, 0]])  # (5 - 0.5) / 1.5
    # clipped values and padding bins pass no gradient to x
    assert active[0].tolist() == [[False, True, False], [True, False, False], [True, False, False]]
    assert active[1].tolist() == [[True, False, False], [True, False, False], [True, False, False]]


def test_parameter_gradients_pass_check_gradients():
    rng = np.random.default_rng(0)
    net = Sequential(ple(), Dense(6, 5, dtype=np.float64, seed=1), Tanh(),
                     Dense(5, 2, dtype=np.float64, seed=2))
    X, y = away_from_knots(rng, 9), rng.integers(0, 2, 9)
    assert check_gradients(net, CrossEntropy(), X, y) < 1e-7


def test_input_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    emb = ple(d=3)
    x = away_from_knots(rng, 6)
    g = rng.standard_normal((6, 9))
    emb.forward(x)
    analytic = emb.backward(g)
    numeric = numeric_input_grad(emb, x.copy(), g)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-9)
    assert np.all(analytic[:, 2] == 0)  # the constant column's bin has width 0: no slope


def test_matches_the_same_computation_in_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    emb = ple(d=4, seed=4)
    x = away_from_knots(rng, 7)
    g = rng.standard_normal((7, 12))
    out = emb.forward(x)
    dx = emb.backward(g)
    xt = torch.tensor(x, requires_grad=True)
    w = torch.tensor(emb.weight.data, requires_grad=True)
    b = torch.tensor(emb.bias.data, requires_grad=True)
    columns = []
    for j, e in enumerate(EDGES):  # written from the formula, bin by bin
        e = torch.tensor(e, dtype=torch.float64)
        width = e[1:] - e[:-1]
        raw = torch.where(width > 0, (xt[:, j:j + 1] - e[:-1]) / torch.where(width > 0, width, 1.0), 0.0)
        k = len(width)
        low = torch.tensor([-torch.inf] + [0.0] * (k - 1), dtype=torch.float64)
        high = torch.tensor([1.0] * (k - 1) + [torch.inf], dtype=torch.float64)
        z = torch.minimum(torch.maximum(raw, low), high)
        columns.append(torch.nn.functional.pad(z, (0, emb.n_bins - k)))
    z = torch.stack(columns, dim=1)
    ref = (torch.einsum("nft,ftd->nfd", z, w) + b).reshape(7, 12)
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(emb.weight.grad, w.grad.numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(emb.bias.grad, b.grad.numpy(), rtol=1e-12, atol=1e-13)


def test_bins_at_the_quantiles_of_each_training_column():
    rng = np.random.default_rng(4)
    X = np.column_stack([rng.standard_normal(1000), rng.integers(0, 2, 1000), np.full(1000, 7.0),
                         rng.integers(0, 5, 1000)])
    emb = PiecewiseLinearEmbedding.from_data(X, n_bins=8, d_embedding=3, seed=0)
    np.testing.assert_allclose(emb.edges[0], np.quantile(X[:, 0], np.linspace(0, 1, 9)))
    assert emb.edges[1].tolist() == [0.0, 1.0]  # a 0/1 column: one bin
    assert emb.edges[2].tolist() == [7.0, 7.0]  # constant: one bin of width 0
    assert emb.edges[3].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]  # repeated quantiles merged
    assert emb.weight.shape == (4, 8, 3) and emb.n_out == 12
    z, _ = emb.encode(X.astype(np.float32))
    assert np.all(z[:, 0, :] >= -1e-6) and np.all(z[:, 0, :] <= 1 + 1e-6)  # inside the training range
    # inside the range, each value is recovered from its encoding: b_0 + sum_t z_t (b_t - b_{t-1})
    np.testing.assert_allclose(emb.edges[0][0] + z[:, 0, :] @ np.diff(emb.edges[0]), X[:, 0], atol=1e-5)


def test_output_blocks_are_per_column_and_a_zero_group_removes_the_column():
    rng = np.random.default_rng(5)
    net = Sequential(ple(d=3), Dense(9, 4, dtype=np.float64, seed=1))
    emb = net.layers[0]
    x = away_from_knots(rng, 8)
    before = emb.forward(x)
    moved = x.copy()
    moved[:, 0] += 0.3
    changed = np.any(emb.forward(moved) != before, axis=0).reshape(3, 3)
    assert changed.tolist() == [[True] * 3, [False] * 3, [False] * 3]
    emb.weight.data[0] = 0.0
    np.testing.assert_array_equal(emb.forward(moved), emb.forward(x))
    assert input_weight(net) is emb.weight and net.n_inputs == 3
    assert selected_features(net).indices.tolist() == [1, 2]


def test_training_with_group_l1_on_the_embedding_drops_noise_columns():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((400, 5))
    y = np.where(X[:, :1] > 0.5, 2.0, 0.0) + 0.5 * X[:, 1:2]  # a threshold, as a tree would split
    emb = PiecewiseLinearEmbedding.from_data(X, 8, 3, seed=0)
    emb.weight.regularizer = GroupL1(3e-2)
    net = Sequential(emb, Dense(15, 16, seed=1), ReLU(), Dense(16, 1, seed=2))
    Trainer(net, MeanSquaredError(), Adam(1e-2), epochs=60, batch_size=50, seed=0).fit(X, y)
    assert selected_features(net).indices.tolist() == [0, 1]
    assert float(np.mean((net.forward(X.astype(np.float32)) - y) ** 2)) < 0.1 * float(np.var(y))


def test_saved_and_loaded_with_its_bins(tmp_path):
    net = Sequential(ple(), Dense(6, 1, dtype=np.float64, seed=1))
    back = load(save(net, tmp_path / "m"))
    assert back.layers[0].get_config() == net.layers[0].get_config()
    assert [e.tolist() for e in back.layers[0].edges] == EDGES
    x = away_from_knots(np.random.default_rng(7), 5)
    np.testing.assert_array_equal(back.forward(x), net.forward(x))
    assert PiecewiseLinearEmbedding.declared_arrays(net.layers[0].get_config())["weight"][0] == (3, 3, 2)


@pytest.mark.parametrize(("edges", "match"), [
    ([[0.0, 1.0, 1.0]], r"Received: edges\[0\]=\[0.0, 1.0, 1.0\]"),
    ([[0.0, 1.0], [2.0]], r"Received: edges\[1\]=\[2.0\]"),
    ([[0.0, np.nan]], r"Received: edges\[0\]"),
    ([3.0, [0.0, 1.0]], r"Received: edges\[0\]=3.0"),
    ([], r"Received: edges=\[\]"),
])
def test_bad_edges_are_refused_naming_the_column(edges, match):
    with pytest.raises(ValueError, match=match):
        PiecewiseLinearEmbedding(edges)


def test_shape_and_data_checks():
    emb = ple()
    with pytest.raises(ValueError, match="Received: x with shape"):
        emb.forward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="Received: X with shape"):
        PiecewiseLinearEmbedding.from_data(np.array([[np.inf, 1.0]]))
    with pytest.raises(ValueError, match="n_bins"):
        PiecewiseLinearEmbedding.from_data(np.zeros((3, 2)), n_bins=0)
    assert [p.regularize for p in emb.parameters()] == [True, False]


def test_onnx_export_computes_the_same(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from ridgeback import export_onnx

    rng = np.random.default_rng(8)
    X = rng.standard_normal((200, 3)) * [1.0, 3.0, 0.5]
    net = Sequential(PiecewiseLinearEmbedding.from_data(X, 6, 2, seed=0), Dense(6, 4, seed=1), ReLU(),
                     Dense(4, 1, seed=2))
    x = (rng.standard_normal((50, 3)) * 2).astype(np.float32)  # beyond the bins too
    session = ort.InferenceSession(str(export_onnx(net, tmp_path / "p.onnx")))
    out = session.run(None, {session.get_inputs()[0].name: x})[0]
    np.testing.assert_allclose(out, net.forward(x), atol=2e-5, rtol=1e-5)


def test_estimators_take_numeric_embedding_ple_and_group_columns_by_input():
    rng = np.random.default_rng(9)
    X = rng.standard_normal((300, 6))
    y = np.where(X[:, 0] > 0.3, 2.0, 0.0) - X[:, 1]
    reg = MLPRegressor((16,), numeric_embedding="ple", group_l1=0.05, learning_rate=1e-2, max_epochs=60,
                       early_stopping=False, random_state=0).fit(X, y)
    emb = reg.network_.layers[0]
    assert isinstance(emb, PiecewiseLinearEmbedding) and emb.n_bins == 16
    np.testing.assert_allclose(emb.edges[0], np.quantile(X[:, 0].astype(np.float32), np.linspace(0, 1, 17)),
                               rtol=1e-6)
    kept = selected_features(reg).indices.tolist()
    assert {0, 1} <= set(kept) and len(kept) < 6
    assert reg.score(X, y) > 0.9
    # the untrained network lambda_max starts from has the bins fit takes (float32 values)
    start, _, _ = MLPRegressor((16,), numeric_embedding="ple").initial_network(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(start.layers[0].edges, emb.edges, strict=True))
    clf = MLPClassifier((8,), numeric_embedding="ple", max_epochs=3, random_state=0).fit(X, y > 0)
    assert clf.predict_proba(X).shape == (300, 2)
    # a warm start on other rows keeps the bins the network was trained with
    warm = MLPRegressor((8,), numeric_embedding="ple", max_epochs=2, warm_start=True, random_state=0)
    warm.fit(X, y)
    edges = [e.copy() for e in warm.network_.layers[0].edges]
    warm.fit(X[:100] * 3, y[:100])
    assert all(np.array_equal(a, b) for a, b in zip(edges, warm.network_.layers[0].edges, strict=True))
    with pytest.raises(ValueError, match="Received: numeric_embedding='tree'"):
        MLPRegressor(numeric_embedding="tree").fit(X, y)
