"""Training speed of ridgeback's Trainer against PyTorch (CPU) and scikit-learn (issue 6).

Every framework runs in its own worker process, so that each one's peak memory
(``ru_maxrss``) is its own and no library's thread pool competes with another's. The
parent starts one worker per framework and case, waits for the warm-up, then asks them
in turn (A B A B ...) for timed repetitions and reports medians.

Usage::

    python benchmarks/bench_training.py              # every case (about 5-8 minutes on 2 cores)
    python benchmarks/bench_training.py --quick      # fewer repetitions
    python benchmarks/bench_training.py --sizes small,medium --write   # also update RESULTS.md

Cases
-----
small, medium, large
    The same MLP (ReLU, dropout 0.5 after each hidden layer, He-normal weights copied
    from one ridgeback initialization, zero biases, Adam(lr=1e-3), L2 penalty
    ``lam * sum(W**2)`` on weights only) on the same float32 data, batch size and
    number of steps, in ridgeback (``Trainer``) and PyTorch (``nn.Sequential``,
    ``F.cross_entropy``, Adam with ``weight_decay=2*lam`` on the weights only, which is
    the same gradient). Time per step, GFLOP/s (6 * batch * sum(n_in * n_out) per step)
    against the float32 GEMM peak measured here.
epoch
    Whole epochs on digits, 64-128-10, Adam, batch 32, no dropout (scikit-learn's
    MLPClassifier has none), the same L2 (``alpha = 2 * batch * lam``, since
    scikit-learn scales ``alpha/2 * ||W||^2`` by the batch size), against
    ``MLPClassifier`` and a bare hand-written NumPy loop (the floor for the Trainer's
    own overhead).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
LAM = 1e-4  # L2 strength: penalty lam * sum(W**2)

# name: (layer sizes, batch, rows of data, epochs per timed repetition, dataset)
CASES = {
    "small": ([64, 128, 64, 10], 32, 1792, 6, "digits"),
    "medium": ([784, 256, 256, 10], 128, 128 * 40, 3, "synthetic"),
    "large": ([784, 2048, 2048, 10], 512, 512 * 8, 1, "synthetic"),
    "epoch": ([64, 128, 10], 32, None, 10, "digits"),
}
PEERS = {"small": ["torch"], "medium": ["torch"], "large": ["torch"], "epoch": ["sklearn", "numpy"]}
TARGETS = {"small": ("torch", 5.0), "medium": ("torch", 1.5), "large": ("torch", 1.0),
           "epoch": ("sklearn", 2.5)}


# ---------------------------------------------------------------------------- data and set-up
def load_data(case):
    sizes, batch, rows, _, dataset = CASES[case]
    if dataset == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        X = (X / 16.0).astype(np.float32)
        if rows is not None:
            X, y = X[:rows], y[:rows]
        return X, y.astype(np.intp)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((rows, sizes[0]), dtype=np.float32)
    y = (X @ rng.standard_normal((sizes[0], sizes[-1]), dtype=np.float32)).argmax(axis=1)
    return X, y.astype(np.intp)


def dropout_rate(case):
    return 0.0 if case == "epoch" else 0.5


def initial_weights(case):
    """One He-normal initialization, shared by every framework: [(W (n_in, n_out), b), ...]."""
    from ridgeback import mlp

    net = mlp(CASES[case][0], seed=0)
    return [(d.weight.data.copy(), d.bias.data.copy()) for d in net.dense_layers]


def rss_now():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


def steps_per_rep(case, n_rows):
    _, batch, _, epochs, _ = CASES[case]
    return epochs * -(-n_rows // batch)


# ---------------------------------------------------------------------------- runners (one per framework)
def ridgeback_runner(case, threads):
    from threadpoolctl import threadpool_limits

    from ridgeback import L2, Adam, CrossEntropy, Trainer, mlp

    threadpool_limits(threads, user_api="blas")
    sizes, batch, _, epochs, _ = CASES[case]
    X, y = load_data(case)

    def make():
        net = mlp(sizes, dropout=dropout_rate(case), seed=0)
        for dense, (w, b) in zip(net.dense_layers, initial_weights(case), strict=True):
            dense.weight.data[...] = w
            dense.bias.data[...] = b
        return Trainer(net, CrossEntropy(), Adam(1e-3), regularizer=L2(LAM), batch_size=batch,
                       epochs=epochs, seed=0)

    trainer = make()

    def run():
        # the epoch case times whole fits from a fresh model, as MLPClassifier.fit does
        t = make() if case == "epoch" else trainer
        t.fit(X, y)

    try:  # what runs Adam's update in this package (older ones have NumPy only)
        from ridgeback.engine.fastpaths import backend
        run.backend = backend() or "NumPy"
    except ImportError:
        run.backend = "NumPy"
    return run, steps_per_rep(case, len(X))


def torch_runner(case, threads):
    import torch
    import torch.nn.functional as F
    from torch import nn

    torch.set_num_threads(threads)
    sizes, batch, _, epochs, _ = CASES[case]
    X_np, y_np = load_data(case)
    X, y = torch.from_numpy(X_np), torch.from_numpy(y_np.astype(np.int64))
    layers = []
    for i, (w, b) in enumerate(initial_weights(case)):
        lin = nn.Linear(*w.shape)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w.T))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if i < len(sizes) - 2:
            layers += [nn.ReLU(), nn.Dropout(dropout_rate(case))]
    model = nn.Sequential(*layers)
    weights = [m.weight for m in model if isinstance(m, nn.Linear)]
    biases = [m.bias for m in model if isinstance(m, nn.Linear)]
    # coupled weight decay 2*lam is exactly the gradient of lam * sum(W**2)
    opt = torch.optim.Adam([{"params": weights, "weight_decay": 2 * LAM},
                            {"params": biases, "weight_decay": 0.0}], lr=1e-3, foreach=True)
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    n = X.shape[0]

    def run():
        model.train()
        for _ in range(epochs):
            order = torch.randperm(n, generator=gen)
            total = 0.0
            for start in range(0, n, batch):
                idx = order[start:start + batch]
                loss = F.cross_entropy(model(X[idx]), y[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += loss.item()  # the running loss a training loop reports, as the Trainer does

    return run, steps_per_rep(case, n)


def sklearn_runner(case, threads):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads, user_api="blas")
    sizes, batch, _, epochs, _ = CASES[case]
    X, y = load_data(case)

    def run():
        clf = MLPClassifier(hidden_layer_sizes=tuple(sizes[1:-1]), solver="adam", alpha=2 * batch * LAM,
                            batch_size=batch, learning_rate_init=1e-3, max_iter=epochs, tol=0.0,
                            n_iter_no_change=10**9, shuffle=True, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        run.dtype = str(clf.coefs_[0].dtype)

    return run, steps_per_rep(case, len(X))


def numpy_runner(case, threads):
    """A bare NumPy loop (one hidden ReLU layer, Adam, L2, no dropout): the floor for the Trainer."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads, user_api="blas")
    sizes, batch, _, epochs, _ = CASES[case]
    assert len(sizes) == 3, "the bare loop is written for one hidden layer"
    X, y = load_data(case)
    n = len(X)

    def run():
        # all parameters in one flat vector (weights first), as a careful hand-written loop would
        init = initial_weights(case)
        shapes = [w.shape for w, _ in init] + [b.shape for _, b in init]
        flat = np.concatenate([w.ravel() for w, _ in init] + [b.ravel() for _, b in init])
        grad, m, v = np.zeros_like(flat), np.zeros_like(flat), np.zeros_like(flat)
        views, gviews, offset = [], [], 0
        for shape in shapes:
            size = int(np.prod(shape))
            views.append(flat[offset:offset + size].reshape(shape))
            gviews.append(grad[offset:offset + size].reshape(shape))
            offset += size
        W1, W2, c1, c2 = views
        gW1, gW2, gc1, gc2 = gviews
        n_weights = W1.size + W2.size
        rng = np.random.default_rng(0)
        b1, b2, lr, t = 0.9, 0.999, 1e-3, 0
        for _ in range(epochs):
            order = rng.permutation(n)
            for start in range(0, n, batch):
                idx = order[start:start + batch]
                xb, yb = X.take(idx, axis=0), y.take(idx)
                h = xb @ W1
                h += c1
                np.maximum(h, 0, out=h)
                z = h @ W2
                z += c2
                z -= z.max(axis=1, keepdims=True)
                np.exp(z, out=z)
                z /= z.sum(axis=1, keepdims=True)
                z[np.arange(len(idx)), yb] -= 1
                z *= np.float32(1 / len(idx))
                np.matmul(h.T, z, out=gW2)
                np.add.reduce(z, axis=0, out=gc2)
                dh = z @ W2.T
                dh *= h > 0
                np.matmul(xb.T, dh, out=gW1)
                np.add.reduce(dh, axis=0, out=gc1)
                grad[:n_weights] += flat[:n_weights] * np.float32(2 * LAM)
                t += 1
                m *= np.float32(b1)
                m += grad * np.float32(1 - b1)
                v *= np.float32(b2)
                v += np.square(grad) * np.float32(1 - b2)
                denom = np.sqrt(v)
                denom *= np.float32(1 / np.sqrt(1 - b2**t))
                denom += np.float32(1e-8)
                flat -= m / denom * np.float32(lr / (1 - b1**t))

    return run, steps_per_rep(case, n)


