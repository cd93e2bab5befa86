"""The ``ridgeback`` command line, end to end and in-process through ``main(argv)``."""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from processes import as_from_a_terminal
from ridgeback.cli.app import build_parser, main
from ridgeback.cli.common import parse_grid, parse_hidden, read_config
from ridgeback.persist.loading import load

FAST = ["--epochs", "4", "--hidden", "8", "--quiet"]


@pytest.fixture
def table(tmp_path):
    """A messy table: a categorical column, missing values in both kinds, string labels."""
    rng = np.random.default_rng(0)
    n = 90
    x1, x2 = rng.standard_normal(n), rng.standard_normal(n)
    city = rng.choice(["paris", "lyon", "nice"], n).astype(object)
    df = pd.DataFrame(
        {"x1": x1, "x2": x2, "city": city, "label": np.where(x1 + (city == "paris") > 0.3, "yes", "no")}
    )
    df.loc[[3, 7], "x2"] = np.nan
    df.loc[5, "city"] = None
    path = tmp_path / "train.csv"
    df.to_csv(path, index=False)
    return path, df


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_train_predict_evaluate_on_a_messy_csv(table, tmp_path, capsys):
    path, df = table
    code, out, err = _run(
        capsys, "train", str(path), "--target", "label", *FAST, "--out", str(tmp_path / "m")
    )
    assert code == 0, err
    assert "imputed" in out and "x2" in out and "city" in out  # imputation said explicitly
    assert "exactly-zero weights" in out
    model = load(tmp_path / "m")
    assert sorted(model.classes_.tolist()) == ["no", "yes"]

    new = df.drop(columns=["label"]).iloc[::-1, [2, 0, 1]]  # other column order: matched by name
    new.to_csv(tmp_path / "new.csv", index=False)
    code, out, err = _run(
        capsys, "predict", str(tmp_path / "m"), str(tmp_path / "new.csv"), "--out", str(tmp_path / "p.csv")
    )
    assert code == 0, err
    preds = pd.read_csv(tmp_path / "p.csv")
    assert len(preds) == len(df) and set(preds["prediction"]) <= {"yes", "no"}
    np.testing.assert_allclose(preds[["proba_no", "proba_yes"]].sum(axis=1), 1.0, atol=1e-6)
    assert preds["prediction"].tolist() == model.predict(new).tolist()

    code, out, err = _run(capsys, "evaluate", str(tmp_path / "m"), str(path), "--target", "label", "--json")
    assert code == 0, err
    scores = json.loads(out)
    assert set(scores) == {"accuracy", "log_loss", "f1", "roc_auc", "average_precision", "balanced_accuracy"}
    assert scores == pytest.approx(model.evaluate(df.drop(columns=["label"]), df["label"]))


def test_predict_with_mc_samples_gives_mean_and_std_columns(tmp_path, capsys):
    assert (
        main(
            [
                "train",
                "builtin:iris",
                "--target",
                "target",
                "--dropout",
                "0.5",
                *FAST,
                "--out",
                str(tmp_path / "m"),
            ]
        )
        == 0
    )
    df = pd.DataFrame(
        {
            "sepal length (cm)": [5.1, 6.7],
            "sepal width (cm)": [3.5, 3.0],
            "petal length (cm)": [1.4, 5.2],
            "petal width (cm)": [0.2, 2.3],
        }
    )
    df.to_csv(tmp_path / "x.csv", index=False)
    code, _, err = _run(
        capsys,
        "predict",
        str(tmp_path / "m"),
        str(tmp_path / "x.csv"),
        "--mc-samples",
        "20",
        "--out",
        str(tmp_path / "p.csv"),
    )
    assert code == 0, err
    preds = pd.read_csv(tmp_path / "p.csv")
    assert {"mean_0", "mean_1", "mean_2", "std_0", "std_1", "std_2"} <= set(preds.columns)
    np.testing.assert_allclose(preds[["mean_0", "mean_1", "mean_2"]].sum(axis=1), 1.0, atol=1e-5)
    assert (preds[["std_0", "std_1", "std_2"]].to_numpy() > 0).any()  # dropout 0.5: the masks disagree


