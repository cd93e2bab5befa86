"""Fold ensembles: tune(..., ensemble="folds") keeps the chosen candidate's fold models and
averages them; they save, load, predict with Monte-Carlo dropout, export to ONNX and run
through the command line."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils import _safe_indexing

from ridgeback import MLPClassifier, MLPRegressor, load, save, tune
from ridgeback.cli.app import main
from ridgeback.estimators.regressor import clip_bounds
from ridgeback.persist.npz import ModelFormatError
from ridgeback.selection.crossval import derive_seed, make_folds, resolve_entropy, seed_estimator
from ridgeback.selection.ensemble import FoldEnsemble, FoldKeeper
from ridgeback.tabular.model import TabularModel

GRID = {"l2": [0.0, 1e-2], "dropout": [0.0, 0.3]}


def _data(n=150, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    return X, (X[:, 0] + np.sin(2 * X[:, 1]) > 0).astype(int), X[:, 0] - X[:, 1] ** 2


def _weights(model):
    return [p.data.tobytes() for p in model.network_.parameters()]


@pytest.mark.parametrize("lockstep", [True, False])
def test_the_ensemble_is_the_chosen_candidates_fold_models(lockstep):
    X, y, _ = _data()
    est = MLPClassifier((8,), max_epochs=8, random_state=0)
    result = tune(est, X, y, GRID, cv=3, random_state=1, ensemble="folds", lockstep=lockstep)
    ens = result.best_estimator_
    assert isinstance(ens, FoldEnsemble) and ens.n_members == 3
    # the very models the search scored: trained again on each fold with its seed, bit for bit
    entropy = resolve_entropy(1, est)
    folds = make_folds(est, X, y, 3, derive_seed(entropy, 0))
    for k, (train, test) in enumerate(folds):
        again = seed_estimator(clone(est).set_params(**result.best_params_), derive_seed(entropy, 1, k))
        again.fit(_safe_indexing(X, train), _safe_indexing(y, train))
        assert _weights(again) == _weights(ens.members[k])
        assert again.score(X[test], y[test]) == result.results_[result.best_index_]["fold_scores"][k]
    mean = np.mean([m.predict_proba(X) for m in ens.members], axis=0)
    np.testing.assert_allclose(ens.predict_proba(X), mean)
    assert all(m.trainer_ is None for m in ens.members)  # optimizer state and copies let go


def test_the_same_ensemble_serially_and_with_workers():
    X, _, y = _data()
    est = MLPRegressor((8,), max_epochs=5, random_state=0)
    a = tune(est, X, y, GRID, cv=3, random_state=0, ensemble="folds", refit="1se").best_estimator_
    b = tune(est, X, y, GRID, cv=3, random_state=0, ensemble="folds", refit="1se", n_jobs=2).best_estimator_
    assert [_weights(m) for m in a.members] == [_weights(m) for m in b.members]
    # the members' own outputs averaged, then clipped by the bounds of the widest fold's target
    # range: every row trains K-1 of the K fold models, so that is the whole target's range
    raw = np.mean([m._predict(X, clip=False) for m in a.members], axis=0)
    np.testing.assert_array_equal(a.target_range_, [[y.min()], [y.max()]])
    np.testing.assert_allclose(a.predict(X), np.clip(raw, *clip_bounds(a.target_range_)[:, 0]))


def test_ensemble_none_refits_as_before_and_bad_values_are_refused():
    X, y, _ = _data()
    est = MLPClassifier((8,), max_epochs=3, random_state=0)
    plain = tune(est, X, y, {"l2": [0.0]}, cv=2, random_state=0)
    assert isinstance(plain.best_estimator_, MLPClassifier)
    with pytest.raises(ValueError, match="Received: ensemble='bag'"):
        tune(est, X, y, {"l2": [0.0]}, cv=2, ensemble="bag")


def test_the_keeper_holds_only_candidates_that_can_still_be_chosen():
    keeper = FoldKeeper(2, "best")
    keeper.add(0, 0, "a0", 0.8)
    keeper.add(0, 1, "a1", 0.8)
    keeper.add(1, 0, "b0", 0.9)
    assert keeper.models(0) == ["a0", "a1"]  # candidate 1 is not complete yet
    keeper.add(1, 1, "b1", 0.9)
    assert keeper.models(0) is None and keeper.models(1) == ["b0", "b1"]
    keeper.add(2, 0, None, float("nan"))  # a diverged fit: never kept
    keeper.add(2, 1, "c1", 0.99)
    assert keeper.models(2) is None and set(keeper.kept) == {1}
    band = FoldKeeper(2, "1se")
    for c, scores in enumerate([(0.80, 0.90), (0.84, 0.86), (0.50, 0.52)]):
        for k, s in enumerate(scores):
            band.add(c, k, f"m{c}{k}", s)
    assert set(band.kept) == {0, 1}  # within one standard error of the best (0.85 +- 0.05/sqrt 2)


def test_a_candidate_let_go_too_early_is_trained_again_identically(monkeypatch):
    X, y, _ = _data()
    est = MLPClassifier((8,), max_epochs=4, random_state=0)
    kept = tune(est, X, y, GRID, cv=3, random_state=2, ensemble="folds").best_estimator_
    monkeypatch.setattr(FoldKeeper, "models", lambda self, candidate: None)
    again = tune(est, X, y, GRID, cv=3, random_state=2, ensemble="folds").best_estimator_
    assert [_weights(m) for m in kept.members] == [_weights(m) for m in again.members]


def test_predict_mc_adds_the_spread_between_members():
    X, _, y = _data()
    members = [MLPRegressor((8,), max_epochs=3, random_state=k).fit(X, y) for k in range(3)]
    ens = FoldEnsemble(members)
    with pytest.warns(UserWarning, match="no dropout"):
        mean, std = ens.predict_mc(X, samples=4, seed=0)
    preds = np.array([m.predict(X) for m in members])
    np.testing.assert_allclose(mean, preds.mean(axis=0), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(std, preds.std(axis=0), rtol=1e-4, atol=1e-5)  # no dropout: between only
    with warnings.catch_warnings():  # one member with dropout: the mixture has a spread, no warning
        warnings.simplefilter("error")
        dropping = MLPRegressor((8,), dropout=0.3, max_epochs=3, random_state=5).fit(X, y)
        mixed = FoldEnsemble([members[0], dropping], [0.5, 0.5])
        _, mixed_std = mixed.predict_mc(X, samples=4, seed=0)
    assert np.all(mixed_std > 0)
    drop = FoldEnsemble([MLPClassifier((8,), dropout=0.3, max_epochs=3, random_state=k).fit(X, y > 0)
                         for k in range(2)])
    m1, s1 = drop.predict_mc(X, samples=8, seed=3)
    m2, s2 = drop.predict_mc(X, samples=8, seed=3)
    assert np.array_equal(m1, m2) and np.array_equal(s1, s2) and np.all(s1 >= 0) and s1.max() > 0
    np.testing.assert_allclose(m1.sum(axis=1), 1.0)


def test_classes_missing_from_a_member_get_probability_zero():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    a = MLPClassifier((4,), max_epochs=2, random_state=0).fit(X, np.arange(60) % 3)
    b = MLPClassifier((4,), max_epochs=2, random_state=0).fit(X, np.arange(60) % 2)
    ens = FoldEnsemble([a, b])
    assert ens.classes_.tolist() == [0, 1, 2]
    proba = ens.predict_proba(X)
    np.testing.assert_allclose(proba[:, 2], a.predict_proba(X)[:, 2] / 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


# ---------------------------------------------------------------- files and ONNX
def _tabular_ensemble(task="classification"):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.standard_normal(120), "c": rng.choice(["x", "y", "z"], 120)})
    y = pd.Series(np.where(df.a + (df.c == "x") > 0.2, "yes", "no")) if task == "classification" else df.a * 2
    cls = MLPClassifier if task == "classification" else MLPRegressor
    members = [TabularModel(cls((6,), max_epochs=3, random_state=k, normalization="batch",
                                numeric_embedding="periodic")).fit(df.iloc[k::2], y.iloc[k::2])
               for k in range(2)]
    return FoldEnsemble(members), df, y


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_an_ensemble_saves_as_one_directory_and_loads_validated(tmp_path, task):
    ens, df, y = _tabular_ensemble(task)
    path = save(ens, tmp_path / "m")
    doc = json.loads((path / "model.json").read_text())
    assert doc["kind"] == "ensemble" and [m["dir"] for m in doc["members"]] == ["member-0", "member-1"]
    loaded = load(path)
    assert isinstance(loaded, FoldEnsemble) and loaded.n_members == 2
    np.testing.assert_array_equal(loaded.predict(df), ens.predict(df))
    assert loaded.evaluate(df, y) == ens.evaluate(df, y)
    # a member from another save is detected
    other, _, _ = _tabular_ensemble(task)
    other.members[0].estimator.network_.parameters()[0].data[...] += 1
    save(other.members[0], path / "member-0")
    with pytest.raises(ModelFormatError, match="does not match the SHA-256"):
        load(path)


def test_hostile_ensemble_files_are_refused(tmp_path):
    ens, _, _ = _tabular_ensemble()
    path = save(ens, tmp_path / "m")
    doc = json.loads((path / "model.json").read_text())
    for change, match in [({"members": []}, "1 to 100 members"),
                          ({"members": [{"dir": "../x", "model_sha256": "0"}]}, "member 0 must be"),
                          ({"task": "regression"}, "task")]:
        (path / "model.json").write_text(json.dumps({**doc, **change}))
        with pytest.raises(ModelFormatError, match=match):
            load(path)


def test_an_ensemble_exports_one_averaged_onnx_graph(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from ridgeback.persist.onnx import export_onnx

    ens, df, _ = _tabular_ensemble()
    cpu = ["CPUExecutionProvider"]
    session = ort.InferenceSession(str(export_onnx(ens, tmp_path / "m.onnx")), providers=cpu)
    out = session.run(None, {"input": ens.transform(df).astype(np.float32)})[0]
    np.testing.assert_allclose(out, ens.predict_proba(df), atol=1e-5, rtol=0)
    X, _, y = _data()
    bare = FoldEnsemble([MLPRegressor((8,), max_epochs=3, random_state=k).fit(X, y) for k in range(3)])
    session = ort.InferenceSession(str(export_onnx(bare, tmp_path / "r.onnx")), providers=cpu)
    out = session.run(None, {"input": X.astype(np.float32)})[0]
    np.testing.assert_allclose(out.ravel(), bare.predict(X), atol=1e-4, rtol=1e-5)


def test_cli_tune_ensemble_folds_saves_the_ensemble_and_measures_its_gain(tmp_path, capsys):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.standard_normal(200), "b": rng.standard_normal(200)})
    df["label"] = np.where(df.a + df.b ** 2 > 0.5, "yes", "no")
    data = tmp_path / "t.csv"
    df.to_csv(data, index=False)
    run = tmp_path / "run"
    code = main(["tune", str(data), "--target", "label", "--epochs", "5", "--cv", "3", "--n-iter", "2",
                 "--ensemble", "folds", "--quiet", "--json", "--out", str(run)])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and payload["ensemble"] == "folds"
    gain = payload["ensemble_gain"]
    assert gain["n_members"] == 3 and gain["holdout_rows"] == 40
    assert gain["metric"] == "neg_log_loss"  # the search's metric, higher is better
    assert gain["gain"] == pytest.approx(gain["ensemble"]["score"] - gain["single_refit"]["score"])
    assert gain["ensemble"]["score"] == pytest.approx(-gain["ensemble"]["log_loss"])
    assert isinstance(load(run), FoldEnsemble)
    html = (run / "report.html").read_text()
    assert "fold ensemble (3 models, saved)" in html and "single refit" in html
    assert main(["predict", str(run), str(data), "--out", str(tmp_path / "p.csv"), "--quiet"]) == 0
    assert main(["evaluate", str(run), str(data), "--target", "label", "--quiet"]) == 0
    capsys.readouterr()
    config = tmp_path / "c.toml"
    config.write_text('ensemble = "bag"\n')
    code = main(["tune", str(data), "--target", "label", "--config", str(config), "--quiet",
                 "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code == 2 and "Received: ensemble='bag'" in err and len(err.strip().splitlines()) == 1


def test_hold_out_never_sets_aside_the_only_row_of_a_class_and_keeps_the_plain_split_otherwise():
    from sklearn.model_selection import train_test_split

    from ridgeback.cli.ensembles import ENSEMBLE_HOLDOUT, hold_out

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.standard_normal(100)})
    y = pd.Series(np.where(X.a > 0, "yes", "no"), name="y")
    # no class with a single row: the stratified split of the whole table, row for row
    X_rest, y_rest, (X_held, y_held) = hold_out(X, y, "classification", 3)
    expected_rest, expected_held = train_test_split(X, test_size=ENSEMBLE_HOLDOUT, random_state=3, stratify=y)
    assert X_rest.a.tolist() == expected_rest.a.tolist()
    assert X_held.index.tolist() == expected_held.index.tolist()
    # single-row classes (integer labels, as DoctorAUS's counts) stay among the rows the models see
    y = pd.Series([0, 1] * 45 + [2, 3, 4, 5, 6, 7, 8, 9, 10, 11], name="y")
    for seed in range(20):
        X_rest, y_rest, (X_held, y_held) = hold_out(X, y, "classification", seed)
        assert set(range(2, 12)) <= set(y_rest) and set(y_held) <= {0, 1}
        assert len(X_held) == 18 and len(X_rest) == 82 and sorted([*X_rest.a, *X_held.a]) == sorted(X.a)
        assert (X.a.iloc[X_held.index] == X_held.a).all()
    # more classes than held-out rows: no stratification; a class whose rows all fell aside gets one back
    y = pd.Series(np.repeat(np.arange(40), 2).tolist() + [0] * 20, name="y")
    moved = 0
    for seed in range(20):
        X_rest, y_rest, (X_held, y_held) = hold_out(X, y, "classification", seed)
        assert set(y_held) <= set(y_rest) and len(X_held) + len(X_rest) == 100
        moved += 20 - len(X_held)
    assert moved > 0  # the unstratified split does set a whole class aside on some seeds


def test_cli_tune_ensemble_folds_with_a_class_of_one_row(tmp_path, capsys):
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.standard_normal(120)})
    df["n"] = np.where(df.a > 0, 1, 0)
    df.loc[[5, 50, 100], "n"] = [2, 3, 4]  # three classes of one row each, as a count's rare values
    data = tmp_path / "t.csv"
    df.to_csv(data, index=False)
    code = main(["tune", str(data), "--target", "n", "--task", "classification", "--epochs", "3", "--cv", "3",
                 "--n-iter", "1", "--ensemble", "folds", "--quiet", "--json", "--out", str(tmp_path / "run")])
    out, err = capsys.readouterr()
    assert code == 0, err
    gain = json.loads(out)["ensemble_gain"]
    assert gain["holdout_rows"] == 24 and np.isfinite(gain["gain"])
