"""The report's held-out errors part: what it holds, its checks, its round trip and its figures."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from ridgeback.report.context import ContextError, RunContext
from ridgeback.report.errors import MAX_CURVE_POINTS, ErrorSummary, held_out_errors
from ridgeback.report.html import render_html


def _binary(n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.1, "yes", "no")
    p = np.clip(0.2 + 0.5 * (y == "yes") + 0.2 * rng.standard_normal(n), 0.001, 0.999)
    return y, np.c_[1 - p, p]


def test_binary_summary_holds_the_confusion_curves_and_calibration():
    y, proba = _binary()
    proba[:3] = np.nan  # rows held out by no fold are left out
    err = held_out_errors("classification", y, proba, np.array(["no", "yes"]), source="test rows")
    keep = slice(3, None)
    pos, score = y[keep] == "yes", proba[keep, 1]
    assert err.n_rows == len(y) - 3
    assert err.confusion[1][1] == int(np.sum(pos & (score > 0.5)))
    assert sum(map(sum, err.confusion)) == err.n_rows
    assert err.roc["auc"] == pytest.approx(roc_auc_score(pos, score))
    assert err.pr["average_precision"] == pytest.approx(average_precision_score(pos, score))
    assert len(err.roc["fpr"]) <= MAX_CURVE_POINTS
    assert sum(err.calibration["count"]) == err.n_rows
    # each bin's observed frequency is the share of positives among its rows
    first = score < 0.1
    if first.any():
        assert err.calibration["observed"][0] == pytest.approx(pos[first].mean())


def test_multiclass_calibration_is_of_the_predicted_class_and_no_roc():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 90)
    proba = rng.dirichlet(np.ones(3), 90)
    err = held_out_errors("classification", y, proba, np.arange(3), source="rows")
    assert err.roc is None and err.pr is None and err.classes == ["0", "1", "2"]
    assert "predicted class" in err.calibration["what"]


def test_summary_round_trips_through_the_run_context_and_is_drawn_with_its_source():
    y, proba = _binary(200)
    err = held_out_errors("classification", y, proba, np.array(["no", "yes"]), source="fold rows of cand 2")
    ctx = RunContext(title="t", errors=err)
    again = RunContext.from_dict(ctx.to_dict())
    assert again.errors == err and again.to_dict() == ctx.to_dict()
    page = render_html(again)
    assert page.count("Drawn on fold rows of cand 2") == 2 and "Errors on held-out rows" in page
    reg = held_out_errors("regression", np.arange(5.0), np.arange(5.0)[:, None] + 1, source="reg rows")
    assert reg.truth == [0, 1, 2, 3, 4] and reg.predicted == [1, 2, 3, 4, 5]
    assert "Drawn on reg rows (5 rows)" in render_html(RunContext(errors=reg))


@pytest.mark.parametrize("bad, match", [
    ({"task": "ranking", "source": "x"}, "task"),
    ({"task": "classification"}, "source"),
    ({"task": "classification", "source": "x", "classes": ["a", "b"], "confusion": [[1, 2]]}, "confusion"),
    ({"task": "classification", "source": "x", "roc": {"fpr": [0, 1]}}, "roc"),
    ({"task": "regression", "source": "x", "truth": [1.0, 2.0], "predicted": [1.0]}, "predicted"),
])
def test_bad_error_summaries_name_the_entry(bad, match):
    with pytest.raises(ContextError, match=match):
        RunContext.from_dict({"errors": bad})
    with pytest.raises(ContextError):
        ErrorSummary(**bad)
