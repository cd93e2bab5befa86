"""The search journal (selection/journal.py) and ``ridgeback tune --resume`` after a kill."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_classification

from processes import as_from_a_terminal, interrupt
from ridgeback import MLPClassifier, tune
from ridgeback.selection.journal import SearchJournal, fingerprint

SRC = str(Path(__file__).resolve().parents[1] / "src")


def without_times(result):
    return [{k: v for k, v in row.items() if k != "mean_fit_time"} for row in result.results_]


def test_a_recorded_outcome_reads_back_exactly(tmp_path):
    est = MLPClassifier((5,), max_epochs=3, dropout=0.2, random_state=0)
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    est.fit(X, y)
    outcome = {"test_score": 0.1 + 0.2, "train_score": float("nan"), "fit_time": 1.5, "n_iter": 3,
               "error": None, "skipped": False, "state": est.trainer_.continuation_state()}
    journal = SearchJournal(tmp_path, {"data": "x"}, resume=False)
    journal.put(2, 1, 0, outcome)
    back = journal.get(2, 1, 0)
    assert journal.get(0, 0, 0) is None
    assert back["test_score"] == outcome["test_score"] and np.isnan(back["train_score"])
    state, saved = back["state"], outcome["state"]
    np.testing.assert_array_equal(state["weights"], saved["weights"])
    assert state["weights"].dtype == saved["weights"].dtype
    assert state["rng"] == saved["rng"] and state["dropout_rngs"] == saved["dropout_rngs"]
    assert state["history"] == saved["history"]
    for key, value in saved["optimizer"].items():
        np.testing.assert_array_equal(state["optimizer"][key], value)
    assert not list(tmp_path.glob("*.pkl"))


def test_a_dropped_state_reads_back_as_not_finished(tmp_path):
    est = MLPClassifier((5,), max_epochs=2, random_state=0)
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    est.fit(X, y)
    journal = SearchJournal(tmp_path, {"data": "x"}, resume=False)
    for rung in (0, 1):
        journal.put(0, 0, rung, {"test_score": 0.5 + rung, "state": est.trainer_.continuation_state(),
                                 "skipped": False})
    journal.put(1, 0, 0, {"test_score": 0.25, "state": None, "skipped": False})  # stopped early
    assert len(list(tmp_path.glob("*.state.npz"))) == 2
    journal.drop_states(0)
    assert [p.name for p in tmp_path.glob("*.state.npz")] == ["c000000-f00-r01.state.npz"]
    dropped, kept, finished = journal.get(0, 0, 0), journal.get(0, 0, 1), journal.get(1, 0, 0)
    assert dropped["test_score"] == 0.5 and dropped["state"] is None and dropped["state_dropped"] is True
    np.testing.assert_array_equal(kept["state"]["weights"], est.trainer_.continuation_state()["weights"])
    assert "state_dropped" not in kept
    assert finished == {"test_score": 0.25, "state": None, "skipped": False}
    journal.drop_states()
    assert not list(tmp_path.glob("*.state.npz")) and journal.get(0, 0, 1)["test_score"] == 1.5


def test_a_finished_search_keeps_its_outcomes_and_drops_its_states(tmp_path):
    X, y = make_classification(n_samples=150, n_features=5, random_state=2)
    est = MLPClassifier((8,), max_epochs=9, random_state=0)
    seen = []

    class Spy(SearchJournal):  # the state files present when each rung starts writing
        def put(self, candidate, fold, rung, outcome):
            states = self.directory.glob("*.state.npz")
            seen.append((rung, sorted({int(p.name.split("-r")[1][:2]) for p in states})))
            super().put(candidate, fold, rung, outcome)

    tune(est, X, y, {"l2": [0.0, 1e-3, 1e-1], "dropout": [0.0, 0.3]}, cv=3, search="halving",
         refit=False, journal=Spy(tmp_path, {"data": "d"}, resume=False))
    assert len(list(tmp_path.glob("c*.json"))) == 6 * 3 + 2 * 3
    assert not list(tmp_path.glob("*.state.npz"))  # finished: every state dropped
    assert max(max(rungs, default=0) for _, rungs in seen) == 1
    assert all(rungs in ([], [0], [1], [0, 1]) for _, rungs in seen)
    assert (1, [0]) in seen  # rung 0's states are there while rung 1 continues from them
    assert not [rung for rung, rungs in seen if rung == 1 and rungs == []]


def test_a_different_fingerprint_is_refused_on_resume(tmp_path):
    first = SearchJournal(tmp_path, fingerprint(data=b"abc", arguments={"cv": 3}), resume=False)
    assert not tmp_path.joinpath("journal.json").exists()  # nothing written before a first record
    first.put(0, 0, 0, {"test_score": 1.0, "state": None, "skipped": False})
    with pytest.raises(ValueError, match="--resume needs the same arguments .*Received: different arguments"):
        SearchJournal(tmp_path, fingerprint(data=b"abc", arguments={"cv": 5}), resume=True)
    fresh = SearchJournal(tmp_path, fingerprint(data=b"abd", arguments={"cv": 5}), resume=False)
    assert fresh.resumed == 0


def test_a_resumed_halving_search_equals_an_uninterrupted_one(tmp_path):
    X, y = make_classification(n_samples=200, n_features=6, n_classes=3, n_informative=4, random_state=1)
    est = MLPClassifier((8,), learning_rate=1e-2, max_epochs=9, random_state=0)
    grid = {"l2": [0.0, 1e-3, 1e-1], "dropout": [0.0, 0.3]}
    mark = {"data": "d"}
    whole = tune(est, X, y, grid, cv=3, search="halving", refit=False,
                 journal=SearchJournal(tmp_path, mark, resume=False))
    # a search killed partway: keep some of the first rung and a part of the second
    records = sorted(tmp_path.glob("c*.json"))
    assert len(records) == 6 * 3 + 2 * 3
    for path in records[::3]:
        path.unlink()
    journal = SearchJournal(tmp_path, mark, resume=True)
    assert journal.resumed == len(records) - len(records[::3])
    again = tune(est, X, y, grid, cv=3, search="halving", refit=False, journal=journal)
    assert without_times(again) == without_times(whole)


def test_a_resumed_search_over_scalings_equals_an_uninterrupted_one(tmp_path):
    import pandas as pd

    from ridgeback.cli.search_helpers import pipeline, step_grid
    from ridgeback.tabular.preprocessing import Preprocessor

    X, y = make_classification(n_samples=150, n_features=4, random_state=3)
    X = pd.DataFrame(np.exp(X), columns=[f"x{i}" for i in range(4)])  # skewed: the scalings differ
    est = pipeline(MLPClassifier((8,), learning_rate=1e-2, max_epochs=6, random_state=0), Preprocessor())
    grid = step_grid({"scaling": ["standard", "quantile"], "l2": [0.0, 1e-2]})
    whole = tune(est, X, y, grid, cv=3, search="halving", refit=False,
                 journal=SearchJournal(tmp_path, {"data": "s"}, resume=False))
    scores = {row["params"]["preprocess__scaling"]: row["mean_score"] for row in whole.results_}
    assert scores["standard"] != scores["quantile"]
    for path in sorted(tmp_path.glob("c*.json"))[1::2]:  # killed with half of the fits recorded
        path.unlink()
    again = tune(est, X, y, grid, cv=3, search="halving", refit=False,
                 journal=SearchJournal(tmp_path, {"data": "s"}, resume=True))
    assert without_times(again) == without_times(whole)


# ------------------------------------------------------------------ the command line, killed
@pytest.fixture(scope="module")
def table(tmp_path_factory):
    X, y = make_classification(n_samples=300, n_features=8, n_informative=5, random_state=0)
    path = tmp_path_factory.mktemp("data") / "table.csv"
    rows = ["," .join([*(f"x{i}" for i in range(8)), "label"])]
    rows += [",".join([*(f"{v:.6f}" for v in x), str(t)]) for x, t in zip(X, y, strict=True)]
    path.write_text("\n".join(rows) + "\n")
    return path


def command(table, out, *extra):
    return [sys.executable, "-m", "ridgeback", "tune", str(table), "--target", "label", "--search", "halving",
            "--n-iter", "9", "--cv", "3", "--epochs", "9", "--hidden", "16", "--quiet", "--out", str(out),
            *extra]


def run(args, **kw):
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=600, **kw)


def start(args):
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=as_from_a_terminal)


@pytest.fixture(scope="module")
def uninterrupted(table, tmp_path_factory):
    out = tmp_path_factory.mktemp("whole") / "run"
    done = run(command(table, out))
    assert done.returncode == 0, done.stderr
    return out


def wait_for_records(out, n, proc, limit=300):
    start_time = time.monotonic()
    while len(list((out / "search").glob("c*.json"))) < n:
        assert proc.poll() is None, "the search ended before it could be killed"
        assert time.monotonic() - start_time < limit
        time.sleep(0.05)


@pytest.mark.parametrize("how, records", [("kill -9", 29), ("ctrl-c", 5)])
def test_tune_resumes_after_a_kill_with_the_same_model(table, uninterrupted, tmp_path, how, records):
    for attempt in range(3):  # a run that ended before the signal reached it is started again
        out = tmp_path / f"run{attempt}"
        proc = start(command(table, out))
        wait_for_records(out, records, proc)
        delivered = interrupt(proc, signal.SIGKILL if how == "kill -9" else signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)
        if delivered:
            break
    else:
        pytest.fail("each of 3 runs ended before the signal could reach it: make the run longer")
    if how == "ctrl-c":
        assert proc.returncode == 130, stderr
        assert stderr.strip().splitlines()[-1] == "ridgeback tune: interrupted"
    else:
        assert proc.returncode == -signal.SIGKILL
    assert not (out / "model.json").exists()
    resumed = run(command(table, out, "--resume"))
    assert resumed.returncode == 0, resumed.stderr
    saved = sorted(p.relative_to(uninterrupted) for p in uninterrupted.rglob("*")
                   if p.name in ("model.json", "weights.npz") and "search" not in p.parts)
    assert len(saved) >= 2  # model.json and weights.npz (per member of an ensemble)
    assert saved == sorted(p.relative_to(out) for p in out.rglob("*")
                           if p.name in ("model.json", "weights.npz") and "search" not in p.parts)
    for name in saved:
        assert (out / name).read_bytes() == (uninterrupted / name).read_bytes(), name
    for run_dir in (out, uninterrupted):  # finished: the outcomes kept, the training states dropped
        search = run_dir / "search"
        assert list(search.glob("c*.json")) and not list(search.glob("*.state.npz"))


def test_resume_with_other_arguments_or_data_is_refused(table, uninterrupted, tmp_path):
    other = run([*command(table, uninterrupted, "--resume")[:-3], "--cv", "4", "--out", str(uninterrupted),
                 "--resume"])
    assert other.returncode == 2
    assert other.stderr.strip().count("\n") == 0 and "--resume needs the same arguments" in other.stderr
    changed = tmp_path / "changed.csv"
    lines = table.read_text().splitlines()
    changed.write_text("\n".join([lines[0], *lines[2:]]) + "\n")
    data = run(command(changed, uninterrupted, "--resume"))
    assert data.returncode == 2 and "--resume needs the same data" in data.stderr
    assert data.stderr.strip().count("\n") == 0


def test_the_report_draws_the_halving_rungs(uninterrupted):
    html = (uninterrupted / "report.html").read_text()
    assert 'alt="score against epochs reached at each halving rung"' in html
    assert "linear baseline (LogisticRegression" in html
