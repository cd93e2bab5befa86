"""Faults at the command line: kill -9 and resume, Ctrl-C, divergence, determinism.

The kill and Ctrl-C tests run ``python -m ridgeback`` in a subprocess; the others call
``main(argv)`` in-process.
"""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from processes import as_from_a_terminal, interrupt
from ridgeback.cli.app import main
from ridgeback.persist.loading import load

# long enough that the run is still going when the first checkpoint appears
TRAIN = [
    "--target",
    "label",
    "--hidden",
    "32",
    "--dropout",
    "0.2",
    "--l2",
    "1e-4",
    "--batch-size",
    "4",
    "--epochs",
    "60",
    "--early-stopping",
    "40",
    "--seed",
    "3",
    "--quiet",
]


def _write_data(path, n=2000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 6))
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    df["colour"] = rng.choice(["red", "green", "blue"], n)
    df["label"] = np.where(X[:, 0] - X[:, 1] + (df["colour"] == "red") > 0, "up", "down")
    df.loc[::17, "f2"] = np.nan
    df.to_csv(path, index=False)
    return path


def _env():
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _start(args):
    return subprocess.Popen(
        [sys.executable, "-m", "ridgeback", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
        text=True,
        preexec_fn=as_from_a_terminal,
    )


def _wait_for(path: Path, proc, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            pytest.fail(f"the run ended (rc={proc.returncode}) before {path} appeared: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{path} did not appear within {timeout}s")
        time.sleep(0.005)


def _resume(out):
    """Resume in a subprocess with the same thread settings as the runs it is compared with."""
    proc = _start(["train", "--resume", str(out), "--quiet"])
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run (same seed, one thread), as the subprocesses run it."""
    root = tmp_path_factory.mktemp("faults")
    data = _write_data(root / "data.csv")
    proc = _start(["train", str(data), *TRAIN, "--out", str(root / "reference")])
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return data, root / "reference"


def test_kill_9_then_resume_gives_bit_identical_model(reference, tmp_path):
    data, ref = reference
    out = tmp_path / "run"
    proc = _start(["train", str(data), *TRAIN, "--checkpoint-every", "1", "--out", str(out)])
    _wait_for(out / "checkpoint" / "checkpoint.json", proc)
    time.sleep(random.Random(0).uniform(0.0, 0.3))  # "at any moment" after the first checkpoint
    assert interrupt(proc, signal.SIGKILL), "the run finished before it could be killed: make it longer"
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "weights.npz").exists()
    _resume(out)
    assert (out / "weights.npz").read_bytes() == (ref / "weights.npz").read_bytes()
    assert (out / "model.json").read_bytes() == (ref / "model.json").read_bytes()


def test_ctrl_c_saves_a_loadable_model_and_exits_130(reference, tmp_path):
    data, ref = reference
    out = tmp_path / "run"
    proc = _start(["train", str(data), *TRAIN, "--checkpoint-every", "2", "--out", str(out)])
    _wait_for(out / "checkpoint" / "checkpoint.json", proc)
    assert interrupt(proc, signal.SIGINT), "the run finished before Ctrl-C could reach it: make it longer"
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted" in err and "--resume" in err
    model = load(out)
    assert model.estimator.history_.interrupted
    assert set(model.predict(pd.read_csv(data).drop(columns=["label"]))) <= {"up", "down"}
    # the checkpoint taken at Ctrl-C resumes to the uninterrupted run's weights
    _resume(out)
    np.testing.assert_array_equal(
        np.load(out / "weights.npz")["0.weight"], np.load(ref / "weights.npz")["0.weight"]
    )
    assert (out / "weights.npz").read_bytes() == (ref / "weights.npz").read_bytes()


def test_same_seed_gives_byte_identical_model_files(tmp_path):
    data = _write_data(tmp_path / "d.csv", n=80)
    args = [
        "train",
        str(data),
        "--target",
        "label",
        "--epochs",
        "4",
        "--dropout",
        "0.3",
        "--seed",
        "5",
        "--quiet",
    ]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    for name in ("model.json", "weights.npz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert main([*args[:-3], "--seed", "6", "--quiet", "--out", str(tmp_path / "c")]) == 0
    assert (tmp_path / "a" / "weights.npz").read_bytes() != (tmp_path / "c" / "weights.npz").read_bytes()


def test_divergence_exits_3_with_one_line_and_writes_nothing(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((60, 3))
    pd.DataFrame(np.c_[X, X @ [100.0, 200.0, 300.0]], columns=["a", "b", "c", "y"]).to_csv(
        tmp_path / "r.csv", index=False
    )
    code = main(
        [
            "train",
            str(tmp_path / "r.csv"),
            "--target",
            "y",
            "--lr",
            "1e6",
            "--optimizer",
            "sgd",
            "--epochs",
            "3",
            "--quiet",
            "--out",
            str(tmp_path / "m"),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 3
    assert len(err.splitlines()) == 1 and "diverged" in err and "learning rate" in err
    assert not (tmp_path / "m").exists()


def test_resume_refuses_changed_data(reference, tmp_path, capsys):
    data, _ = reference
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                str(data),
                *TRAIN[:-5],
                "--epochs",
                "2",
                "--checkpoint-every",
                "1",
                "--quiet",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    _write_data(data.parent / "other.csv", seed=9)
    data.with_name("backup.csv").write_bytes(data.read_bytes())
    try:
        data.write_bytes((data.parent / "other.csv").read_bytes())
        assert main(["train", "--resume", str(out)]) == 2
        assert "differs" in capsys.readouterr().err
    finally:
        data.write_bytes(data.with_name("backup.csv").read_bytes())