def test_regression_evaluate_prints_rmse_mae_r2(tmp_path, capsys):
    assert main(["train", "builtin:diabetes", "--target", "target", *FAST, "--out", str(tmp_path / "m")]) == 0
    capsys.readouterr()
    code, out, _ = _run(capsys, "evaluate", str(tmp_path / "m"), "builtin:diabetes", "--target", "target")
    assert code == 0
    assert [line.split()[0] for line in out.strip().splitlines()] == ["rmse", "mae", "r2"]


TUNE = ["--cv", "3", "--epochs", "3", "--hidden", "8", "--grid", "l2=1e-4,1e-1;dropout=0,0.5", "--quiet"]


def test_tune_with_grid_saves_model_and_report(table, tmp_path, capsys, monkeypatch):
    path, df = table
    run = tmp_path / "run"
    code, out, err = _run(capsys, "tune", str(path), "--target", "label", *TUNE, "--out", str(run))
    assert code == 0, err
    assert "best (*)" in out and "1-SE" in out
    context = json.loads((run / "run.json").read_text())
    results = context["tune"]["results"]
    assert len(results) == 4
    assert {tuple(sorted(r["params"].items())) for r in results} == {
        (("dropout", d), ("l2", l2)) for d in (0.0, 0.5) for l2 in (1e-4, 1e-1)
    }
    best = max(range(4), key=lambda i: results[i]["mean_score"])
    assert context["tune"]["best_params"] == results[best]["params"]
    assert load(run).estimator.get_params()["l2"] == results[best]["params"]["l2"]  # refit = best
    html = (run / "report.html").read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and "data:image/png;base64," in html
    # the same search on a Dask scheduler gives the same scores (report drawing skipped: checked above)
    from distributed import LocalCluster

    import ridgeback.report.document

    monkeypatch.setattr(
        ridgeback.report.document, "write_report", lambda rundir, context: Path(rundir) / "report.html"
    )
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        argv = ["tune", str(path), "--target", "label", *TUNE, "--json", "--out", str(tmp_path / "dask")]
        code, out, err = _run(capsys, *argv, "--scheduler", cluster.scheduler_address)
    assert code == 0, err
    on_dask = json.loads(out)["tune"]["results"]
    assert [r["fold_scores"] for r in on_dask] == [r["fold_scores"] for r in results]
    assert main(["predict", str(run), str(path), "--out", str(tmp_path / "p.csv"), "--quiet"]) == 0
    assert main(["report", str(run), "--quiet"]) == 0


def test_config_file_values_apply_and_flags_win(tmp_path):
    (tmp_path / "run.toml").write_text('hidden = "16,8"\nl2 = 0.01\n[train]\nepochs = 3\nseed = 4\n')
    assert read_config(tmp_path / "run.toml") == {"hidden": "16,8", "l2": 0.01, "epochs": 3, "seed": 4}
    assert (
        main(
            [
                "train",
                "builtin:iris",
                "--target",
                "target",
                "--config",
                str(tmp_path / "run.toml"),
                "--epochs",
                "2",
                "--quiet",
                "--out",
                str(tmp_path / "m"),
            ]
        )
        == 0
    )
    est = load(tmp_path / "m").estimator
    assert est.hidden_layer_sizes == (16, 8) and est.l2 == 0.01 and est.random_state == 4
    assert est.max_epochs == 2 and est.n_iter_ <= 2


