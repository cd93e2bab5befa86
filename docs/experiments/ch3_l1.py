"""Chapter 3: L1 -- exact zeros, feature selection with GroupL1, and Ng's (2004) experiment.

(1) Digits, 64-128-10 network, Adam: proximal L1 (soft-thresholding after each step) against
    the subgradient form (lambda*sign(w) added to the gradient, as Keras does), over a range of
    strengths: share of exactly-zero weights, of |w| < 1e-3, and test accuracy.
(2) GroupL1 on the first layer: a synthetic task with 10 informative and 40 noise features,
    and digits, where the pixels that are constant in the training images must disappear.
(3) Ng (2004): logistic regression with one relevant feature among d, 100 training rows;
    test error of L1 and of L2, each with its strength chosen on a validation set, as d grows.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from common import accuracy, load, save_figure, save_results, save_table, split_scaled, train
from sklearn.datasets import make_classification

from ridgeback import L1, L2, SGD, Adam, CrossEntropy, GroupL1, Trainer, mlp, selected_features

STRENGTHS = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3)


def exact_zeros(results):
    X_tr, X_te, y_tr, y_te = split_scaled(*load("digits"))
    rows = []
    weights = {}
    base = train(X_tr, y_tr, epochs=40)
    results["baseline_accuracy"] = accuracy(base.model, X_te, y_te)
    out = {"proximal": [], "subgradient": []}
    for proximal in (True, False):
        key = "proximal" if proximal else "subgradient"
        for lam in STRENGTHS:
            trainer = train(X_tr, y_tr, epochs=40, regularizer=L1(lam, proximal=proximal))
            w = trainer.model.dense_layers[0].weight.data
            entry = {
                "strength": lam,
                "zero_fraction": float(np.mean(w == 0)),
                "small_fraction": float(np.mean(np.abs(w) < 1e-3)),
                "accuracy": accuracy(trainer.model, X_te, y_te),
            }
            out[key].append(entry)
            rows.append(
                (
                    key,
                    f"{lam:g}",
                    f"{entry['zero_fraction']:.1%}",
                    f"{entry['small_fraction']:.1%}",
                    f"{entry['accuracy']:.3f}",
                )
            )
            if lam == 3e-4:
                weights[key] = w.ravel().copy()
    results["l1_sweep"] = out
    results["subgradient_max_zero_fraction"] = max(e["zero_fraction"] for e in out["subgradient"])
    save_table(
        "ch3_l1_sweep",
        ["L1 form", "λ", "exact zeros (layer 1)", "magnitude < 1e-3 (layer 1)", "test accuracy"],
        rows,
    )
    chosen = {k: next(e for e in v if e["strength"] == 3e-4) for k, v in out.items()}
    results["at_3e-4"] = chosen
    # the strongest proximal strength whose accuracy stays within 1.5 points of no penalty
    ok = [e for e in out["proximal"] if e["accuracy"] >= results["baseline_accuracy"] - 0.015]
    results["sparsest_within_1_5"] = max(ok, key=lambda e: e["zero_fraction"]) if ok else None

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    ax = axes[0]
    for key, marker, color in (("proximal", "o", "tab:blue"), ("subgradient", "s", "tab:orange")):
        lams = [e["strength"] for e in out[key]]
        ax.plot(
            lams, [e["zero_fraction"] for e in out[key]], marker + "-", color=color, label=f"{key}: exactly 0"
        )
        ax.plot(
            lams,
            [e["small_fraction"] for e in out[key]],
            marker + ":",
            color=color,
            alpha=0.5,
            label=f"{key}: |w| < 1e-3",
        )
    ax.set_xscale("log")
    ax.set(
        xlabel="L1 strength λ (log scale)",
        ylabel="share of first-layer weights",
        title="Digits: exact zeros need the proximal step",
    )
    ax.legend(fontsize=8)
    ax = axes[1]
    bins = np.linspace(-12, 0, 61)
    for key in ("proximal", "subgradient"):
        w = weights[key]
        nonzero = np.abs(w[w != 0])
        ax.hist(
            np.log10(nonzero),
            bins=bins,
            histtype="step" if key == "proximal" else "stepfilled",
            linewidth=2,
            color="tab:blue" if key == "proximal" else "tab:orange",
            alpha=1.0 if key == "proximal" else 0.5,
            zorder=2 if key == "proximal" else 1,
            label=f"{key}: {np.mean(w == 0):.0%} exactly zero (not shown)",
        )
    ax.set(
        xlabel="log10 |w| of the non-zero first-layer weights",
        ylabel="weights",
        title="λ = 3e-4: where the weights end up",
    )
    ax.legend(fontsize=8)
    save_figure(fig, "ch3_l1_exact_zeros")


def group_selection(results):
    X, y = make_classification(
        n_samples=1000,
        n_features=50,
        n_informative=10,
        n_redundant=0,
        n_clusters_per_class=2,
        shuffle=False,
        random_state=0,
    )
    X_tr, X_te, y_tr, y_te = split_scaled(X.astype(np.float32), y)
    path = []
    norms = None
    for lam in (1e-2, 3e-2, 5e-2, 7e-2, 1e-1):
        net = mlp([50, 64, 2], seed=0)
        net.dense_layers[0].weight.regularizer = GroupL1(lam)  # rows of the first layer = input features
        trainer = Trainer(net, CrossEntropy(), Adam(1e-3), epochs=60, seed=0)
        trainer.fit(X_tr, y_tr)
        kept = np.asarray(selected_features(net))
        # relaxed group lasso: refit without a penalty on the kept features only
        refit = train(X_tr[:, kept], y_tr, hidden=(64,), epochs=60) if kept.size else None
        entry = {
            "strength": lam,
            "informative_kept": int(np.sum(kept < 10)),
            "noise_kept": int(np.sum(kept >= 10)),
            "accuracy": accuracy(net, X_te, y_te),
            "refit_accuracy": accuracy(refit.model, X_te[:, kept], y_te) if refit else 0.5,
        }
        path.append(entry)
        if lam == 7e-2:
            norms = np.linalg.norm(net.dense_layers[0].weight.data, axis=1)
    results["group_synthetic"] = path
    results["group_peak"] = max(path, key=lambda e: e["accuracy"])
    all_features = train(X_tr, y_tr, hidden=(64,), epochs=60)
    oracle = train(X_tr[:, :10], y_tr, hidden=(64,), epochs=60)
    results["group_no_penalty_accuracy"] = accuracy(all_features.model, X_te, y_te)
    results["group_oracle_accuracy"] = accuracy(oracle.model, X_te[:, :10], y_te)
    save_table(
        "ch3_group_path",
        [
            "GroupL1 λ",
            "informative kept (of 10)",
            "noise kept (of 40)",
            "test accuracy",
            "refit on kept features",
        ],
        [
            (
                f"{e['strength']:g}",
                e["informative_kept"],
                e["noise_kept"],
                f"{e['accuracy']:.3f}",
                f"{e['refit_accuracy']:.3f}",
            )
            for e in path
        ],
    )
    results["group_at_7e-2"] = next(e for e in path if e["strength"] == 7e-2)

    Xd, yd = load("digits")
    Xd_tr, Xd_te, yd_tr, yd_te = split_scaled(Xd, yd)
    constant = np.flatnonzero(Xd_tr.std(axis=0) == 0)  # standardized constant pixels are all zero
    net = mlp([64, 128, 10], seed=0)
    net.dense_layers[0].weight.regularizer = GroupL1(3e-3)
    trainer = Trainer(net, CrossEntropy(), Adam(1e-3), epochs=40, seed=0)
    trainer.fit(Xd_tr, yd_tr)
    kept = np.asarray(selected_features(net))
    results["group_digits"] = {
        "strength": 3e-3,
        "n_constant": int(constant.size),
        "constant_removed": int(np.sum(~np.isin(constant, kept))),
        "pixels_kept": int(kept.size),
        "accuracy": accuracy(net, Xd_te, yd_te),
    }

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.0), gridspec_kw={"width_ratios": [1.6, 1.2, 0.9]})
    ax = axes[0]
    colors = ["tab:green"] * 10 + ["tab:grey"] * 40
    ax.bar(np.arange(50), norms, color=colors)
    ax.set(
        xlabel="input feature (0-9 informative, 10-49 noise)",
        ylabel="‖row of W₁‖₂",
        title="GroupL1 λ = 7e-2: one norm per input feature",
    )
    ax = axes[1]
    lams = [e["strength"] for e in path]
    ax.plot(
        lams, [e["informative_kept"] for e in path], "o-", color="tab:green", label="informative kept (of 10)"
    )
    ax.plot(lams, [e["noise_kept"] for e in path], "s-", color="tab:grey", label="noise kept (of 40)")
    ax.set_xscale("log")
    ax.set(
        xlabel="GroupL1 strength λ (log scale)",
        ylabel="features with a non-zero row",
        title="Feature selection along λ",
    )
    ax.legend(fontsize=8)
    ax = axes[2]
    mask = np.zeros(64)
    mask[kept] = 1
    mask[constant] = -1
    ax.imshow(mask.reshape(8, 8), cmap="RdYlGn", vmin=-1, vmax=1)
    ax.set(
        xticks=[],
        yticks=[],
    )
    ax.set_title(
        f"Digits, GroupL1: {kept.size} of 64 pixels kept\ngreen kept · red constant · yellow removed",
        fontsize=9,
    )
    save_figure(fig, "ch3_group_l1")


def ng_data(d, n, rng):
    """One relevant feature among ``d``: P(y = 1 | x) = sigmoid(4 x_1), x ~ N(0, I)."""
    X = rng.standard_normal((n, d)).astype(np.float32)
    y = (rng.random(n) < 1 / (1 + np.exp(-4 * X[:, 0]))).astype(np.intp)
    return X, y


def fit_logistic(X, y, regularizer, seed):
    net = mlp([X.shape[1], 2], seed=seed)  # no hidden layer: multinomial logistic regression
    trainer = Trainer(
        net, CrossEntropy(), SGD(0.1), regularizer=regularizer, epochs=150, batch_size=25, seed=seed
    )
    trainer.fit(X, y)
    return net


def ng_experiment(results):
    dims = (3, 10, 30, 100, 300, 1000)
    grids = {"L1": (1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1), "L2": (1e-4, 1e-3, 1e-2, 1e-1, 1.0)}
    makers = {"L1": L1, "L2": L2}
    repeats = 5
    errors = {k: np.zeros((len(dims), repeats)) for k in grids}
    chosen = {k: [[None] * repeats for _ in dims] for k in grids}
    for i, d in enumerate(dims):
        for r in range(repeats):
            rng = np.random.default_rng(1000 * r + d)
            X, y = ng_data(d, 100, rng)
            X_val, y_val = ng_data(d, 100, rng)
            X_te, y_te = ng_data(d, 2000, rng)
            for name, grid in grids.items():
                best = None
                for lam in grid:
                    net = fit_logistic(X, y, makers[name](lam), seed=r)
                    val_err = 1 - accuracy(net, X_val, y_val)
                    if best is None or val_err < best[0]:
                        best = (val_err, lam, net)
                errors[name][i, r] = 1 - accuracy(best[2], X_te, y_te)
                chosen[name][i][r] = best[1]
    bayes = []
    rng = np.random.default_rng(7)
    X_big, y_big = ng_data(1, 200000, rng)
    bayes = float(np.mean((X_big[:, 0] > 0) != y_big))
    mean = {k: v.mean(axis=1) for k, v in errors.items()}
    se = {k: v.std(axis=1, ddof=1) / np.sqrt(repeats) for k, v in errors.items()}
    results["ng"] = {
        "dims": list(dims),
        "repeats": repeats,
        "n_train": 100,
        "n_val": 100,
        "l1_error": mean["L1"],
        "l2_error": mean["L2"],
        "l1_se": se["L1"],
        "l2_se": se["L2"],
        "bayes_error": bayes,
        "l1_chosen": chosen["L1"],
        "l2_chosen": chosen["L2"],
        "l1_error_at_max": float(mean["L1"][-1]),
        "l2_error_at_max": float(mean["L2"][-1]),
        "l1_error_at_min": float(mean["L1"][0]),
        "l2_error_at_min": float(mean["L2"][0]),
    }
    save_table(
        "ch3_ng",
        ["features d", "L1 test error", "L2 test error"],
        [
            (d, f"{mean['L1'][i]:.3f} ± {se['L1'][i]:.3f}", f"{mean['L2'][i]:.3f} ± {se['L2'][i]:.3f}")
            for i, d in enumerate(dims)
        ],
    )
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for name, color in (("L1", "tab:blue"), ("L2", "tab:red")):
        ax.errorbar(
            dims,
            mean[name],
            yerr=se[name],
            fmt="o-",
            color=color,
            capsize=3,
            label=f"{name} (λ chosen on a validation set)",
        )
    ax.axhline(bayes, color="grey", ls=":", label=f"Bayes error ≈ {bayes:.3f}")
    ax.set_xscale("log")
    ax.set(
        xlabel="number of features d (1 relevant, d − 1 irrelevant; log scale)",
        ylabel="test error",
        title=f"Ng (2004): 100 training rows, mean of {repeats} draws ± 1 SE",
    )
    ax.legend(fontsize=8)
    save_figure(fig, "ch3_ng2004")


def main():
    results = {}
    exact_zeros(results)
    group_selection(results)
    ng_experiment(results)
    save_results("ch3", results)


if __name__ == "__main__":
    main()