RUNNERS = {"ridgeback": ridgeback_runner, "torch": torch_runner, "sklearn": sklearn_runner,
           "numpy": numpy_runner, "baseline": ridgeback_runner}


def worker(framework, case, threads):
    """Line protocol on stdin/stdout: 'run' -> one timed repetition; 'quit' -> memory, exit."""
    run, steps = RUNNERS[framework](case, threads)
    base = rss_now()
    run()  # warm-up: first-touch allocations, BLAS thread start, torch's lazy init
    print(json.dumps({"ready": True, "steps": steps}), flush=True)
    for line in sys.stdin:
        if line.strip() == "run":
            t0 = time.perf_counter()
            run()
            print(json.dumps({"seconds": time.perf_counter() - t0}), flush=True)
        else:
            break
    print(json.dumps({"base_rss": base, "peak_rss": peak_rss(), "dtype": getattr(run, "dtype", "float32"),
                      "backend": getattr(run, "backend", None)}), flush=True)


def gemm_peak(threads, n=2048, reps=7):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(threads, user_api="blas"):
        a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
        out = np.empty_like(a)
        np.matmul(a, a, out=out)
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            np.matmul(a, a, out=out)
            times.append(time.perf_counter() - t0)
    return 2 * n**3 / statistics.median(times) / 1e9


