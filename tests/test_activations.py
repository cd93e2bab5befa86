"""GELU, SiLU, Mish, SELU and the error function: values, finite differences, PyTorch parity."""

import math

import numpy as np
import pytest

from finite_differences import numeric_input_grad
from ridgeback import CrossEntropy, Dense, Sequential, check_gradients, load, mlp, save
from ridgeback.engine.activations import GELU, SELU, Mish, SiLU, erf, erfc
from ridgeback.engine.layers import LAYERS
from ridgeback.engine.network import ACTIVATIONS

NEW = {"gelu": GELU, "silu": SiLU, "mish": Mish, "selu": SELU}


def test_erf_matches_math_erf_to_one_ulp_over_the_real_line():
    x = np.concatenate([np.linspace(-30, 30, 120_001), np.geomspace(1e-300, 1, 2000),
                        -np.geomspace(1e-300, 1, 2000), [0.0, 0.46875, np.nextafter(0.46875, 1), 4.0,
                                                         np.nextafter(4.0, 5)]])
    ref = np.array([math.erf(v) for v in x])
    assert np.max(np.abs(erf(x) - ref)) <= 2.3e-16
    rel = np.abs(erf(x) - ref) / np.maximum(np.abs(ref), 1e-300)
    assert rel.max() < 1e-15


def test_erfc_keeps_relative_accuracy_in_the_tail():
    x = np.linspace(-10, 26, 50_001)
    ref = np.array([math.erfc(v) for v in x])
    rel = np.abs(erfc(x) - ref) / ref
    assert rel.max() < 2e-15


def test_erf_handles_infinities_nan_and_keeps_float32():
    np.testing.assert_array_equal(erf(np.array([np.inf, -np.inf])), [1.0, -1.0])
    np.testing.assert_array_equal(erfc(np.array([np.inf, -np.inf, 1e308])), [0.0, 2.0, 0.0])
    assert np.isnan(erf(np.array([np.nan]))[0]) and np.isnan(erfc(np.array([np.nan]))[0])
    assert erf(np.ones(3, dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize("name", sorted(NEW))
def test_backward_matches_finite_differences_of_the_input(name):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(40) * 3, [-8.0, -0.3, 0.3, 8.0]]).reshape(4, 11)
    g = rng.standard_normal(x.shape)
    layer = NEW[name]()
    layer.forward(x)
    analytic = layer.backward(g)
    numeric = numeric_input_grad(NEW[name](), x.copy(), g)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(NEW))
def test_check_gradients_through_a_network(name):
    rng = np.random.default_rng(1)
    net = mlp([4, 6, 5, 3], activation=name, seed=0, dtype=np.float64)
    X, y = rng.standard_normal((7, 4)), rng.integers(0, 3, 7)
    assert check_gradients(net, CrossEntropy(), X, y) < 1e-7


@pytest.mark.parametrize("name", sorted(NEW))
def test_forward_and_backward_match_pytorch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.standard_normal(200) * 4, np.linspace(-12, 12, 49)])
    g = rng.standard_normal(x.shape)
    layer = NEW[name]()
    out = layer.forward(x)
    grad = layer.backward(g)
    ref_fn = {"gelu": torch.nn.GELU(), "silu": torch.nn.SiLU(), "mish": torch.nn.Mish(),
              "selu": torch.nn.SELU()}[name]
    xt = torch.tensor(x, requires_grad=True)
    ref = ref_fn(xt)
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(grad, xt.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", sorted(NEW))
def test_float32_stays_float32_and_agrees_with_float64(name):
    x = np.linspace(-6, 6, 101)
    out64 = NEW[name]().forward(x)
    layer = NEW[name]()
    out32 = layer.forward(x.astype(np.float32))
    grad32 = layer.backward(np.ones(101, dtype=np.float32))
    assert out32.dtype == np.float32 and grad32.dtype == np.float32
    np.testing.assert_allclose(out32, out64, rtol=1e-5, atol=1e-6)


def test_mish_and_silu_do_not_overflow_for_large_inputs():
    x = np.array([-1e4, -800.0, 800.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        for cls in (Mish, SiLU, SELU):
            layer = cls()
            out = layer.forward(x)
            grad = layer.backward(np.ones_like(x))
            assert np.all(np.isfinite(out)) and np.all(np.isfinite(grad))


@pytest.mark.parametrize("name", sorted(NEW))
def test_registered_by_name_and_saved_models_round_trip(name, tmp_path):
    assert ACTIVATIONS[name] is NEW[name] and LAYERS[NEW[name].__name__] is NEW[name]
    net = mlp([3, 4, 2], activation=name, seed=0)
    assert type(net.layers[1]) is NEW[name]
    back = load(save(net, tmp_path / "m"))
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_array_equal(back.forward(x), net.forward(x))


def test_default_init_follows_the_activation():
    assert mlp([3, 4, 2], activation="gelu").layers[0].init == "he"
    assert mlp([3, 4, 2], activation="selu").layers[0].init == "glorot"


def test_selu_keeps_unit_variance_through_a_layer():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20_000, 256))
    w = rng.standard_normal((256, 256)) / np.sqrt(256)
    out = SELU().forward(x @ w)
    assert abs(out.mean()) < 0.02 and abs(out.var() - 1) < 0.03


def test_sequential_of_the_new_layers_passes_gradcheck_with_dense_between():
    rng = np.random.default_rng(3)
    dense = [Dense(4 if i else 3, 2 if i == 4 else 4, dtype=np.float64, seed=i) for i in range(5)]
    net = Sequential(dense[0], GELU(), dense[1], Mish(), dense[2], SELU(), dense[3], SiLU(), dense[4])
    assert check_gradients(net, CrossEntropy(), rng.standard_normal((6, 3)), rng.integers(0, 2, 6)) < 1e-7
