"""Benchmark (not a test): ``ridgeback tune --time-budget`` on a 40,000-row generated table.

The table: scikit-learn's ``make_classification`` (40,000 rows, 20 numeric features, 10
informative, 3 classes, seed 0) written as CSV. The command is the no-hints run plus the
budget: ``ridgeback tune TABLE --target label --time-budget SECONDS --out RUN --json``
(5 folds; the no-hints recipe's 27 candidates, searched by successive halving, with its batch
size and epochs sized to the rows; with a budget the chosen candidate is refitted once, not
averaged over seeds). Printed: the command's wall
time, what the search evaluated and skipped, and the saved model's accuracy on 10,000 fresh rows
of the same generator (``ridgeback evaluate``).

Run: ``python benchmarks/bench_time_budget.py [--budget 40] [--rows 40000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification


def write_table(path: Path, X, y) -> None:
    header = ",".join([*(f"x{i}" for i in range(X.shape[1])), "label"])
    np.savetxt(path, np.column_stack([X, y]), delimiter=",", header=header, comments="", fmt="%.6g")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=40)
    parser.add_argument("--rows", type=int, default=40_000)
    args = parser.parse_args()
    X, y = make_classification(n_samples=args.rows + 10_000, n_features=20, n_informative=10, n_classes=3,
                               random_state=0)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_table(tmp / "train.csv", X[:args.rows], y[:args.rows])
        write_table(tmp / "test.csv", X[args.rows:], y[args.rows:])
        command = [sys.executable, "-m", "ridgeback", "tune", str(tmp / "train.csv"), "--target", "label",
                   "--time-budget", str(args.budget), "--out", str(tmp / "run"), "--json"]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=os.environ)
        wall = time.perf_counter() - start
        if done.returncode:
            sys.exit(done.stderr)
        out = json.loads(done.stdout)
        info = out["tune"]["search"]
        evaluate = subprocess.run([sys.executable, "-m", "ridgeback", "evaluate", str(tmp / "run"),
                                   str(tmp / "test.csv"), "--target", "label", "--json"],
                                  capture_output=True, text=True, env=os.environ)
        scores = json.loads(evaluate.stdout) if evaluate.returncode == 0 else evaluate.stderr
    print(f"{args.rows} rows, --time-budget {args.budget:g}: command ended after {wall:.1f} s "
          f"(search + refit {out['seconds']:.1f} s)")
    rungs = [(r["candidates"], r["epochs"], r["tasks_done"], r["tasks_skipped"]) for r in info["rungs"]]
    print(f"rungs {rungs} "
          f"(candidates, epochs, fits done, fits skipped); evaluated {info['evaluated']} candidates, "
          f"skipped {info['skipped']} candidates / {info['skipped_tasks']} fits")
    print(f"refitted {out['refit_params']}; on 10,000 fresh rows: {scores}")


if __name__ == "__main__":
    main()
