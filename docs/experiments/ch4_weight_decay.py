"""Chapter 4: an L2 penalty in the cost against decoupled weight decay.

(1) SGD, with and without momentum: ``SGD(weight_decay=wd)`` against ``SGD()`` plus ``L2(wd / 2)``,
    same seed: the largest difference between the trained weights, and the weight norm per epoch.
(2) Adam: ``Adam`` plus ``L2(lam)`` over a grid of lam against ``AdamW(weight_decay=wd)``. For each
    AdamW run, the closest L2 run in weight space; and the per-input-pixel weight norms of AdamW
    against the L2 run with the same total norm.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from common import accuracy, load, save_figure, save_results, save_table, split_scaled

from ridgeback import L2, SGD, Adam, AdamW, CrossEntropy, Trainer, mlp

L2_GRID = tuple(float(v) for v in np.logspace(-5, 0, 11))
WD_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
EPOCHS = 30


class NormLog:
    """Callback: total weight norm (weights only, not biases) after every epoch."""

    def __init__(self):
        self.norms = []

    def on_epoch_end(self, trainer, epoch, logs):
        self.norms.append(
            float(np.sqrt(sum(np.vdot(l.weight.data, l.weight.data) for l in trainer.model.dense_layers)))
        )


def run(X, y, optimizer, regularizer=None, penalize_biases=False):
    """Train 64-128-10; return (all weights as float64, first-layer weights, norm per epoch, model)."""
    log = NormLog()
    net = mlp([X.shape[1], 128, 10], seed=0)
    if penalize_biases:  # torch-style weight_decay touches every parameter, biases included
        for layer in net.dense_layers:
            layer.bias.regularize = True
    Trainer(
        net, CrossEntropy(), optimizer, regularizer=regularizer, epochs=EPOCHS, seed=0, callbacks=[log]
    ).fit(X, y)
    flat = np.concatenate([l.weight.data.ravel() for l in net.dense_layers]).astype(np.float64)
    return flat, net.dense_layers[0].weight.data.copy(), log.norms, net


def refine(X, y, target, j, evaluations=6):
    """Golden-section search in log10(λ) between the grid neighbours of L2_GRID[j] for the
    Adam + L2 run closest to ``target``; returns (λ, relative distance)."""
    logs = np.log10(L2_GRID)
    lo, hi = logs[max(j - 1, 0)], logs[min(j + 1, len(logs) - 1)]
    ratio = (np.sqrt(5) - 1) / 2

    def distance(log_lam):
        w = run(X, y, Adam(1e-3), L2(10.0**log_lam))[0]
        return float(np.linalg.norm(target - w) / np.linalg.norm(target))

    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = distance(a), distance(b)
    for _ in range(evaluations - 2):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = distance(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = distance(b)
    best = (a, fa) if fa < fb else (b, fb)
    return float(10.0 ** best[0]), best[1]


def main():
    X_tr, X_te, y_tr, y_te = split_scaled(*load("digits"))
    results = {"epochs": EPOCHS}
    wd = 0.01
    sgd = {}
    curves = {}
    for label, momentum, biases in (
        ("sgd", 0.0, True),
        ("sgd_momentum", 0.9, True),
        ("sgd_weights_only", 0.0, False),
        ("sgd_momentum_weights_only", 0.9, False),
    ):
        a, _, norms_a, _ = run(X_tr, y_tr, SGD(0.05, momentum=momentum, weight_decay=wd))
        b, _, norms_b, _ = run(X_tr, y_tr, SGD(0.05, momentum=momentum), L2(wd / 2), penalize_biases=biases)
        sgd[label] = {
            "max_abs_diff": float(np.abs(a - b).max()),
            "weight_norm": float(np.linalg.norm(a)),
            "relative_distance": float(np.linalg.norm(a - b) / np.linalg.norm(a)),
        }
        curves[label] = (norms_a, norms_b)
    results["sgd"] = sgd
    results["sgd_wd"] = wd

    l2_runs = []
    for lam in L2_GRID:
        w, w1, norms, net = run(X_tr, y_tr, Adam(1e-3), L2(lam))
        l2_runs.append(
            {"strength": lam, "w": w, "w1": w1, "norms": norms, "accuracy": accuracy(net, X_te, y_te)}
        )
    adamw_runs = []
    for decay in WD_GRID:
        w, w1, norms, net = run(X_tr, y_tr, AdamW(1e-3, weight_decay=decay))
        adamw_runs.append(
            {"weight_decay": decay, "w": w, "w1": w1, "norms": norms, "accuracy": accuracy(net, X_te, y_te)}
        )
    rows = []
    closest = []
    for r in adamw_runs:
        dist = [np.linalg.norm(r["w"] - q["w"]) / np.linalg.norm(r["w"]) for q in l2_runs]
        j = int(np.argmin(dist))
        refined_lam, refined_dist = refine(X_tr, y_tr, r["w"], j)
        same_norm = int(np.argmin([abs(np.linalg.norm(q["w"]) - np.linalg.norm(r["w"])) for q in l2_runs]))
        closest.append(
            {
                "weight_decay": r["weight_decay"],
                "closest_l2": l2_runs[j]["strength"],
                "grid_relative_distance": float(dist[j]),
                "refined_l2": refined_lam,
                "relative_distance": refined_dist,
                "same_norm_l2": l2_runs[same_norm]["strength"],
                "adamw_accuracy": r["accuracy"],
                "closest_l2_accuracy": l2_runs[j]["accuracy"],
                "weight_norm": float(np.linalg.norm(r["w"])),
            }
        )
        rows.append(
            (
                f"{r['weight_decay']:g}",
                f"{np.linalg.norm(r['w']):.1f}",
                f"{refined_lam:.2e}",
                f"{refined_dist:.2f}",
                f"{r['accuracy']:.3f}",
                f"{l2_runs[j]['accuracy']:.3f}",
            )
        )
    # resolution of the L2 grid: how far apart neighbouring strengths' weights are
    neighbour = [
        float(np.linalg.norm(a["w"] - b["w"]) / np.linalg.norm(a["w"]))
        for a, b in zip(l2_runs, l2_runs[1:], strict=False)
    ]
    results["adam"] = {
        "closest": closest,
        "l2_neighbour_distance": neighbour,
        "l2_neighbour_distance_min": min(neighbour),
        "l2_neighbour_distance_median": float(np.median(neighbour)),
        "l2_grid": list(L2_GRID),
        "l2_accuracy": [q["accuracy"] for q in l2_runs],
        "adamw_accuracy": [r["accuracy"] for r in adamw_runs],
        "wd_grid": list(WD_GRID),
        "min_relative_distance": min(c["relative_distance"] for c in closest),
        "max_relative_distance": max(c["relative_distance"] for c in closest),
    }
    save_table(
        "ch4_adamw_vs_l2",
        [
            "AdamW weight_decay",
            "‖w‖",
            "closest Adam + L2 λ (refined)",
            "‖w_AdamW − w_L2‖ / ‖w_AdamW‖",
            "AdamW test acc.",
            "Adam + L2 test acc.",
        ],
        rows,
    )
    names = {
        "sgd": ("SGD", "weights and biases"),
        "sgd_momentum": ("SGD, momentum 0.9", "weights and biases"),
        "sgd_weights_only": ("SGD", "weights only (the default)"),
        "sgd_momentum_weights_only": ("SGD, momentum 0.9", "weights only (the default)"),
    }
    save_table(
        "ch4_sgd",
        ["optimizer", "L2(wd/2) applied to", "largest weight difference", "‖w_wd − w_L2‖ / ‖w_wd‖"],
        [(*names[k], f"{v['max_abs_diff']:.1e}", f"{v['relative_distance']:.1e}") for k, v in sgd.items()],
    )

    # per-pixel row norms: AdamW (wd = 10) against the Adam + L2 run with the same total norm
    ref = next(r for r in adamw_runs if r["weight_decay"] == 10.0)
    match = l2_runs[int(np.argmin([abs(np.linalg.norm(q["w"]) - np.linalg.norm(ref["w"])) for q in l2_runs]))]
    rows_w = np.linalg.norm(ref["w1"], axis=1)
    rows_l2 = np.linalg.norm(match["w1"], axis=1)
    constant = X_tr.std(axis=0) == 0
    live = ~constant

    def first_layer_share(w1, w):
        return float(np.vdot(w1, w1) / np.vdot(w, w))

    results["pixel_norms"] = {
        "adamw_wd": 10.0,
        "l2_strength": match["strength"],
        "correlation": float(np.corrcoef(rows_w[live], rows_l2[live])[0, 1]),
        "n_constant": int(constant.sum()),
        "constant_max_norm": float(max(rows_w[constant].max(), rows_l2[constant].max()))
        if constant.any()
        else 0.0,
        "share_above_diagonal": float(np.mean(rows_w[live] > rows_l2[live])),
        "first_layer_share_adamw": first_layer_share(ref["w1"], ref["w"]),
        "first_layer_share_l2": first_layer_share(match["w1"], match["w"]),
    }

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    ax = axes[0]
    epochs = np.arange(1, EPOCHS + 1)
    ax.plot(epochs, curves["sgd"][0], "-", lw=3, alpha=0.5, label=f"SGD(weight_decay={wd})")
    ax.plot(epochs, curves["sgd"][1], "k--", lw=1, label=f"SGD() + L2({wd / 2})")
    ax.plot(epochs, curves["sgd_momentum"][0], "-", lw=3, alpha=0.5, label="same, momentum 0.9: weight_decay")
    ax.plot(epochs, curves["sgd_momentum"][1], "k:", lw=1, label="same, momentum 0.9: L2")
    ax.set(xlabel="epoch", ylabel="‖weights‖₂", title="SGD: decay and L2(wd/2) on every parameter")
    ax.legend(fontsize=8)
    ax = axes[1]
    ax.plot(
        [q["strength"] for q in l2_runs], [q["accuracy"] for q in l2_runs], "o-", label="Adam + L2(λ): x = λ"
    )
    ax.plot(WD_GRID, [r["accuracy"] for r in adamw_runs], "s-", label="AdamW(weight_decay): x = wd")
    ax.set_xscale("log")
    ax.set(
        xlabel="strength (log scale; the two axes do not map onto each other)",
        ylabel="test accuracy",
        title="Adam: test accuracy along each knob",
    )
    ax.legend(fontsize=8)
    ax = axes[2]
    ax.scatter(rows_l2[live], rows_w[live], s=18, label="one input pixel")
    ax.scatter(
        rows_l2[constant],
        rows_w[constant],
        s=30,
        color="tab:red",
        marker="x",
        label="pixels constant in the training images",
    )
    lim = max(rows_w.max(), rows_l2.max()) * 1.05
    ax.plot([0, lim], [0, lim], color="grey", lw=0.8, label="y = x")
    ax.legend(fontsize=8)
    ax.set(
        xlabel=f"Adam + L2({match['strength']:.0e}): ‖row of W₁‖",
        ylabel="AdamW(wd=10): ‖row of W₁‖",
        title="Same total norm, different weights",
    )
    save_figure(fig, "ch4_weight_decay")
    save_results("ch4", results)


if __name__ == "__main__":
    main()
