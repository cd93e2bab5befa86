"""Dropout in its documented forms: the two scalings, Srivastava et al. (2014) §9.1, Monte-Carlo dropout."""

import numpy as np
import pytest

from ridgeback import Dense, Dropout, Sequential, mc_dropout_predict, mlp
from ridgeback.engine.uncertainty import NoDropoutWarning


def _linear_net(scale, rate, seed=0, d=6, k=3):
    return Sequential(Dropout(rate, scale=scale, seed=seed), Dense(d, k, dtype=np.float64, seed=1))


@pytest.mark.parametrize("scale", ["inverted", "inference"])
def test_expected_training_output_equals_the_inference_output(scale):
    rate, samples = 0.4, 20000
    x = np.random.default_rng(0).standard_normal((1, 6))
    net = _linear_net(scale, rate)
    batch = np.repeat(x, samples, axis=0)  # one mask per row
    train = net.forward(batch, training=True)
    mean, se = train.mean(axis=0), train.std(axis=0) / np.sqrt(samples)
    inference = net.forward(x)[0]
    assert np.all(np.abs(mean - inference) < 4 * se)
    assert np.all(se < 0.05 * np.abs(inference).max())  # a test sharp enough to see a wrong scale


def test_the_two_scalings_are_the_same_model_with_weights_rescaled_by_the_keep_probability():
    rate = 0.25
    x = np.random.default_rng(1).standard_normal((50, 6))
    inverted = _linear_net("inverted", rate, seed=5)
    classic = _linear_net("inference", rate, seed=5)
    classic.layers[1].weight.data[...] = inverted.layers[1].weight.data / (1 - rate)
    np.testing.assert_allclose(classic.forward(x, training=True), inverted.forward(x, training=True),
                               rtol=1e-12)
    np.testing.assert_allclose(classic.forward(x), inverted.forward(x), rtol=1e-12)


def test_input_dropout_on_linear_regression_is_a_ridge_penalty_srivastava_2014_section_9_1():
    """E_M ||y - (M * X) w||^2 = ||y - p X w||^2 + p (1 - p) ||Gamma w||^2,  Gamma = diag(X^T X)^(1/2)."""
    rng = np.random.default_rng(0)
    n, d, p, samples = 40, 8, 0.7, 4000
    X = rng.standard_normal((n, d)) + 0.5
    w = rng.standard_normal(d)
    y = X @ w * 0.8 + rng.standard_normal(n)
    drop = Dropout(1 - p, scale="inference", seed=1)  # keeps with probability p, no rescaling
    masked = drop.forward(np.tile(X, (samples, 1)), training=True).reshape(samples, n, d)
    kept = np.mean(masked != 0)
    assert kept == pytest.approx(p, abs=0.005)
    monte_carlo = np.mean(np.sum((y - masked @ w) ** 2, axis=1))
    gamma_w = np.sqrt(np.diag(X.T @ X)) * w
    closed_form = np.sum((y - p * X @ w) ** 2) + p * (1 - p) * np.sum(gamma_w ** 2)
    assert monte_carlo == pytest.approx(closed_form, rel=0.01)
    # the penalty term matters: without it the two sides are far apart
    assert np.sum((y - p * X @ w) ** 2) < 0.9 * closed_form


def test_mc_dropout_mean_approaches_the_weight_scaled_prediction_of_a_linear_model():
    X = np.random.default_rng(2).standard_normal((5, 6))
    net = _linear_net("inverted", 0.5)
    samples = 4000
    mean, std = mc_dropout_predict(net, X, samples=samples, seed=0)
    deterministic = net.forward(X)
    assert mean.shape == std.shape == (5, 3) and mean.dtype == np.float64
    assert np.all(np.abs(mean - deterministic) < 4 * std / np.sqrt(samples) + 1e-12)
    assert np.all(std > 0.1)


