"""Blends: greedy ensemble selection over out-of-fold predictions (ridgeback.selection.blend),
weighted ensembles that save, load, sample and export, and `tune --ensemble blend`."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import log_loss, r2_score

from ridgeback import MLPClassifier, MLPRegressor, load, save
from ridgeback.estimators.regressor import clip_bounds
from ridgeback.persist.npz import ModelFormatError
from ridgeback.selection.blend import LINEAR, apportion, blend_search, greedy_blend
from ridgeback.selection.ensemble import FoldEnsemble
from ridgeback.selection.result import TuneResult
from ridgeback.tabular.model import TabularModel


# ---------------------------------------------------------------- the greedy steps
def test_two_complementary_models_are_blended_half_and_half():
    rng = np.random.default_rng(0)
    y = rng.standard_normal(200)
    noise = rng.standard_normal(200)
    a, b = y + noise, y - noise  # each alone is off; their mean is exact
    out = greedy_blend({"a": a, "b": b}, y, "r2")
    assert out["weights"] == {"a": 0.5, "b": 0.5}
    assert out["score"] == pytest.approx(1.0)
    assert out["single"]["a"] == pytest.approx(r2_score(y, a))
    assert out["steps"] == 2


def test_the_blend_is_never_worse_than_the_best_single_model_on_the_oof_rows():
    rng = np.random.default_rng(1)
    y = rng.standard_normal(300)
    preds = {k: y + s * rng.standard_normal(300) for k, s in enumerate([0.5, 0.7, 1.5, 3.0])}
    out = greedy_blend(preds, y, "r2")
    assert out["score"] >= max(out["single"].values())
    assert sum(out["weights"].values()) == pytest.approx(1.0)
    weights = np.array([out["weights"].get(k, 0.0) for k in preds])
    blended = sum(w * p for w, p in zip(weights, preds.values(), strict=True))
    assert r2_score(y, blended) == pytest.approx(out["score"])
    assert all((w * out["steps"]) == pytest.approx(round(w * out["steps"])) for w in weights)  # step counts


def test_a_useless_model_gets_no_weight_and_a_lone_model_gets_all():
    rng = np.random.default_rng(2)
    y = rng.standard_normal(100)
    out = greedy_blend({"good": y + 0.1 * rng.standard_normal(100), "bad": -y}, y, "r2")
    assert out["weights"] == {"good": 1.0} and out["steps"] == 1
    assert greedy_blend({"only": y}, y, "r2")["weights"] == {"only": 1.0}


def test_probabilities_are_blended_by_log_loss_and_stay_probabilities():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 400)
    onehot = np.eye(3)[y]
    sharp = 0.7 * onehot + 0.1        # right, confident
    flat = np.full((400, 3), 1 / 3)   # uninformative but never wrong by much
    wrong = np.roll(onehot, 1, axis=1) * 0.85 + 0.05
    mixed = np.where(rng.random(400)[:, None] < 0.2, wrong, sharp)  # confident, sometimes wrong
    out = greedy_blend({"mixed": mixed, "flat": flat}, y, "neg_log_loss", classes=[0, 1, 2])
    w = out["weights"]
    assert set(w) == {"mixed", "flat"} and 0 < w["flat"] < 0.5
    blended = w["mixed"] * mixed + w["flat"] * flat
    np.testing.assert_allclose(blended.sum(axis=1), 1.0)
    assert -log_loss(y, blended, labels=[0, 1, 2]) == pytest.approx(out["score"], rel=1e-9)
    assert out["score"] > max(out["single"].values())


def test_ties_go_to_the_earlier_key_and_non_finite_models_are_left_out():
    y = np.arange(10.0)
    assert list(greedy_blend({"x": y, "z": y.copy()}, y, "r2")["weights"]) == ["x"]
    broken = y.copy()
    broken[3] = np.nan
    out = greedy_blend({"nan": broken, "ok": y + 1}, y, "r2")
    assert out["weights"] == {"ok": 1.0} and "nan" not in out["single"]


@pytest.mark.parametrize("call, match", [
    (lambda y: greedy_blend({"a": y[:5]}, y, "r2"), "one row per target value.*Received: 5 rows"),
    (lambda y: greedy_blend({"a": y * np.nan}, y, "r2"), "finite predictions.*Received"),
    (lambda y: greedy_blend({"a": y}, y, "r2", rounds=0), "rounds.*Received"),
    (lambda y: greedy_blend({"a": y}, y, "nonsense"), "Received"),
    (lambda y: apportion({1: 1.0}, 0), "slots.*Received"),
])
def test_bad_blend_arguments_are_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call(np.arange(10.0))


def test_apportion_shares_the_refits_by_weight_at_least_one_each():
    assert apportion({3: 0.6, 7: 0.4}, 5) == {3: 3, 7: 2}
    assert apportion({1: 1.0}, 5) == {1: 5}
    assert apportion({1: 0.9, 2: 0.05, 3: 0.05}, 5) == {1: 3, 2: 1, 3: 1}
    assert sum(apportion({k: 1 / 7 for k in range(7)}, 5).values()) == 7


def test_blend_search_draws_on_the_best_candidates_and_the_linear_baseline():
    rng = np.random.default_rng(4)
    y = rng.standard_normal(120)
    noise = rng.standard_normal(120)
    rows = [{"params": {"l2": v}, "mean_score": s, "std_score": 0.01}
            for v, s in [(0.0, 0.5), (1e-3, 0.8), (1e-2, 0.1)]]
    result = TuneResult.from_results(rows, n_folds=3, scoring="r2")
    result.oof_predictions_ = {0: (y + noise)[:, None], 1: (y + 0.5 * noise)[:, None], 2: None}
    result.baseline = {"mean_score": 0.6}
    result.baseline_oof_ = (y - 0.5 * noise)[:, None].astype(np.float32)
    out = blend_search(result, y, "r2", pool=1)
    assert out["pool"] == [1, LINEAR]  # the best network (pool=1), then the baseline
    assert out["weights"] == {1: 0.5, LINEAR: 0.5}
    assert out["score"] == pytest.approx(1.0, abs=1e-6)
    result.oof_predictions_, result.baseline_oof_ = None, None
    assert blend_search(result, y, "r2") is None


# ---------------------------------------------------------------- weighted ensembles
def _members(n=120):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((n, 3))
    y = X[:, 0] - np.sin(2 * X[:, 1])
    regs = [MLPRegressor((8,), max_epochs=4, dropout=0.2, random_state=k).fit(X, y) for k in range(3)]
    clfs = [MLPClassifier((8,), max_epochs=4, random_state=k).fit(X, (y > 0).astype(int) + (y > 1))
            for k in range(3)]
    return X, regs, clfs


def test_a_weighted_ensemble_averages_by_its_normalized_weights():
    X, regs, clfs = _members()
    ens = FoldEnsemble(regs, weights=[2, 1, 1])
    np.testing.assert_allclose(ens.weights, [0.5, 0.25, 0.25])
    # the members' own outputs weighted, then clipped by the target's bounds (clip_predictions)
    raw = [m._predict(X, clip=False) for m in regs]
    low, high = clip_bounds(regs[0].target_range_)[:, 0]
    expected = np.clip(0.5 * raw[0] + 0.25 * raw[1] + 0.25 * raw[2], low, high)
    np.testing.assert_allclose(ens.predict(X), expected, rtol=1e-6, atol=1e-6)
    cens = FoldEnsemble(clfs, weights=[0.0, 3.0, 1.0])
    proba = 0.75 * clfs[1].predict_proba(X) + 0.25 * clfs[2].predict_proba(X)
    np.testing.assert_allclose(cens.predict_proba(X), proba, rtol=1e-6, atol=1e-7)
    assert cens.predict_proba(X).dtype == clfs[0].predict_proba(X).dtype
    np.testing.assert_array_equal(cens.predict(X), cens.classes_[proba.argmax(axis=1)])
    assert not ens.uniform and FoldEnsemble(regs).uniform and "weights=[0.5, 0.25, 0.25]" in repr(ens)


def test_a_weighted_ensembles_monte_carlo_mixture_follows_the_weights():
    X, regs, _ = _members()
    w = np.array([0.6, 0.3, 0.1])
    ens = FoldEnsemble(regs, weights=w)
    mean, std = ens.predict_mc(X, samples=6, seed=0)
    parts = [m.predict_mc(X, samples=6, seed=int(np.random.SeedSequence([0, k]).generate_state(1)[0]))
             for k, m in enumerate(regs)]
    means = np.array([p[0] for p in parts])
    second = np.array([p[1] ** 2 + p[0] ** 2 for p in parts])
    np.testing.assert_allclose(mean, w @ means, rtol=1e-6, atol=1e-6)
    spread = np.sqrt(np.maximum(w @ second - (w @ means) ** 2, 0))
    np.testing.assert_allclose(std, spread, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("weights, match", [
    ([1, 1], "one weight per member.*Received: 2 weights"),
    ([1, -1, 1], "non-negative.*Received"),
    ([0, 0, 0], "not all zero.*Received"),
    ([1, np.inf, 1], "finite.*Received"),
    (["a", 1, 1], "numbers.*Received"),
])
def test_bad_weights_are_refused(weights, match):
    _, regs, _ = _members(40)
    with pytest.raises(ValueError, match=match):
        FoldEnsemble(regs, weights=weights)


def test_weights_survive_save_and_load_and_bad_saved_weights_are_refused(tmp_path):
    X, regs, clfs = _members()
    ens = FoldEnsemble(clfs, weights=[0.5, 0.3, 0.2])
    path = save(ens, tmp_path / "m")
    doc = json.loads((path / "model.json").read_text())
    assert doc["weights"] == pytest.approx([0.5, 0.3, 0.2])
    loaded = load(path)
    np.testing.assert_allclose(loaded.weights, ens.weights)
    np.testing.assert_array_equal(loaded.predict_proba(X), ens.predict_proba(X))
    assert "weights" not in json.loads((save(FoldEnsemble(regs), tmp_path / "u") / "model.json").read_text())
    for bad in ([1, 2], ["x", 1, 1], [1, -1, 1], True):
        (path / "model.json").write_text(json.dumps({**doc, "weights": bad}))
        with pytest.raises(ModelFormatError, match="weights"):
            load(path)


def test_a_weighted_ensemble_exports_one_weighted_onnx_graph(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from ridgeback.persist.onnx import export_onnx

    rng = np.random.default_rng(6)
    df = pd.DataFrame({"a": rng.standard_normal(100), "c": rng.choice(["x", "y"], 100)})
    y = pd.Series(np.where(df.a + (df.c == "x") > 0.3, "yes", "no"))
    members = [TabularModel(MLPClassifier((5,), max_epochs=3, random_state=k)).fit(df, y) for k in range(2)]
    ens = FoldEnsemble(members, weights=[0.8, 0.2])
    path = export_onnx(ens, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    out = session.run(None, {"input": ens.transform(df).astype(np.float32)})[0]
    np.testing.assert_allclose(out, ens.predict_proba(df), atol=1e-5, rtol=0)
    assert not np.allclose(out, FoldEnsemble(members).predict_proba(df), atol=1e-4)  # the weights count


# ---------------------------------------------------------------- tune --ensemble blend
def test_cli_tune_ensemble_blend_saves_the_weighted_blend_it_reports(tmp_path, capsys):
    from ridgeback.cli.app import main

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.uniform(-2, 2, (150, 3)), columns=["a", "b", "c"])
    df["y"] = df.a + np.sin(3 * df.b) + 0.5 * rng.standard_normal(150)  # half linear, half not
    df.to_csv(tmp_path / "t.csv", index=False)
    argv = ["tune", str(tmp_path / "t.csv"), "--target", "y", "--cv", "3", "--n-iter", "6", "--epochs", "20",
            "--ensemble", "blend", "--json", "--out", str(tmp_path / "run")]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    blend = out["tune"]["blend"]
    assert out["ensemble"] == "blend" and len(blend["members"]) >= 2  # this table needs a mix
    weights = {m["candidate"]: m["weight"] for m in blend["members"]}
    assert sum(weights.values()) == pytest.approx(1.0)
    assert blend["oof_score"] >= max(m["oof_score"] for m in blend["members"])
    assert all(m["cv_score"] == pytest.approx(out["tune"]["results"][m["candidate"]]["mean_score"])
               for m in blend["members"] if m["candidate"] != LINEAR)
    model = load(tmp_path / "run")
    assert isinstance(model, FoldEnsemble)
    assert model.n_members == sum(m["refits"] for m in blend["members"])
    expected = sorted(m["weight"] / m["refits"] for m in blend["members"] for _ in range(m["refits"]))
    np.testing.assert_allclose(sorted(model.weights), expected, rtol=1e-9)
    X = df[["a", "b", "c"]]
    members = np.array([m.predict(X) for m in model.members])
    np.testing.assert_allclose(model.predict(X), model.weights @ members, rtol=1e-5, atol=1e-6)
    if LINEAR in weights:  # the linear member is the baseline's Ridge, refitted on all rows
        from sklearn.linear_model import Ridge

        linear = model.members[-1]
        baseline = out["tune"]["baseline"]
        ridge = Ridge(alpha=baseline["value"]).fit(linear.transform(X), df.y)
        expected = ridge.predict(linear.transform(X))
        np.testing.assert_allclose(linear.predict(X), expected, rtol=1e-4, atol=1e-4)
    report = (tmp_path / "run" / "report.html").read_text()
    assert "weighted blend of" in report and blend["text"] in report


def test_cli_tune_ensemble_blend_refuses_refit_1se(tmp_path, capsys):
    from ridgeback.cli.app import main

    pd.DataFrame({"a": np.arange(30.0), "y": np.arange(30.0) % 7}).to_csv(tmp_path / "t.csv", index=False)
    code = main(["tune", str(tmp_path / "t.csv"), "--target", "y", "--ensemble", "blend", "--refit", "1se",
                 "--out", str(tmp_path / "run")])
    assert code != 0 and "Received: --ensemble blend --refit 1se" in capsys.readouterr().err


def test_a_halving_search_keeps_every_candidates_and_the_baselines_out_of_fold_predictions():
    from ridgeback import tune

    rng = np.random.default_rng(7)
    X = rng.standard_normal((120, 3))
    y = np.tile([0, 1], 60)
    X[:, 0] += 1.5 * y
    grid = {"l2": [0.0, 1e-3, 1e-2], "hidden_layer_sizes": [(), (8,)]}
    result = tune(MLPClassifier(max_epochs=9, random_state=0), X, y, grid, cv=3, n_iter=6, random_state=0,
                  refit=False, scoring="neg_log_loss", search="halving", baseline=True)
    evaluated = [i for i, r in enumerate(result.results_) if r["rung"] is not None]
    assert sorted(result.oof_predictions_) == evaluated and len(evaluated) == 6
    # three equal folds: the pooled out-of-fold log-loss is the mean of the folds' log-losses
    for i in evaluated:
        oof = result.oof_predictions_[i]
        assert oof.shape == (120, 2) and np.isfinite(oof).all()
        oof = oof / oof.sum(axis=1, keepdims=True)  # float32 rows sum to 1 to float32 rounding
        assert -log_loss(y, oof) == pytest.approx(result.results_[i]["mean_score"], abs=1e-5)
    linear = result.baseline_oof_.astype(np.float64)
    assert linear.shape == (120, 2)
    linear /= linear.sum(axis=1, keepdims=True)
    assert -log_loss(y, linear) == pytest.approx(result.baseline["mean_score"], abs=1e-5)
    blend = blend_search(result, y, "neg_log_loss")
    assert blend["score"] >= max(blend["single"].values()) and LINEAR in blend["pool"]


def test_a_baseline_recorded_with_another_grid_is_left_out_not_misread():
    from ridgeback.selection.baseline import LINEAR_GRID
    from ridgeback.selection.halving import _baseline

    folds = [(np.arange(5, 10), np.arange(5)), (np.arange(5), np.arange(5, 10))]
    old = {(0, f, 0): {"baseline": {"scores": [0.1] * 6, "seconds": 0.0}} for f in range(2)}  # 6 strengths
    assert _baseline(MLPRegressor(), old, 1, 2, folds, 10) == (None, None)
    n = len(LINEAR_GRID["alpha"])
    new = {(0, f, 0): {"baseline": {"scores": list(np.linspace(0, 1, n)), "seconds": 0.0}} for f in range(2)}
    summary, oof = _baseline(MLPRegressor(), new, 1, 2, folds, 10)
    assert summary["value"] == LINEAR_GRID["alpha"][-1] and summary["mean_score"] == 1.0 and oof is None


def test_a_plain_search_keeps_the_baselines_out_of_fold_predictions_too():
    from ridgeback import tune

    rng = np.random.default_rng(8)
    X = rng.standard_normal((90, 3))
    y = X[:, 0] + 0.3 * rng.standard_normal(90)
    result = tune(MLPRegressor(max_epochs=5, random_state=0), X, y, {"l2": [0.0, 1e-2]}, cv=3, random_state=0,
                  refit=False, scoring="neg_root_mean_squared_error", baseline=True)
    linear = result.baseline_oof_[:, 0].astype(np.float64)
    # three equal folds: the pooled mean squared error is the mean of the folds' squared RMSEs
    assert np.mean((linear - y) ** 2) == pytest.approx(np.mean(np.square(result.baseline["fold_scores"])),
                                                       rel=1e-5)
    blend = blend_search(result, y, "neg_root_mean_squared_error")
    assert LINEAR in blend["pool"] and blend["score"] >= max(blend["single"].values())
