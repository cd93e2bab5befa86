"""The recipe options of MLPClassifier / MLPRegressor (activation, normalization, label_smoothing,
lr_schedule, beta_2, numeric_embedding): what they build, their checks, their command-line
flags, --grid names and TOML keys, and saved models, ``ridgeback predict`` and ONNX with them."""

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ridgeback import (
    BatchNorm,
    LayerNorm,
    MLPClassifier,
    MLPRegressor,
    PeriodicEmbedding,
    load,
    save,
    selected_features,
)
from ridgeback.cli.app import main
from ridgeback.cli.common import estimator_params, make_estimator, parse_grid, read_config
from ridgeback.engine.inspection import input_weight
from ridgeback.engine.losses import CrossEntropy
from ridgeback.engine.schedules import MultiCycle
from ridgeback.selection.path import lambda_max
from ridgeback.tabular.model import TabularModel

RECIPE = dict(activation="mish", normalization="batch", lr_schedule="multicycle", beta_2=0.95,
              numeric_embedding="periodic", dropout=0.1)


def _data(n=120, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    return X, (np.sin(3 * X[:, 0]) + X[:, 1] > 0).astype(int), X[:, 0] ** 2 - X[:, 1]


def test_the_options_build_what_they_say():
    X, y, _ = _data()
    clf = MLPClassifier((8, 8), max_epochs=3, random_state=0, label_smoothing=0.1, **RECIPE).fit(X, y)
    kinds = [type(layer).__name__ for layer in clf.network_.layers]
    assert kinds[0] == "PeriodicEmbedding" and kinds.count("BatchNorm") == 2 and kinds.count("Mish") == 2
    assert clf.network_.n_inputs == 4
    assert clf.trainer_.optimizer.betas == (0.9, 0.95)
    assert clf.trainer_.lr_schedule == MultiCycle()
    assert clf.trainer_.optimizer.lr == 1e-3  # the base rate, back after training
    assert isinstance(clf.trainer_.loss, CrossEntropy) and clf.trainer_.loss.label_smoothing == 0.1
    layer = MLPClassifier((8,), normalization="layer", max_epochs=2, random_state=0).fit(X, y)
    assert any(isinstance(l, LayerNorm) for l in layer.network_.layers)


def test_input_dropout_comes_before_the_embedding():
    X, y, _ = _data()
    clf = MLPClassifier((8,), input_dropout=0.2, numeric_embedding="periodic", max_epochs=2,
                        random_state=0).fit(X, y)
    assert [type(l).__name__ for l in clf.network_.layers[:2]] == ["Dropout", "PeriodicEmbedding"]


def test_defaults_build_the_same_network_as_before():
    X, y, _ = _data()
    a = MLPClassifier((8,), max_epochs=3, random_state=0).fit(X, y)
    b = MLPClassifier((8,), max_epochs=3, random_state=0, lr_schedule="constant", beta_2=0.999,
                      normalization=None, numeric_embedding=None, label_smoothing=0.0).fit(X, y)
    assert a.trainer_.lr_schedule is None  # "constant" is no schedule at all: the same steps
    for p, q in zip(a.network_.parameters(), b.network_.parameters(), strict=True):
        assert p.data.tobytes() == q.data.tobytes()


@pytest.mark.parametrize("kwargs, received", [
    ({"lr_schedule": "warm"}, "Received: lr_schedule='warm'"),
    ({"normalization": "group"}, "Received: normalization='group'"),
    ({"numeric_embedding": "linear"}, "Received: numeric_embedding='linear'"),
    ({"beta_2": 1.0}, "Received: beta_2=1.0"),
    ({"label_smoothing": -0.1}, r"Received: label_smoothing=-0\.1"),
    ({"activation": "swish"}, "Received: activation='swish'"),
])
def test_bad_values_name_the_parameter(kwargs, received):
    with pytest.raises(ValueError, match=received):
        MLPClassifier(**kwargs).checked_params()


def test_label_smoothing_is_the_classifiers_only():
    assert "label_smoothing" not in MLPRegressor().get_params()
    with pytest.raises(TypeError):
        MLPRegressor(label_smoothing=0.1)


def test_group_l1_with_an_embedding_acts_per_input_column():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 6))
    y = X[:, 0] - 2 * X[:, 1]
    reg = MLPRegressor((16,), numeric_embedding="periodic", group_l1=0.05, learning_rate=1e-2, max_epochs=60,
                       early_stopping=False, random_state=0).fit(X, y)
    weight = input_weight(reg)
    assert isinstance(reg.network_.layers[0], PeriodicEmbedding) and weight.data.ndim == 3
    assert weight.regularizer is not None and "GroupL1" in repr(weight.regularizer)
    kept = selected_features(reg).indices.tolist()
    assert {0, 1} <= set(kept) and len(kept) < 6  # names input columns, noise columns removed
    assert lambda_max(MLPRegressor((8,), numeric_embedding="periodic"), X, y, "group_l1", tries=1) > 0


