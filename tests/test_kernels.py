"""The optional compiled Adam update (``ridgeback.engine.fastpaths``): bit-identical to the NumPy one,
and a NumPy fallback whenever numba is missing, disabled or fails."""

import os
import subprocess
import sys

import numpy as np
import pytest

from ridgeback import L1, L2, Adam, AdamW, CrossEntropy, ElasticNet, Parameter, Trainer, mlp
from ridgeback.engine import fastpaths as _kernels
from ridgeback.engine.fastpaths import CHUNK
from ridgeback.engine.penalty_gradient import PenaltyGradient as penalty_gradient


@pytest.fixture
def kernel(monkeypatch):
    monkeypatch.setattr(_kernels, "ENABLED", True)
    if _kernels.adam_kernel() is None:
        pytest.skip("numba is not installed")
    return _kernels.adam_kernel()


def _run(make, dtype, steps, enabled, monkeypatch, grad_scale=1.0):
    """``steps`` updates of a parameter spanning three chunks; weights, moments and step sizes."""
    monkeypatch.setattr(_kernels, "ENABLED", enabled)
    rng = np.random.default_rng(11)
    n = 2 * CHUNK + 777
    theta = Parameter(rng.standard_normal(n).astype(dtype))
    opt = make()
    for _ in range(steps):
        # gradients over twelve orders of magnitude, some exact zeros
        g = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 4, n) * grad_scale
        g[::97] = 0.0
        theta.grad[...] = g
        with np.errstate(all="ignore"):
            opt.step([theta])
    st = opt.state[id(theta)]
    with np.errstate(all="ignore"):
        return theta.data, st["exp_avg"], st["exp_avg_sq"], opt.step_size(theta)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make", [
    lambda: Adam(lr=0.01),
    lambda: Adam(lr=0.003, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),  # coupled decay
    lambda: AdamW(lr=0.01, weight_decay=0.05),  # decoupled decay
    lambda: Adam(lr=0.01, eps=0.0),
], ids=["adam", "adam-coupled-decay", "adamw", "eps-0"])
def test_compiled_update_is_bit_identical_to_numpy(kernel, make, dtype, monkeypatch):
    numpy_result = _run(make, dtype, 6, False, monkeypatch)
    compiled = _run(make, dtype, 6, True, monkeypatch)
    for a, b in zip(numpy_result, compiled, strict=True):
        assert a.dtype == b.dtype == dtype
        assert a.tobytes() == b.tobytes()


def test_compiled_update_propagates_infinities_and_nans_like_numpy(kernel, monkeypatch):
    # eps=0 with zero moments divides 0 by 0; huge gradients overflow float32 squares
    def make():
        return Adam(lr=0.01, eps=0.0)

    numpy_result = _run(make, np.float32, 3, False, monkeypatch, grad_scale=1e30)
    compiled = _run(make, np.float32, 3, True, monkeypatch, grad_scale=1e30)
    assert not np.isfinite(numpy_result[0]).all()  # the case really has NaN/inf
    for a, b in zip(numpy_result, compiled, strict=True):
        np.testing.assert_array_equal(a, b)  # NaN where NaN, the same infinities and values


def test_compiled_training_is_bit_identical_to_numpy(kernel, digits, monkeypatch):
    X, _, y, _ = digits

    def fit():
        net = mlp([64, 32, 10], dropout=0.2, seed=0)
        t = Trainer(net, CrossEntropy(), Adam(3e-3), regularizer=L2(1e-4), batch_size=64, epochs=3, seed=0)
        t.fit(X, y)
        return np.concatenate([p.data.ravel() for p in net.parameters()]), t.history.train_loss

    monkeypatch.setattr(_kernels, "ENABLED", False)
    w_numpy, loss_numpy = fit()
    monkeypatch.setattr(_kernels, "ENABLED", True)
    w_compiled, loss_compiled = fit()
    assert w_numpy.tobytes() == w_compiled.tobytes()
    assert loss_numpy == loss_compiled


def test_other_float_types_use_numpy(kernel):
    p = Parameter(np.ones(5, dtype=np.float16))
    p.grad[...] = 1.0
    Adam(lr=0.25).step([p])
    np.testing.assert_allclose(p.data, np.float16(0.75))  # the first Adam step is lr * sign(g)


def test_backend_names_numba_or_none(kernel, monkeypatch):
    import numba

    assert _kernels.backend() == f"numba {numba.__version__}"
    monkeypatch.setattr(_kernels, "ENABLED", False)
    assert _kernels.backend() is None


def test_without_numba_adam_runs_on_numpy(monkeypatch):
    monkeypatch.setattr(_kernels, "_compiled", None)
    monkeypatch.setitem(sys.modules, "numba", None)  # makes `import numba` raise ImportError
    monkeypatch.setattr(_kernels, "ENABLED", True)
    assert _kernels.adam_kernel() is None and _kernels.backend() is None
    p = Parameter(np.array([1.0, -2.0], dtype=np.float32))
    p.grad[...] = [0.5, -0.5]
    Adam(lr=0.1).step([p])
    np.testing.assert_allclose(p.data, [0.9, -1.9], rtol=1e-6)


