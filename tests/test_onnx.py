"""ONNX export: onnxruntime gives ridgeback's predictions within 1e-5."""

import json

import numpy as np
import pandas as pd
import pytest

from ridgeback import Dense, Dropout, LeakyReLU, ReLU, Sequential, Sigmoid, Tanh
from ridgeback.estimators.classifier import MLPClassifier
from ridgeback.estimators.regressor import MLPRegressor
from ridgeback.persist.onnx import export_onnx
from ridgeback.tabular.model import TabularModel

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")


def run(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input"]
    return session.get_outputs()[0].name, session.run(None, {"input": x})[0]


def test_every_layer_kind_matches(tmp_path):
    rng = np.random.default_rng(0)
    net = Sequential(Dropout(0.2, scale="inference"), Dense(5, 7, seed=0), LeakyReLU(0.1),
                     Dense(7, 6, seed=1), Tanh(), Dropout(0.5), Dense(6, 4, seed=2), Sigmoid(),
                     Dense(4, 3, seed=3), ReLU(), Dense(3, 2, seed=4))
    for layer in net.dense_layers:
        layer.bias.data[:] = rng.normal(size=layer.bias.data.shape)
    x = rng.normal(size=(50, 5)).astype(np.float32)
    name, out = run(export_onnx(net, tmp_path / "net.onnx"), x)
    assert name == "predictions"
    np.testing.assert_allclose(out, net.forward(x), atol=1e-5, rtol=0)
    # the inference-scaled dropout is in the graph: without it the outputs differ
    unscaled = Sequential(*net.layers[1:])
    assert np.abs(unscaled.forward(x) - net.forward(x)).max() > 1e-3


def test_tabular_classifier_probabilities(tmp_path):
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=90), "c": rng.choice(["x", "y", "z"], 90)})
    y = pd.Series(rng.choice(["one", "two", "three"], 90))
    model = TabularModel(MLPClassifier((8,), dropout=0.3, max_epochs=5, random_state=0)).fit(X, y)
    path = export_onnx(model, tmp_path / "m.onnx")
    name, out = run(path, model.transform(X))
    assert name == "probabilities" and out.shape == (90, 3)
    np.testing.assert_allclose(out, model.predict_proba(X), atol=1e-5, rtol=0)
    meta = {p.key: json.loads(p.value) for p in onnx.load(str(path)).metadata_props}
    assert meta["classes"] == model.classes_.tolist()
    assert meta["feature_names"] == model.feature_names_out_


def test_regressor_predictions(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 3)).astype(np.float32)
    reg = MLPRegressor((6, 4), activation="tanh", max_epochs=5, batch_size=8, random_state=0)
    reg.fit(X, X.sum(axis=1))
    name, out = run(export_onnx(reg, tmp_path / "r.onnx"), X)
    assert name == "predictions"
    np.testing.assert_allclose(out.ravel(), reg.predict(X), atol=1e-5, rtol=0)


def test_export_refuses_other_objects_and_leaves_no_file(tmp_path):
    with pytest.raises(ValueError, match=r"Received: model of type str"):
        export_onnx("model", tmp_path / "x.onnx")
    assert list(tmp_path.iterdir()) == []


def test_import_ridgeback_does_not_import_onnx():
    import subprocess
    import sys

    code = "import sys, ridgeback; print('onnx' in sys.modules, 'onnxruntime' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_new_layers_match_onnxruntime(tmp_path):
    from ridgeback.engine.activations import GELU, SELU, Mish, SiLU
    from ridgeback.engine.normalization import BatchNorm, LayerNorm
    from ridgeback.engine.periodic_embedding import PeriodicEmbedding

    rng = np.random.default_rng(5)
    emb = PeriodicEmbedding(5, 6, 0.5, 3, seed=0)
    emb.bias.data[:] = rng.normal(size=emb.bias.data.shape)
    bn, ln = BatchNorm(8), LayerNorm(8)
    for layer in (bn, ln):
        layer.weight.data[:] = rng.uniform(0.5, 2, 8)
        layer.bias.data[:] = rng.normal(size=8)
    net = Sequential(emb, Dense(15, 8, seed=1), bn, GELU(), Dense(8, 8, seed=2), ln, Mish(),
                     Dense(8, 6, seed=3), SiLU(), Dense(6, 4, seed=4), SELU(), Dense(4, 2, seed=5))
    for _ in range(3):  # running statistics away from their start
        net.forward(rng.normal(size=(32, 5)).astype(np.float32) * 2 + 1, training=True)
    x = rng.normal(size=(50, 5)).astype(np.float32) * 2
    name, out = run(export_onnx(net, tmp_path / "net.onnx"), x)
    np.testing.assert_allclose(out, net.forward(x), atol=2e-5, rtol=1e-5)


def test_periodic_embedding_without_the_input_column_exports(tmp_path):
    from ridgeback.engine.periodic_embedding import PeriodicEmbedding

    net = Sequential(PeriodicEmbedding(3, 4, 1.0, 2, include_input=False, seed=0), Dense(6, 1, seed=1))
    x = np.random.default_rng(6).normal(size=(20, 3)).astype(np.float32)
    _, out = run(export_onnx(net, tmp_path / "e.onnx"), x)
    np.testing.assert_allclose(out, net.forward(x), atol=1e-5, rtol=1e-5)
