"""Model directories: exact round trips, atomic and deterministic writes, hostile inputs refused."""

import hashlib
import io
import json
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest

from ridgeback import mlp
from ridgeback.engine.network import Sequential
from ridgeback.estimators.classifier import MLPClassifier
from ridgeback.estimators.regressor import MLPRegressor
from ridgeback.persist.loading import load
from ridgeback.persist.model_dir import save
from ridgeback.persist.model_format import FORMAT_VERSION, MAX_ARRAY_ELEMENTS
from ridgeback.persist.npz import ModelFormatError
from ridgeback.tabular.model import TabularModel

EXECUTED = []


class Payload:
    """Unpickling this would append to EXECUTED: the loader must never do it."""

    def __reduce__(self):
        return (EXECUTED.append, ("pwned",))


def small_net():
    return mlp([4, 6, 3], activation="tanh", dropout=0.3, seed=0)


def npy_bytes(array, allow_pickle=False):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def make_npz(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data if isinstance(data, bytes) else npy_bytes(data))
    return buffer.getvalue()


def rewrite(directory, *, doc=None, npz=None):
    """Replace model.json and/or weights.npz, keeping the recorded hash consistent."""
    doc = doc if doc is not None else json.loads((directory / "model.json").read_text())
    if npz is not None:
        (directory / "weights.npz").write_bytes(npz)
    doc["weights_sha256"] = hashlib.sha256((directory / "weights.npz").read_bytes()).hexdigest()
    (directory / "model.json").write_text(json.dumps(doc))


def members(directory):
    with zipfile.ZipFile(directory / "weights.npz") as zf:
        return {n[:-4]: np.load(io.BytesIO(zf.read(n)), allow_pickle=False) for n in zf.namelist()}


@pytest.fixture
def saved(tmp_path):
    return save(small_net(), tmp_path / "model")


@pytest.fixture(scope="module")
def tabular():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=60), "b": rng.choice(["u", "v"], 60)})
    X.loc[4, "a"] = np.nan
    y = pd.Series(np.where(X["a"].fillna(0) > 0, "hi", "lo"))
    model = TabularModel(MLPClassifier((5,), max_epochs=5, random_state=0)).fit(X, y)
    return model, X


# --------------------------------------------------------------------------- round trips

def test_sequential_round_trip_is_exact(saved):
    net, loaded = small_net(), load(saved)
    assert isinstance(loaded, Sequential)
    assert loaded.get_config() == net.get_config()
    for (n1, p1), (n2, p2) in zip(net.named_parameters(), loaded.named_parameters(), strict=True):
        assert n1 == n2 and p1.data.dtype == p2.data.dtype
        np.testing.assert_array_equal(p1.data, p2.data)
    doc = json.loads((saved / "model.json").read_text())
    assert doc["format_version"] == FORMAT_VERSION == 1
    assert doc["arrays"]["0.weight"] == {"shape": [4, 6], "dtype": "float32"}


def test_tabular_round_trip_predicts_identically(tmp_path, tabular):
    model, X = tabular
    loaded = load(save(model, tmp_path / "m"))
    assert isinstance(loaded, TabularModel)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.predict(X).tolist() == model.predict(X).tolist()
    assert loaded.classes_.tolist() == ["hi", "lo"] and loaded.feature_names_in_ == ["a", "b"]
    assert loaded.estimator.get_params() == model.estimator.get_params()
    assert loaded.estimator.history_.train_loss == pytest.approx(model.estimator.history_.train_loss)
    assert loaded.preprocessor.imputed_columns_ == ["a"]


