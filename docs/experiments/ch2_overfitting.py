"""Chapter 2: overfitting, seen in learning curves on a small and a large training set.

Digits, an unregularized 64-256-10 ReLU network trained with Adam; (1) per-epoch training and
test loss for 100 and for all 1257 training images; (2) final train and test accuracy as the
training set grows.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from common import accuracy, load, save_figure, save_results, split_scaled, train

EPOCHS = 150
SIZES = (50, 100, 200, 400, 800, 1257)


def main():
    X_tr, X_te, y_tr, y_te = split_scaled(*load("digits"))
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y_tr))
    results = {"n_test": len(y_te)}
    curves = {}
    # the same number of optimizer steps (about 5,900) for both runs: 100 rows make 4 batches an epoch
    for label, n, epochs in (("small", 100, 1500), ("large", len(y_tr), EPOCHS)):
        idx = order[:n]
        trainer = train(X_tr[idx], y_tr[idx], hidden=(256,), epochs=epochs, validation_data=(X_te, y_te))
        h = trainer.history
        curves[label] = (n, h)
        best = int(np.argmin(h.val_loss))
        results[label] = {
            "n_train": n,
            "epochs": epochs,
            "best_epoch": best + 1,
            "best_test_loss": h.val_loss[best],
            "final_test_loss": h.val_loss[-1],
            "final_train_loss": h.train_loss[-1],
            "final_train_accuracy": h.train_accuracy[-1],
            "final_test_accuracy": h.val_accuracy[-1],
            "test_loss_rise": h.val_loss[-1] / h.val_loss[best],
        }

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, label in zip(axes, ("small", "large"), strict=True):
        n, h = curves[label]
        epochs = np.arange(1, h.epochs + 1)
        ax.plot(epochs, h.train_loss, label="training loss")
        ax.plot(epochs, h.val_loss, label="test loss")
        best = results[label]["best_epoch"]
        ax.axvline(best, color="grey", ls="--", lw=0.8, label=f"lowest test loss (epoch {best})")
        ax.set_yscale("log")
        ax.set(xlabel="epoch", title=f"{n} training images")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("cross-entropy (log scale)")
    fig.suptitle("Digits, 64-256-10 ReLU network, no regularization")
    save_figure(fig, "ch2_learning_curves")

    train_acc, test_acc = [], []
    for n in SIZES:
        idx = order[:n]
        trainer = train(X_tr[idx], y_tr[idx], hidden=(256,), epochs=EPOCHS if n <= 400 else 60)
        train_acc.append(accuracy(trainer.model, X_tr[idx], y_tr[idx]))
        test_acc.append(accuracy(trainer.model, X_te, y_te))
    results["by_size"] = {"sizes": list(SIZES), "train_accuracy": train_acc, "test_accuracy": test_acc}
    results["gap_smallest"] = train_acc[0] - test_acc[0]
    results["gap_largest"] = train_acc[-1] - test_acc[-1]
    fig, ax = plt.subplots(figsize=(6, 4.2))
    ax.plot(SIZES, train_acc, "o-", label="training accuracy")
    ax.plot(SIZES, test_acc, "o-", label="test accuracy")
    ax.fill_between(SIZES, test_acc, train_acc, alpha=0.15, label="generalization gap")
    ax.set_xscale("log")
    ax.set(
        xlabel="training images (log scale)", ylabel="accuracy", title="Digits: the gap closes as data grows"
    )
    ax.legend()
    save_figure(fig, "ch2_gap_vs_size")
    save_results("ch2", results)


if __name__ == "__main__":
    main()