# ---------------------------------------------------------------------------- parent
def bench_env():
    env = dict(os.environ)
    # these two (set on some machines for old OpenBLAS builds) pick a slower kernel
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(key, None)
    return env


def start_worker(framework, case, threads, baseline=None):
    env = bench_env()
    if framework == "baseline":  # another copy of ridgeback (an older checkout's src/) first on the path
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [baseline, env.get("PYTHONPATH")]))
    proc = subprocess.Popen([sys.executable, __file__, "--worker", framework, "--case", case,
                             "--threads", str(threads)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=env)
    reply = json.loads(proc.stdout.readline())
    return proc, reply["steps"]


def ask(proc, command):
    proc.stdin.write(command + "\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"worker exited (code {proc.wait()})")
    return json.loads(line)


def run_case(case, threads, reps, baseline=None):
    if case in ("small", "epoch"):  # repetitions of a fraction of a second: more of them
        reps *= 3
    frameworks = ["ridgeback"] + (["baseline"] if baseline else []) + PEERS[case]
    procs = {f: start_worker(f, case, threads, baseline) for f in frameworks}
    times = {f: [] for f in frameworks}
    for _ in range(reps):
        for f in frameworks:  # alternate A B A B ...
            proc, steps = procs[f]
            times[f].append(ask(proc, "run")["seconds"] / steps)
    result = {}
    for f in frameworks:
        proc, steps = procs[f]
        mem = ask(proc, "quit")
        proc.wait()
        result[f] = {"step_s": statistics.median(times[f]), "reps": reps, "steps": steps, **mem}
    return result


def flops_per_step(case):
    sizes, batch = CASES[case][0], CASES[case][1]
    return 6 * batch * sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))