@pytest.mark.parametrize("labels", [[3, 7], [True, False], [1.0, 2.0], ["α", "b"]])
def test_class_label_types_survive(tmp_path, labels):
    X = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    y = np.array(labels * 10, dtype=object if isinstance(labels[0], str) else None)
    clf = MLPClassifier((4,), max_epochs=2, batch_size=8, random_state=0).fit(X, y)
    loaded = load(save(clf, tmp_path / "c"))
    assert type(loaded) is MLPClassifier
    assert loaded.classes_.tolist() == clf.classes_.tolist()
    assert [type(c) for c in loaded.classes_.tolist()] == [type(c) for c in clf.classes_.tolist()]
    assert loaded.predict(X).tolist() == clf.predict(X).tolist()


def test_regressor_round_trip(tmp_path):
    X = np.random.default_rng(1).normal(size=(30, 2)).astype(np.float32)
    reg = MLPRegressor((4,), max_epochs=3, batch_size=8, random_state=0).fit(X, X[:, 0])
    loaded = load(save(reg, tmp_path / "r"))
    assert type(loaded) is MLPRegressor
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))


def test_regressor_target_scaling_survives_save_and_load(tmp_path):
    X = np.random.default_rng(1).normal(size=(60, 2)).astype(np.float32)
    y = 300.0 + 50.0 * X[:, 0]
    reg = MLPRegressor((4,), max_epochs=3, batch_size=8, random_state=0).fit(X, y)
    loaded = load(save(reg, tmp_path / "r"))
    assert loaded.get_params()["scale_target"] is True
    np.testing.assert_array_equal(loaded.target_mean_, reg.target_mean_)
    np.testing.assert_array_equal(loaded.target_scale_, reg.target_scale_)
    assert loaded.target_mean_[0] == pytest.approx(y.mean())
    assert loaded.target_scale_[0] == pytest.approx(y.std())
    # a warm start after loading trains on in the units the weights were trained in
    loaded.set_params(warm_start=True, max_epochs=1, learning_rate=1e-9, early_stopping=False)
    np.testing.assert_allclose(loaded.fit(X, y).predict(X), reg.predict(X), rtol=1e-4)
    doc = json.loads((tmp_path / "r" / "model.json").read_text())
    doc["estimator"]["target_scaling"]["scale"] = [0.0]
    (tmp_path / "r" / "model.json").write_text(json.dumps(doc))
    refused(tmp_path / "r", r"positive scales. Received: target_scaling=")


def test_saves_are_byte_identical_and_leave_no_temporaries(tmp_path, tabular):
    model, _ = tabular
    a, b = save(model, tmp_path / "a"), save(model, tmp_path / "b")
    for name in ("model.json", "weights.npz"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]
    assert sorted(p.name for p in a.iterdir()) == ["model.json", "weights.npz"]


def test_existing_directory_keeps_other_files(tmp_path):
    target = tmp_path / "run"
    target.mkdir()
    (target / "report.html").write_text("<html></html>")
    save(small_net(), target)
    assert sorted(p.name for p in target.iterdir()) == ["model.json", "report.html", "weights.npz"]
    assert isinstance(load(target), Sequential)


def test_refuses_to_save_nan_weights_or_unknown_objects(tmp_path):
    net = small_net()
    net.layers[0].weight.data[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"'0.weight' holds NaN.*Received: 0.weight with 1 non-finite"):
        save(net, tmp_path / "x")
    assert not (tmp_path / "x").exists()
    with pytest.raises(ValueError, match=r"Received: model of type dict"):
        save({}, tmp_path / "y")


# --------------------------------------------------------------------------- hostile directories

def refused(directory, pattern):
    with pytest.raises(ModelFormatError, match=pattern):
        load(directory)


def test_other_format_version_is_refused(saved):
    doc = json.loads((saved / "model.json").read_text())
    doc["format_version"] = 2
    rewrite(saved, doc=doc)
    refused(saved, r"format_version 2 is not supported.*reads format_version 1.*Received: format_version=2")


