"""Per-step cost of ridgeback's Trainer against batch size, float type and what runs Adam's update.

The table of docs/performance.md ("What a step costs"): one BLAS thread, Adam, L2 1e-4,
dropout 0.5 on the hidden layers, random data. For each network and batch size it times
whole fits of a fixed number of steps, alternating NumPy's and numba's update (when numba is
installed) within one process, and prints medians in µs per step and rows per second.

    python benchmarks/bench_steps.py [--reps 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from ridgeback import L2, Adam, CrossEntropy, Trainer, _kernels, mlp

NETWORKS = [[64, 128, 64, 10], [784, 256, 256, 10]]
BATCHES = [32, 128, 512]


def fit_seconds_per_step(sizes, batch, dtype, compiled, steps):
    _kernels.ENABLED = compiled
    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch * steps, sizes[0])).astype(dtype)
    y = rng.integers(0, sizes[-1], len(X))
    trainer = Trainer(mlp(sizes, dropout=0.5, seed=0, dtype=dtype), CrossEntropy(), Adam(1e-3),
                      regularizer=L2(1e-4), batch_size=batch, epochs=1, seed=0)
    trainer.fit(X, y)  # warm-up: first-touch allocations
    t0 = time.perf_counter()
    trainer.fit(X, y)
    return (time.perf_counter() - t0) / steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="alternating repetitions per setting (median)")
    args = parser.parse_args(argv)
    if args.reps < 1:
        parser.error(f"--reps must be at least 1. Received: reps={args.reps}")
    have_numba = _kernels.adam_kernel() is not None
    updates = [False, True] if have_numba else [False]
    print(f"Adam's update: NumPy{' and ' + _kernels.backend() if have_numba else ' (numba not installed)'}; "
          f"one BLAS thread")
    names = [f"{dt} {'numba' if c else 'NumPy'}" for dt in ("float32", "float64") for c in updates]
    print("| network | batch | " + " | ".join(f"{name} µs/step | rows/s" for name in names) + " |")
    print("|" + "---|" * (2 + 4 * len(updates)))
    enabled = _kernels.ENABLED
    try:
        with threadpool_limits(1, user_api="blas"):
            for sizes in NETWORKS:
                for batch in BATCHES:
                    flops = 6 * batch * sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
                    steps = int(min(500, max(20, 2e9 / flops)))  # fits of ~0.05-0.2 s
                    cells = []
                    for dtype in (np.float32, np.float64):
                        times = {c: [] for c in updates}
                        for _ in range(args.reps):
                            for c in updates:  # alternate, so that the machine's load hits both alike
                                times[c].append(fit_seconds_per_step(sizes, batch, dtype, c, steps))
                        for c in updates:
                            s = statistics.median(times[c])
                            cells += [f"{s * 1e6:,.0f}", f"{batch / s:,.0f}"]
                    row = f"| {'-'.join(map(str, sizes))} | {batch} | " + " | ".join(cells) + " |"
                    print(row, flush=True)
    finally:  # the setting this process started with
        _kernels.ENABLED = enabled


if __name__ == "__main__":
    main()
