"""Optimizers: 25 steps against torch.optim, Loshchilov & Hutter, float32 state, bad arguments."""

import numpy as np
import pytest

from ridgeback import L2, SGD, Adam, AdamW, Dense, MeanSquaredError, Parameter, RMSprop, Sequential, Trainer
from ridgeback.engine.fastpaths import CHUNK
from ridgeback.engine.optimizers import get

CASES = {
    "sgd": (SGD, "SGD", dict(lr=0.05)),
    "sgd_momentum": (SGD, "SGD", dict(lr=0.05, momentum=0.9)),
    "sgd_nesterov": (SGD, "SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    "sgd_dampening": (SGD, "SGD", dict(lr=0.05, momentum=0.8, dampening=0.3)),
    "sgd_weight_decay": (SGD, "SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.1)),
    "adam": (Adam, "Adam", dict(lr=0.01)),
    "adam_weight_decay": (Adam, "Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    "adamw": (AdamW, "AdamW", dict(lr=0.01, weight_decay=0.1)),
    "rmsprop": (RMSprop, "RMSprop", dict(lr=0.01)),
    "rmsprop_momentum": (RMSprop, "RMSprop", dict(lr=0.01, momentum=0.9)),
    "rmsprop_centered": (RMSprop, "RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    "rmsprop_weight_decay": (RMSprop, "RMSprop", dict(lr=0.01, alpha=0.9, weight_decay=0.1)),
}



@pytest.fixture(params=["numpy", "numba"])
def adam_backend(request, monkeypatch):
    """Runs a test with Adam's NumPy update and again with its compiled one (``_kernels``);
    the compiled run is skipped where numba is not installed."""
    from ridgeback.engine import fastpaths as _kernels

    monkeypatch.setattr(_kernels, "ENABLED", request.param == "numba")
    if request.param == "numba" and _kernels.adam_kernel() is None:
        pytest.skip("numba is not installed")
    return request.param

def quadratic_grads(A, B, targets, thetas):
    """Gradients of sum_i 0.5 (theta_i - t_i)^T A_i (theta_i - t_i) + cross terms B: a coupled quadratic."""
    w, b = thetas
    gw = A @ (w - targets[0]) + B * np.sum(b)
    gb = 3.0 * (b - targets[1]) ** 3 + np.sum(B * w)  # non-linear in b: the gradients vary in scale
    return gw, gb


@pytest.mark.parametrize("case", sorted(CASES))
def test_25_steps_match_torch_optim(case, adam_backend):
    torch = pytest.importorskip("torch")
    cls, torch_name, kwargs = CASES[case]
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 4))
    A = A @ A.T + np.eye(4)
    B = rng.standard_normal((4, 3)) * 0.1
    targets = (rng.standard_normal((4, 3)), rng.standard_normal(3))
    w0, b0 = rng.standard_normal((4, 3)), rng.standard_normal(3)

    params = [Parameter(w0.copy(), "weight"), Parameter(b0.copy(), "bias", regularize=False)]
    opt = cls(**kwargs)
    tparams = [torch.tensor(w0.copy(), requires_grad=True), torch.tensor(b0.copy(), requires_grad=True)]
    topt = getattr(torch.optim, torch_name)(tparams, **kwargs)
    for _ in range(25):
        for p, g in zip(params, quadratic_grads(A, B, targets, [p.data for p in params]), strict=True):
            p.grad[...] = g
        opt.step(params)
        tgrads = quadratic_grads(A, B, targets, [t.detach().numpy() for t in tparams])
        for t, g in zip(tparams, tgrads, strict=True):
            t.grad = torch.tensor(g)
        topt.step()
    for p, t in zip(params, tparams, strict=True):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-7, atol=1e-10)
    assert not np.allclose(params[0].data, w0)  # it moved


def test_defaults_are_torchs():
    torch = pytest.importorskip("torch")
    t = torch.optim.Adam([torch.zeros(1)]).defaults
    assert Adam().lr == t["lr"] and tuple(Adam().betas) == tuple(t["betas"]) and Adam().eps == t["eps"]
    assert AdamW().weight_decay == torch.optim.AdamW([torch.zeros(1)]).defaults["weight_decay"]
    r = torch.optim.RMSprop([torch.zeros(1)]).defaults
    assert (RMSprop().lr, RMSprop().alpha, RMSprop().eps) == (r["lr"], r["alpha"], r["eps"])


def _small_regression(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, 5))
    y = X @ rng.standard_normal((5, 2)) + 0.1 * rng.standard_normal((40, 2))
    return X, y


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_weight_decay_equals_l2_of_half_the_decay(momentum):
    """Loshchilov & Hutter (2019), Prop. 1: SGD(weight_decay=wd) takes the steps of SGD on loss + L2(wd/2)."""
    X, y = _small_regression()
    wd = 0.2
    weights = []
    for decayed in (True, False):
        reg = None if decayed else L2(wd / 2)
        net = Sequential(Dense(5, 2, dtype=np.float64, seed=0, regularizer=reg, regularize_bias=True))
        opt = SGD(0.05, momentum=momentum, weight_decay=wd if decayed else 0.0)
        snapshots = []

        class Snap:
            def on_batch_end(self, trainer, epoch, position, net=net, snapshots=snapshots):
                snapshots.append(np.concatenate([p.data.ravel() for p in net.parameters()]))

        Trainer(net, MeanSquaredError(), opt, batch_size=8, epochs=3, seed=0, callbacks=[Snap()]).fit(X, y)
        weights.append(np.array(snapshots))
    assert weights[0].shape == (15, 12)
    np.testing.assert_allclose(weights[0], weights[1], rtol=1e-13, atol=1e-15)
    assert not np.allclose(weights[0][-1], weights[0][0])


