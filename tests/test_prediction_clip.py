"""MLPRegressor(clip_predictions=True): predictions kept inside bounds drawn from the training
target's range (widened by half its width, never across zero where the target never crossed it),
in predict, predict_mc, saved models, ensembles and ONNX graphs."""

import json

import numpy as np
import pandas as pd
import pytest

from ridgeback import MLPRegressor, load, save
from ridgeback.estimators.regressor import clip_bounds, target_range
from ridgeback.selection.ensemble import FoldEnsemble
from ridgeback.tabular.model import TabularModel


def _data(seed=0, n=200):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    y = np.abs(X[:, 0]) * 3 + X[:, 1]  # a target the networks extrapolate beyond its range
    return X, y


def _far(seed=1, n=60):
    return 30 * np.random.default_rng(seed).standard_normal((n, 3))


def _fitted(clip=True, seed=0, **kw):
    X, y = _data()
    return MLPRegressor((16,), max_epochs=30, random_state=seed, clip_predictions=clip, **kw).fit(X, y), y


def test_predictions_are_the_network_output_clipped_to_bounds_from_the_targets_range():
    reg, y = _fitted()
    np.testing.assert_array_equal(reg.target_range_, [[y.min()], [y.max()]])
    width = y.max() - y.min()
    low, high = y.min() - width / 2, y.max() + width / 2  # y takes both signs: no floor at zero
    np.testing.assert_allclose(clip_bounds(reg.target_range_), [[low], [high]])
    raw = reg.network_.forward(_far()).astype(np.float64).ravel()
    assert raw.min() < low and raw.max() > high  # the far rows do leave the bounds
    np.testing.assert_allclose(reg.predict(_far()), np.clip(raw, low, high), rtol=1e-6)
    inside = (raw > low) & (raw < high)
    assert inside.any()
    np.testing.assert_allclose(reg.predict(_far())[inside], raw[inside], rtol=1e-6)
    unclipped, _ = _fitted(clip=False)
    np.testing.assert_allclose(unclipped.predict(_far()), raw, rtol=1e-6)


def test_a_target_never_negative_is_never_predicted_negative():
    X, _ = _data()
    y = np.abs(X[:, 0]) * 3  # a count, a price: 0 and up
    reg = MLPRegressor((16,), max_epochs=30, random_state=0).fit(X, y)
    raw = reg.network_.forward(_far()).astype(np.float64).ravel()
    assert (raw < 0).any() and (raw > y.max() * 1.5).any()
    pred = reg.predict(_far())
    assert pred.min() == 0.0 and pred.max() == pytest.approx(y.max() + (y.max() - y.min()) / 2)
    np.testing.assert_allclose(clip_bounds([[2.0], [5.0]]), [[0.5], [6.5]])  # the margin above zero
    np.testing.assert_allclose(clip_bounds([[-5.0], [-1.0]]), [[-7.0], [0.0]])  # never positive


def test_each_target_column_is_clipped_by_its_own_bounds():
    X, y = _data()
    Y = np.column_stack([y, -10 * y + 100])
    reg = MLPRegressor((16,), max_epochs=30, random_state=0).fit(X, Y)
    np.testing.assert_array_equal(reg.target_range_, [Y.min(axis=0), Y.max(axis=0)])
    low, high = clip_bounds(reg.target_range_)
    pred = reg.predict(_far())
    raw = reg.network_.forward(_far()).astype(np.float64)
    assert pred.shape == (60, 2)
    np.testing.assert_allclose(pred, np.clip(raw, low, high), rtol=1e-6)
    for k in range(2):
        assert (pred[:, k] == low[k]).any() or (pred[:, k] == high[k]).any()


def test_target_range_ignores_missing_values_and_a_warm_start_widens_it():
    assert target_range([np.nan, 2.0, -1.0, np.inf]).tolist() == [[-1.0], [2.0]]
    X, y = _data()
    reg = MLPRegressor((8,), max_epochs=2, random_state=0).fit(X[:100], y[:100])
    first = reg.target_range_.copy()
    reg.set_params(warm_start=True).fit(X[100:], y[100:] + 50)
    np.testing.assert_array_equal(reg.target_range_, [[min(first[0, 0], (y[100:] + 50).min())],
                                                      [max(first[1, 0], (y[100:] + 50).max())]])


def test_predict_mc_clips_its_mean():
    reg, y = _fitted(dropout=0.2)
    low, high = clip_bounds(reg.target_range_)[:, 0]
    mean, std = reg.predict_mc(_far(), samples=8, seed=0)
    assert mean.shape == std.shape == (60,)
    assert mean.dtype == np.float32  # clipped in float64, handed back in the network's dtype
    assert np.float32(low) <= mean.min() and mean.max() <= np.float32(high)
    assert np.isclose(mean, low).any() or np.isclose(mean, high).any()
    assert (std > 0).all()


