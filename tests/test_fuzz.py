"""Hypothesis fuzzing of the model loader and the CSV reader.

The contract under test: whatever the bytes, ``load`` returns a model or raises
``ModelFormatError`` and ``read_csv_bytes`` (then ``Preprocessor``) returns a table or raises
``ValueError``; no other exception escapes. ``COUNTS`` records how many inputs each fuzz
test tried; it is printed at the end of the module (``pytest -s``) and checked per test.
"""

import copy
import functools
import hashlib
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ridgeback.estimators.classifier import MLPClassifier
from ridgeback.persist.loading import load
from ridgeback.persist.model_dir import save
from ridgeback.persist.npz import ModelFormatError
from ridgeback.tabular.data import read_csv_bytes
from ridgeback.tabular.model import TabularModel
from ridgeback.tabular.preprocessing import Preprocessor

COUNTS = {"loader_json_structure": 0, "loader_json_bytes": 0, "loader_npz_bytes": 0, "csv": 0}
#: how the loader answered: a model, or a ModelFormatError (anything else fails the test)
OUTCOMES = {"loaded": 0, "refused": 0}
#: RIDGEBACK_FUZZ_EXAMPLES=5000 runs a longer, randomized campaign (the suite's default is fixed and fast)
EXAMPLES = int(os.environ.get("RIDGEBACK_FUZZ_EXAMPLES", 300))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                derandomize="RIDGEBACK_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    yield
    if base.cache_info().currsize:
        shutil.rmtree(base()[0].parent, ignore_errors=True)
    print(f"\nfuzz inputs tried: {COUNTS} (total {sum(COUNTS.values())}); loader: {OUTCOMES}")


@functools.lru_cache(maxsize=1)
def base():
    """A saved tabular model (categorical column, string labels) and rows to predict."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=30), "b": rng.choice(["u", "v"], 30)})
    y = pd.Series(np.where(X["a"] > 0, "hi", "lo"))
    model = TabularModel(MLPClassifier((3,), max_epochs=2, batch_size=8, random_state=0)).fit(X, y)
    directory = Path(tempfile.mkdtemp(prefix="ridgeback-fuzz-")) / "model"
    save(model, directory)
    return directory, (directory / "model.json").read_bytes(), (directory / "weights.npz").read_bytes(), X


def scratch():
    directory = Path(tempfile.mkdtemp(prefix="ridgeback-fuzz-case-"))
    return directory


def load_must_be_clean(directory, X):
    try:
        model = load(directory)
    except ModelFormatError:
        OUTCOMES["refused"] += 1
        return
    OUTCOMES["loaded"] += 1
    # a mutation that loads must still give a model that predicts or refuses with a ValueError
    try:
        model.predict_proba(X)
    except ValueError:
        pass


def write_case(json_bytes, npz_bytes, fix_hash):
    directory = scratch()
    if fix_hash:
        try:
            doc = json.loads(json_bytes)
            doc["weights_sha256"] = hashlib.sha256(npz_bytes).hexdigest()
            json_bytes = json.dumps(doc).encode()
        except (ValueError, TypeError):
            pass
    (directory / "model.json").write_bytes(json_bytes)
    (directory / "weights.npz").write_bytes(npz_bytes)
    return directory


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8) | st.sampled_from(["..", "../x", "/etc", "float64", "object", "O", "Dense", "V8"]),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=6), kids, max_size=4),
    max_leaves=8,
)


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, prefix + (i,))


def test_fuzz_loader_json_structure():
    directory, json_bytes, npz_bytes, X = base()
    doc = json.loads(json_bytes)
    all_paths = [p for p in paths(doc) if p]

    @FUZZ
    @given(st.lists(st.tuples(st.integers(0, len(all_paths) - 1), json_values, st.booleans()), min_size=1,
                    max_size=3))
    def run(edits):
        COUNTS["loader_json_structure"] += 1
        mutated = copy.deepcopy(doc)
        for index, value, delete in edits:
            parent, key = mutated, None
            try:
                *head, key = all_paths[index]
                for k in head:
                    parent = parent[k]
                if delete and isinstance(parent, dict):
                    del parent[key]
                else:
                    parent[key] = value
            except (KeyError, IndexError, TypeError):
                continue  # an earlier edit removed this path
        case = write_case(json.dumps(mutated).encode(), npz_bytes, fix_hash=False)
        try:
            load_must_be_clean(case, X)
        finally:
            shutil.rmtree(case)

    before = COUNTS["loader_json_structure"]
    run()
    assert COUNTS["loader_json_structure"] - before >= EXAMPLES // 2


def byte_edits(max_size):
    return st.lists(st.tuples(st.integers(0, max_size - 1), st.integers(0, 255)), min_size=1, max_size=8)


def mutate(data: bytes, edits, cut):
    out = bytearray(data)
    for pos, value in edits:
        out[pos % len(out)] = value
    return bytes(out[:cut]) if cut else bytes(out)


def test_fuzz_loader_json_bytes():
    directory, json_bytes, npz_bytes, X = base()

    @FUZZ
    @given(byte_edits(len(json_bytes)), st.one_of(st.none(), st.integers(0, len(json_bytes))))
    def run(edits, cut):
        COUNTS["loader_json_bytes"] += 1
        case = write_case(mutate(json_bytes, edits, cut), npz_bytes, fix_hash=False)
        try:
            load_must_be_clean(case, X)
        finally:
            shutil.rmtree(case)

    before = COUNTS["loader_json_bytes"]
    run()
    assert COUNTS["loader_json_bytes"] - before >= EXAMPLES // 2


def test_fuzz_loader_npz_bytes():
    directory, json_bytes, npz_bytes, X = base()

    @FUZZ
    @given(byte_edits(len(npz_bytes)), st.one_of(st.none(), st.integers(0, len(npz_bytes))))
    def run(edits, cut):
        COUNTS["loader_npz_bytes"] += 1
        # the hash is made to match, so the mutated archive itself is what gets parsed
        case = write_case(json_bytes, mutate(npz_bytes, edits, cut), fix_hash=True)
        try:
            load_must_be_clean(case, X)
        finally:
            shutil.rmtree(case)

    before = COUNTS["loader_npz_bytes"]
    run()
    assert COUNTS["loader_npz_bytes"] - before >= EXAMPLES // 2


csv_text = st.text(alphabet=st.sampled_from(list(',;\t"\n\r x1.-eéß名\ufeffNaninf')), max_size=120)


def test_fuzz_csv_reader():
    @FUZZ
    @given(st.one_of(csv_text.map(lambda t: t.encode("utf-8")), st.binary(max_size=120)),
           st.sampled_from([None, ",", ";", "\t"]))
    def run(data, sep):
        COUNTS["csv"] += 1
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                df = read_csv_bytes(data, sep=sep)
        except ValueError:
            return
        try:  # the one note the reader gives: a file that is not UTF-8, read as Windows-1252
            data.decode("utf-8")
            assert not caught
        except UnicodeDecodeError:
            assert [str(w.message).count("read as Windows-1252") for w in caught] == [1]
        assert isinstance(df, pd.DataFrame) and df.shape[0] > 0
        try:
            matrix = Preprocessor().fit_transform(df)
        except ValueError:
            return
        assert matrix.shape[0] == df.shape[0] and np.isfinite(matrix).all()

    before = COUNTS["csv"]
    run()
    assert COUNTS["csv"] - before >= EXAMPLES // 2