def describe_machine(threads, load_at_start):
    import sklearn
    import threadpoolctl
    import torch

    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    blas = [f"{i['internal_api']} {i['version']} ({i.get('architecture', '?')} kernel, "
            f"{i['num_threads']} threads)"
            for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas" and "numpy" in i["filepath"]]
    return [f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
            f"- machine: {os.cpu_count()} CPUs (nproc), {cpu}; "
            f"1-minute load average {load_at_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end",
            f"- Python {platform.python_version()}, NumPy {np.__version__}, PyTorch {torch.__version__}, "
            f"scikit-learn {sklearn.__version__}",
            f"- NumPy BLAS: {'; '.join(blas) or 'unknown'}; every framework limited to {threads} thread(s)"]


def mib(x):
    return f"{x / 2**20:.0f}"


def report(results, peak, threads, load_at_start):
    lines = describe_machine(threads, load_at_start)
    lines.append(f"- float32 GEMM peak (2048x2048 matmul, the better of the medians of 7 measured before "
                 f"and after the cases): {peak:.1f} GFLOP/s")
    updates = {name: r["backend"] for res in results.values() for name, r in res.items() if r.get("backend")}
    if updates:
        lines.append("- Adam's update: " + "; ".join(f"{name} {how}" for name, how in updates.items()))
    lines.append("- timed repetitions per framework (reps) after one warm-up, alternating; medians shown")
    lines += ["", "| case | framework | reps x steps | median µs/step | GFLOP/s | % of GEMM peak | "
                  "peak RSS MiB | RSS growth in training MiB |",
              "|---|---|---|---|---|---|---|---|"]
    for case, res in results.items():
        sizes, batch = CASES[case][0], CASES[case][1]
        label = f"{case}: {'-'.join(map(str, sizes))}, batch {batch}"
        for f, r in res.items():
            gflops = flops_per_step(case) / r["step_s"] / 1e9
            lines.append(f"| {label} | {f} | {r['reps']} x {r['steps']} | {r['step_s'] * 1e6:.1f} | "
                         f"{gflops:.1f} | "
                         f"{100 * gflops / peak:.0f}% | {mib(r['peak_rss'])} | "
                         f"{mib(r['peak_rss'] - r['base_rss'])} |")
    lines += ["", "| case | peer | speed-up (peer time / ridgeback time) | target | met |",
              "|---|---|---|---|---|"]
    for case, res in results.items():
        target_peer, target = TARGETS[case]
        for f in [f for f in res if f != "ridgeback"]:  # "baseline": what this checkout's changes bought
            ratio = res[f]["step_s"] / res["ridgeback"]["step_s"]
            goal = f">= {target}x" if f == target_peer else "-"
            met = ("yes" if ratio >= target else "no") if f == target_peer else "-"
            lines.append(f"| {case} | {f} | {ratio:.2f}x | {goal} | {met} |")
    mem_lines = [f"{case}: ridgeback {mib(res['ridgeback']['peak_rss'])} MiB vs torch "
                 f"{mib(res['torch']['peak_rss'])} MiB" for case, res in results.items() if "torch" in res]
    if mem_lines:
        lines += ["", "Peak RSS (whole worker process, imports included): " + "; ".join(mem_lines) + "."]
    if "epoch" in results:
        lines.append(f"scikit-learn trained in {results['epoch']['sklearn']['dtype']}.")
    return "\n".join(lines)


def run_tune_bench():
    script = HERE / "bench_tune.py"
    if not script.exists():
        return None
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=bench_env())
    failure = f"\n(exit code {done.returncode}) {done.stderr[-2000:]}" if done.returncode else ""
    return done.stdout + failure


def write_results(text, tag, path=HERE / "RESULTS.md"):
    """Replace the generated block for ``tag`` in RESULTS.md, keeping everything around it."""
    sys.path.insert(0, str(HERE.parent / "src"))
    from ridgeback._util.files import atomic_write_text

    begin, end = f"<!-- bench:begin {tag} -->", f"<!-- bench:end {tag} -->"
    old = path.read_text() if path.exists() else f"# Benchmark results\n\n{begin}\n{end}\n"
    if begin not in old or end not in old:
        old = old.rstrip() + f"\n\n{begin}\n{end}\n"
    head, rest = old.split(begin, 1)
    tail = rest.split(end, 1)[1]
    atomic_write_text(path, f"{head}{begin}\n{text}\n{end}{tail}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 repetitions instead of 7")
    parser.add_argument("--sizes", default="small,medium,large,epoch",
                        help=f"comma-separated cases among {','.join(CASES)}")
    parser.add_argument("--write", action="store_true",
                        help="update this thread count's generated block of RESULTS.md")
    parser.add_argument("--no-tune", action="store_true", help="skip benchmarks/bench_tune.py")
    parser.add_argument("--threads", type=int, default=None, help="BLAS/torch threads (default: NumPy's)")
    parser.add_argument("--baseline", metavar="SRC",
                        help="also time the ridgeback package found in SRC (e.g. an older checkout's src/)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.case, args.threads)
    from threadpoolctl import threadpool_info

    threads = args.threads or next((i["num_threads"] for i in threadpool_info()
                                    if i["user_api"] == "blas" and "numpy" in i["filepath"]), os.cpu_count())
    cases = [c.strip() for c in args.sizes.split(",") if c.strip()]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        parser.error(f"--sizes must name cases among {sorted(CASES)}. Received: sizes={args.sizes!r}")
    reps = 3 if args.quick else 7
    load_at_start = os.getloadavg()[0]
    peak = gemm_peak(threads)
    results = {}
    for case in cases:
        print(f"[{case}] ...", file=sys.stderr, flush=True)
        results[case] = run_case(case, threads, reps, args.baseline)
    peak = max(peak, gemm_peak(threads))  # the machine may have been busier at the start
    text = report(results, peak, threads, load_at_start)
    if not args.no_tune:
        tune = run_tune_bench()
        if tune:
            text += "\n\n`benchmarks/bench_tune.py`:\n\n```\n" + tune.strip() + "\n```"
    print(text)
    if args.write:
        write_results(text, f"threads={threads}")  # one block per thread count


if __name__ == "__main__":
    sys.exit(main())