def test_invalid_json_and_utf8(saved):
    (saved / "model.json").write_text('{"format": "ridgeback-model", ')
    refused(saved, r"model\.json: it is not valid JSON")
    (saved / "model.json").write_bytes(b'{"format": "\xff"}')
    refused(saved, r"not valid UTF-8 \(byte 12\).*Received: byte=b'\\xff'")
    (saved / "model.json").write_text("[" * 100000 + "]" * 100000)
    refused(saved, "not valid JSON")
    (saved / "model.json").write_text('{"format_version": NaN}')
    refused(saved, "not valid JSON")


def test_missing_files(saved, tmp_path):
    (saved / "weights.npz").unlink()
    refused(saved, r"weights\.npz: the weights file is missing")
    refused(tmp_path / "nowhere", r"No model directory.*Received: path=")
    empty = tmp_path / "empty"
    empty.mkdir()
    refused(empty, r"model\.json: the file is missing")


def test_wrong_shapes_are_refused(saved):
    doc = json.loads((saved / "model.json").read_text())
    doc["arrays"]["0.weight"]["shape"] = [6, 4]
    rewrite(saved, doc=doc)
    refused(saved, r"'0\.weight' must have shape \[4, 6\] and dtype float32.*Received: shape=\[6, 4\]")
    doc["arrays"]["0.weight"]["shape"] = [4, 6]
    arrays = members(saved)
    arrays["0.weight"] = arrays["0.weight"].T.copy()
    rewrite(saved, doc=doc, npz=make_npz({f"{k}.npy": v for k, v in arrays.items()}))
    refused(saved, r"0\.weight\.npy: expected shape \(4, 6\) and dtype float32.*Received: shape=\(6, 4\)")


def test_wrong_dtype_is_refused(saved):
    arrays = members(saved)
    arrays["0.bias"] = arrays["0.bias"].astype(np.float64)
    rewrite(saved, npz=make_npz({f"{k}.npy": v for k, v in arrays.items()}))
    refused(saved, r"0\.bias\.npy: expected shape \(6,\) and dtype float32.*dtype=float64")


def test_nan_weights_are_refused(saved):
    arrays = members(saved)
    arrays["3.weight"] = arrays["3.weight"].copy()
    arrays["3.weight"][0, 0] = np.nan
    rewrite(saved, npz=make_npz({f"{k}.npy": v for k, v in arrays.items()}))
    refused(saved, r"3\.weight\.npy: weights must be finite.*Received: 1 NaN/inf values")


def test_huge_declared_sizes_are_refused_before_allocating(saved):
    doc = json.loads((saved / "model.json").read_text())
    doc["architecture"]["layers"][0]["config"]["n_in"] = 10**9
    rewrite(saved, doc=doc)
    refused(saved, rf"layer 0 \(Dense\) needs integer widths in \[1, {MAX_ARRAY_ELEMENTS}\].*n_in=1000000000")
    doc["architecture"]["layers"][0]["config"]["n_in"] = 2**20
    doc["architecture"]["layers"][0]["config"]["n_out"] = 2**20
    rewrite(saved, doc=doc)
    refused(saved, r"declares 1099511627776 weights, above the bound")


def test_huge_member_declared_in_the_zip_directory_is_refused(saved):
    arrays = members(saved)
    raw = make_npz({f"{k}.npy": v for k, v in arrays.items()})
    # patch the uncompressed size of the first member in the central directory
    central = raw.rfind(b"PK\x01\x02", 0, raw.find(b"PK\x05\x06"))
    first = raw.find(b"PK\x01\x02")
    assert central >= first >= 0
    patched = bytearray(raw)
    patched[first + 24:first + 28] = (2**31).to_bytes(4, "little")
    rewrite(saved, npz=bytes(patched))
    refused(saved, r"weights\.npz: member '0\.weight\.npy' declares 2147483648 bytes")


def test_oversized_weights_file_is_refused(saved):
    (saved / "weights.npz").write_bytes(b"\0" * 10**6)
    refused(saved, r"weights\.npz: the file is larger than the \d+ bytes its declared arrays need")