def test_mc_dropout_mean_is_close_to_the_deterministic_prediction_of_an_mlp():
    X = np.random.default_rng(3).standard_normal((20, 8)).astype(np.float32)
    net = mlp([8, 64, 3], dropout=0.2, seed=0)
    mean, std = mc_dropout_predict(net, X, samples=400, seed=0)
    deterministic = net.forward(X)
    assert mean.dtype == std.dtype == np.float32
    error = np.linalg.norm(mean - deterministic) / np.linalg.norm(deterministic)
    assert error < 0.1
    assert np.all(std > 0)


def test_mc_dropout_std_is_exactly_zero_without_dropout():
    X = np.random.default_rng(4).standard_normal((7, 5)).astype(np.float32)
    for net in (mlp([5, 9, 2], seed=0), Sequential(Dropout(0.0), Dense(5, 2, seed=0))):
        with pytest.warns(NoDropoutWarning, match="no dropout"):
            mean, std = mc_dropout_predict(net, X, samples=10, seed=0)
        np.testing.assert_array_equal(std, 0.0)
        np.testing.assert_array_equal(mean, net.forward(X))


def test_mc_dropout_is_reproducible_and_leaves_the_model_untouched():
    X = np.random.default_rng(5).standard_normal((6, 4))
    net = mlp([4, 16, 3], dropout=0.5, input_dropout=0.1, seed=0)
    states = [l.rng.bit_generator.state for l in net.layers if isinstance(l, Dropout)]
    weights = [p.data.copy() for p in net.parameters()]
    a = mc_dropout_predict(net, X, samples=25, seed=11)
    b = mc_dropout_predict(net, X, samples=25, seed=11)
    c = mc_dropout_predict(net, X, samples=25, seed=12)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    assert [l.rng.bit_generator.state for l in net.layers if isinstance(l, Dropout)] == states
    for p, w in zip(net.parameters(), weights, strict=True):
        np.testing.assert_array_equal(p.data, w)


def test_mc_dropout_transform_is_applied_to_every_pass_and_batches_cover_every_row():
    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    X = np.random.default_rng(6).standard_normal((11, 4)).astype(np.float32)
    net = mlp([4, 16, 3], dropout=0.5, seed=0)
    mean, std = mc_dropout_predict(net, X, samples=30, seed=0, transform=softmax, batch_size=4)
    assert mean.shape == (11, 3)
    np.testing.assert_allclose(mean.sum(axis=1), 1.0, rtol=1e-5)
    assert np.all((mean >= 0) & (mean <= 1)) and np.all(std <= 0.5)


@pytest.mark.parametrize("kwargs, message", [
    (dict(samples=0), r"Received: samples=0"),
    (dict(samples=2.5), r"Received: samples=2\.5"),
    (dict(batch_size=0), r"Received: batch_size=0"),
    (dict(transform="softmax"), r"Received: transform='softmax'"),
])
def test_mc_dropout_bad_arguments(kwargs, message):
    net = mlp([4, 5, 2], dropout=0.5, seed=0)
    with pytest.raises(ValueError, match=message):
        mc_dropout_predict(net, np.zeros((3, 4)), **kwargs)


def test_mc_dropout_accepts_a_fitted_estimator():
    class Fitted:
        network_ = mlp([4, 8, 2], dropout=0.5, seed=0)

    X = np.ones((3, 4), dtype=np.float32)
    mean, std = mc_dropout_predict(Fitted(), X, samples=5, seed=0)
    np.testing.assert_array_equal(mean, mc_dropout_predict(Fitted.network_, X, samples=5, seed=0)[0])
    assert np.all(std > 0)


def test_mc_dropout_bad_input():
    net = mlp([4, 5, 2], dropout=0.5, seed=0)
    with pytest.raises(ValueError, match=r"Received: X with shape \(3, 5\)"):
        mc_dropout_predict(net, np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"NaN"):
        mc_dropout_predict(net, np.full((3, 4), np.nan))
    with pytest.raises(ValueError, match=r"Received: model of type str"):
        mc_dropout_predict("net", np.zeros((3, 4)))