def test_warm_start_copies_batchnorm_and_embedding():
    X, y, _ = _data()
    clf = MLPClassifier((8,), normalization="batch", numeric_embedding="periodic", max_epochs=2,
                        random_state=0, warm_start=True).fit(X, y)
    before = {name: a.copy() for name, a in clf.network_.named_buffers()}
    net = clf.network_
    clf.set_params(max_epochs=1).fit(X, y)
    assert clf.network_ is not net
    # the second fit started from the first one's statistics (momentum 0.1 keeps 0.9 ** steps of them)
    for name, array in clf.network_.named_buffers():
        assert not np.allclose(array, BatchNorm(array.size).running_var if "var" in name else 0)
        assert np.corrcoef(array, before[name])[0, 1] > 0.5


# ---------------------------------------------------------------- command line, --grid, TOML
FLAGS = ["--activation", "selu", "--normalization", "layer", "--lr-schedule", "cosine", "--beta-2", "0.95",
         "--numeric-embedding", "periodic", "--label-smoothing", "0.1"]


def test_flags_reach_the_estimator(tmp_path):
    from ridgeback.cli.app import build_parser
    from ridgeback.cli.common import resolve_settings

    args = build_parser().parse_args(["train", "x.csv", "--target", "y", *FLAGS])
    params = estimator_params(resolve_settings(args))
    assert params == {**params, "activation": "selu", "normalization": "layer", "lr_schedule": "cosine",
                      "beta_2": 0.95, "numeric_embedding": "periodic", "label_smoothing": 0.1}
    args = build_parser().parse_args(["train", "x.csv", "--target", "y", "--normalization", "none"])
    assert estimator_params(resolve_settings(args))["normalization"] is None


def test_grid_names_and_toml_keys(tmp_path):
    grid = parse_grid("normalization=none,batch;lr_schedule=constant,onecycle;beta_2=0.95,0.999;"
                      "numeric-embedding=periodic;label_smoothing=0,0.1;activation=gelu,silu")
    assert grid == {"normalization": [None, "batch"], "lr_schedule": ["constant", "onecycle"],
                    "beta_2": [0.95, 0.999], "numeric_embedding": ["periodic"],
                    "label_smoothing": [0.0, 0.1], "activation": ["gelu", "silu"]}
    config = tmp_path / "c.toml"
    config.write_text('normalization = "batch"\nlr_schedule = "multicycle"\nbeta_2 = 0.95\n'
                      'numeric_embedding = "periodic"\nlabel_smoothing = 0.1\nactivation = "mish"\n')
    params = estimator_params(read_config(config))
    assert params == {"normalization": "batch", "lr_schedule": "multicycle", "beta_2": 0.95,
                      "numeric_embedding": "periodic", "label_smoothing": 0.1, "activation": "mish"}
    assert isinstance(make_estimator("classification", params), MLPClassifier)


def test_scaling_and_ensemble_are_grid_keys_with_their_choices_checked():
    from ridgeback.cli.search_helpers import PREPROCESSING_GRID
    from ridgeback.tabular.scalings import SCALINGS

    assert PREPROCESSING_GRID == ("scaling",)  # each one a --grid name with its own choices:
    assert parse_grid(f"scaling={','.join(SCALINGS)}") == {"scaling": list(SCALINGS)}
    assert parse_grid("scaling=standard,quantile;l2=0") == {"scaling": ["standard", "quantile"], "l2": [0.0]}
    assert parse_grid("ensemble=seeds;dropout=0") == {"ensemble": ["seeds"], "dropout": [0.0]}
    with pytest.raises(ValueError, match=r"--grid 'scaling' takes 'standard', 'robust', 'quantile'\. "
                                         r"Received: scaling='minmax'"):
        parse_grid("scaling=standard,minmax")
    with pytest.raises(ValueError, match=r"Received: ensemble='bag'"):
        parse_grid("ensemble=bag")
    with pytest.raises(ValueError, match=r"expected one of \[.*'ensemble'.*'scaling'.*\]"):
        parse_grid("scalings=standard")