def test_a_failing_compilation_warns_once_and_falls_back(monkeypatch):
    pytest.importorskip("numba")

    def broken(numba):
        raise RuntimeError("no target machine")

    monkeypatch.setattr(_kernels, "_compiled", None)
    monkeypatch.setattr(_kernels, "_compile", broken)
    monkeypatch.setattr(_kernels, "ENABLED", True)
    with pytest.warns(RuntimeWarning, match=r"could not compile Adam's update.*no target machine"):
        assert _kernels.adam_kernel() is None
    assert _kernels.adam_kernel() is None  # remembered: no second attempt, no second warning


def test_environment_variable_disables_the_compiled_update():
    env = dict(os.environ, RIDGEBACK_NUMBA="0")
    code = "from ridgeback.engine.fastpaths import backend; print(backend())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "None"


def _fit_weights(X, y, regularizer, layer_regularizers=(), optimizer=None, regularize_bias=False):
    net = mlp([64, 32, 16, 10], dropout=0.1, seed=1)
    for dense, reg in zip(net.dense_layers, layer_regularizers, strict=False):
        dense.weight.regularizer = reg
        if regularize_bias:
            dense.bias.regularizer = reg
    t = Trainer(net, CrossEntropy(), optimizer or Adam(3e-3), regularizer=regularizer, batch_size=100,
                epochs=2, seed=0)
    t.fit(X, y)
    return np.concatenate([p.data.ravel() for p in net.parameters()])


@pytest.mark.parametrize("setting", [
    dict(regularizer=None, layer_regularizers=[L2(1e-3), L2(0.0), L2(3e-2)], regularize_bias=True),
    dict(regularizer=L2(1e-4), layer_regularizers=[None, L2(5e-3)]),
    dict(regularizer=L1(1e-4, proximal=False) + L2(1e-4)),  # not plain L2: NumPy adds the gradient
    dict(regularizer=ElasticNet(1e-4, 1e-3)),  # proximal: the step sizes come from the moments
    dict(regularizer=None, layer_regularizers=[L1(1e-3), L2(1e-3)]),  # a proximal L1 beside a fused L2
    dict(regularizer=L2(1e-4), optimizer=Adam(3e-3, weight_decay=1e-3)),  # decay and L2 together
    dict(regularizer=L2(1e-4), optimizer=AdamW(3e-3)),
], ids=["per-layer-l2", "l2-and-layer-l2", "sum", "elastic-net", "l1-beside-l2", "adam-decay-and-l2",
        "adamw-and-l2"])
def test_compiled_training_with_penalties_is_bit_identical_to_numpy(kernel, digits, monkeypatch, setting):
    X, _, y, _ = digits
    results = []
    for enabled in (False, True):
        monkeypatch.setattr(_kernels, "ENABLED", enabled)
        optimizer = setting.get("optimizer")
        fresh = None if optimizer is None else type(optimizer)(**optimizer.get_config())
        results.append(_fit_weights(X, y, setting["regularizer"], setting.get("layer_regularizers", ()),
                                    fresh, setting.get("regularize_bias", False)))
    assert results[0].tobytes() == results[1].tobytes()


def test_penalty_gradient_lists_plain_l2_stretches_only():
    data = np.zeros(100, dtype=np.float32)
    grad = np.zeros_like(data)
    pg = penalty_gradient([(L2(0.5), 60, 80), (L2(0.0), 0, 10), (L2(1e-3), 10, 40)], data, grad)
    assert pg.l2 == ((10, 40, 2e-3), (60, 80, 1.0))  # sorted, 2 * strength, strength 0 left out
    assert penalty_gradient([(L2(0.5), 0, 10), (ElasticNet(0.1, 0.1, proximal=False), 10, 20)],
                            data, grad).l2 is None
    assert penalty_gradient([(L2(0.5), 0, 10), (L2(0.1), 5, 20)], data, grad).l2 is None  # overlap


def test_fused_l2_leaves_the_gradient_alone_and_matches_adding_it(kernel):
    rng = np.random.default_rng(2)
    n = CHUNK + 500
    theta0 = rng.standard_normal(n).astype(np.float32)
    g0 = rng.standard_normal(n).astype(np.float32)
    fused, added = Parameter(theta0.copy()), Parameter(theta0.copy())
    opt_fused, opt_added = Adam(0.01), Adam(0.01)
    bounds = [(L2(0.05), 100, 40_000), (L2(0.2), 50_000, n - 7)]
    for _ in range(3):
        fused.grad[...] = g0
        opt_fused.step([fused], penalty_gradient(bounds, fused.data, fused.grad))
        np.testing.assert_array_equal(fused.grad, g0)  # the L2 term went into the loop, not into grad
        added.grad[...] = g0
        for reg, lo, hi in bounds:
            reg.add_gradient(added.data[lo:hi], added.grad[lo:hi])
        opt_added.step([added])
    assert fused.data.tobytes() == added.data.tobytes()
    assert not np.array_equal(fused.data, theta0)
