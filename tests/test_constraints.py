"""Constraints: max-norm holds after every step and projects only the columns over the bound."""

import numpy as np

from ridgeback import SGD, CrossEntropy, MaxNorm, Trainer, mlp


def test_max_norm_holds_after_every_step():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 10)).astype(np.float32) * 5
    y = rng.integers(0, 3, 200)
    c = 0.5
    net = mlp([10, 20, 3], seed=0, max_norm=c)
    worst = []

    class Check:
        def on_batch_end(self, trainer, epoch, position):
            worst.append(max(np.linalg.norm(l.weight.data, axis=0).max() for l in net.dense_layers))

    Trainer(net, CrossEntropy(), SGD(0.5, momentum=0.9), epochs=3, seed=0, callbacks=[Check()]).fit(X, y)
    assert len(worst) == 3 * 7
    assert max(worst) <= c + 1e-6
    assert max(worst) > c - 1e-3  # the constraint was active, not vacuous


def test_max_norm_projection_only_touches_columns_over_the_bound():
    w = np.array([[3.0, 0.1], [4.0, 0.2]])
    MaxNorm(2.0).project(w)
    np.testing.assert_allclose(w, [[1.2, 0.1], [1.6, 0.2]])
