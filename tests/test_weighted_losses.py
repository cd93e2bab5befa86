"""Weighted losses: class weights (torch's ``weight=``) and row weights, against finite
differences and PyTorch in float64."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ridgeback import BinaryCrossEntropy, CrossEntropy, MeanSquaredError


def _grad_fd(loss, z, y, w=None, eps=1e-6):
    num = np.empty_like(z)
    for i in range(z.size):
        zp, zm = z.copy(), z.copy()
        zp.reshape(-1)[i] += eps
        zm.reshape(-1)[i] -= eps
        num.reshape(-1)[i] = (loss.forward(zp, y, w) - loss.forward(zm, y, w)) / (2 * eps)
    return num


@pytest.mark.parametrize("eps", [0.0, 0.1])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_class_weighted_cross_entropy_matches_torch_value_and_gradient(eps, seed):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((9, 4)) * 3
    y = rng.integers(0, 4, 9)
    c = rng.uniform(0.1, 5.0, 4)
    loss = CrossEntropy(label_smoothing=eps, class_weight=c)
    value = loss.forward(z.copy(), y)
    grad = loss.backward()
    zt = torch.tensor(z, requires_grad=True)
    ref = F.cross_entropy(zt, torch.tensor(y), weight=torch.tensor(c), label_smoothing=eps)
    ref.backward()
    assert abs(value - ref.item()) < 1e-10
    np.testing.assert_allclose(grad, zt.grad.numpy(), rtol=0, atol=1e-10)


def test_row_weights_match_torch_per_row_losses_weighted_by_hand():
    rng = np.random.default_rng(3)
    z = rng.standard_normal((7, 3))
    y = rng.integers(0, 3, 7)
    c = np.array([1.0, 3.0, 0.5])
    s = rng.uniform(0, 2, 7)
    loss = CrossEntropy(class_weight=c)
    value = loss.forward(z.copy(), y, s)
    grad = loss.backward()
    zt = torch.tensor(z, requires_grad=True)
    per_row = F.cross_entropy(zt, torch.tensor(y), weight=torch.tensor(c), reduction="none")
    st = torch.tensor(s)
    ref = (st * per_row).sum() / (st * torch.tensor(c)[torch.tensor(y)]).sum()
    ref.backward()
    assert abs(value - ref.item()) < 1e-10
    np.testing.assert_allclose(grad, zt.grad.numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("kind", ["ce", "ce_smooth", "bce", "mse"])
@pytest.mark.parametrize("seed", [0, 1])
def test_weighted_loss_gradient_matches_finite_differences(kind, seed):
    rng = np.random.default_rng(seed)
    n, k = 6, 3
    z = rng.standard_normal((n, k)) * 2
    s = rng.uniform(0, 3, n)
    if kind.startswith("ce"):
        y = rng.integers(0, k, n)
        loss = CrossEntropy(label_smoothing=0.2 if kind == "ce_smooth" else 0.0,
                            class_weight=rng.uniform(0.2, 2, k))
    elif kind == "bce":
        y, loss = rng.integers(0, 2, (n, k)).astype(float), BinaryCrossEntropy()
    else:
        y, loss = rng.standard_normal((n, k)), MeanSquaredError()
    num = _grad_fd(loss, z, y, s)
    loss.forward(z.copy(), y, s)
    np.testing.assert_allclose(loss.backward(), num, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("kind", ["bce", "mse"])
def test_weighted_bce_and_mse_match_torch(kind):
    rng = np.random.default_rng(5)
    z = rng.standard_normal((8, 2))
    s = rng.uniform(0, 2, 8)
    if kind == "bce":
        y, loss = rng.integers(0, 2, (8, 2)).astype(float), BinaryCrossEntropy()
        fn = F.binary_cross_entropy_with_logits
    else:
        y, loss = rng.standard_normal((8, 2)), MeanSquaredError()
        fn = F.mse_loss
    value = loss.forward(z.copy(), y, s)
    grad = loss.backward()
    zt = torch.tensor(z, requires_grad=True)
    per = fn(zt, torch.tensor(y), reduction="none").mean(dim=1)
    ref = (torch.tensor(s) * per).sum() / s.sum()
    ref.backward()
    assert abs(value - ref.item()) < 1e-10
    np.testing.assert_allclose(grad, zt.grad.numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("loss_cls", [CrossEntropy, BinaryCrossEntropy, MeanSquaredError])
def test_row_weights_of_ones_give_the_plain_mean(loss_cls):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((10, 2))
    y = rng.integers(0, 2, 10) if loss_cls is CrossEntropy else rng.integers(0, 2, (10, 2)).astype(float)
    a, b = loss_cls(), loss_cls()
    va, vb = a.forward(z.copy(), y), b.forward(z.copy(), y, np.ones(10))
    assert va == pytest.approx(vb, rel=1e-14)
    np.testing.assert_allclose(a.backward(), b.backward(), rtol=1e-14, atol=1e-17)


def test_zero_weight_batch_has_zero_loss_and_gradient():
    loss = CrossEntropy()
    z = np.array([[1.0, 2.0], [0.0, 1.0]])
    assert loss.forward(z.copy(), np.array([0, 1]), np.zeros(2)) == 0.0
    assert not loss.backward().any()


def test_class_weight_checks_and_config_round_trip():
    with pytest.raises(ValueError, match="class_weight"):
        CrossEntropy(class_weight=[1.0, -1.0])
    with pytest.raises(ValueError, match="Received: class_weight"):
        CrossEntropy(class_weight=[1.0, 2.0]).forward(np.zeros((2, 3)), np.array([0, 1]))
    loss = CrossEntropy(class_weight=[1.0, 2.0])
    again = CrossEntropy.from_config(loss.get_config())
    np.testing.assert_array_equal(again.class_weight, [1.0, 2.0])
    assert CrossEntropy().get_config() == {}


def test_weighted_cross_entropy_keeps_float32():
    z = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    loss = CrossEntropy(class_weight=[1.0, 2.0, 3.0])
    loss.forward(z, np.array([0, 1, 2, 1]), np.array([1.0, 2.0, 0.5, 1.0]))
    assert loss.backward().dtype == np.float32
