"""Model directories written before the move to subpackages (ridgeback 0.x at commit c975ad8,
stored in tests/fixtures/models-v0) still load and predict exactly as they did."""

from pathlib import Path

import numpy as np
import pandas as pd

import ridgeback as rb

FIXTURES = Path(__file__).parent / "fixtures" / "models-v0"


def test_model_directories_written_before_the_move_load_and_predict_the_same():
    with np.load(FIXTURES / "expected.npz", allow_pickle=False) as expected:
        X = expected["X"]
        clf = rb.load(FIXTURES / "classifier")
        reg = rb.load(FIXTURES / "regressor")
        tab = rb.load(FIXTURES / "tabular")
        assert isinstance(clf, rb.MLPClassifier) and isinstance(reg, rb.MLPRegressor)
        assert isinstance(tab, rb.TabularModel)
        np.testing.assert_array_equal(clf.predict_proba(X), expected["clf"])
        np.testing.assert_array_equal(reg.predict(X), expected["reg"])
        rows = pd.read_csv(FIXTURES / "rows.csv")
        np.testing.assert_array_equal(tab.predict_proba(rows), expected["tab"])
    assert list(tab.classes_) == ["no", "yes"]
