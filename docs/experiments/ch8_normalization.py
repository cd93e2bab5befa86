"""Chapter 8: BatchNorm and LayerNorm, with dropout and with weight decay.

(1) Dropout x normalization: ``MLPClassifier`` networks with two hidden layers of 64 units,
    ``normalization`` none / batch / layer x ``dropout`` 0 / 0.2 / 0.5, on digits and
    breast_cancer, three seeds (each its own split and initialization): test accuracy and
    log-loss. For the BatchNorm runs, each BatchNorm's running variance against the variance of
    the same inputs at inference (the "variance shift"), the shift that the dropout noise
    predicts, and the test scores after recomputing the running statistics without dropout.
(2) L2 x normalization: the first layer's weight norm per epoch and its relative update
    ``||dW|| / ||W||`` per step, under SGD (against the equilibrium ``2 sqrt(lr * lambda)`` that
    scale invariance predicts) and under Adam; test accuracy.
(3) Proximal L1 x normalization: exact zeros in the first layer, units and inputs removed.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from common import load, log_loss, save_figure, save_results, save_table, split_scaled

from ridgeback import L1, L2, SGD, Adam, BatchNorm, CrossEntropy, MLPClassifier, Trainer, mlp

SEEDS = (0, 1, 2)
NORMS = (None, "batch", "layer")
DROPOUTS = (0.0, 0.2, 0.5)
DATASETS = ("digits", "breast_cancer")
HIDDEN = (64, 64)
EPOCHS = 60
L2_GRID = (0.0, 1e-3, 1e-2)
SGD_LR = 0.05
L1_GRID = (3e-4, 1e-3, 3e-3)


def name(norm) -> str:
    return "none" if norm is None else norm


def mean_std(values) -> dict:
    values = np.asarray(values, dtype=np.float64)
    return {"mean": float(values.mean()), "std": float(values.std()), "values": values.tolist()}


def pm(stats, fmt=".3f") -> str:
    return f"{stats['mean']:{fmt}} ± {stats['std']:{fmt}}"


# --- (1) dropout x normalization ---------------------------------------------------------------


def variance_shift(net, X, p):
    """Per BatchNorm of ``net``, in order: the median over its units of (running variance) /
    (variance of its inputs at inference, on ``X``), and the ratio the dropout noise predicts.

    A Dense layer after an inverted dropout of rate p sees, in training, its inference input
    plus independent noise: per output unit k, ``Var_train = Var_inference + p/(1-p) *
    sum_j W[j,k]**2 * E[a_j**2]``, with ``a`` the activations that the dropout masks.
    """
    measured, predicted = [], []
    x = X.astype(np.float64)
    dropped = None  # the input of the last Dropout seen (what a following Dense sees, undropped)
    dense = None  # the last Dense layer seen: the one whose output a BatchNorm normalizes
    for layer in net.layers:
        kind = type(layer).__name__
        if kind == "Dropout":
            dropped = x
        if isinstance(layer, BatchNorm):
            var = x.var(axis=0, ddof=1)
            measured.append(float(np.median(layer.running_var / var)))
            if dropped is None or p == 0:
                predicted.append(1.0)
            else:
                w = dense.weight.data.astype(np.float64)
                noise = p / (1 - p) * (np.mean(dropped**2, axis=0) @ (w**2))
                predicted.append(float(np.median(1 + noise / var)))
        if kind == "Dense":
            dense = layer
        x = layer.forward(x.astype(np.float32)).astype(np.float64)
    return measured, predicted


def recalibrate(net, X):
    """Recompute every BatchNorm's running mean and variance from ``X`` at inference (dropout
    off), in order, so that each one sees the inputs of the already recalibrated ones."""
    x = X
    for layer in net.layers:
        if isinstance(layer, BatchNorm):
            layer.running_mean[...] = x.mean(axis=0)
            layer.running_var[...] = x.var(axis=0, ddof=1)
        x = layer.forward(x)


def scores(clf, X, y):
    proba = clf.predict_proba(X)
    return float(np.mean(proba.argmax(axis=1) == y)), log_loss(proba, y)


def dropout_grid(results):
    out = {}
    for dataset in DATASETS:
        X, y = load(dataset)
        cells = {}
        for norm in NORMS:
            for p in DROPOUTS:
                acc, nll, shift, predicted, acc_re, nll_re = [], [], [], [], [], []
                for seed in SEEDS:
                    X_tr, X_te, y_tr, y_te = split_scaled(X, y, seed=seed)
                    clf = MLPClassifier(
                        HIDDEN,
                        dropout=p,
                        normalization=norm,
                        max_epochs=EPOCHS,
                        early_stopping=False,
                        random_state=seed,
                    ).fit(X_tr, y_tr)
                    a, l = scores(clf, X_te, y_te)
                    acc.append(a)
                    nll.append(l)
                    if norm == "batch":
                        m, q = variance_shift(clf.network_, X_tr, p)
                        shift.append(m)
                        predicted.append(q)
                        recalibrate(clf.network_, X_tr)
                        a, l = scores(clf, X_te, y_te)
                        acc_re.append(a)
                        nll_re.append(l)
                cell = {"accuracy": mean_std(acc), "log_loss": mean_std(nll)}
                if norm == "batch":
                    shift, predicted = np.array(shift), np.array(predicted)
                    cell["shift"] = [mean_std(shift[:, i]) for i in range(shift.shape[1])]
                    cell["predicted_shift"] = [mean_std(predicted[:, i]) for i in range(shift.shape[1])]
                    cell["recalibrated_accuracy"] = mean_std(acc_re)
                    cell["recalibrated_log_loss"] = mean_std(nll_re)
                    cell["recalibration_change_accuracy"] = mean_std(np.array(acc_re) - np.array(acc))
                    cell["recalibration_change_log_loss"] = mean_std(np.array(nll_re) - np.array(nll))
                cells[f"{name(norm)}_{p:g}"] = cell
        out[dataset] = {"cells": cells, "n_rows": len(y), "n_test": len(y_te)}
        for norm in NORMS:
            best = max(DROPOUTS, key=lambda p: cells[f"{name(norm)}_{p:g}"]["accuracy"]["mean"])
            out[dataset][f"best_dropout_{name(norm)}"] = best
        out[dataset]["best_cell"] = max(cells, key=lambda k: cells[k]["accuracy"]["mean"])
        worst = min(cells, key=lambda k: cells[k]["accuracy"]["mean"])
        out[dataset]["worst_cell"] = "normalization={}, dropout {}".format(*worst.split("_"))
        means = [c["accuracy"]["mean"] for c in cells.values()]
        out[dataset]["accuracy_min"], out[dataset]["accuracy_max"] = min(means), max(means)
        out[dataset]["median_accuracy_std"] = float(np.median([c["accuracy"]["std"] for c in cells.values()]))
        # log-loss: BatchNorm against no normalization at each dropout rate
        pairs = [(cells[f"batch_{p:g}"]["log_loss"], cells[f"none_{p:g}"]["log_loss"]) for p in DROPOUTS]
        out[dataset]["batch_lower_log_loss"] = sum(b["mean"] < n["mean"] for b, n in pairs)
        out[dataset]["batch_lower_log_loss_beyond_sd"] = sum(
            n["mean"] - b["mean"] > max(b["std"], n["std"]) for b, n in pairs
        )
    results["grid"] = out
    results["grid_summary"] = {
        "cells": len(DATASETS) * len(DROPOUTS),
        "batch_lower_log_loss": sum(out[d]["batch_lower_log_loss"] for d in DATASETS),
        "batch_lower_log_loss_beyond_sd": sum(out[d]["batch_lower_log_loss_beyond_sd"] for d in DATASETS),
        # the largest change, over datasets and rates, that recomputing the statistics made
        "max_recalibration_log_loss_change": max(
            abs(out[d]["cells"][f"batch_{p:g}"]["recalibration_change_log_loss"]["mean"])
            for d in DATASETS
            for p in DROPOUTS
        ),
        "max_recalibration_accuracy_change": max(
            abs(out[d]["cells"][f"batch_{p:g}"]["recalibration_change_accuracy"]["mean"])
            for d in DATASETS
            for p in DROPOUTS
        ),
    }
    save_table(
        "ch8_dropout_grid",
        ["dataset", "normalization", *(f"dropout {p:g}: accuracy (log-loss)" for p in DROPOUTS)],
        [
            (
                dataset,
                name(norm),
                *(
                    f"{pm(c['accuracy'])} ({pm(c['log_loss'])})"
                    for c in (out[dataset]["cells"][f"{name(norm)}_{p:g}"] for p in DROPOUTS)
                ),
            )
            for dataset in DATASETS
            for norm in NORMS
        ],
    )
    save_table(
        "ch8_variance_shift",
        [
            "dataset",
            "dropout",
            "BatchNorm 1: running / inference variance",
            "BatchNorm 2: measured",
            "BatchNorm 2: predicted by the dropout noise",
            "accuracy (log-loss)",
            "after recomputing the statistics",
        ],
        [
            (
                dataset,
                f"{p:g}",
                pm(c["shift"][0], ".2f"),
                pm(c["shift"][1], ".2f"),
                pm(c["predicted_shift"][1], ".2f"),
                f"{c['accuracy']['mean']:.3f} ({c['log_loss']['mean']:.3f})",
                f"{c['recalibrated_accuracy']['mean']:.3f} ({c['recalibrated_log_loss']['mean']:.3f})",
            )
            for dataset in DATASETS
            for p in DROPOUTS
            for c in (out[dataset]["cells"][f"batch_{p:g}"],)
        ],
    )


# --- (2) and (3): weight decay and L1 x normalization ------------------------------------------


class FirstLayerLog:
    """Callback: the first Dense layer's weight norm after every epoch, the root mean square of
    its relative update ``||W_t - W_{t-1}|| / ||W_{t-1}||`` over each epoch's steps, and its
    share of exact zeros after every epoch."""

    def __init__(self, net):
        self.previous = net.dense_layers[0].weight.data.astype(np.float64)
        self.norms = [float(np.linalg.norm(self.previous))]
        self.updates, self.zeros, self._epoch = [], [], []
        self.steps = 0

    def on_batch_end(self, trainer, epoch, position):
        w = trainer.model.dense_layers[0].weight.data.astype(np.float64)
        self._epoch.append(np.linalg.norm(w - self.previous) / np.linalg.norm(self.previous))
        self.previous = w
        self.steps += 1

    def on_epoch_end(self, trainer, epoch, logs):
        self.norms.append(float(np.linalg.norm(self.previous)))
        self.updates.append(float(np.sqrt(np.mean(np.square(self._epoch)))))
        self.zeros.append(float(np.mean(self.previous == 0)))
        self._epoch = []


def fit_logged(X, y, norm, optimizer, regularizer, seed):
    net = mlp([X.shape[1], 128, int(y.max()) + 1], normalization=norm, seed=seed)
    log = FirstLayerLog(net)
    Trainer(
        net, CrossEntropy(), optimizer, regularizer=regularizer, epochs=EPOCHS, seed=seed, callbacks=[log]
    ).fit(X, y)
    return net, log


def accuracy(net, X, y) -> float:
    return float(np.mean(net.forward(X).argmax(axis=1) == y))


def weight_decay(results):
    X, y = load("digits")
    out = {"sgd_lr": SGD_LR, "l2": list(L2_GRID)}
    curves = {}
    tail = 10  # epochs over which the relative update is averaged at the end
    for opt in ("sgd", "adam"):
        for norm in NORMS:
            for lam in L2_GRID:
                norms, updates, accs, steps = [], [], [], []
                for seed in SEEDS:
                    X_tr, X_te, y_tr, y_te = split_scaled(X, y, seed=seed)
                    optimizer = SGD(SGD_LR) if opt == "sgd" else Adam(1e-3)
                    net, log = fit_logged(X_tr, y_tr, norm, optimizer, L2(lam) if lam else None, seed)
                    norms.append(log.norms)
                    updates.append(log.updates)
                    accs.append(accuracy(net, X_te, y_te))
                    steps.append(log.steps)
                norms, updates = np.array(norms), np.array(updates)
                key = f"{opt}_{name(norm)}_{lam:g}"
                curves[key] = (norms.mean(0), updates.mean(0))
                out[key] = {
                    "initial_norm": mean_std(norms[:, 0]),
                    "final_norm": mean_std(norms[:, -1]),
                    "norm_ratio": mean_std(norms[:, -1] / norms[:, 0]),
                    "final_update": mean_std(np.sqrt(np.mean(updates[:, -tail:] ** 2, axis=1))),
                    "accuracy": mean_std(accs),
                    "equilibrium_update": 2 * np.sqrt(SGD_LR * lam) if opt == "sgd" else None,
                    # SGD: W <- W - lr (g + 2 lam W); with g orthogonal to W only the decay moves the norm
                    "decay_only_norm": mean_std(norms[:, 0] * (1 - 2 * SGD_LR * lam) ** np.array(steps))
                    if opt == "sgd"
                    else None,
                    "steps": int(steps[0]),
                }
    out["tail_epochs"] = tail
    for opt in ("sgd", "adam"):
        # how much larger the relative step is with BatchNorm than without, at the largest lambda
        out[f"update_gain_{opt}"] = (
            out[f"{opt}_batch_{L2_GRID[-1]:g}"]["final_update"]["mean"]
            / out[f"{opt}_none_{L2_GRID[-1]:g}"]["final_update"]["mean"]
        )
    accs = [v["accuracy"]["mean"] for k, v in out.items() if isinstance(v, dict) and "accuracy" in v]
    out["accuracy_min"], out["accuracy_max"] = min(accs), max(accs)
    out["median_accuracy_std"] = float(
        np.median([v["accuracy"]["std"] for v in out.values() if isinstance(v, dict) and "accuracy" in v])
    )
    # SGD: the norm shrinks by a factor e per 1 / (2 lr lam) steps of decay alone
    out["decay_time_steps"] = {f"{lam:g}": 1 / (2 * SGD_LR * lam) for lam in L2_GRID if lam}
    results["l2"] = out

    def row(opt, norm, lam):
        c = out[f"{opt}_{name(norm)}_{lam:g}"]
        predicted = "" if opt != "sgd" else f"{c['decay_only_norm']['mean']:.1f}"
        return (
            "SGD" if opt == "sgd" else "Adam",
            name(norm),
            f"{lam:g}",
            f"{c['initial_norm']['mean']:.1f} → {pm(c['final_norm'], '.1f')}",
            pm(c["final_update"], ".4f"),
            predicted,
            pm(c["accuracy"]),
        )

    save_table(
        "ch8_l2",
        [
            "optimizer",
            "normalization",
            "L2 λ",
            "‖W₁‖: start → end",
            f"‖ΔW₁‖/‖W₁‖ per step (last {tail} epochs)",
            "‖W₁‖ by the decay alone",
            "test accuracy",
        ],
        [row(opt, norm, lam) for opt in ("sgd", "adam") for norm in NORMS for lam in L2_GRID],
    )
    return curves


def l1_zeros(results):
    X, y = load("digits")
    out = {"strengths": list(L1_GRID)}
    zero_curves = {}
    for norm in NORMS:
        for lam in L1_GRID:
            zeros, dead, inputs, accs, curves, constant = [], [], [], [], [], []
            for seed in SEEDS[:2]:
                X_tr, X_te, y_tr, y_te = split_scaled(X, y, seed=seed)
                net, log = fit_logged(X_tr, y_tr, norm, Adam(1e-3), L1(lam), seed)
                w = net.dense_layers[0].weight.data
                zeros.append(float(np.mean(w == 0)))
                dead.append(int(np.sum(np.all(w == 0, axis=0))))
                inputs.append(int(np.sum(np.all(w == 0, axis=1))))
                accs.append(accuracy(net, X_te, y_te))
                curves.append(log.zeros)
                constant.append(int(np.sum(X_tr.std(axis=0) == 0)))
            key = f"{name(norm)}_{lam:g}"
            zero_curves[key] = np.array(curves)
            out[key] = {
                "zero_fraction": mean_std(zeros),
                "dead_units": mean_std(dead),
                "inputs_removed": mean_std(inputs),
                "accuracy": mean_std(accs),
                "peak_zero_fraction": mean_std(np.max(curves, axis=1)),
                "constant_inputs": mean_std(constant),
            }
    accs = [out[f"{name(norm)}_{lam:g}"]["accuracy"]["mean"] for norm in NORMS for lam in L1_GRID]
    out["accuracy_min"], out["accuracy_max"] = min(accs), max(accs)
    # zeros kept under BatchNorm, as a share of those without normalization, per strength
    kept = [
        out[f"batch_{lam:g}"]["zero_fraction"]["mean"] / out[f"none_{lam:g}"]["zero_fraction"]["mean"]
        for lam in L1_GRID
    ]
    out["batch_zero_share_min"], out["batch_zero_share_max"] = min(kept), max(kept)
    results["l1"] = out
    save_table(
        "ch8_l1",
        [
            "normalization",
            "L1 λ (proximal, Adam)",
            "exact zeros in W₁",
            "units with all-zero weights (of 128)",
            "inputs with all-zero weights (of 64)",
            "test accuracy",
        ],
        [
            (
                name(norm),
                f"{lam:g}",
                pm(c["zero_fraction"], ".1%"),
                pm(c["dead_units"], ".1f"),
                pm(c["inputs_removed"], ".1f"),
                pm(c["accuracy"]),
            )
            for norm in NORMS
            for lam in L1_GRID
            for c in (out[f"{name(norm)}_{lam:g}"],)
        ],
    )
    return zero_curves


def figures(results, l2_curves, zero_curves):
    grid = results["grid"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for layer, marker in ((0, "s"), (1, "o")):
        for dataset, color in zip(DATASETS, ("tab:blue", "tab:orange"), strict=True):
            cells = [grid[dataset]["cells"][f"batch_{p:g}"] for p in DROPOUTS]
            axes[0].errorbar(
                DROPOUTS,
                [c["shift"][layer]["mean"] for c in cells],
                yerr=[c["shift"][layer]["std"] for c in cells],
                fmt=marker + ("-" if layer else ":"),
                color=color,
                capsize=3,
                label=f"{dataset}, BatchNorm {layer + 1}",
            )
    axes[0].axhline(1.0, color="grey", lw=0.8)
    axes[0].set(
        xlabel="dropout rate",
        ylabel="running variance / inference variance",
        title="Variance shift (median over units)",
    )
    axes[0].legend(fontsize=8)
    for ax, dataset in zip(axes[1:], DATASETS, strict=True):
        for k, norm in enumerate(NORMS):
            cells = [grid[dataset]["cells"][f"{name(norm)}_{p:g}"] for p in DROPOUTS]
            x = np.array(DROPOUTS) + (k - 1) * 0.012
            ax.errorbar(
                x,
                [c["accuracy"]["mean"] for c in cells],
                yerr=[c["accuracy"]["std"] for c in cells],
                fmt="o-",
                capsize=3,
                label=f"normalization={name(norm)}",
            )
        cells = [grid[dataset]["cells"][f"batch_{p:g}"] for p in DROPOUTS]
        ax.plot(
            DROPOUTS,
            [c["recalibrated_accuracy"]["mean"] for c in cells],
            "k--",
            lw=1,
            label="batch, statistics recomputed without dropout",
        )
        ax.set(
            xlabel="dropout rate",
            ylabel="test accuracy (mean ± sd, 3 seeds)",
            title=f"{dataset}: {HIDDEN[0]}-{HIDDEN[1]} hidden units, {EPOCHS} epochs",
        )
        ax.legend(fontsize=8)
    save_figure(fig, "ch8_dropout_batchnorm")

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    epochs = np.arange(EPOCHS + 1)
    colors = dict(zip(L2_GRID, ("tab:blue", "tab:orange", "tab:green"), strict=True))
    for norm, style in ((None, ":"), ("batch", "-")):
        for lam in L2_GRID:
            norms, updates = l2_curves[f"sgd_{name(norm)}_{lam:g}"]
            label = f"{name(norm)}, λ={lam:g}"
            axes[0].plot(epochs, norms, style, color=colors[lam], label=label)
            axes[1].plot(epochs[1:], updates, style, color=colors[lam], label=label)
    for lam in L2_GRID[1:]:
        axes[1].axhline(2 * np.sqrt(SGD_LR * lam), color=colors[lam], lw=0.8, ls="--")
    axes[0].set(xlabel="epoch", ylabel="‖W₁‖", title=f"SGD (lr {SGD_LR:g}): first-layer weight norm")
    axes[1].set(
        xlabel="epoch",
        ylabel="‖ΔW₁‖/‖W₁‖ per step (RMS over the epoch)",
        yscale="log",
        title="Effective step; dashed: 2√(lr·λ)",
    )
    for ax in axes[:2]:
        ax.legend(fontsize=7, ncol=2)
    for norm, marker in zip(NORMS, ("o", "s", "^"), strict=True):
        for opt, style in (("sgd", "-"), ("adam", "--")):
            cells = [results["l2"][f"{opt}_{name(norm)}_{lam:g}"]["accuracy"] for lam in L2_GRID]
            axes[2].errorbar(
                range(len(L2_GRID)),
                [c["mean"] for c in cells],
                yerr=[c["std"] for c in cells],
                fmt=marker + style,
                capsize=3,
                label=f"{'SGD' if opt == 'sgd' else 'Adam'}, {name(norm)}",
            )
    axes[2].set_xticks(range(len(L2_GRID)), [f"{lam:g}" for lam in L2_GRID])
    axes[2].set(xlabel="L2 λ", ylabel="test accuracy (mean ± sd, 3 seeds)", title="Digits, 64-128-10")
    axes[2].legend(fontsize=7, ncol=2)
    save_figure(fig, "ch8_weight_decay")

    fig, axes = plt.subplots(1, len(L1_GRID), figsize=(15, 4), sharey=True)
    for ax, lam in zip(axes, L1_GRID, strict=True):
        for norm, color in zip(NORMS, ("tab:blue", "tab:orange", "tab:green"), strict=True):
            for i, curve in enumerate(zero_curves[f"{name(norm)}_{lam:g}"]):
                ax.plot(
                    np.arange(1, EPOCHS + 1),
                    curve,
                    color=color,
                    ls="-" if i == 0 else "--",
                    label=f"{name(norm)}" if i == 0 else None,
                )
        ax.set(xlabel="epoch", title=f"proximal L1, λ = {lam:g} (Adam)")
        ax.legend(fontsize=8, title="normalization (two seeds)", title_fontsize=8)
    axes[0].set_ylabel("share of exact zeros in W₁")
    save_figure(fig, "ch8_l1_zeros")


def main():
    results = {
        "seeds": len(SEEDS),
        "epochs": EPOCHS,
        "hidden": list(HIDDEN),
        "dropouts": list(DROPOUTS),
    }
    dropout_grid(results)
    l2_curves = weight_decay(results)
    zero_curves = l1_zeros(results)
    figures(results, l2_curves, zero_curves)
    save_results("ch8", results)


if __name__ == "__main__":
    main()
