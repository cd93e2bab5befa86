"""Training on a messy 50k-row table with a free-text column: time and peak memory (issue 18).

Each variant runs in its own process (``ru_maxrss`` is then its own peak) under an address
space limit (``--limit-gb``, default 8), so that a variant that would allocate a dense one-hot
matrix of the free text fails fast instead of exhausting the machine:

``ridgeback``
    ``TabularModel(MLPClassifier)`` with the ``Preprocessor`` of the ridgeback found on
    ``PYTHONPATH`` (give ``--src`` an older checkout's ``src`` for the "before" row).
``skrub``
    skrub's ``TableVectorizer`` (its defaults: ``StringEncoder`` for text, ``DatetimeEncoder``,
    one-hot below 40 levels) then the same ``MLPClassifier`` on its output; needs skrub on
    ``--skrub-path`` or installed.

Quality is the accuracy on 10k held-out rows generated alike; the label depends on words of
the text, a number, a category and the hour of a timestamp.

Usage::

    python benchmarks/bench_tabular.py                      # ridgeback on PYTHONPATH
    python benchmarks/bench_tabular.py --src /old/src --variant ridgeback
    python benchmarks/bench_tabular.py --variant skrub --skrub-path /tmp/skrub_pkgs
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

WORDS = ("red blue green fast slow cheap luxury old new small large family sport city country "
         "electric diesel manual automatic leather roof garage owner clean damaged rare classic").split()


def make_table(n, seed):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    words = rng.choice(WORDS, (n, 6))
    serial = rng.integers(0, 10**6, n)
    title = [" ".join(w) + f" #{s}" for w, s in zip(words, serial, strict=True)]  # ~all distinct
    price = rng.lognormal(9, 0.6, n)
    region = rng.choice(["north", "south", "east", "west", "centre"], n)
    stamps = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 24 * 365, n), unit="h")
    hour = stamps.hour.to_numpy()
    signal = ((words == "luxury").any(1) * 1.5 + (words == "damaged").any(1) * -1.5
              + (np.log(price) - 9) + (region == "north") * 0.7 + ((hour >= 18) * 0.8)
              + rng.normal(0, 0.7, n))
    df = pd.DataFrame({"listing_id": [f"L{seed}-{i:07d}" for i in range(n)], "title": title,
                       "price": price, "region": region,
                       "listed_at": [s.isoformat() for s in stamps],
                       "label": np.where(signal > np.median(signal), "good", "bad")})
    df.loc[rng.random(n) < 0.05, "price"] = np.nan
    return df


def run_variant(variant, n_rows, epochs):
    import numpy as np

    from ridgeback import MLPClassifier, TabularModel

    train, test = make_table(n_rows, 0), make_table(10_000, 1)
    X, y = train.drop(columns="label"), train["label"].to_numpy()
    Xt, yt = test.drop(columns="label"), test["label"].to_numpy()
    mlp = MLPClassifier(hidden_layer_sizes=(64,), max_epochs=epochs, early_stopping=False, batch_size=256,
                        random_state=0)
    start = time.perf_counter()
    if variant == "ridgeback":
        model = TabularModel(mlp).fit(X, y)
        width = len(model.feature_names_out_)
        accuracy = float(np.mean(model.predict(Xt) == yt))
    else:
        import skrub
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline

        # TableVectorizer leaves missing numbers as NaN: impute them as ridgeback does
        vectorizer = make_pipeline(skrub.TableVectorizer(), SimpleImputer(add_indicator=True))
        matrix = np.asarray(vectorizer.fit_transform(X), dtype=np.float32)
        mean, std = matrix.mean(0), matrix.std(0) + 1e-12
        mlp.fit((matrix - mean) / std, y)
        width = matrix.shape[1]
        test_matrix = (np.asarray(vectorizer.transform(Xt), dtype=np.float32) - mean) / std
        accuracy = float(np.mean(mlp.predict(test_matrix) == yt))
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    return {"variant": variant, "rows": n_rows, "width": width, "seconds": round(seconds, 1),
            "peak_rss_gib": round(peak, 2), "test_accuracy": round(accuracy, 3)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=["ridgeback", "skrub"], default="ridgeback")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--src", help="the src folder of the ridgeback to measure (default: as imported)")
    parser.add_argument("--skrub-path", help="a folder holding skrub and its dependencies")
    parser.add_argument("--limit-gb", type=float, default=8.0)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        limit = int(args.limit_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        try:
            print(json.dumps(run_variant(args.variant, args.rows, args.epochs)))
        except MemoryError as exc:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
            print(json.dumps({"variant": args.variant, "rows": args.rows, "failed": f"{type(exc).__name__}: "
                              f"{str(exc)[:120]}", "peak_rss_gib": round(peak, 2)}))
        return
    env = dict(os.environ)
    paths = [p for p in (args.src, args.skrub_path, env.get("PYTHONPATH")) if p]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    command = [sys.executable, __file__, "--worker", "--variant", args.variant, "--rows", str(args.rows),
               "--epochs", str(args.epochs), "--limit-gb", str(args.limit_gb)]
    out = subprocess.run(command, env=env, capture_output=True, text=True)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    print(lines[-1] if lines else json.dumps({"variant": args.variant, "failed": out.stderr.strip()[-300:]}))


if __name__ == "__main__":
    main()