def test_extra_or_missing_arrays_are_refused(saved):
    arrays = members(saved)
    extra = dict(arrays, **{"9.weight": np.zeros(2, np.float32)})
    rewrite(saved, npz=make_npz({f"{k}.npy": v for k, v in extra.items()}))
    refused(saved, r"extra \['9\.weight\.npy'\]")
    fewer = {k: v for k, v in arrays.items() if k != "0.bias"}
    rewrite(saved, npz=make_npz({f"{k}.npy": v for k, v in fewer.items()}))
    refused(saved, r"missing \['0\.bias\.npy'\]")
    doc = json.loads((saved / "model.json").read_text())
    doc["arrays"]["5.weight"] = {"shape": [1], "dtype": "float32"}
    rewrite(saved, doc=doc, npz=make_npz({f"{k}.npy": v for k, v in arrays.items()}))
    refused(saved, r"does not match the architecture \(missing \[\], extra \['5\.weight'\]\)")


def test_pickled_object_arrays_are_refused_without_executing(saved):
    arrays = members(saved)
    payload = np.array([Payload()], dtype=object)
    evil = dict({f"{k}.npy": v for k, v in arrays.items()})
    evil["0.bias.npy"] = npy_bytes(payload, allow_pickle=True)
    assert b"append" in evil["0.bias.npy"]  # the payload really is in the file
    rewrite(saved, npz=make_npz(evil))
    refused(saved, r"0\.bias\.npy: object arrays \(pickled data\) are refused.*dtype=object")
    assert EXECUTED == []
    # a plain pickle in place of the archive is just bytes that are not a zip
    rewrite(saved, npz=pickle.dumps(Payload()))
    refused(saved, r"not a readable \.npz archive")
    assert EXECUTED == []


def test_names_with_dots_or_slashes_are_refused(saved):
    doc = json.loads((saved / "model.json").read_text())
    doc["arrays"]["../../etc/passwd"] = doc["arrays"].pop("0.weight")
    rewrite(saved, doc=doc)
    refused(saved, r"must not be empty or contain '\.\.', '/'.*Received: name='\.\./\.\./etc/passwd'")
    doc = json.loads((saved / "model.json").read_text())
    doc["arrays"]["0.weight"] = doc["arrays"].pop("../../etc/passwd")
    arrays = members(saved)
    evil = {f"{k}.npy": v for k, v in arrays.items()}
    evil["../0.weight.npy"] = evil.pop("0.weight.npy")
    rewrite(saved, doc=doc, npz=make_npz(evil))
    refused(saved, r"member names must not contain '\.\.'.*Received: member='\.\./0\.weight\.npy'")