def test_scaling_flag_and_toml_key_reach_the_preprocessor_and_are_recorded(table, tmp_path, capsys):
    path, df = table
    df.loc[0, "x1"] = 1e6  # an outlier: robust scaling keeps it within about 3, standard does not
    df.to_csv(path, index=False)
    (tmp_path / "run.toml").write_text('scaling = "robust"\n')
    runs = {"default": [], "flag": ["--scaling", "robust"], "toml": ["--config", str(tmp_path / "run.toml")],
            "flag wins": ["--config", str(tmp_path / "run.toml"), "--scaling", "standard"]}
    for name, extra in runs.items():
        out = tmp_path / name
        code, _, err = _run(capsys, "train", str(path), "--target", "label", *FAST, "--checkpoint-every", "2",
                            "--out", str(out), *extra)
        assert code == 0, err
        pre = load(out).preprocessor
        expected = "robust" if name in ("flag", "toml") else "standard"
        assert pre.scaling == expected
        model_doc = json.loads((out / "model.json").read_text())
        assert model_doc["tabular"]["preprocessing"]["params"]["scaling"] == expected
        checkpoint = json.loads((out / "checkpoint" / "checkpoint.json").read_text())
        assert checkpoint["extra"]["settings"]["scaling"] == expected
        x1 = pre.transform(df.drop(columns=["label"]))[:, 0]
        assert (abs(x1[0]) < 3.1) == (expected == "robust")
    code, _, err = _run(capsys, "tune", str(path), "--target", "label", "--grid", "l2=0", "--cv", "2", *FAST,
                        "--config", str(tmp_path / "run.toml"), "--out", str(tmp_path / "run"))
    assert code == 0, err
    assert json.loads((tmp_path / "run" / "run.json").read_text())["settings"]["scaling"] == "robust"
    assert load(tmp_path / "run").preprocessor.scaling == "robust"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["tune", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--scaling {standard,robust,quantile}" in help_text and "interquartile range" in help_text


def test_export_onnx_and_datasets(tmp_path, capsys):
    assert main(["train", "builtin:wine", "--target", "target", *FAST, "--out", str(tmp_path / "m")]) == 0
    assert main(["export", str(tmp_path / "m"), "--onnx", str(tmp_path / "m.onnx"), "--quiet"]) == 0
    assert (tmp_path / "m.onnx").stat().st_size > 100
    capsys.readouterr()
    code, out, _ = _run(capsys, "datasets", "--json")
    names = [d["name"] for d in json.loads(out)["datasets"]]
    assert code == 0 and {"digits", "breast_cancer", "wine", "iris", "diabetes", "sparse"} <= set(names)


@pytest.mark.parametrize(
    "command", ["train", "tune", "predict", "evaluate", "report", "export", "demo", "datasets"]
)
def test_every_command_has_help_with_examples(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    assert "examples:" in capsys.readouterr().out


def test_parse_grid_and_hidden():
    assert parse_grid("l2=1e-6,1e-4;dropout=0,0.2,0.5") == {"l2": [1e-6, 1e-4], "dropout": [0.0, 0.2, 0.5]}
    assert parse_grid("hidden=32,64x32;lr=0.01") == {
        "hidden_layer_sizes": [(32,), (64, 32)],
        "learning_rate": [0.01],
    }
    assert parse_hidden("128,64") == (128, 64) and parse_hidden("none") == ()
    for bad, match in [
        ("l2", "name=v1,v2"),
        ("l9=1", "Unknown --grid parameter"),
        ("l2=a,1", "not a number"),
        ("l2=", "comma-separated"),
        ("", "at least one"),
    ]:
        with pytest.raises(ValueError, match=match):
            parse_grid(bad)


# ------------------------------------------------------- bad input: exit 2, one line, nothing written
def _bad_inputs(tmp_path, table_path):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header.csv").write_text("a,b,label\n")
    (tmp_path / "one_class.csv").write_text("a,label\n1,x\n2,x\n3,x\n")
    (tmp_path / "inf.csv").write_text("a,label\n1,x\ninf,y\n3,x\n")
    (tmp_path / "nan_target.csv").write_text("a,label\n1,x\n2,\n3,y\n")
    (tmp_path / "two_rows.csv").write_text("a,label\n1,x\n2,y\n")
    (tmp_path / "lone_class.csv").write_text("a,label\n" + "".join(f"{i},{int(i == 7)}\n" for i in range(40)))
    t = str(table_path)
    out = ["--out", str(tmp_path / "out")]
    return {
        "missing target": ["train", t, "--target", "nope", *FAST, *out],
        "empty file": ["train", str(tmp_path / "empty.csv"), "--target", "label", *FAST, *out],
        "header only": ["train", str(tmp_path / "header.csv"), "--target", "label", *FAST, *out],
        "one class": ["train", str(tmp_path / "one_class.csv"), "--target", "label", *FAST, *out],
        "inf in a feature": ["train", str(tmp_path / "inf.csv"), "--target", "label", *FAST, *out],
        "missing target value": ["train", str(tmp_path / "nan_target.csv"), "--target", "label", *FAST, *out],
        "fewer rows than folds": [
            "tune",
            str(tmp_path / "two_rows.csv"),
            "--target",
            "label",
            "--grid",
            "l2=0.1",
            *FAST,
            *out,
        ],
        "a class of one row": ["tune", str(tmp_path / "lone_class.csv"), "--target", "label", "--grid",
                               "l2=0.1", *FAST, *out],
        "no such file": ["train", str(tmp_path / "missing.csv"), "--target", "label", *FAST, *out],
        "dropout >= 1": ["train", t, "--target", "label", "--dropout", "1.0", *FAST, *out],
        "negative lambda": ["train", t, "--target", "label", "--l1", "-0.1", *FAST, *out],
        "lr <= 0": ["train", t, "--target", "label", "--lr", "0", *FAST, *out],
        "batch size < 1": ["train", t, "--target", "label", "--batch-size", "0", *FAST, *out],
        "hidden size 0": ["train", t, "--target", "label", "--hidden", "0", "--epochs", "2", *out],
        "unknown flag": ["train", t, "--target", "label", "--dropuot", "0.1", *out],
        "bad grid": ["tune", t, "--target", "label", "--grid", "l2=x", *out],
        "cv larger than a class": [
            "tune",
            t,
            "--target",
            "label",
            "--cv",
            "80",
            "--grid",
            "l2=0.1",
            *FAST,
            *out,
        ],
        "one fold, no hints": ["tune", t, "--target", "label", "--cv", "1", *FAST, *out],
        "one fold, grid": ["tune", t, "--target", "label", "--cv", "1", "--grid", "l2=0.1", *FAST, *out],
        "bad config key": ["train", t, "--target", "label", "--config", str(_toml(tmp_path)), *out],
        "resume without checkpoint": ["train", "--resume", str(tmp_path)],
        "bad scaling": ["tune", t, "--target", "label", "--scaling", "minmax", "--grid", "l2=0", *FAST, *out],
        "bad scaling key": ["train", t, "--target", "label", "--config",
                            str(_toml(tmp_path, 'scaling = "minmax"\n', "scaling.toml")), *FAST, *out],
    }


def _toml(tmp_path, text="epohcs = 3\n", name="bad.toml"):
    (tmp_path / name).write_text(text)
    return tmp_path / name


BAD = [
    "missing target",
    "empty file",
    "header only",
    "one class",
    "no such file",
    "dropout >= 1",
    "negative lambda",
    "lr <= 0",
    "batch size < 1",
    "hidden size 0",
    "unknown flag",
    "bad grid",
    "cv larger than a class",
    "one fold, no hints",
    "one fold, grid",
    "bad config key",
    "resume without checkpoint",
    "inf in a feature",
    "missing target value",
    "fewer rows than folds",
    "a class of one row",
    "bad scaling",
    "bad scaling key",
]
NAMED = {
    "missing target": "nope",
    "dropout >= 1": "dropout=1.0",
    "negative lambda": "l1=-0.1",
    "lr <= 0": "learning_rate=0",
    "batch size < 1": "batch_size=0",
    "hidden size 0": "hidden='0'",
    "unknown flag": "--dropuot",
    "bad grid": "l2",
    "cv larger than a class": "cv=80",
    "one fold, no hints": "Received: cv=1",
    "one fold, grid": "Received: cv=1",
    "bad config key": "epohcs",
    "one class": "label",
    "empty file": "empty",
    "inf in a feature": "a=inf",
    "missing target value": "row 1",
    "fewer rows than folds": "cv",
    "a class of one row": "Received: class 1 in 1 of 40 rows",
    "bad scaling": "'minmax'",
    "bad scaling key": "scaling='minmax'",
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(case, table, tmp_path, capsys):
    argv = _bad_inputs(tmp_path, table[0])[case]
    code, out, err = _run(capsys, *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    if case in NAMED:
        assert NAMED[case] in lines[0]
    assert not (tmp_path / "out").exists()


def test_bad_input_at_prediction_time(table, tmp_path, capsys):
    path, df = table
    assert main(["train", str(path), "--target", "label", *FAST, "--out", str(tmp_path / "m")]) == 0
    df.drop(columns=["x2", "label"]).to_csv(tmp_path / "missing_col.csv", index=False)
    unseen = df.copy()
    unseen.loc[0, "label"] = "maybe"
    unseen.to_csv(tmp_path / "unseen.csv", index=False)
    capsys.readouterr()
    code, _, err = _run(
        capsys,
        "predict",
        str(tmp_path / "m"),
        str(tmp_path / "missing_col.csv"),
        "--out",
        str(tmp_path / "p.csv"),
    )
    assert code == 2 and "x2" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "p.csv").exists()
    code, _, err = _run(
        capsys, "evaluate", str(tmp_path / "m"), str(tmp_path / "unseen.csv"), "--target", "label"
    )
    assert code == 2 and "maybe" in err and len(err.strip().splitlines()) == 1
    # a model directory of another format version
    doc = json.loads((tmp_path / "m" / "model.json").read_text())
    doc["format_version"] = 99
    (tmp_path / "m" / "model.json").write_text(json.dumps(doc))
    code, _, err = _run(capsys, "predict", str(tmp_path / "m"), str(path), "--out", str(tmp_path / "p.csv"))
    assert code == 2 and "format_version" in err and len(err.strip().splitlines()) == 1


def test_batch_size_larger_than_data_is_allowed_and_said(tmp_path, capsys):
    code, _, err = _run(
        capsys,
        "train",
        "builtin:iris",
        "--target",
        "target",
        "--batch-size",
        "1000",
        "--epochs",
        "2",
        "--hidden",
        "4",
        "--out",
        str(tmp_path / "m"),
    )
    assert code == 0
    assert "note:" in err and "batch_size=1000" in err


class _FakeTerminal:
    def __init__(self, tty):
        self.tty, self.text = tty, ""

    def isatty(self):
        return self.tty

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def test_progress_bar_draws_only_on_a_terminal_and_not_when_quiet():
    from ridgeback.cli.progress import ProgressBar, progress_enabled

    assert progress_enabled(stream=_FakeTerminal(True))
    assert not progress_enabled(stream=_FakeTerminal(False))
    assert not progress_enabled(quiet=True, stream=_FakeTerminal(True))
    term = _FakeTerminal(True)
    bar = ProgressBar(4, "epochs", enabled=True, stream=term)
    bar._rich = None  # the built-in bar, whether or not rich is installed
    for _ in range(4):
        bar.update(1, "loss=0.5")
    assert "4/4" in term.text and "#" * bar.width in term.text and "loss=0.5" in term.text
    silent = _FakeTerminal(True)
    ProgressBar(4, "epochs", enabled=False, stream=silent).update(2)
    assert silent.text == ""


def test_train_without_a_terminal_writes_no_progress(tmp_path, capsys):
    code, _, err = _run(
        capsys,
        "train",
        "builtin:iris",
        "--target",
        "target",
        "--epochs",
        "3",
        "--hidden",
        "4",
        "--out",
        str(tmp_path / "m"),
    )
    assert code == 0 and "\r" not in err and "epochs [" not in err


def test_demo_compares_five_settings_and_writes_a_valid_report(tmp_path, capsys, monkeypatch):
    import ridgeback.cli.demo as demo
    import ridgeback.report.document

    # a shrunken demo: 2 epochs, 2 values per search; the context is still checked by write_report
    monkeypatch.setattr(demo, "BASE", {**demo.BASE, "max_epochs": 2, "hidden_layer_sizes": (8,)})
    monkeypatch.setattr(demo, "L2_VALUES", [1e-4, 1e-2])
    monkeypatch.setattr(demo, "DROPOUT_VALUES", [0.1, 0.5])
    monkeypatch.setattr(ridgeback.report.document, "render_html",
                        lambda context: "<!DOCTYPE html><p>stub</p>")
    code, out, err = _run(capsys, "demo", "--out", str(tmp_path / "demo"), "--quiet", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert [r["name"] for r in result["comparison"]] == ["none", "L1", "L2", "dropout", "best combination"]
    for row in result["comparison"]:
        assert 0.0 <= row["test_score"] <= 1.0 and 0.0 <= row["zero_fraction"] <= 1.0
        assert len(row["weight_norms"]) == 2 and 0 <= row["active_features"] <= 64
    context = json.loads((tmp_path / "demo" / "run.json").read_text())
    assert {"tune", "path", "comparison", "history", "layers", "selected_features"} <= set(context)
    assert context["selected_features"]["image_shape"] == [8, 8]
    # the report also shows the L1 row's model, named, with the exact zeros the comparison counts
    assert context["model"].startswith("final model")
    (l1_model,) = context["models"]
    assert l1_model["model"].startswith("L1 model (l1=")
    l1_row = next(r for r in result["comparison"] if r["name"] == "L1")
    n_zero = sum(r["n_zero"] for r in l1_model["layers"])
    n_weights = sum(np.prod(r["shape"]) for r in l1_model["layers"])
    assert n_zero / n_weights == pytest.approx(l1_row["zero_fraction"])
    assert len(l1_model["selected_features"]["indices"]) == l1_row["active_features"]
    assert l1_model["selected_features"]["image_shape"] == [8, 8]
    assert context["path"]["param"] == "l1"
    assert load(tmp_path / "demo").predict(ridgeback.load_builtin("digits")[0].head(3)).shape == (3,)


def test_tune_fits_preprocessing_inside_each_fold(table, tmp_path, capsys, monkeypatch):
    """Every cross-validation fit learns its medians, means and categories from its training rows only."""
    from sklearn.model_selection import StratifiedKFold

    from ridgeback.tabular.preprocessing import Preprocessor

    path, df = table
    fits = []
    original = Preprocessor.fit

    def recording_fit(self, X, y=None):
        fitted = original(self, X, y)
        fits.append((pd.DataFrame(X).copy(), list(fitted.means_), list(fitted.medians_)))
        return fitted

    monkeypatch.setattr(Preprocessor, "fit", recording_fit)
    argv = ["--cv", "3", "--epochs", "2", "--hidden", "4", "--grid", "l2=0,1e-2", "--quiet", "--json"]
    code, out, err = _run(capsys, "tune", str(path), "--target", "label", *argv, "--out", str(tmp_path / "r"))
    assert code == 0, err
    in_folds = [f for f in fits if len(f[0]) < len(df)]
    # one preprocessing fit per fold (the two candidates train in lockstep and share it), none
    # on all rows first
    assert len(in_folds) == 3
    assert [len(f[0]) for f in fits].count(len(df)) == 1  # only the final refit sees every row
    # each fold's statistics are exactly those of its training rows
    X = df.drop(columns=["label"])
    for rows, means, medians in in_folds:
        train = X.loc[rows.index]
        numeric = train[["x1", "x2"]]
        assert means == pytest.approx(numeric.fillna(numeric.median()).mean().tolist())
        assert medians == pytest.approx(train[["x1", "x2"]].median().tolist())
        assert means != pytest.approx(X[["x1", "x2"]].fillna(X[["x1", "x2"]].median()).mean().tolist())
    folds = StratifiedKFold(3).split(X, df["label"])  # sizes only: 60 training rows per fold
    assert sorted({len(f[0]) for f in in_folds}) == sorted({len(tr) for tr, _ in folds})


def test_tune_shows_a_fold_progress_bar_on_a_terminal(table, tmp_path, capsys, monkeypatch):
    import ridgeback.cli.progress
    import ridgeback.cli.search_helpers as cli_tune
    import ridgeback.report.document

    path, _ = table
    term = _FakeTerminal(True)
    bars = []

    class Bar(ridgeback.cli.progress.ProgressBar):
        def __init__(self, total, description, *, enabled=True, stream=None):
            super().__init__(total, description, enabled=False)  # no rich: draw on the fake terminal
            self.enabled, self.stream = enabled, term
            bars.append(self)

    monkeypatch.setattr(ridgeback.cli.progress, "ProgressBar", Bar)
    monkeypatch.setattr(ridgeback.report.document, "write_report",
                        lambda rundir, ctx: Path(rundir) / "report.html")
    argv = ["--cv", "3", "--epochs", "2", "--hidden", "4", "--grid", "l2=0,1e-2"]
    monkeypatch.setattr(cli_tune, "progress_enabled", lambda quiet=False, stream=None: not quiet)
    assert main(["tune", str(path), "--target", "label", *argv, "--out", str(tmp_path / "a")]) == 0
    assert len(bars) == 1 and bars[0].total == 6 and bars[0].count == 6
    # the two candidates of a fold train in lockstep and finish together: the bar moves by two
    assert "folds [" in term.text and "2/6" in term.text and "4/6" in term.text and "6/6" in term.text
    term.text = ""
    assert main(["tune", str(path), "--target", "label", *argv, "--quiet", "--out", str(tmp_path / "b")]) == 0
    assert term.text == "" and bars[-1].count == 6  # --quiet: counted, never drawn
    capsys.readouterr()


@pytest.mark.parametrize("enabled", [False, True])
def test_version_says_what_runs_adams_update(capsys, monkeypatch, enabled):
    from ridgeback._version import __version__
    from ridgeback.engine import fastpaths as _kernels

    monkeypatch.setattr(_kernels, "ENABLED", enabled)
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    expected = _kernels.backend() or "NumPy"
    assert out == f"ridgeback {__version__} (Adam's update: {expected})\n"
    if not enabled:
        assert expected == "NumPy"



def test_help_lists_the_exit_codes_and_main_returns_plain_ints(tmp_path, capsys):
    from ridgeback.cli.exit_codes import ExitCode

    assert [int(c) for c in ExitCode] == [0, 2, 3, 130]
    help_text = build_parser().format_help()
    assert "exit codes: 0 ok, 2 bad usage or input, 3 training diverged, 130 interrupted" in help_text
    missing = str(tmp_path / "missing.csv")
    code, _, err = _run(capsys, "train", missing, "--target", "y", "--out", str(tmp_path / "m"))
    assert code == ExitCode.USAGE and type(code) is int and err.startswith("ridgeback train: error:")


@pytest.mark.parametrize("command, other", [("demo", "tune"), ("tune", "demo")])
def test_the_demo_and_tune_commands_do_not_import_each_other(command, other):
    import subprocess
    import sys

    probe = f"import sys, ridgeback.cli.{command}; print('ridgeback.cli.{other}' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_ctrl_c_while_the_parser_is_built_is_one_line_and_exit_130(monkeypatch, capsys):
    """A Ctrl-C before any command started (the command line imported, the parser built, the
    command's modules imported) ends as a command's does: one line on stderr, exit 130."""
    import ridgeback.cli
    from ridgeback.cli import app

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(app, "build_parser", interrupted)
    assert ridgeback.cli.main(["datasets"]) == 130
    assert capsys.readouterr().err == "ridgeback: interrupted\n"
    monkeypatch.undo()

    def importing(command):
        raise KeyboardInterrupt

    monkeypatch.setattr(app, "_handler", importing)
    assert ridgeback.cli.main(["datasets", "--quiet"]) == 130
    assert capsys.readouterr().err == "ridgeback datasets: interrupted\n"


def test_a_ctrl_c_that_surfaces_as_another_exception_is_still_an_interrupt(monkeypatch, capsys):
    """SIGINT during a compiled extension's import can surface as a SystemError; after a real
    SIGINT that is an interrupt (exit 130, one line), without one it stays a traceback."""
    import signal
    import threading
    import time

    import ridgeback.cli
    from ridgeback.cli import app

    def import_hit_by_sigint(command):
        # to the main thread itself: sent to the process, the signal may land on a thread that an
        # earlier test's joblib workers left (their manager), and this sleep would not wake until
        # its end; then nothing is raised in time (a fresh-clone run failed so, twice)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        time.sleep(5)  # the handler raises KeyboardInterrupt here; the extension turns it into:

    def extension_init(command):
        try:
            import_hit_by_sigint(command)
        except KeyboardInterrupt:
            raise SystemError("fields.__pyx_defaults returned a result with an exception set") from None

    signal.signal(signal.SIGINT, signal.default_int_handler)  # Python's own, as a command starts with
    monkeypatch.setattr(app, "_handler", extension_init)
    assert ridgeback.cli.main(["datasets", "--quiet"]) == 130
    assert capsys.readouterr().err == "ridgeback datasets: interrupted\n"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored

    def a_bug(command):
        raise SystemError("a real bug")

    monkeypatch.setattr(app, "_handler", a_bug)
    with pytest.raises(SystemError, match="a real bug"):
        ridgeback.cli.main(["datasets", "--quiet"])


def test_ctrl_c_in_the_first_tenths_of_a_second_exits_130_with_one_line(tmp_path):
    """The real thing: SIGINT sent to ``ridgeback tune`` while it imports and starts."""
    import signal
    import subprocess
    import time

    script = Path(sys.executable).with_name("ridgeback")
    for delay in (0.15, 0.3, 0.6):
        proc = subprocess.Popen([str(script), "tune", "builtin:wine", "--target", "target", "--quiet",
                                 "--out", str(tmp_path / f"run{delay}")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=as_from_a_terminal)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        one_line = err.count("\n") == 1 and err.rstrip().endswith(": interrupted")
        assert (proc.returncode, one_line) == (130, True), err
