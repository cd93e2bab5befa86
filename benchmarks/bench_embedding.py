"""Cost of a periodic numeric embedding's forward and backward pass, against PyTorch (CPU).

The same computation in both: F columns, 16 frequencies and 4 outputs per column, a batch of
256 float32 rows; ridgeback's :class:`~ridgeback.PeriodicEmbedding` against the same layer
written in torch (angles, cos and sin, the per-column map as one ``einsum``, autograd for the
backward). One thread each, timed alternately (A B A B ...) in one process; medians in
milliseconds per forward + backward, and their ratio.

    python benchmarks/bench_embedding.py [--reps 7] [--columns 20,100,500]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from ridgeback.engine.periodic_embedding import PeriodicEmbedding

BATCH, FREQUENCIES, OUTPUTS = 256, 16, 4


def ridgeback_step(n_columns):
    layer = PeriodicEmbedding(n_columns, FREQUENCIES, 0.1, OUTPUTS, seed=0)
    x = np.random.default_rng(0).standard_normal((BATCH, n_columns)).astype(np.float32)
    grad = np.ones((BATCH, n_columns * OUTPUTS), dtype=np.float32)

    def step():
        layer.forward(x, training=True)
        layer.backward(grad)
    return step


def torch_step(torch, n_columns):
    layer = PeriodicEmbedding(n_columns, FREQUENCIES, 0.1, OUTPUTS, seed=0)
    f = torch.tensor(layer.frequencies.data, requires_grad=True)
    w = torch.tensor(layer.weight.data, requires_grad=True)
    b = torch.tensor(layer.bias.data, requires_grad=True)
    x = torch.tensor(np.random.default_rng(0).standard_normal((BATCH, n_columns)).astype(np.float32),
                     requires_grad=True)
    grad = torch.ones((BATCH, n_columns * OUTPUTS))

    def step():
        angles = 2 * math.pi * x[:, :, None] * f[None]
        z = torch.cat([torch.cos(angles), torch.sin(angles), x[:, :, None]], dim=2)
        out = (torch.einsum("nfm,fmd->nfd", z, w) + b).reshape(BATCH, -1)
        for t in (x, f, w, b):
            t.grad = None
        out.backward(grad)
    return step


def seconds(step, calls):
    step()  # warm-up: first-touch allocations
    start = time.perf_counter()
    for _ in range(calls):
        step()
    return (time.perf_counter() - start) / calls


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=7, help="alternating repetitions (median)")
    parser.add_argument("--columns", default="20,100,500", help="comma-separated column counts")
    args = parser.parse_args(argv)
    if args.reps < 1:
        parser.error(f"--reps must be at least 1. Received: reps={args.reps}")
    columns = [int(c) for c in args.columns.split(",")]
    try:
        import torch
    except ImportError:
        torch = None
    print(f"PeriodicEmbedding forward + backward, batch {BATCH}, {FREQUENCIES} frequencies, "
          f"{OUTPUTS} outputs per column, float32, one thread; medians of {args.reps}")
    print("| columns | ridgeback ms | torch ms | ridgeback / torch |")
    print("|---|---|---|---|")
    with threadpool_limits(1):
        if torch is not None:
            torch.set_num_threads(1)
        for n in columns:
            calls = max(3, int(2000 / n))
            steps = {"ridgeback": ridgeback_step(n)}
            if torch is not None:
                steps["torch"] = torch_step(torch, n)
            times = {name: [] for name in steps}
            for _ in range(args.reps):
                for name, step in steps.items():
                    times[name].append(seconds(step, calls))
            ours = statistics.median(times["ridgeback"]) * 1e3
            if torch is None:
                print(f"| {n} | {ours:.2f} | (torch not installed) | — |")
            else:
                theirs = statistics.median(times["torch"]) * 1e3
                print(f"| {n} | {ours:.2f} | {theirs:.2f} | {ours / theirs:.2f} |")


if __name__ == "__main__":
    main()