def test_truncated_npz_is_refused(saved):
    raw = (saved / "weights.npz").read_bytes()
    for cut in (10, len(raw) // 2, len(raw) - 5):
        rewrite(saved, npz=raw[:cut])
        refused(saved, r"weights\.npz: not a readable \.npz archive")


def test_truncated_member_is_refused(saved):
    arrays = members(saved)
    evil = {f"{k}.npy": v for k, v in arrays.items()}
    evil["0.weight.npy"] = npy_bytes(arrays["0.weight"])[:-8]
    rewrite(saved, npz=make_npz(evil))
    refused(saved, r"0\.weight\.npy: the data is 88 bytes, expected 96 \(truncated\?\)")


def test_weights_from_another_save_are_detected(tmp_path):
    a = save(mlp([4, 6, 3], seed=0), tmp_path / "a")
    b = save(mlp([4, 6, 3], seed=1), tmp_path / "b")
    (a / "weights.npz").write_bytes((b / "weights.npz").read_bytes())
    refused(a, r"SHA-256 does not match model\.json")


def test_hostile_estimator_sections(tmp_path, tabular):
    model, _ = tabular
    path = save(model, tmp_path / "t")
    doc = json.loads((path / "model.json").read_text())
    doc["estimator"]["class"] = "os.system"
    rewrite(path, doc=doc)
    refused(path, r"\"estimator\.class\" must be one of \['MLPClassifier', "
                   r"'MLPRegressor'\].*class='os\.system'")
    doc["estimator"]["class"] = "MLPClassifier"
    doc["estimator"]["params"]["dropout"] = 1.5
    rewrite(path, doc=doc)
    refused(path, r"Received: dropout=1\.5")
    doc["estimator"]["params"]["dropout"] = 0.0
    doc["estimator"]["classes_dtype"] = "V8"
    rewrite(path, doc=doc)
    refused(path, r"classes_dtype='V8'")
    doc["estimator"]["classes_dtype"] = "object"
    doc["tabular"]["preprocessing"]["numeric"]["scales"] = [0.0]
    rewrite(path, doc=doc)
    refused(path, r"numeric\.scales. must be positive")


def test_estimator_feature_names_survive(tmp_path):
    X = pd.DataFrame(np.random.default_rng(2).normal(size=(24, 2)), columns=["höhe", "width"])
    clf = MLPClassifier((3,), max_epochs=2, batch_size=8, random_state=0).fit(X, np.arange(24) % 2)
    loaded = load(save(clf, tmp_path / "e"))
    assert loaded.feature_names_in_.tolist() == ["höhe", "width"]
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_feature_groups_and_grouped_group_l1_survive(tmp_path, tabular):
    from ridgeback import GroupL1, selected_features
    from ridgeback.engine.inspection import input_weight

    _, X = tabular
    y = pd.Series(np.where(X["a"].fillna(0) > 0, "hi", "lo"))
    model = TabularModel(MLPClassifier((5,), group_l1=0.01, max_epochs=3, random_state=0)).fit(X, y)
    assert model.preprocessor.feature_names_out_ == ["a", "a=<missing>", "b=u", "b=v"]
    loaded = load(save(model, tmp_path / "m"))
    assert loaded.estimator.feature_groups_ == model.estimator.feature_groups_ == ["a", "a", "b", "b"]
    expected = GroupL1(0.01, groups=[0, 0, 1, 1])
    assert input_weight(loaded).regularizer == input_weight(model).regularizer == expected
    assert selected_features(loaded).names == ["a", "b"]
    # a plain estimator fitted with explicit integer groups keeps them too
    Xn = np.random.default_rng(0).normal(size=(30, 3))
    clf = MLPClassifier((3,), group_l1=0.01, max_epochs=2, batch_size=8, random_state=0)
    clf.fit(Xn, np.arange(30) % 2, feature_groups=[4, 4, 9])
    path = save(clf, tmp_path / "e")
    assert load(path).feature_groups_ == [4, 4, 9]
    assert input_weight(load(path)).regularizer == GroupL1(0.01, groups=[0, 0, 1])
    doc = json.loads((path / "model.json").read_text())
    doc["estimator"]["feature_groups"] = [4, 4]
    rewrite(path, doc=doc)
    refused(path, r"Received: feature_groups with 2 labels")
    doc["estimator"]["feature_groups"] = [4, 4, 9]
    doc["architecture"]["layers"][0]["config"]["regularizer"]["config"]["groups"] = ["x", 0, 1]
    rewrite(path, doc=doc)
    refused(path, r"Received: groups=\['x', 0, 1\]")


def test_same_data_and_seed_give_byte_identical_files(tmp_path, tabular):
    _, X = tabular
    y = pd.Series(np.where(X["a"].fillna(0) > 0, "hi", "lo"))
    dirs = []
    for name in ("one", "two"):
        model = TabularModel(MLPClassifier((5,), dropout=0.2, max_epochs=3, random_state=7)).fit(X, y)
        dirs.append(save(model, tmp_path / name))
    for name in ("model.json", "weights.npz"):
        assert (dirs[0] / name).read_bytes() == (dirs[1] / name).read_bytes()