@pytest.mark.parametrize("strength", [1e-6, 1e-4, 1e-2, 1.0, 100.0])
def test_adam_with_l2_is_not_adamw_for_any_strength(strength):
    """With no data gradient, Adam's step on an L2 gradient 2*lambda*w is lr*sign(w) whatever lambda is
    (Adam is scale invariant), while AdamW shrinks each weight in proportion to its size. Two weights of
    different size therefore move by the same amount under Adam + L2 and by different amounts under
    AdamW: no L2 strength reproduces decoupled decay."""
    w0 = np.array([1.0, 10.0])
    p = Parameter(w0.copy())
    p.grad[...] = L2(strength).gradient(p.data)
    Adam(lr=0.01, eps=0.0).step([p])  # eps=0: the scale invariance is then exact
    adam_move = w0 - p.data
    q = Parameter(w0.copy())
    AdamW(lr=0.01, weight_decay=0.5).step([q])  # zero data gradient
    adamw_move = w0 - q.data
    np.testing.assert_allclose(adam_move, [0.01, 0.01], rtol=1e-5)
    np.testing.assert_allclose(adamw_move, 0.01 * 0.5 * w0, rtol=1e-12)
    assert adamw_move[1] / adamw_move[0] == pytest.approx(10.0)
    assert adam_move[1] / adam_move[0] == pytest.approx(1.0, abs=1e-4)


def test_adam_plus_l2_and_adamw_train_to_different_weights():
    X, y = _small_regression(1)
    finals = []
    for opt, reg in ((AdamW(0.05, weight_decay=0.2), None), (Adam(0.05), L2(0.1))):
        net = Sequential(Dense(5, 2, dtype=np.float64, seed=0))
        Trainer(net, MeanSquaredError(), opt, regularizer=reg, batch_size=8, epochs=5, seed=0).fit(X, y)
        finals.append(net.layers[0].weight.data.copy())
    assert np.abs(finals[0] - finals[1]).max() > 1e-3


@pytest.mark.parametrize("case", sorted(CASES))
def test_optimizer_state_stays_float32(case):
    cls, _, kwargs = CASES[case]
    p = Parameter(np.ones((3, 2), dtype=np.float32))
    p.grad[...] = 0.5
    opt = cls(**kwargs)
    opt.step([p])
    opt.step([p])
    assert p.data.dtype == np.float32
    for name, value in opt.state[id(p)].items():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32, name


@pytest.mark.parametrize("case", ["sgd_momentum", "adam", "rmsprop_centered"])
def test_state_arrays_round_trip_resumes_identically(case, adam_backend):
    cls, _, kwargs = CASES[case]
    rng = np.random.default_rng(0)
    grads = rng.standard_normal((6, 4))
    a, b = Parameter(np.zeros(4)), Parameter(np.zeros(4))
    opt_a = cls(**kwargs)
    for g in grads[:3]:
        a.grad[...] = g
        opt_a.step([a])
    b.data[...] = a.data
    opt_b = cls(**kwargs)
    opt_b.load_state_arrays([b], opt_a.state_arrays([a]))
    for g in grads[3:]:
        a.grad[...] = b.grad[...] = g
        opt_a.step([a])
        opt_b.step([b])
    np.testing.assert_array_equal(a.data, b.data)


