"""Losses: values and gradients against finite differences and PyTorch, stability, targets."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ridgeback import BinaryCrossEntropy, CrossEntropy, Dense, MeanSquaredError, check_gradients
from ridgeback.engine.losses import get


def make_target(kind, rng, n, k):
    if kind == "ce":
        return rng.integers(0, k, n)
    if kind == "bce":
        return rng.integers(0, 2, (n, k)).astype(np.float64)
    return rng.standard_normal((n, k))


LOSSES = {"ce": CrossEntropy, "bce": BinaryCrossEntropy, "mse": MeanSquaredError}


def numeric_output_grad(loss, z, y, eps=1e-6):
    num = np.empty_like(z)
    for i in range(z.size):
        zp, zm = z.copy(), z.copy()
        zp.reshape(-1)[i] += eps
        zm.reshape(-1)[i] -= eps
        num.reshape(-1)[i] = (loss.forward(zp, y) - loss.forward(zm, y)) / (2 * eps)
    return num


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 6), st.integers(1, 4), st.sampled_from(sorted(LOSSES)), st.integers(0, 2**16))
def test_loss_gradient_matches_finite_differences(n, k, kind, seed):
    rng = np.random.default_rng(seed)
    if kind == "ce":
        k = max(k, 2)
    z = rng.standard_normal((n, k)) * 3
    y = make_target(kind, rng, n, k)
    loss = LOSSES[kind]()
    num = numeric_output_grad(loss, z, y)
    loss.forward(z, y)
    analytic = loss.backward()
    np.testing.assert_allclose(analytic, num, rtol=1e-6, atol=1e-9)


@settings(max_examples=6, deadline=None)
@given(st.sampled_from(sorted(LOSSES)), st.integers(0, 2**16))
def test_check_gradients_passes_through_each_loss(kind, seed):
    rng = np.random.default_rng(seed)
    layer = Dense(3, 2, dtype=np.float64, seed=seed)
    X = rng.standard_normal((5, 3))
    y = make_target(kind, rng, 5, 2)
    from ridgeback import Sequential

    assert check_gradients(Sequential(layer), LOSSES[kind](), X, y) < 1e-6


@pytest.mark.parametrize("kind", sorted(LOSSES))
def test_loss_value_and_gradient_match_pytorch(kind):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(1)
    z = rng.standard_normal((9, 4)) * 2
    y = make_target(kind, rng, 9, 4)
    zt = torch.tensor(z, requires_grad=True)
    if kind == "ce":
        ref = F.cross_entropy(zt, torch.tensor(y))
    elif kind == "bce":
        ref = torch.nn.BCEWithLogitsLoss()(zt, torch.tensor(y))
    else:
        ref = torch.nn.MSELoss()(zt, torch.tensor(y))
    ref.backward()
    loss = LOSSES[kind]()
    value = loss.forward(z, y)
    assert value == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(loss.backward(), zt.grad.numpy(), rtol=1e-8, atol=1e-15)


def test_losses_are_stable_for_huge_logits():
    z = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
    ce = CrossEntropy()
    assert ce.forward(z, np.array([0, 1])) == 0.0
    assert ce.forward(z, np.array([1, 0])) == pytest.approx(2000.0)
    assert np.isfinite(ce.backward()).all()
    bce = BinaryCrossEntropy()
    assert bce.forward(np.array([[800.0], [-800.0]]), np.array([1.0, 0.0])) == 0.0
    assert bce.forward(np.array([[800.0]]), np.array([0.0])) == pytest.approx(800.0)
    assert np.isfinite(bce.backward()).all()


@pytest.mark.parametrize("kind", sorted(LOSSES))
def test_loss_backward_stays_float32(kind):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((5, 3)).astype(np.float32)
    y = make_target(kind, rng, 5, 3)
    if kind != "ce":
        y = y.astype(np.float32)
    loss = LOSSES[kind]()
    assert isinstance(loss.forward(z, y), float)
    assert loss.backward().dtype == np.float32


def test_bce_accepts_vector_targets_for_one_output():
    z = np.array([[0.3], [-1.2], [2.0]])
    y = np.array([1.0, 0.0, 1.0])
    a, b = BinaryCrossEntropy(), BinaryCrossEntropy()
    assert a.forward(z, y) == b.forward(z, y.reshape(-1, 1))
    np.testing.assert_array_equal(a.backward(), b.backward())


@pytest.mark.parametrize("kind, y, k, message", [
    ("ce", np.array([0, 1, 3]), 3, r"Received: y=3"),
    ("ce", np.array([0, -1, 1]), 3, r"Received: y=-1"),
    ("ce", np.array([0.0, 1.5]), 3, r"Received: y=1\.5"),
    ("ce", np.array([0.0, np.nan]), 3, r"NaN"),
    ("ce", np.zeros((2, 2), dtype=int), 3, r"1-D"),
    ("bce", np.array([0.0, 2.0]), 1, r"Received: y=2\.0"),
    ("mse", np.array([0.0, np.inf]), 1, r"infinity"),
    ("mse", np.zeros((3, 2)), 1, r"Received: y with shape \(3, 2\)"),
])
def test_bad_targets_raise_value_error(kind, y, k, message):
    with pytest.raises(ValueError, match=message):
        LOSSES[kind]().check_target(y, k, np.float32)


def test_loss_registry():
    assert isinstance(get("cross_entropy"), CrossEntropy)
    assert isinstance(get("MSE"), MeanSquaredError)
    with pytest.raises(ValueError, match=r"Received: loss='hinge'"):
        get("hinge")


def test_cross_entropy_predict_reuses_forwards_argmax_only_for_that_array():
    from ridgeback import CrossEntropy

    rng = np.random.default_rng(2)
    out = rng.standard_normal((16, 5)).astype(np.float32)
    other = rng.standard_normal((16, 5)).astype(np.float32)
    target = rng.integers(0, 5, 16)
    ce = CrossEntropy()
    ce.forward(out, target)
    np.testing.assert_array_equal(ce.predict(out), out.argmax(axis=1))
    np.testing.assert_array_equal(ce.predict(other), other.argmax(axis=1))  # not the array forward saw
    ce.backward()
    assert ce._predicted == (None, None)  # the batch's output is not kept after backward
    np.testing.assert_array_equal(ce.predict(out), out.argmax(axis=1))
    ce.forward(out[:7], target[:7])  # another batch size: fresh row indices
    z = out[:7].astype(np.float64)
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    expected[np.arange(7), target[:7]] -= 1
    np.testing.assert_allclose(ce.backward(), expected / 7, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.35])
def test_label_smoothing_matches_torch_in_value_and_gradient(eps):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(20)
    z = rng.standard_normal((9, 4)) * 3
    y = rng.integers(0, 4, 9)
    loss = CrossEntropy(label_smoothing=eps)
    value = loss.forward(z.copy(), y)
    grad = loss.backward()
    zt = torch.tensor(z, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(zt, torch.tensor(y), label_smoothing=eps)
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-13, abs=1e-14)
    np.testing.assert_allclose(grad, zt.grad.numpy(), rtol=1e-12, atol=1e-15)


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 6), st.integers(2, 5), st.floats(0.0, 0.9), st.integers(0, 2**16))
def test_label_smoothing_gradient_matches_finite_differences(n, k, eps, seed):
    rng = np.random.default_rng(seed)
    z, y = rng.standard_normal((n, k)) * 3, rng.integers(0, k, n)
    loss = CrossEntropy(label_smoothing=eps)
    num = numeric_output_grad(loss, z, y)
    loss.forward(z.copy(), y)
    np.testing.assert_allclose(loss.backward(), num, rtol=1e-6, atol=1e-9)


def test_label_smoothing_zero_is_the_plain_loss_bit_for_bit():
    rng = np.random.default_rng(21)
    z, y = rng.standard_normal((12, 3)).astype(np.float32), rng.integers(0, 3, 12)
    plain, zero = CrossEntropy(), CrossEntropy(label_smoothing=0.0)
    assert plain.forward(z.copy(), y) == zero.forward(z.copy(), y)
    np.testing.assert_array_equal(plain.backward(), zero.backward())
    assert plain.get_config() == {} and repr(plain) == "CrossEntropy()"


def test_label_smoothing_config_round_trip_and_checks():
    loss = CrossEntropy(label_smoothing=0.1)
    assert loss.get_config() == {"label_smoothing": 0.1}
    assert CrossEntropy.from_config(loss.get_config()).label_smoothing == 0.1
    assert CrossEntropy.from_config(CrossEntropy().get_config()).label_smoothing == 0.0
    for bad in (-0.1, 1.0, "0.1", True, float("nan")):
        with pytest.raises(ValueError, match="Received: label_smoothing="):
            CrossEntropy(label_smoothing=bad)


def test_label_smoothing_keeps_float32_and_predictions():
    z = np.array([[2.0, 0.0, -1.0], [0.0, 3.0, 1.0]], dtype=np.float32)
    loss = CrossEntropy(label_smoothing=0.2)
    loss.forward(z.copy(), np.array([0, 1]))
    assert loss.backward().dtype == np.float32
    assert loss.predict(z).tolist() == [0, 1]
