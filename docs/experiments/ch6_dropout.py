"""Chapter 6: dropout -- scaling, Monte-Carlo averaging, max-norm, input and hidden rates.

(1) The two scalings: the mean over many masks of a Dropout layer's training output equals its
    inference output, for ``scale="inverted"`` and ``scale="inference"``; and two digits networks,
    one per scaling, trained with the same seed.
(2) Monte-Carlo averaging of k masks against one weight-scaled pass, as k grows.
(3) Dropout with and without max-norm under SGD with momentum, as the learning rate grows.
(4) A grid of input and hidden dropout rates on 300 training images.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from common import (
    accuracy,
    load,
    log_loss,
    save_figure,
    save_results,
    save_table,
    softmax,
    split_scaled,
    train,
)

from ridgeback import SGD, Dropout, TrainingDiverged, mc_dropout_predict

MC_SAMPLES = (1, 2, 5, 10, 20, 50, 100, 200)


def scaling(X_tr, X_te, y_tr, y_te, results):
    x = np.abs(np.random.default_rng(0).standard_normal((1, 64))).astype(np.float32) + 0.5
    masks = 40000
    out = {}
    for scale in ("inverted", "inference"):
        layer = Dropout(0.5, scale=scale, seed=0)
        # one forward over 40000 copies of x: 40000 independent masks at once
        mean = layer.forward(np.repeat(x, masks, axis=0), training=True).astype(np.float64).mean(axis=0)
        inference = layer.forward(x, training=False)[0]
        trainer = train(X_tr, y_tr, hidden=(256,), dropout=0.5, epochs=40, dropout_scale=scale)
        out[scale] = {
            "max_relative_gap": float(np.max(np.abs(mean - inference) / inference)),
            "mean_relative_gap": float(np.mean(np.abs(mean - inference) / inference)),
            "inference_over_input": float(np.mean(inference / x)),
            "accuracy": accuracy(trainer.model, X_te, y_te),
        }
    results["scaling"] = out
    results["scaling_masks"] = masks
    # a unit's mean over n masks has relative standard error sqrt(p / ((1 - p) n)) = 1/sqrt(n) at p = 0.5
    results["scaling_expected_noise"] = float(np.sqrt(0.5 / (0.5 * masks)))
    save_table(
        "ch6_scaling",
        [
            "scale",
            "training: y = x·m ×",
            "inference: y =",
            f"mean over {masks} masks vs inference: mean (largest) relative gap",
            "digits test accuracy (dropout 0.5)",
        ],
        [
            (
                scale,
                "1/(1−p)" if scale == "inverted" else "1",
                "x" if scale == "inverted" else "(1−p)·x",
                f"{out[scale]['mean_relative_gap']:.2%} ({out[scale]['max_relative_gap']:.2%})",
                f"{out[scale]['accuracy']:.3f}",
            )
            for scale in ("inverted", "inference")
        ],
    )


def mc_predict(model, X, k, seed):
    """Mean of the softmax probabilities over k dropout masks."""
    mean, _ = mc_dropout_predict(model, X, samples=k, seed=seed, transform=softmax)
    return mean.astype(np.float64)


def monte_carlo(X_tr, X_te, y_tr, y_te, results):
    trainer = train(X_tr, y_tr, hidden=(256, 256), dropout=0.5, input_dropout=0.2, epochs=60)
    model = trainer.model
    scaled = softmax(model.forward(X_te).astype(np.float64))
    ws = {"accuracy": float(np.mean(scaled.argmax(1) == y_te)), "log_loss": log_loss(scaled, y_te)}
    repeats = 5
    acc = np.zeros((len(MC_SAMPLES), repeats))
    nll = np.zeros_like(acc)
    for r in range(repeats):
        for i, k in enumerate(MC_SAMPLES):
            p = mc_predict(model, X_te, k, seed=1000 * r + i)
            acc[i, r] = np.mean(p.argmax(1) == y_te)
            nll[i, r] = log_loss(p, y_te)
    results["mc"] = {
        "samples": list(MC_SAMPLES),
        "repeats": repeats,
        "accuracy_mean": acc.mean(1),
        "accuracy_std": acc.std(1),
        "log_loss_mean": nll.mean(1),
        "log_loss_std": nll.std(1),
        "weight_scaling": ws,
        "one_mask_accuracy": float(acc[0].mean()),
        "max_samples_accuracy": float(acc[-1].mean()),
        "max_samples_log_loss": float(nll[-1].mean()),
        "first_k_matching_accuracy": next(
            (k for k, a in zip(MC_SAMPLES, acc.mean(1), strict=True) if a >= ws["accuracy"]), None
        ),
    }
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, values, key, label in (
        (axes[0], acc, "accuracy", "test accuracy"),
        (axes[1], nll, "log_loss", "test log-loss"),
    ):
        ax.errorbar(
            MC_SAMPLES,
            values.mean(1),
            yerr=values.std(1),
            fmt="o-",
            capsize=3,
            label=f"Monte-Carlo mean of k masks (± sd over {repeats} runs)",
        )
        ax.axhline(ws[key], color="tab:red", ls="--", label="weight scaling: one deterministic pass")
        ax.set_xscale("log")
        ax.set(xlabel="masks averaged, k (log scale)", ylabel=label)
        ax.legend(fontsize=8)
    fig.suptitle("Digits, 64-256-256-10, input dropout 0.2, hidden dropout 0.5")
    save_figure(fig, "ch6_mc_vs_scaling")


def max_norm(X_tr, X_te, y_tr, y_te, results):
    lrs = (0.003, 0.01, 0.02, 0.03, 0.05, 0.1)
    out = {"lrs": list(lrs), "none": [], "max_norm": []}
    for key, c in (("none", None), ("max_norm", 3.0)):
        for lr in lrs:
            try:
                trainer = train(
                    X_tr,
                    y_tr,
                    hidden=(256, 256),
                    dropout=0.5,
                    max_norm=c,
                    epochs=30,
                    optimizer=SGD(lr, momentum=0.9),
                )
                norms = [
                    np.sqrt((l.weight.data.astype(np.float64) ** 2).sum(0)).max()
                    for l in trainer.model.dense_layers
                ]
                out[key].append(
                    {
                        "lr": lr,
                        "accuracy": accuracy(trainer.model, X_te, y_te),
                        "max_column_norm": float(max(norms)),
                        "diverged": False,
                    }
                )
            except TrainingDiverged:
                out[key].append({"lr": lr, "accuracy": None, "max_column_norm": None, "diverged": True})
    results["max_norm"] = out

    def broken(e):  # diverged, or no better than guessing among 10 classes
        return e["diverged"] or e["accuracy"] < 0.5

    for key in ("none", "max_norm"):
        out[f"breakdown_lr_{key}"] = next((e["lr"] for e in out[key] if broken(e)), None)
        out[f"largest_working_lr_{key}"] = max((e["lr"] for e in out[key] if not broken(e)), default=None)
    out["largest_norm_with_max_norm"] = max(
        e["max_column_norm"] for e in out["max_norm"] if not e["diverged"]
    )
    out["accuracy_at_largest_lr_max_norm"] = out["max_norm"][-1]["accuracy"]

    def fmt(e):
        return "diverged" if e["diverged"] else f"{e['accuracy']:.3f} (max ‖w‖ {e['max_column_norm']:.1f})"

    save_table(
        "ch6_max_norm",
        ["SGD lr (momentum 0.9)", "dropout 0.5", "dropout 0.5 + MaxNorm(3)"],
        [(f"{lr:g}", fmt(a), fmt(b)) for lr, a, b in zip(lrs, out["none"], out["max_norm"], strict=True)],
    )
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label in (("none", "dropout 0.5"), ("max_norm", "dropout 0.5 + MaxNorm(3)")):
        ok = [e for e in out[key] if not e["diverged"]]
        axes[0].plot([e["lr"] for e in ok], [e["accuracy"] for e in ok], "o-", label=label)
        axes[1].plot([e["lr"] for e in ok], [e["max_column_norm"] for e in ok], "o-", label=label)
        for e in out[key]:
            if e["diverged"]:
                axes[0].plot([e["lr"]], [0], "x", color="k", ms=10)
    axes[0].set(
        xscale="log",
        xlabel="learning rate (log scale)",
        ylabel="test accuracy (× = diverged)",
        title="Digits, 64-256-256-10, SGD momentum 0.9, 30 epochs",
    )
    axes[1].set(
        xscale="log",
        yscale="log",
        xlabel="learning rate (log scale)",
        ylabel="largest incoming-weight norm of any unit",
        title="Max-norm caps every unit at c = 3",
    )
    axes[1].axhline(3.0, color="grey", ls=":")
    for ax in axes:
        ax.legend(fontsize=8)
    save_figure(fig, "ch6_max_norm")


def rates(X_tr, X_te, y_tr, y_te, results):
    idx = np.random.default_rng(0).permutation(len(y_tr))[:300]
    inputs = (0.0, 0.1, 0.2, 0.5)
    hiddens = (0.0, 0.25, 0.5, 0.75)
    grid = np.zeros((len(inputs), len(hiddens)))
    for i, p_in in enumerate(inputs):
        for j, p_h in enumerate(hiddens):
            accs = [
                accuracy(
                    train(
                        X_tr[idx],
                        y_tr[idx],
                        hidden=(256,),
                        dropout=p_h,
                        input_dropout=p_in,
                        epochs=100,
                        seed=s,
                    ).model,
                    X_te,
                    y_te,
                )
                for s in (0, 1)
            ]
            grid[i, j] = np.mean(accs)
    best = np.unravel_index(np.argmax(grid), grid.shape)
    results["rates"] = {
        "input": list(inputs),
        "hidden": list(hiddens),
        "accuracy": grid,
        "n_train": 300,
        "best_input": inputs[best[0]],
        "best_hidden": hiddens[best[1]],
        "best_accuracy": float(grid[best]),
        "no_dropout_accuracy": float(grid[0, 0]),
        "input_only_best": float(grid[1:, 0].max()),
        "hidden_only_best": float(grid[0, 1:].max()),
        "worst_accuracy": float(grid.min()),
        "worst_input": inputs[int(np.unravel_index(np.argmin(grid), grid.shape)[0])],
        "worst_hidden": hiddens[int(np.unravel_index(np.argmin(grid), grid.shape)[1])],
        "n_test": len(y_te),
        # binomial standard error of one accuracy on the test set, at the grid's mean
        "accuracy_se": float(np.sqrt(grid.mean() * (1 - grid.mean()) / len(y_te))),
    }
    results["rates"]["spread_in_se"] = (grid.max() - grid.min()) / results["rates"]["accuracy_se"]
    fig, ax = plt.subplots(figsize=(6, 4.6))
    im = ax.imshow(grid, cmap="viridis")
    for i in range(len(inputs)):
        for j in range(len(hiddens)):
            ax.text(
                j,
                i,
                f"{grid[i, j]:.3f}",
                ha="center",
                va="center",
                color="w" if grid[i, j] < grid.mean() else "k",
            )
    ax.set_xticks(range(len(hiddens)), [str(h) for h in hiddens])
    ax.set_yticks(range(len(inputs)), [str(p) for p in inputs])
    ax.set(
        xlabel="hidden dropout rate",
        ylabel="input dropout rate",
        title="Digits, 300 training images: test accuracy\n(mean of 2 seeds)",
    )
    fig.colorbar(im, ax=ax)
    save_figure(fig, "ch6_rates")


def main():
    X_tr, X_te, y_tr, y_te = split_scaled(*load("digits"))
    results = {}
    scaling(X_tr, X_te, y_tr, y_te, results)
    monte_carlo(X_tr, X_te, y_tr, y_te, results)
    max_norm(X_tr, X_te, y_tr, y_te, results)
    rates(X_tr, X_te, y_tr, y_te, results)
    save_results("ch6", results)


if __name__ == "__main__":
    main()