def test_clip_predictions_must_be_a_boolean():
    X, y = _data()
    with pytest.raises(ValueError, match=r"clip_predictions.*Received: clip_predictions='yes'"):
        MLPRegressor(clip_predictions="yes", max_epochs=1).fit(X, y)


def test_a_saved_model_keeps_its_range_and_an_older_file_clips_nothing(tmp_path):
    reg, y = _fitted()
    path = save(reg, tmp_path / "m")
    doc = json.loads((path / "model.json").read_text())
    assert doc["estimator"]["target_range"] == {"min": [y.min()], "max": [y.max()]}
    loaded = load(path)
    np.testing.assert_array_equal(loaded.predict(_far()), reg.predict(_far()))
    # a model saved before the range was kept: no range, the network's own output
    del doc["estimator"]["target_range"]
    (path / "model.json").write_text(json.dumps(doc))
    old = load(path)
    assert old.target_range_ is None
    raw = reg.network_.forward(_far()).astype(np.float64).ravel()
    np.testing.assert_allclose(old.predict(_far()), raw, rtol=1e-6)
    assert not np.allclose(reg.predict(_far()), raw)


@pytest.mark.parametrize("bad", [{"min": [1.0], "max": [0.0]}, {"min": [0.0]}, {"min": ["a"], "max": [1.0]}])
def test_a_damaged_range_is_refused_by_name(tmp_path, bad):
    reg, _ = _fitted()
    path = save(reg, tmp_path / "m")
    doc = json.loads((path / "model.json").read_text())
    doc["estimator"]["target_range"] = bad
    (path / "model.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=r"target_range.*Received: target_range="):
        load(path)


def test_onnx_graphs_clip_as_predict_does(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from ridgeback.persist.onnx import export_onnx

    cpu = ["CPUExecutionProvider"]
    far = _far().astype(np.float32)

    def run(model, name, x):
        session = ort.InferenceSession(str(export_onnx(model, tmp_path / name)), providers=cpu)
        return session.run(None, {"input": x})[0]

    reg, y = _fitted()
    np.testing.assert_allclose(run(reg, "one.onnx", far).ravel(), reg.predict(far), atol=1e-4, rtol=1e-5)
    # an ensemble averages its members unclipped and clips the average by the widest range's bounds
    X, y = _data()
    members = [MLPRegressor((16,), max_epochs=30, random_state=k).fit(X, y + 3 * k) for k in range(3)]
    ens = FoldEnsemble(members, [0.5, 0.25, 0.25])
    np.testing.assert_array_equal(ens.target_range_, [[y.min()], [y.max() + 6]])
    low, high = clip_bounds(ens.target_range_)[:, 0]
    raw = [m.network_.forward(far).astype(np.float64).ravel() for m in members]
    expected = np.clip(0.5 * raw[0] + 0.25 * raw[1] + 0.25 * raw[2], low, high)
    np.testing.assert_allclose(ens.predict(far), expected, rtol=1e-5, atol=1e-5)
    each = 0.5 * members[0].predict(far) + 0.25 * members[1].predict(far) + 0.25 * members[2].predict(far)
    assert np.abs(each - expected).max() > 0.1  # clipping each member first would differ
    np.testing.assert_allclose(run(ens, "ens.onnx", far).ravel(), expected, atol=1e-4, rtol=1e-5)
    plain = MLPRegressor((4,), max_epochs=2, random_state=0, clip_predictions=False).fit(X, y)
    mixed = FoldEnsemble([members[0], plain])
    assert mixed.target_range_ is None  # a member that does not clip: the plain average
    np.testing.assert_allclose(mixed.predict(far), np.mean([m.predict(far) for m in mixed.members], axis=0))
    out = run(mixed, "mixed.onnx", far).ravel()
    np.testing.assert_allclose(out, mixed.predict(far), atol=1e-4, rtol=1e-5)
    unclipped = MLPRegressor((16,), max_epochs=30, random_state=0, clip_predictions=False).fit(X, y)
    out = run(unclipped, "raw.onnx", far).ravel()
    np.testing.assert_allclose(out, unclipped.network_.forward(far).ravel(), atol=1e-4, rtol=1e-5)


def test_a_tabular_model_clips_through_its_estimator(tmp_path):
    X, y = _data()
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    model = TabularModel(MLPRegressor((16,), max_epochs=30, random_state=0)).fit(df, pd.Series(y, name="y"))
    far = pd.DataFrame(_far(), columns=["a", "b", "c"])
    pred = model.predict(far)
    low, high = clip_bounds(model.estimator.target_range_)[:, 0]
    assert low <= pred.min() and pred.max() <= high  # (the preprocessor's input clip bounds them here)
    raw = model.estimator._predict(model.transform(far), clip=False)
    np.testing.assert_allclose(pred, np.clip(raw, low, high))
    loaded = load(save(model, tmp_path / "t"))
    np.testing.assert_array_equal(loaded.predict(far), pred)
