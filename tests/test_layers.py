"""Layers: forward/backward against finite differences and PyTorch, dtypes, caching, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finite_differences import numeric_input_grad
from ridgeback import (
    Dense,
    Dropout,
    LeakyReLU,
    MeanSquaredError,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    check_gradients,
)
from ridgeback.engine.layers import LAYERS

ACTIVATIONS = {
    "relu": ReLU,
    "leaky_relu": lambda: LeakyReLU(0.1),
    "tanh": Tanh,
    "sigmoid": Sigmoid,
}


def rel_err(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-30)


shapes = st.tuples(st.integers(1, 5), st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**16))


@settings(max_examples=10, deadline=None)
@given(shapes, st.sampled_from(sorted(ACTIVATIONS)), st.booleans())
def test_dense_activation_and_dropout_parameter_gradients_match_finite_differences(shape, act, dropout):
    n, d_in, d_out, seed = shape
    rng = np.random.default_rng(seed)
    middle = [Dropout(0.5, seed=seed)] if dropout else []
    net = Sequential(Dense(d_in, 4, dtype=np.float64, seed=seed), ACTIVATIONS[act](), *middle,
                     Dense(4, d_out, dtype=np.float64, seed=seed + 1))
    for p in net.parameters():  # non-zero biases so every bias path is exercised
        p.data[...] = rng.standard_normal(p.data.shape)
    X = rng.standard_normal((n, d_in))
    y = rng.standard_normal((n, d_out))
    # training=True: dropout active, check_gradients reuses the same masks for every evaluation
    assert check_gradients(net, MeanSquaredError(), X, y, training=dropout) < 1e-6


@settings(max_examples=10, deadline=None)
@given(shapes, st.sampled_from(sorted(ACTIVATIONS) + ["dense", "dropout"]))
def test_every_layer_input_gradient_matches_finite_differences(shape, kind):
    n, d_in, d_out, seed = shape
    rng = np.random.default_rng(seed)
    if kind == "dense":
        layer = Dense(d_in, d_out, dtype=np.float64, seed=seed)
        layer.bias.data[...] = rng.standard_normal(d_out)
        width = d_out
    elif kind == "dropout":
        layer, width = Dropout(0.4, seed=seed), d_in
    else:
        layer, width = ACTIVATIONS[kind](), d_in
    x = rng.standard_normal((n, d_in))
    g = rng.standard_normal((n, width))
    training = kind == "dropout"
    num = numeric_input_grad(layer, x, g, training=training)
    layer.forward(x, training=training)
    analytic = layer.backward(g)
    assert rel_err(analytic, num) < 1e-7 or np.abs(analytic - num).max() < 1e-9


@pytest.mark.parametrize("act", sorted(ACTIVATIONS) + ["dense", "dropout"])
def test_layer_forward_and_backward_match_pytorch(act):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((7, 5))
    if act == "dense":
        layer = Dense(5, 4, dtype=np.float64, seed=0)
        layer.bias.data[...] = rng.standard_normal(4)
        W = torch.tensor(layer.weight.data, requires_grad=True)
        b = torch.tensor(layer.bias.data, requires_grad=True)
        ref = lambda t: t @ W + b  # noqa: E731
    elif act == "dropout":
        layer = Dropout(0.3, seed=1)
        out = layer.forward(x, training=True)
        mask = torch.tensor((out != 0).astype(np.float64))
        layer.rng = np.random.default_rng(1)  # redraw the very same mask below
        ref = lambda t: t * mask / 0.7  # noqa: E731
    else:
        layer = ACTIVATIONS[act]()
        ref = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
               "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, 0.1)}[act]
    g = rng.standard_normal((7, 4 if act == "dense" else 5))
    xt = torch.tensor(x, requires_grad=True)
    out_t = ref(xt)
    out_t.backward(torch.tensor(g))
    out = layer.forward(x, training=True)
    grad_in = layer.backward(g)
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(grad_in, xt.grad.numpy(), rtol=1e-8, atol=1e-12)
    if act == "dense":
        np.testing.assert_allclose(layer.weight.grad, W.grad.numpy(), rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(layer.bias.grad, b.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_backward_overwrites_parameter_gradients():
    rng = np.random.default_rng(0)
    layer = Dense(3, 2, dtype=np.float64, seed=0)
    x, g = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    layer.forward(x)
    layer.backward(g)
    first = layer.weight.grad.copy()
    layer.forward(x)
    layer.backward(g)
    np.testing.assert_array_equal(layer.weight.grad, first)
    np.testing.assert_allclose(first, x.T @ g)
    np.testing.assert_allclose(layer.bias.grad, g.sum(axis=0))


def test_dense_caches_input_by_reference_and_releases_it_after_backward():
    layer = Dense(3, 2, seed=0)
    x = np.ones((5, 3), dtype=np.float32)
    layer.forward(x, training=True)
    assert layer._x is x  # no copy of the batch
    layer.backward(np.ones((5, 2), dtype=np.float32))
    assert layer._x is None
    with pytest.raises(RuntimeError):
        layer.backward(np.ones((5, 2), dtype=np.float32))


def test_no_layer_keeps_batch_sized_arrays_after_backward():
    batch = 37  # a size no parameter has
    net = Sequential(Dense(4, 6, seed=0), ReLU(), Dropout(0.5, seed=0), Dense(6, 5, seed=1), Tanh(),
                     LeakyReLU(), Dense(5, 3, seed=2), Sigmoid())
    x = np.random.default_rng(0).standard_normal((batch, 4)).astype(np.float32)
    net.forward(x, training=True)
    net.backward(np.ones((batch, 3), dtype=np.float32))
    for layer in net.layers:
        held = [k for k, v in vars(layer).items() if isinstance(v, np.ndarray) and v.shape[:1] == (batch,)]
        assert held == [], f"{type(layer).__name__} still holds {held}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_layers_keep_the_dtype_they_are_built_with(dtype, kind):
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(dtype)
    sized = {"Dense": lambda: Dense(4, 3, dtype=dtype, seed=0), "Dropout": lambda: Dropout(0.5, seed=0),
             "BatchNorm": lambda: LAYERS[kind](4, dtype=dtype),
             "LayerNorm": lambda: LAYERS[kind](4, dtype=dtype),
             "PeriodicEmbedding": lambda: LAYERS[kind](4, dtype=dtype, seed=0),
             "PiecewiseLinearEmbedding": lambda: LAYERS[kind].from_data(x, 3, dtype=dtype, seed=0)}
    layer = sized[kind]() if kind in sized else LAYERS[kind]()
    out = layer.forward(x, training=True)
    grad = layer.backward(np.ones_like(out))
    assert out.dtype == dtype and grad.dtype == dtype
    for p in layer.parameters():
        assert p.data.dtype == dtype and p.grad.dtype == dtype


def test_dense_initializations_have_the_documented_scale():
    he = Dense(400, 300, init="he", dtype=np.float64, seed=0).weight.data
    assert he.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    glorot = Dense(400, 300, init="glorot", dtype=np.float64, seed=0).weight.data
    limit = np.sqrt(6 / 700)
    assert np.abs(glorot).max() <= limit and np.abs(glorot).max() > 0.99 * limit
    assert np.array_equal(Dense(5, 4, seed=7).weight.data, Dense(5, 4, seed=7).weight.data)
    assert not np.array_equal(Dense(5, 4, seed=7).weight.data, Dense(5, 4, seed=8).weight.data)
    np.testing.assert_array_equal(Dense(5, 4).bias.data, 0)


def test_dropout_drops_at_the_rate_and_rescales_kept_units():
    d = Dropout(0.3, seed=0)
    x = np.ones((200, 500), dtype=np.float32)
    out = d.forward(x, training=True)
    assert set(np.unique(out).tolist()) == {0.0, np.float32(1 / 0.7)}
    assert np.mean(out == 0) == pytest.approx(0.3, abs=0.005)
    grad = d.backward(np.full_like(x, 2.0))
    np.testing.assert_array_equal(grad, 2.0 * out)  # the same mask, the same scale
    np.testing.assert_array_equal(d.forward(x), x)  # inference: identity


def test_inference_scaled_dropout_does_not_rescale_in_training_and_scales_at_inference():
    d = Dropout(0.25, scale="inference", seed=0)
    x = np.ones((100, 100), dtype=np.float32)
    out = d.forward(x, training=True)
    assert set(np.unique(out).tolist()) == {0.0, 1.0}
    np.testing.assert_array_equal(d.backward(np.ones_like(x)), out)
    np.testing.assert_array_equal(d.forward(x), np.float32(0.75) * x)


def test_dropout_rate_zero_is_the_identity_in_training():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    d = Dropout(0.0, seed=0)
    np.testing.assert_array_equal(d.forward(x, training=True), x)
    np.testing.assert_array_equal(d.backward(x), x)


@pytest.mark.parametrize("make, message", [
    (lambda: Dropout(1.5), r"Received: rate=1\.5"),
    (lambda: Dropout(1.0), r"Received: rate=1\.0"),
    (lambda: Dropout(-0.1), r"Received: rate=-0\.1"),
    (lambda: Dropout(0.5, scale="paper"), r"Received: scale='paper'"),
    (lambda: Dense(0, 3), r"Received: n_in=0"),
    (lambda: Dense(3, 0), r"Received: n_out=0"),
    (lambda: Dense(3, 2, init="zeros"), r"Received: init='zeros'"),
    (lambda: Dense(3, 2, dtype=np.int32), r"dtype"),
    (lambda: LeakyReLU(-0.5), r"Received: negative_slope=-0\.5"),
])
def test_bad_layer_arguments_raise_value_error_naming_them(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("layer", [Dense(3, 2, init="glorot", dtype=np.float64), LeakyReLU(0.2),
                                   Dropout(0.4, scale="inference"), Tanh()])
def test_layer_config_round_trips(layer):
    rebuilt = type(layer).from_config(layer.get_config())
    assert rebuilt.get_config() == layer.get_config()


class _ScriptedBits:
    """A stand-in bit generator whose ``random_raw`` returns prepared 64-bit words in turn."""

    def __init__(self, *words):
        self.words = [np.asarray(w, dtype=np.uint64) for w in words]
        self.sizes = []

    def random_raw(self, size):
        self.sizes.append(size)
        return self.words.pop(0)[:size]


def _words_of_uint16(values):
    return np.asarray(values, dtype=np.uint16).view(np.uint64)


def test_dropout_mask_compares_the_top_16_bits_and_draws_the_low_16_bits_only_for_ties():
    # rate = T / 2**32 with T = 0x1234_8000: a unit is kept iff (top << 16 | low) >= T
    rate = 0x12348000 / 2.0**32
    d = Dropout(rate, seed=0)
    top = [0x1233, 0x1235, 0x1234, 0x1234, 0x0000, 0xFFFF, 0x1234, 0x1234]
    low = [0x7FFF, 0x8000, 0xFFFF, 0x0000]  # drawn for the four ties, in order
    d.rng = type("Rng", (), {"bit_generator": _ScriptedBits(_words_of_uint16(top), low)})()
    keep = d._keep((2, 4))
    expected = [(t << 16 | (low.pop(0) if t == 0x1234 else 0)) >= 0x12348000 for t in top]
    # the first unit: 0x1233.... < T, dropped; 0x1235.... kept; ties decided by their low bits
    np.testing.assert_array_equal(keep.ravel(), expected)
    np.testing.assert_array_equal(keep.ravel(), [False, True, False, True, False, True, True, False])
    assert d.rng.bit_generator.sizes == [2, 4]  # 8 units x 16 bits = two words, then one per tie


def test_dropout_mask_without_ties_draws_16_bits_per_unit_only():
    d = Dropout(0.5, seed=0)  # T = 2**31: the top 16 bits decide (0x8000 and above are kept)
    top = [0x7FFF, 0x8000, 0x0000, 0xFFFF]
    d.rng = type("Rng", (), {"bit_generator": _ScriptedBits(_words_of_uint16(top))})()
    np.testing.assert_array_equal(d._keep((4,)), [False, True, False, True])
    assert d.rng.bit_generator.sizes == [1]


@pytest.mark.parametrize("rate", [0.1, 0.2, 0.5, 1 / 3, 0.9])
def test_dropout_drop_fraction_matches_the_rate(rate):
    d = Dropout(rate, seed=3)
    n = 1 << 21
    dropped = np.count_nonzero(~d._keep((n,))) / n
    assert abs(dropped - rate) < 5 * np.sqrt(rate * (1 - rate) / n)


def test_dropout_follows_rate_scale_and_dtype_changed_after_use():
    # the threshold and factor are cached per (rate, scale, dtype): a change must reach the mask
    d = Dropout(0.5, seed=0)
    x = np.ones((256, 256), dtype=np.float32)
    assert set(np.unique(d.forward(x, training=True)).tolist()) == {0.0, 2.0}
    d.rate = 0.75
    out = d.forward(x, training=True)
    assert set(np.unique(out).tolist()) == {0.0, 4.0}
    assert abs(np.count_nonzero(out == 0) / out.size - 0.75) < 0.01
    d.scale = "inference"
    assert set(np.unique(d.forward(x, training=True)).tolist()) == {0.0, 1.0}
    out64 = d.forward(x.astype(np.float64), training=True)
    assert out64.dtype == np.float64 and d._mask.dtype == np.float64
