"""Chapter 7: choosing and combining -- a nested cross-validated comparison.

For each built-in dataset and each family of regularization (none, L1, L2, dropout, and
combinations), the strengths are chosen by ``ridgeback.tune`` (3-fold CV) inside each training
split of an outer 5-fold CV, and the chosen model is scored on the outer test split. The outer
score therefore measures the whole procedure "regularize this way and tune by CV", not one
lucky setting. Networks: one hidden layer of 64 ReLU units, Adam (learning rate 3e-3, 100 epochs),
early stopping off, inputs standardized inside every fold.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from common import load, save_figure, save_results, save_table
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ridgeback import MLPClassifier, tune

P = "mlpclassifier__"
FAMILIES = {
    "none": {P + "l2": [0.0]},
    "L1": {P + "l1": [1e-4, 1e-3, 1e-2]},
    "L2": {P + "l2": [1e-4, 1e-3, 1e-2]},
    "dropout": {P + "dropout": [0.2, 0.5]},
    "L1 + dropout": {P + "l1": [1e-4, 1e-3], P + "dropout": [0.2, 0.5]},
    "L2 + dropout": {P + "l2": [1e-4, 1e-3], P + "dropout": [0.2, 0.5]},
    "dropout + max-norm 3": {P + "dropout": [0.2, 0.5], P + "max_norm": [3.0]},
}
DATASETS = {"digits": 500, "breast_cancer": None, "wine": None, "iris": None}
OUTER, INNER = 5, 3


def estimator():
    # early stopping off: "none" is then truly unregularized, and every family trains as long
    return make_pipeline(
        StandardScaler(),
        MLPClassifier((64,), max_epochs=100, learning_rate=3e-3, early_stopping=False, random_state=0),
    )


def main():
    results = {"families": list(FAMILIES), "datasets": {}, "outer_folds": OUTER, "inner_folds": INNER}
    for dataset, n_rows in DATASETS.items():
        X, y = load(dataset)
        if n_rows is not None:  # a subsample keeps make docs short and leaves room to overfit
            idx = np.random.default_rng(0).permutation(len(y))[:n_rows]
            X, y = X[idx], y[idx]
        outer = list(StratifiedKFold(OUTER, shuffle=True, random_state=0).split(X, y))
        scores = {f: [] for f in FAMILIES}
        chosen = {f: [] for f in FAMILIES}
        for train_idx, test_idx in outer:
            for family, grid in FAMILIES.items():
                result = tune(estimator(), X[train_idx], y[train_idx], grid, cv=INNER, random_state=0)
                scores[family].append(float(result.best_estimator_.score(X[test_idx], y[test_idx])))
                chosen[family].append({k[len(P) :]: v for k, v in result.best_params_.items()})
        summary = {}
        for family, s in scores.items():
            s = np.array(s)
            summary[family] = {
                "mean": float(s.mean()),
                "se": float(s.std(ddof=1) / np.sqrt(len(s))),
                "fold_scores": s,
                "chosen": chosen[family],
            }
        best = max(summary, key=lambda f: summary[f]["mean"])
        base = np.array(scores["none"])
        for family in FAMILIES:
            diff = np.array(scores[family]) - base
            summary[family]["gain_over_none"] = float(diff.mean())
            summary[family]["gain_se"] = float(diff.std(ddof=1) / np.sqrt(len(diff)))
        results["datasets"][dataset] = {
            "n_rows": len(y),
            "n_features": X.shape[1],
            "best": best,
            "families": summary,
        }
        print(f"[ch7] {dataset}: best {best}", flush=True)

    names = list(DATASETS)
    header = ["regularization"] + [f"{d} (n={results['datasets'][d]['n_rows']})" for d in names]
    rows = []
    for family in FAMILIES:
        row = [family]
        for d in names:
            s = results["datasets"][d]["families"][family]
            cell = f"{s['mean']:.3f} ± {s['se']:.3f}"
            top = results["datasets"][d]["families"][results["datasets"][d]["best"]]["mean"]
            row.append(f"**{cell}**" if abs(s["mean"] - top) < 1e-12 else cell)  # ties all in bold
        rows.append(row)
    save_table("ch7_compare", header, rows)
    gain_rows = []
    for family in list(FAMILIES)[1:]:
        gain_rows.append(
            [family]
            + [
                f"{results['datasets'][d]['families'][family]['gain_over_none']:+.3f} ± "
                f"{results['datasets'][d]['families'][family]['gain_se']:.3f}"
                for d in names
            ]
        )
    save_table("ch7_gains", ["regularization"] + names, gain_rows)
    # how often a regularized family beats "none" by more than 2 paired standard errors
    clear = [
        (d, f)
        for d in names
        for f in list(FAMILIES)[1:]
        if results["datasets"][d]["families"][f]["gain_over_none"]
        > 2 * results["datasets"][d]["families"][f]["gain_se"]
    ]
    # does a combination beat the better of its two parts?
    combos = {"L1 + dropout": ("L1", "dropout"), "L2 + dropout": ("L2", "dropout")}
    margins = []
    for d in names:
        fams = results["datasets"][d]["families"]
        for combo, parts in combos.items():
            margin = fams[combo]["mean"] - max(fams[p]["mean"] for p in parts)
            margins.append((d, combo, margin))
    wins = [(d, c, m) for d, c, m in margins if m > 1e-12]
    results["combo_comparisons"] = len(margins)
    results["combo_wins"] = len(wins)
    results["combo_win_text"] = "; ".join(f"{c} on {d}, by {m:.3f}" for d, c, m in wins) or "none"
    results["combo_max_margin"] = max(m for _, _, m in margins)
    results["clear_wins"] = len(clear)
    results["clear_win_list"] = [f"{f} on {d}" for d, f in clear]
    results["clear_win_text"] = "; ".join(f"{f} on {d}" for d, f in clear) or "none"
    results["comparisons"] = len(names) * (len(FAMILIES) - 1)

    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 4.4), sharey=False)
    for ax, d in zip(axes, names, strict=True):
        fams = results["datasets"][d]["families"]
        means = [fams[f]["mean"] for f in FAMILIES]
        ses = [fams[f]["se"] for f in FAMILIES]
        colors = ["tab:grey"] + ["tab:blue"] * (len(FAMILIES) - 1)
        ax.barh(range(len(FAMILIES)), means, xerr=ses, color=colors, capsize=3)
        ax.set_yticks(range(len(FAMILIES)), list(FAMILIES) if d == names[0] else [""] * len(FAMILIES))
        ax.invert_yaxis()
        lo = min(m - s for m, s in zip(means, ses, strict=True))
        ax.set_xlim(max(0.0, lo - 0.03), 1.0)
        ax.set(xlabel="outer-CV accuracy (± 1 SE)", title=f"{d} (n={results['datasets'][d]['n_rows']})")
    fig.suptitle("Nested CV: strengths tuned by 3-fold CV inside each of 5 outer folds")
    save_figure(fig, "ch7_compare")
    save_results("ch7", results)


if __name__ == "__main__":
    main()
