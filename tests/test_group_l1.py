"""The group lasso (GroupL1): block soft-thresholding, groups of rows, gradients and PyTorch parity,
and the features it removes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    selected_features,
)


def test_group_l1_proximal_step_is_block_soft_thresholding():
    w = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]])
    GroupL1(1.0).prox(w, step=1.0)  # row norms 5, 0.5, 0: factors 0.8, 0, 0
    np.testing.assert_allclose(w, [[2.4, 3.2], [0.0, 0.0], [0.0, 0.0]])
    assert np.all(w[1:] == 0)


GROUPS = [0, 2, 0, 1, 2, 2]  # six rows in three groups; group 1 is a single row


@settings(max_examples=12, deadline=None)
@given(st.integers(1, 4), st.integers(0, 2**16), st.booleans())
def test_grouped_group_l1_gradient_passes_check_gradients(d_out, seed, proximal):
    rng = np.random.default_rng(seed)
    reg = GroupL1(0.4, proximal=proximal, groups=GROUPS)
    first = Dense(6, 3, dtype=np.float64, seed=seed, regularizer=reg)
    net = Sequential(first, Tanh(), Dense(3, d_out, dtype=np.float64))
    X, y = rng.standard_normal((4, 6)), rng.standard_normal((4, d_out))
    assert check_gradients(net, MeanSquaredError(), X, y) < 1e-6


def test_grouped_group_l1_penalty_and_gradient_match_pytorch():
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(3).standard_normal((6, 4))
    w[3] = 0.0  # group 1 (row 3 alone) is zero: its subgradient is 0, torch's norm backward nan
    wt = torch.tensor(w, requires_grad=True)
    labels = np.array(GROUPS)
    ref = sum(torch.linalg.norm(wt[torch.from_numpy(np.flatnonzero(labels == g))]) for g in (0, 1, 2)) * 0.7
    ref.backward()
    reg = GroupL1(0.7, groups=GROUPS)
    assert reg.penalty(w) == pytest.approx(ref.item(), rel=1e-12)
    grad = reg.gradient(w)
    rows = labels != 1
    np.testing.assert_allclose(grad[rows], wt.grad.numpy()[rows], rtol=1e-10, atol=1e-15)
    np.testing.assert_array_equal(grad[3], 0.0)
    # a group's norm is over all its rows together, not the sum of its rows' norms
    assert reg.penalty(w) < GroupL1(0.7).penalty(w)


def test_grouped_proximal_step_thresholds_each_group_as_a_whole():
    # groups {0, 1}: rows (3, 0), (0, 4), norm 5; {2}: (0.6, 0.8), norm 1;
    # {3, 4}: (0.3, 0), (0, 0.4), norm 0.5
    w = np.array([[3.0, 0.0], [0.0, 4.0], [0.6, 0.8], [0.3, 0.0], [0.0, 0.4]])
    reg = GroupL1(1.0, groups=[5, 5, 9, 7, 7])  # any integer labels
    reg.prox(w, step=0.8)  # factors 1 - 0.8 / norm: 0.84, 0.2, 0 (both rows of the last group together)
    expected = [[2.52, 0.0], [0.0, 3.36], [0.12, 0.16], [0.0, 0.0], [0.0, 0.0]]
    np.testing.assert_allclose(w, expected, rtol=1e-14)
    assert np.all(w[3:] == 0)
    # a per-coordinate step (Adam): each group thresholds with the harmonic mean of its steps
    w = np.array([[3.0, 0.0], [0.0, 4.0], [0.6, 0.8]])
    step = np.array([[0.5, 1.0], [1.0, 0.25], [2.0, 2.0]])
    GroupL1(1.0, groups=[0, 0, 1]).prox(w, step)
    t0 = 4 / (2 + 1 + 1 + 4)  # 1 / mean(1/step) over the four coordinates of group 0 = 0.5
    np.testing.assert_allclose(w[:2], np.array([[3.0, 0.0], [0.0, 4.0]]) * (1 - t0 / 5), rtol=1e-14)
    np.testing.assert_array_equal(w[2], 0.0)  # t = 2 > its norm 1


def test_groups_of_single_rows_give_the_ungrouped_penalty_and_steps():
    rng = np.random.default_rng(1)
    w = rng.standard_normal((5, 3))
    one, each = GroupL1(0.3), GroupL1(0.3, groups=[4, 3, 2, 1, 0])
    assert each.penalty(w) == pytest.approx(one.penalty(w), rel=1e-14)
    np.testing.assert_allclose(each.gradient(w), one.gradient(w), rtol=1e-14)
    step = rng.uniform(0.1, 2.0, w.shape)
    a, b = w.copy(), w.copy()
    one.prox(a, step)
    each.prox(b, step)
    np.testing.assert_allclose(b, a, rtol=1e-13)
    assert np.array_equal(a == 0, b == 0)


def test_grouped_group_l1_on_an_embedding_weight_groups_its_first_axis():
    w = np.random.default_rng(0).standard_normal((3, 5, 2))  # (n_features, m, d) like PeriodicEmbedding
    reg = GroupL1(0.5, groups=[0, 1, 0])
    expected = 0.5 * (np.sqrt((w[[0, 2]] ** 2).sum()) + np.sqrt((w[1] ** 2).sum()))
    assert reg.penalty(w) == pytest.approx(expected, rel=1e-14)
    w[1] *= 0.01
    reg.prox(w, step=1.0)
    assert np.all(w[1] == 0) and np.all(w[[0, 2]] != 0)


def test_group_l1_on_digits_removes_every_pixel_that_is_always_zero(digits):
    X_train, X_test, y_train, y_test = digits
    constant_zero = np.flatnonzero(np.all(X_train == 0, axis=0))
    assert constant_zero.size >= 3  # digits has blank border pixels
    net = Sequential(Dense(64, 64, seed=0, regularizer=GroupL1(1e-3)), ReLU(), Dense(64, 10, seed=1))
    Trainer(net, CrossEntropy(), Adam(3e-3), epochs=10, seed=0).fit(X_train, y_train)
    w = net.layers[0].weight.data
    assert np.all(w[constant_zero] == 0)
    assert not np.isin(constant_zero, np.asarray(selected_features(net))).any()
    assert np.mean(net.forward(X_test).argmax(axis=1) == y_test) > 0.95


def test_group_l1_selects_the_informative_features_of_a_synthetic_task():
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=1000, n_features=50, n_informative=10, n_redundant=0, n_repeated=0,
                               n_clusters_per_class=1, shuffle=False, random_state=0)
    X = ((X - X.mean(axis=0)) / X.std(axis=0)).astype(np.float32)
    net = Sequential(Dense(50, 16, seed=0, regularizer=GroupL1(0.2)), ReLU(), Dense(16, 2, seed=10))
    Trainer(net, CrossEntropy(), Adam(3e-3), batch_size=100, epochs=100, seed=0).fit(X, y)
    kept = np.asarray(selected_features(net))
    assert np.sum(kept < 10) >= 9
    assert np.sum(kept >= 10) <= 4
    assert np.mean(net.forward(X).argmax(axis=1) == y) > 0.9