def test_label_smoothing_on_a_regression_is_refused_and_its_default_ignored():
    with pytest.raises(ValueError, match="applies to classification only.*Received: label_smoothing=0.1"):
        make_estimator("regression", {"label_smoothing": 0.1})
    assert isinstance(make_estimator("regression", {"label_smoothing": 0.0}), MLPRegressor)


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    n = 150
    df = pd.DataFrame({"a": rng.standard_normal(n), "b": rng.standard_normal(n),
                       "c": rng.choice(["x", "y"], n)})
    df["label"] = np.where(np.sin(3 * df.a) + (df.c == "x") > 0.2, "yes", "no")
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    return path, df


def test_train_predict_and_tune_grid_with_the_new_flags(table, tmp_path, capsys):
    path, df = table
    out = tmp_path / "m"
    argv = ["train", str(path), "--target", "label", "--epochs", "3", "--hidden", "8", "--quiet", *FLAGS]
    assert main([*argv, "--out", str(out)]) == 0
    model = load(out)
    assert model.estimator.get_params()["numeric_embedding"] == "periodic"
    assert main(["predict", str(out), str(path), "--out", str(tmp_path / "p.csv"), "--quiet"]) == 0
    pred = pd.read_csv(tmp_path / "p.csv")
    assert len(pred) == len(df)
    code = main(["tune", str(path), "--target", "label", "--epochs", "2", "--hidden", "8", "--quiet",
                 "--cv", "2", "--grid", "normalization=none,batch;lr_schedule=multicycle",
                 "--out", str(tmp_path / "t")])
    assert code == 0
    capsys.readouterr()
    assert main(["train", str(path), "--target", "label", "--lr-schedule", "warm", "--quiet",
                 "--out", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err
    assert "--lr-schedule" in err and "'warm'" in err and len(err.strip().splitlines()) == 1


def test_a_grid_over_scaling_gives_each_candidate_its_own_preprocessing(table, tmp_path, capsys):
    path, _ = table
    out = tmp_path / "t"
    code = main(["tune", str(path), "--target", "label", "--epochs", "4", "--hidden", "8", "--quiet",
                 "--json", "--cv", "3", "--grid", "scaling=standard,quantile;l2=0;ensemble=seeds",
                 "--scaling", "robust", "--out", str(out)])  # the grid's values win over the flag's
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    rows = {row["params"]["scaling"]: row for row in doc["tune"]["results"]}
    assert set(rows) == {"standard", "quantile"}
    # the same network on differently scaled folds: other scores on every fold
    assert all(a != b for a, b in zip(rows["standard"]["fold_scores"], rows["quantile"]["fold_scores"],
                                      strict=True))
    chosen = doc["tune"]["best_params"]["scaling"]
    model = load(out)  # --grid's ensemble=seeds: the chosen candidate refitted with 5 seeds
    assert len(model.members) == 5
    assert {m.preprocessor.scaling for m in model.members} == {chosen}
    assert json.loads((out / "run.json").read_text())["settings"]["ensemble"] == "seeds"


def test_a_blend_over_scalings_keeps_each_members_preprocessing(table, tmp_path):
    from ridgeback.cli.ensembles import linear_model, refit
    from ridgeback.cli.search_helpers import split_preprocessing

    path, df = table
    X, y = df.drop(columns="label"), df["label"]
    args = SimpleNamespace(settings={"scaling": "robust"}, quiet=True)
    base = {"hidden_layer_sizes": (8,), "max_epochs": 2}
    first = refit(args, "classification", base, {"scaling": "quantile"}, X, y)
    like = (first, first.encode(X))
    again = refit(args, "classification", base, {"scaling": "quantile", "random_state": 1}, X, y, like=like)
    other = refit(args, "classification", base, {"scaling": "standard"}, X, y, like=like)
    linear = linear_model(args, "classification", {}, {"model": "LogisticRegression", "param": "C",
                                                       "value": 1.0}, X, y, like=like)
    assert again.preprocessor is first.preprocessor  # the same scaling: shared, not fitted again
    assert other.preprocessor.scaling == "standard" and other.preprocessor is not first.preprocessor
    assert linear.preprocessor.scaling == "robust"  # as the baseline was cross-validated: --scaling
    assert split_preprocessing({"scaling": "robust", "l2": 0.1}) == ({"l2": 0.1}, {"scaling": "robust"})


@pytest.mark.parametrize("grid, flags, message", [
    ("l2=0;ensemble=seeds,none", [], "takes one value"),
    ("l2=0;ensemble=folds", ["--ensemble", "seeds"], "disagree"),
    ("ensemble=folds", [], "at least one parameter to search besides 'ensemble'"),
    ("scaling=standard,minmax", [], "Received: scaling='minmax'"),
])
def test_a_grid_ensemble_or_scaling_that_cannot_be_run_exits_2_in_one_line(table, tmp_path, capsys, grid,
                                                                           flags, message):
    path, _ = table
    code = main(["tune", str(path), "--target", "label", "--epochs", "2", "--quiet", "--grid", grid, *flags,
                 "--out", str(tmp_path / "t")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "t").exists()


def test_tune_refuses_label_smoothing_on_a_regression_with_exit_2(table, tmp_path, capsys):
    path, df = table
    df.assign(t=df.a * 2).drop(columns="label").to_csv(tmp_path / "r.csv", index=False)
    code = main(["tune", str(tmp_path / "r.csv"), "--target", "t", "--epochs", "2", "--quiet",
                 "--grid", "label_smoothing=0,0.1", "--out", str(tmp_path / "t")])
    err = capsys.readouterr().err
    assert code == 2 and "label_smoothing" in err and len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------- saved models and ONNX
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_model_directories_round_trip_buffers_and_embeddings(cls, tmp_path):
    X, yc, yr = _data()
    y = yc if cls is MLPClassifier else yr
    est = cls((8,), max_epochs=3, random_state=0, **RECIPE).fit(X, y)
    loaded = load(save(est, tmp_path / "m"))
    assert loaded.get_params() == est.get_params()
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    for (name, a), (_, b) in zip(est.network_.named_buffers(), loaded.network_.named_buffers(), strict=True):
        np.testing.assert_array_equal(a, b)
        assert not np.all(a == 0) or "mean" not in name


def test_tabular_model_with_the_recipe_exports_to_onnx(table, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from ridgeback.persist.onnx import export_onnx

    path, df = table
    X, y = df.drop(columns="label"), df["label"]
    model = TabularModel(MLPClassifier((8, 8), max_epochs=3, random_state=0, label_smoothing=0.1,
                                       **RECIPE)).fit(X, y)
    onnx_path = export_onnx(model, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    out = session.run(None, {"input": model.transform(X).astype(np.float32)})[0]
    np.testing.assert_allclose(out, model.predict_proba(X), atol=1e-5, rtol=0)


@pytest.mark.parametrize("sigma", [0.1, 1.0])
def test_periodic_sigma_sets_the_scale_of_the_initial_frequencies(sigma):
    """``periodic_sigma`` reaches the embedding (its 5 x 16 frequencies drawn N(0, sigma^2));
    a flag, a --grid name and a TOML key; checked; and a saved model refits with it."""
    X, _, y = _data(n=60, d=5)
    reg = MLPRegressor((4,), numeric_embedding="periodic", periodic_sigma=sigma, max_epochs=1,
                       learning_rate=1e-9, early_stopping=False, random_state=0).fit(X, y)
    (embedding,) = [l for l in reg.network_.layers if isinstance(l, PeriodicEmbedding)]
    assert embedding.sigma == sigma
    assert np.std(embedding.frequencies.data) == pytest.approx(sigma, rel=0.3)
    # the draw is the same up to the scale: sigma only stretches it
    base = MLPRegressor((4,), numeric_embedding="periodic", max_epochs=1, learning_rate=1e-9,
                        early_stopping=False, random_state=0).fit(X, y)
    (smooth,) = [l for l in base.network_.layers if isinstance(l, PeriodicEmbedding)]
    np.testing.assert_allclose(embedding.frequencies.data, smooth.frequencies.data * (sigma / 0.1), rtol=1e-4)
    assert parse_grid("periodic_sigma=0.1,1") == {"periodic_sigma": [0.1, 1.0]}
    from ridgeback.cli.app import build_parser
    from ridgeback.cli.common import resolve_settings

    args = build_parser().parse_args(["train", "x.csv", "--target", "y", "--periodic-sigma", str(sigma)])
    assert estimator_params(resolve_settings(args))["periodic_sigma"] == sigma
    with pytest.raises(ValueError, match=r"periodic_sigma.*Received: periodic_sigma=-1"):
        MLPRegressor(numeric_embedding="periodic", periodic_sigma=-1).fit(X, y)


def test_a_model_saved_before_periodic_sigma_loads_with_the_smooth_default(tmp_path):
    X, _, y = _data(n=60, d=3)
    reg = MLPRegressor((4,), numeric_embedding="periodic", max_epochs=2, random_state=0).fit(X, y)
    save(reg, tmp_path / "m")
    config = tmp_path / "m" / "model.json"
    saved = json.loads(config.read_text())
    assert saved["estimator"]["params"].pop("periodic_sigma") == 0.1  # as files written before it hold
    config.write_text(json.dumps(saved))
    loaded = load(tmp_path / "m")
    assert loaded.get_params()["periodic_sigma"] == 0.1
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
