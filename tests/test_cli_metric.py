"""--metric (tune, train, evaluate) and --class-weight on the command line."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from ridgeback.cli.app import main

FAST = ["--epochs", "20", "--lr", "1e-2", "--hidden", "8", "--quiet"]


@pytest.fixture
def rare(tmp_path):
    """An imbalanced table: 6% positives."""
    rng = np.random.default_rng(0)
    n = 400
    X = rng.standard_normal((n, 5))
    score = X[:, 0] + 0.5 * X[:, 1] + 0.8 * rng.standard_normal(n)
    y = np.where(score > np.quantile(score, 0.94), "claim", "none")
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(5)]).assign(target=y)
    path = tmp_path / "rare.csv"
    df.to_csv(path, index=False)
    assert abs((y == "claim").mean() - 0.06) < 0.01
    return path


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_tune_metric_roc_auc_picks_by_auc_and_says_so(rare, tmp_path, capsys):
    run = tmp_path / "run"
    code, out, err = _run(capsys, "tune", str(rare), "--target", "target", *FAST, "--cv", "3",
                          "--grid", "l2=0,1e-2,1;hidden=4,16", "--metric", "roc_auc", "--json",
                          "--out", str(run))
    assert code == 0, err
    payload = json.loads(out)
    context = json.loads((run / "run.json").read_text())
    for tune in (payload["tune"], context["tune"]):
        assert tune["metric"] == "roc_auc" and tune["scoring"] == "roc_auc"
    assert context["metric"] == "roc_auc"
    results = context["tune"]["results"]
    means = [r["mean_score"] for r in results]
    assert context["tune"]["best_index"] == int(np.argmax(means))
    assert all(0.0 <= m <= 1.0 for m in means) and max(means) > 0.7  # AUCs (accuracy would sit near 0.94)
    # the scores are AUCs: a fold's score recomputed from the candidate's fit on that fold
    from ridgeback import MLPClassifier
    from ridgeback.cli.search_helpers import pipeline
    from ridgeback.selection.crossval import derive_seed, make_folds

    df = pd.read_csv(rare)
    X, y = df.drop(columns=["target"]), df["target"].to_numpy()
    best = results[context["tune"]["best_index"]]["params"]
    est = pipeline(MLPClassifier(max_epochs=20, learning_rate=1e-2, **{**{"hidden_layer_sizes": (8,)}, **{
        k: tuple(v) if k == "hidden_layer_sizes" else v for k, v in best.items()}}))
    folds = make_folds(est, X, y, 3, derive_seed(0, 0))
    train, test = folds[0]
    est.set_params(mlp__random_state=derive_seed(0, 1, 0)).fit(X.iloc[train], y[train])
    auc = roc_auc_score(y[test] == "none", est.predict_proba(X.iloc[test])[:, 1])
    assert results[context["tune"]["best_index"]]["fold_scores"][0] == pytest.approx(auc, abs=1e-9)
    html = (run / "report.html").read_text()
    assert "roc_auc" in html
    # the errors of the chosen candidate on its held-out folds, and which rows they are
    errors = context["errors"]
    assert errors["task"] == "classification" and errors["classes"] == ["claim", "none"]
    assert sum(map(sum, errors["confusion"])) == len(df) == errors["n_rows"]
    roc = errors["roc"]
    assert roc["fpr"][0] == roc["tpr"][0] == 0 and roc["fpr"][-1] == roc["tpr"][-1] == 1 and roc["auc"] > 0.5
    assert errors["pr"]["prevalence"] == pytest.approx(np.mean(y == "none"))  # positive: classes[-1]
    assert "out-of-fold" in errors["source"] and "Errors on held-out rows" in html
    assert html.count("Drawn on the out-of-fold predictions") == 2  # both figures say so
    from ridgeback.report.context import RunContext

    assert RunContext.from_dict(context).to_dict() == context


def test_tune_regression_report_shows_predicted_against_true(tmp_path, capsys):
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.standard_normal(120), "b": rng.standard_normal(120)})
    df["y"] = 3 * df["a"] - df["b"] + 0.1 * rng.standard_normal(120)
    df.to_csv(tmp_path / "r.csv", index=False)
    run = tmp_path / "run"
    code, out, err = _run(capsys, "tune", str(tmp_path / "r.csv"), "--target", "y", *FAST, "--cv", "3",
                          "--grid", "l2=0,1e-2", "--metric", "neg_mean_absolute_error", "--out", str(run))
    assert code == 0, err
    context = json.loads((run / "run.json").read_text())
    assert context["tune"]["metric"] == "neg_mean_absolute_error"
    errors = context["errors"]
    assert errors["task"] == "regression" and len(errors["truth"]) == len(errors["predicted"]) == 120
    assert errors["truth"] == pytest.approx(df["y"].tolist())
    best = context["tune"]["results"][context["tune"]["refit_index"]]
    mae = np.mean(np.abs(np.subtract(errors["truth"], errors["predicted"])))
    assert -best["mean_score"] == pytest.approx(mae, rel=0.05)  # folds' mean MAE ~ pooled MAE
    assert "residuals" in (run / "report.html").read_text()


def test_unknown_metric_exits_2_listing_the_valid_ones(rare, tmp_path, capsys):
    code, out, err = _run(capsys, "tune", str(rare), "--target", "target", *FAST, "--metric", "auc",
                          "--out", str(tmp_path / "r"))
    assert code == 2 and "roc_auc" in err and "balanced_accuracy" in err and "Received: metric='auc'" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = _run(capsys, "train", str(rare), "--target", "target", *FAST, "--metric", "r2",
                        "--out", str(tmp_path / "m"))
    assert code == 2 and "classification metric" in err


def test_train_metric_drives_early_stopping_and_evaluate_reports_every_metric(rare, tmp_path, capsys):
    code, out, err = _run(capsys, "train", str(rare), "--target", "target", *FAST, "--metric",
                          "average_precision", "--class-weight", "balanced", "--json",
                          "--out", str(tmp_path / "m"))
    assert code == 0, err
    summary = json.loads(out)
    assert "average_precision" in summary["validation"] and summary["metric"] == "average_precision"
    from ridgeback.persist.loading import load

    model = load(tmp_path / "m")
    assert model.estimator.scoring == "average_precision" and model.estimator.class_weight == "balanced"
    code, out, err = _run(capsys, "evaluate", str(tmp_path / "m"), str(rare), "--target", "target",
                          "--metric", "neg_log_loss", "--json")
    assert code == 0, err
    scores = json.loads(out)
    assert {"roc_auc", "average_precision", "balanced_accuracy", "accuracy", "log_loss", "f1"} <= set(scores)
    assert scores["metric"] == "neg_log_loss" and scores["score"] == pytest.approx(-scores["log_loss"])
    assert not any(k.startswith("neg_") for k in scores)


def test_class_weight_is_for_classification_only(tmp_path, capsys):
    df = pd.DataFrame({"x": np.arange(30.0), "y": np.arange(30.0) * 2})
    df.to_csv(tmp_path / "r.csv", index=False)
    code, _, err = _run(capsys, "train", str(tmp_path / "r.csv"), "--target", "y", *FAST, "--class-weight",
                        "balanced", "--out", str(tmp_path / "m"))
    assert code == 2 and "classification only" in err


def test_tune_without_metric_selects_classifiers_by_log_loss_and_regressors_by_r2(rare, tmp_path, capsys):
    """The measured defaults (benchmarks/QUALITY.md): minus the log-loss for classification."""
    run = tmp_path / "run"
    code, out, err = _run(capsys, "tune", str(rare), "--target", "target", *FAST, "--cv", "3",
                          "--grid", "l2=0,1", "--json", "--out", str(run))
    assert code == 0, err
    tune = json.loads((run / "run.json").read_text())["tune"]
    assert tune["metric"] == "neg_log_loss" == tune["scoring"]
    means = [r["mean_score"] for r in tune["results"]]
    assert all(m < 0 for m in means)  # minus log-losses, not accuracies
    assert tune["best_index"] == int(np.argmax(means))
    df = pd.read_csv(rare).assign(target=lambda d: d["x0"] * 2.0 + d["x1"])
    df.to_csv(tmp_path / "reg.csv", index=False)
    code, out, err = _run(capsys, "tune", str(tmp_path / "reg.csv"), "--target", "target", *FAST, "--cv", "3",
                          "--grid", "l2=0,1", "--json", "--out", str(tmp_path / "reg"))
    assert code == 0, err
    assert json.loads(out)["tune"]["metric"] == "r2"
