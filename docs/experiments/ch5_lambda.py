"""Chapter 5: choosing lambda -- the validation curve, lambda_min and lambda_1se.

``ridgeback.regularization_path`` (5-fold cross-validation, warm starts along the path) on
(1) a sparse synthetic task: 300 rows, 50 features of which 5 are informative, L1 on a
    50-32-2 network; (2) 400 digits images, L2 on a 64-64-10 network.
Each grid reaches past the strength that removes everything, so that both sides show:
underfitting at large lambda, overfitting (train score 1, lower test score) at small lambda.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from common import load, save_figure, save_results, save_table
from sklearn.datasets import make_classification
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ridgeback import MLPClassifier, regularization_path


def path_summary(path, extra=None):
    out = {
        "values": path.values,
        "mean_score": path.mean_score,
        "std_score": path.std_score,
        "mean_train_score": path.mean_train_score,
        "n_active_features": path.n_active_features,
        "lambda_min": path.lambda_min,
        "lambda_1se": path.lambda_1se,
        "n_folds": path.n_folds,
        "n_values": int(path.values.size),
        "score_min": float(path.mean_score[path.index_min]),
        "score_1se": float(path.mean_score[path.index_1se]),
        "se_min": float(path.std_score[path.index_min] / np.sqrt(path.n_folds)),
        "active_min": float(path.n_active_features[path.index_min]),
        "active_1se": float(path.n_active_features[path.index_1se]),
        "score_largest": float(path.mean_score[0]),
        "score_smallest": float(path.mean_score[-1]),
        "train_smallest": float(path.mean_train_score[-1]),
        "train_largest": float(path.mean_train_score[0]),
    }
    out.update(extra or {})
    return out


def plot_path(ax, path, title, xlabel, legend_loc="center left"):
    v = path.values
    se = path.std_score / np.sqrt(path.n_folds)
    ax.plot(v, path.mean_train_score, "s--", color="tab:grey", ms=4, label="training score (mean over folds)")
    ax.plot(v, path.mean_score, "o-", color="tab:blue", ms=4, label="validation score (mean over folds)")
    ax.fill_between(
        v, path.mean_score - se, path.mean_score + se, color="tab:blue", alpha=0.2, label="± 1 SE"
    )
    ax.axvline(path.lambda_min, color="tab:green", ls="--", label=f"λ_min = {path.lambda_min:.2g}")
    ax.axvline(path.lambda_1se, color="tab:red", ls=":", label=f"λ_1se = {path.lambda_1se:.2g}")
    ax.set_xscale("log")
    ax.set(xlabel=xlabel, ylabel="accuracy", title=title)
    ax.text(0.02, 0.04, "← overfitting", transform=ax.transAxes, fontsize=8)
    ax.text(0.98, 0.04, "underfitting →", transform=ax.transAxes, fontsize=8, ha="right")
    ax.legend(fontsize=7, loc=legend_loc)


def main():
    results = {}
    X, y = make_classification(
        n_samples=300, n_features=50, n_informative=5, n_redundant=0, shuffle=False, random_state=0
    )
    est = make_pipeline(StandardScaler(), MLPClassifier((32,), max_epochs=100, random_state=0))
    l1_path = regularization_path(
        est, X, y, param="l1", values=np.geomspace(1.0, 1e-4, 25), cv=5, random_state=0
    )
    kept = np.asarray(l1_path.best_estimator_[-1].network_.dense_layers[0].weight.data != 0).any(axis=1)
    results["l1"] = path_summary(
        l1_path, {"refit_informative_kept": int(kept[:5].sum()), "refit_noise_kept": int(kept[5:].sum())}
    )

    Xd, yd = load("digits")
    idx = np.random.default_rng(0).permutation(len(yd))[:400]
    est = make_pipeline(StandardScaler(), MLPClassifier((64,), max_epochs=100, random_state=0))
    l2_path = regularization_path(
        est,
        Xd[idx],
        yd[idx],
        param="l2",
        values=np.geomspace(1.0, 1e-5, 21),
        cv=5,
        random_state=0,
        refit=False,
    )
    results["l2"] = path_summary(l2_path)

    rows = []
    for name, p in (("L1, sparse synthetic", l1_path), ("L2, 400 digits", l2_path)):
        for label, i in (("λ_min", p.index_min), ("λ_1se", p.index_1se)):
            rows.append(
                (
                    name,
                    label,
                    f"{p.values[i]:.2g}",
                    f"{p.mean_score[i]:.3f} ± {p.std_score[i] / np.sqrt(p.n_folds):.3f}",
                    f"{p.n_active_features[i]:.1f}",
                )
            )
    save_table(
        "ch5_choices", ["path", "rule", "λ", "CV accuracy ± SE", "active inputs (mean over folds)"], rows
    )

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.4))
    plot_path(
        axes[0],
        l1_path,
        "L1 path: 5 informative + 45 noise features",
        "L1 strength λ (log scale)",
        "upper right",
    )
    ax = axes[1]
    ax.plot(l1_path.values, l1_path.n_active_features, "o-", color="tab:purple")
    ax.axvline(l1_path.lambda_min, color="tab:green", ls="--", label="λ_min")
    ax.axvline(l1_path.lambda_1se, color="tab:red", ls=":", label="λ_1se")
    ax.axhline(5, color="grey", lw=0.8, label="5 informative features")
    ax.set_xscale("log")
    ax.set(
        xlabel="L1 strength λ (log scale)",
        ylabel="input features still used (mean over folds)",
        title="Features kept along the L1 path",
    )
    ax.legend(fontsize=8)
    plot_path(axes[2], l2_path, "L2 path: 400 digits images", "L2 strength λ (log scale)")
    save_figure(fig, "ch5_lambda_paths")
    save_results("ch5", results)


if __name__ == "__main__":
    main()