def _adam_whole_vector(theta, grads, lr, betas, eps, weight_decay, decoupled):
    """Adam written as whole-array float32 operations in the optimizer's order (the reference)."""
    f = np.float32
    b1, b2 = betas
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        if weight_decay and decoupled:
            theta *= f(1 - lr * weight_decay)
        elif weight_decay:
            g = g + theta * f(weight_decay)
        m *= f(b1)
        m += g * f(1 - b1)
        v *= f(b2)
        v += np.square(g) * f(1 - b2)
        denom = np.sqrt(v) / f(np.sqrt(1 - b2**t)) + f(eps)
        theta -= (m / denom) * f(lr / (1 - b1**t))
    return theta, denom


@pytest.mark.parametrize("cls, weight_decay", [(Adam, 0.0), (Adam, 0.1), (AdamW, 0.1)])
def test_adam_in_chunks_is_bit_identical_to_whole_vector_adam(cls, weight_decay, adam_backend):
    # more elements than two chunks, and not a multiple of the chunk: the last chunk is partial
    n = 2 * CHUNK + 1234
    rng = np.random.default_rng(3)
    theta0 = rng.standard_normal((n // 2, 2), dtype=np.float32)
    grads = [rng.standard_normal(theta0.shape, dtype=np.float32) for _ in range(4)]
    p = Parameter(theta0.copy())
    opt = cls(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=weight_decay)
    for g in grads:
        p.grad[...] = g
        opt.step([p])
    expected, denom = _adam_whole_vector(theta0.copy(), grads, 0.01, (0.8, 0.99), 1e-6, weight_decay,
                                         cls is AdamW)
    assert p.data.tobytes() == expected.tobytes()
    np.testing.assert_array_equal(opt.step_size(p), 0.01 / denom)  # denom covers every chunk
    assert not np.array_equal(p.data, theta0)
    np.testing.assert_array_equal(grads[-1], p.grad)  # coupled decay leaves the gradient alone
    assert sorted(opt.state_arrays([p])) == ["0.exp_avg", "0.exp_avg_sq", "0.step"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_added_during_the_step_is_bit_identical_to_adding_it_before(name, adam_backend):
    # a penalty gradient on elements 1000 .. n-500 of a parameter spanning three chunks
    cls, _, kwargs = CASES[name]
    n = 2 * CHUNK + 1234
    rng = np.random.default_rng(5)
    theta0 = rng.standard_normal((n // 2, 2), dtype=np.float32)
    grads = [rng.standard_normal(theta0.shape, dtype=np.float32) for _ in range(3)]
    penalty, lo_, hi_ = L2(0.05), 1000, n - 500
    before, during = Parameter(theta0.copy()), Parameter(theta0.copy())
    opt_before, opt_during = cls(**kwargs), cls(**kwargs)
    calls = []

    def add_gradient(p, lo, hi):
        calls.append((lo, hi))
        a, b = max(lo, lo_), min(hi, hi_)
        if a < b:
            penalty.add_gradient(p.data.reshape(-1)[a:b], p.grad.reshape(-1)[a:b])

    for g in grads:
        before.grad[...] = g
        penalty.add_gradient(before.data.reshape(-1)[lo_:hi_], before.grad.reshape(-1)[lo_:hi_])
        opt_before.step([before])
        during.grad[...] = g
        calls.clear()
        opt_during.step([during], add_gradient)
    assert during.data.tobytes() == before.data.tobytes()
    assert not np.array_equal(during.data, theta0)
    # the calls cover the parameter once: per chunk for Adam, in one piece otherwise
    assert calls == ([(lo, min(lo + CHUNK, n)) for lo in range(0, n, CHUNK)] if cls.chunked else [(0, n)])


@pytest.mark.parametrize("with_l2", [False, True])
def test_adam_rejects_a_non_contiguous_parameter(adam_backend, with_l2):
    from ridgeback.engine.penalty_gradient import PenaltyGradient as penalty_gradient

    p = Parameter(np.zeros((4, 3), dtype=np.float32).T)  # a transposed view: not C-contiguous
    # with an L2 penalty gradient, the compiled update walks L2 stretches instead of chunks
    add = penalty_gradient([(L2(0.1), 0, 12)], p.data, p.grad) if with_l2 else None
    with pytest.raises(ValueError, match=r"Received: theta\.flags\.c_contiguous=False"):
        Adam().step([p], add)


@pytest.mark.parametrize("make, message", [
    (lambda: SGD(0.0), r"Received: lr=0\.0"),
    (lambda: SGD(-0.1), r"Received: lr=-0\.1"),
    (lambda: Adam(lr=-1), r"Received: lr=-1"),
    (lambda: SGD(0.1, momentum=-0.5), r"Received: momentum=-0\.5"),
    (lambda: SGD(0.1, nesterov=True), r"momentum"),
    (lambda: SGD(0.1, weight_decay=-1.0), r"Received: weight_decay=-1\.0"),
    (lambda: Adam(betas=(0.9, 1.0)), r"Received: betas\[1\]=1\.0"),
    (lambda: Adam(betas=0.9), r"Received: betas=0\.9"),
    (lambda: AdamW(weight_decay=-0.01), r"Received: weight_decay=-0\.01"),
    (lambda: RMSprop(alpha=1.5), r"Received: alpha=1\.5"),
    (lambda: get("lbfgs"), r"Received: optimizer='lbfgs'"),
])
def test_bad_optimizer_arguments_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("cls", [Adam, AdamW])
def test_adam_follows_settings_changed_between_steps(cls, adam_backend):
    # the float32 constants are cached per setting: a changed lr, betas, eps or decay must take effect
    rng = np.random.default_rng(11)
    theta0 = rng.standard_normal(50, dtype=np.float32)
    grads = [rng.standard_normal(50, dtype=np.float32) for _ in range(4)]
    changes = [{}, {"lr": 0.05, "weight_decay": 0.3}, {"betas": (0.5, 0.9)}, {"eps": 0.1}]
    p, opt = Parameter(theta0.copy()), cls(lr=0.01, weight_decay=0.1)
    fresh_steps = []
    for g, change in zip(grads, changes, strict=True):
        for name, value in change.items():
            setattr(opt, name, value)
        p.grad[...] = g
        opt.step([p])
        fresh_steps.append(p.data.copy())
    # the same schedule of settings, each step from an optimizer built with the new settings
    # and handed the previous state
    q, settings = Parameter(theta0.copy()), {"lr": 0.01, "weight_decay": 0.1}
    state = None
    for g, change, expected in zip(grads, changes, fresh_steps, strict=True):
        settings.update(change)
        other = cls(**settings)
        if state is not None:
            other.load_state_arrays([q], state)
        q.grad[...] = g
        other.step([q])
        state = other.state_arrays([q])
        assert q.data.tobytes() == expected.tobytes()


@pytest.mark.parametrize("case", ["adam", "rmsprop_centered"])
def test_state_holds_no_working_memory_and_loading_state_replaces_it(case, adam_backend):
    # scratch rows and cached views live apart from the state: never saved, and rebuilt after
    # a load (views of the replaced moments would update arrays the state no longer holds)
    cls, _, kwargs = CASES[case]
    rng = np.random.default_rng(4)
    grads = rng.standard_normal((5, 30)).astype(np.float32)
    p, q = Parameter(np.zeros(30, dtype=np.float32)), Parameter(np.zeros(30, dtype=np.float32))
    opt, reference = cls(**kwargs), cls(**kwargs)
    for g in grads[:2]:
        q.grad[...] = g
        reference.step([q])
    saved = reference.state_arrays([q])
    assert sorted(saved) == sorted(f"0.{name}" for name in reference.state[id(q)])
    assert not {"denom", "scratch", "chunks"} & set(reference.state[id(q)])
    for g in grads[2:4]:  # p's own history, then q's state loaded into the same optimizer
        p.grad[...] = g
        opt.step([p])
    p.data[...] = q.data
    opt.load_state_arrays([p], saved)
    for g in grads[2:]:
        p.grad[...] = q.grad[...] = g
        opt.step([p])
        reference.step([q])
    assert p.data.tobytes() == q.data.tobytes()
    np.testing.assert_array_equal(opt.step_size(p), reference.step_size(q))
