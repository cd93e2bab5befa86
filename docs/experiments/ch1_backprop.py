"""Chapter 1: backpropagation checked against finite differences.

Measures ``check_gradients`` on small float64 networks (every activation, every penalty,
dropout active), the same check in float32 (rounding dominates), a hand-written layer with a
correct backward pass and the same layer with a deliberate bug.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from common import save_figure, save_results, save_table

from ridgeback import (
    L1,
    L2,
    CrossEntropy,
    Dense,
    ElasticNet,
    GroupL1,
    Layer,
    MeanSquaredError,
    Sequential,
    check_gradients,
    mlp,
)


class Softplus(Layer):
    """y = log(1 + e^x); dy/dx = sigmoid(x). The guide's example of a hand-written layer."""

    def forward(self, x, training=False):
        self._x = x
        return np.logaddexp(0, x)

    def backward(self, grad_out):
        return grad_out / (1 + np.exp(-self._x))


class BuggySoftplus(Softplus):
    """The same layer with a plausible mistake: the derivative of log(1+e^x) taken as e^x."""

    def backward(self, grad_out):
        return grad_out * np.exp(self._x)


def _data(n=8, d=5, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, k, n)


def _nudged(model, seed=5):
    """Move every bias off zero: a ReLU whose input is exactly 0 has no derivative there."""
    rng = np.random.default_rng(seed)
    for layer in model.dense_layers:
        layer.bias.data[...] = rng.normal(0, 0.1, layer.bias.shape)
    return model


def numeric_and_analytic(model, loss, X, y, eps=1e-6):
    """Every parameter's backprop gradient next to its central difference."""
    loss.forward(model.forward(X), y)
    model.backward(loss.backward())
    analytic = np.concatenate([p.grad.ravel().copy() for p in model.parameters()])
    numeric = []
    for p in model.parameters():
        flat = p.data.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            plus = loss.forward(model.forward(X), y)
            flat[i] = old - eps
            minus = loss.forward(model.forward(X), y)
            flat[i] = old
            numeric.append((plus - minus) / (2 * eps))
    return analytic, np.array(numeric)


def main():
    X, y = _data()
    f64 = np.float64
    cases = [
        ("relu, no penalty", mlp([5, 7, 3], seed=1, dtype=f64), None, False),
        ("tanh + L2", mlp([5, 7, 3], activation="tanh", seed=1, dtype=f64), L2(0.1), False),
        ("sigmoid + L1", mlp([5, 7, 3], activation="sigmoid", seed=1, dtype=f64), L1(0.05), False),
        (
            "leaky_relu + elastic net",
            mlp([5, 7, 3], activation="leaky_relu", seed=1, dtype=f64),
            ElasticNet(0.02, 0.05),
            False,
        ),
        ("tanh + group L1", mlp([5, 7, 3], activation="tanh", seed=1, dtype=f64), GroupL1(0.1), False),
        ("relu, a zero input row, zero biases (kink)", mlp([5, 7, 3], seed=1, dtype=f64), None, False),
        ("relu, a zero input row, biases nudged", _nudged(mlp([5, 7, 3], seed=1, dtype=f64)), None, False),
        (
            "relu + dropout 0.5 (training), biases nudged",
            _nudged(mlp([5, 7, 7, 3], dropout=0.5, seed=1, dtype=f64)),
            None,
            True,
        ),
        (
            "softplus layer (hand-written)",
            Sequential(Dense(5, 7, seed=1, dtype=f64), Softplus(), Dense(7, 3, seed=2, dtype=f64)),
            None,
            False,
        ),
        (
            "softplus with a bug in backward",
            Sequential(Dense(5, 7, seed=1, dtype=f64), BuggySoftplus(), Dense(7, 3, seed=2, dtype=f64)),
            None,
            False,
        ),
        ("relu, float32", mlp([5, 7, 3], seed=1), None, False),
    ]
    # a row of zeros meets zero biases: every hidden ReLU sits exactly at its kink
    X_zero_row = X.copy()
    X_zero_row[0] = 0.0
    errors = {}
    for name, model, reg, training in cases:
        Xc = X_zero_row if "zero input row" in name else X
        Xc = Xc if model.dtype == np.float64 else Xc.astype(np.float32)
        errors[name] = check_gradients(model, CrossEntropy(), Xc, y, regularizer=reg, training=training)
    # the regression loss as well: the error at the output is then (prediction - target) * 2/N
    reg_net = mlp([5, 7, 1], activation="tanh", seed=3, dtype=f64)
    errors["tanh, mean squared error"] = check_gradients(reg_net, MeanSquaredError(), X, X[:, :1] * 0.5)

    save_table(
        "ch1_gradcheck",
        ["network", "largest relative error"],
        [(name, f"{err:.1e}") for name, err in errors.items()],
    )

    model = mlp([5, 7, 3], activation="tanh", seed=1, dtype=f64)
    analytic, numeric = numeric_and_analytic(model, CrossEntropy(), X, y)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    ax = axes[0]
    ax.scatter(numeric, analytic, s=12)
    lim = np.abs(np.concatenate([numeric, analytic])).max() * 1.05
    ax.plot([-lim, lim], [-lim, lim], color="grey", lw=0.8, label="y = x")
    ax.set(
        xlabel="central difference  (C(θ+ε) − C(θ−ε)) / 2ε",
        ylabel="backpropagation  ∂C/∂θ",
        title=f"All {analytic.size} gradients of a 5-7-3 tanh network",
    )
    ax.legend()
    ax = axes[1]
    names = list(errors)
    values = [max(errors[n], 1e-17) for n in names]
    colors = [
        "tab:red" if "bug" in n else ("tab:orange" if ("float32" in n or "kink" in n) else "tab:blue")
        for n in names
    ]
    ax.barh(range(len(names)), values, color=colors)
    ax.set_xscale("log")
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(1e-6, color="grey", ls="--", lw=0.8)
    ax.set(
        xlabel="check_gradients: largest relative error (log scale)", title="Backprop vs finite differences"
    )
    save_figure(fig, "ch1_gradcheck")

    save_results(
        "ch1",
        {
            "max_error_float64": max(
                v for k, v in errors.items() if not any(w in k for w in ("bug", "float32", "kink"))
            ),
            "kink_error": errors["relu, a zero input row, zero biases (kink)"],
            "kink_nudged_error": errors["relu, a zero input row, biases nudged"],
            "buggy_error": errors["softplus with a bug in backward"],
            "softplus_error": errors["softplus layer (hand-written)"],
            "float32_error": errors["relu, float32"],
            "dropout_error": errors["relu + dropout 0.5 (training), biases nudged"],
            "n_gradients": int(analytic.size),
            "scatter_max_abs_diff": float(np.abs(analytic - numeric).max()),
        },
    )


if __name__ == "__main__":
    main()
