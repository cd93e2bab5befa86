"""Quality benchmark (issue 15): ``ridgeback tune`` with no hints against the tools a practitioner
would otherwise pick, on public data sets that installed packages ship (``quality_data.py``).

Per data set, one fixed train/test split (seeded, stratified for classification; MNIST-1D keeps
its generator's 4,000/1,000 split). Side by side:

- ``ridgeback``: the real CLI as a new user runs it, ``ridgeback tune train.csv --target y --out
  DIR --quiet --json``, then ``ridgeback evaluate DIR test.csv --target y --json`` and ``ridgeback
  predict`` for the class probabilities (ROC AUC). Its time is the ``tune`` process's wall time
  (search, refit, report, process start);
- ``lightgbm``: ``LGBMClassifier``/``LGBMRegressor`` with defaults, categorical columns as pandas
  categories (its native handling);
- ``sk_mlp``: scikit-learn's ``MLPClassifier``/``MLPRegressor`` with defaults, behind a
  median-impute + ``StandardScaler`` / most-frequent-impute + ``OneHotEncoder`` ColumnTransformer;
- ``linear``: ``LogisticRegressionCV`` (max_iter raised to 2,000 so it converges) / ``RidgeCV``
  (alphas 1e-3..1e3, 13 values: the default three alphas are too narrow), same preprocessing;
- ``realmlp``: RealMLP-TD from pytabkit (``RealMLP_TD_Classifier``/``_Regressor``, defaults),
  where pytabkit is installed; otherwise the column is skipped and the report says why.

Scores: binary classification ROC AUC, multiclass accuracy, regression R². Every tool runs with
``--threads`` threads (default 1: the machine is shared, and one thread makes the times
comparable). Results are cached per (data set, tool) in ``--results`` (JSON), so an interrupted
run resumes; ``--fresh`` starts over.

Run: ``python benchmarks/bench_quality.py [--quick] [--write]``; ``make bench-quality`` runs the
full benchmark and writes ``benchmarks/QUALITY.md`` (the block between the ``quality:begin`` /
``quality:end`` markers). ``--split-seeds 1,2,3,4`` runs other train/test splits (kept as
``NAME@SEED``) and ``--write-splits`` tabulates them (the ``splits`` block: how much of a
difference is the split); ``--tune-args '--ensemble blend' --results FILE`` measures a
non-default option, shown beside with ``--splits-extra blend=FILE``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
#: the content prints of every table (``--write-prints``), read by the test suite
PRINTS = HERE / "table_prints.json"
sys.path.insert(0, str(HERE))

import quality_data  # noqa: E402

TOOLS = ["ridgeback", "lightgbm", "sk_mlp", "linear", "realmlp"]
PEERS = ["lightgbm", "sk_mlp", "linear"]  # the "best of" set
METRIC = {"binary": "roc_auc", "multiclass": "accuracy", "regression": "r2"}
TOL = 0.005
#: extra ``ridgeback tune`` arguments (``--tune-args``), for studies of a non-default option
TUNE_ARGS: list[str] = []


def set_threads(n: int) -> dict:
    env = {
        k: str(n) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
    }
    os.environ.update(env)
    return env


# ---------------------------------------------------------------------------------------- scoring


def score(task: str, y_true, *, pred=None, proba=None, classes=None) -> float:
    from sklearn.metrics import accuracy_score, r2_score, roc_auc_score

    if task == "regression":
        return float(r2_score(y_true, pred))
    if task == "binary":
        positive = list(classes).index(sorted(classes)[-1])
        return float(roc_auc_score(np.asarray(y_true) == sorted(classes)[-1], np.asarray(proba)[:, positive]))
    return float(accuracy_score(np.asarray(y_true).astype(str), np.asarray(pred).astype(str)))


# ------------------------------------------------------------------------------------------ tools


def _ridgeback_cmd(*args) -> list[str]:
    return [sys.executable, "-m", "ridgeback", *args]


def run_ridgeback(ds, threads: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="rb-quality-") as tmp:
        tmp = Path(tmp)
        ds.train.to_csv(tmp / "train.csv", index=False)
        ds.test.to_csv(tmp / "test.csv", index=False)
        env = {**os.environ, **set_threads(threads)}
        run = tmp / "run"
        start = time.perf_counter()
        tune = subprocess.run(
            _ridgeback_cmd(
                "tune", str(tmp / "train.csv"), "--target", "y", "--out", str(run), "--quiet", "--json",
                *TUNE_ARGS,
            ),
            capture_output=True,
            text=True,
            env=env,
        )
        seconds = time.perf_counter() - start
        if tune.returncode != 0:
            raise RuntimeError(f"ridgeback tune exited {tune.returncode}: {tune.stderr.strip()[-500:]}")
        info = json.loads(tune.stdout)
        ev = subprocess.run(
            _ridgeback_cmd("evaluate", str(run), str(tmp / "test.csv"), "--target", "y", "--json"),
            capture_output=True,
            text=True,
            env=env,
        )
        if ev.returncode != 0:
            raise RuntimeError(f"ridgeback evaluate exited {ev.returncode}: {ev.stderr.strip()[-500:]}")
        evaluate = json.loads(ev.stdout)
        pr = subprocess.run(
            _ridgeback_cmd(
                "predict", str(run), str(tmp / "test.csv"), "--out", str(tmp / "pred.csv"), "--quiet"
            ),
            capture_output=True,
            text=True,
            env=env,
        )
        if pr.returncode != 0:
            raise RuntimeError(f"ridgeback predict exited {pr.returncode}: {pr.stderr.strip()[-500:]}")
        pred = pd.read_csv(tmp / "pred.csv")
        choice = _choice(info["tune"], ds, run)
    y = ds.test["y"]
    if ds.task == "regression":
        value = score(ds.task, y, pred=pred["prediction"])
    else:
        proba_cols = [c for c in pred.columns if c.startswith("proba_")]
        classes = [c.removeprefix("proba_") for c in proba_cols]
        labels = y.astype(str)
        if ds.task == "binary":
            # the CSV's labels are the integers 0/1: order the columns by label value
            order = np.argsort([float(c) for c in classes])
            proba = pred[proba_cols].to_numpy()[:, order]
            value = score(ds.task, y, proba=proba, classes=sorted(np.unique(y)))
        else:
            value = score(ds.task, labels, pred=pred["prediction"].astype(str))
    return {
        "score": value,
        "seconds": seconds,
        "refit_params": info.get("refit_params"),
        "evaluate": evaluate,
        "choice": choice,
    }


def _choice(tune: dict, ds, run: Path) -> dict:
    """What the search chose and on what evidence: the best network's and the linear baseline's
    CV mean and standard deviation, the saved answer, and the held-out score the linear baseline
    would have had (refitted on the run's own preprocessing), for studies of the choice rule."""
    best = tune["results"][tune["best_index"]]
    base = tune.get("baseline") or {}
    out = {"chosen": tune.get("chosen"), "n_folds": tune.get("n_folds"), "cv_network": best.get("mean_score"),
           "cv_network_std": best.get("std_score"), "cv_linear": base.get("mean_score"),
           "cv_linear_std": base.get("std_score"), "blend": (tune.get("blend") or {}).get("text")}
    if base:
        out["linear_score"] = _linear_test_score(base, ds, run)
    return out


def _linear_test_score(baseline: dict, ds, run: Path) -> float:
    """The held-out score of the baseline's linear model at its chosen strength, on the saved
    model's preprocessing (fitted on all training rows)."""
    from sklearn.linear_model import LogisticRegression, Ridge

    from ridgeback import load

    model = load(run)
    pre = (model.members[0] if hasattr(model, "members") else model).preprocessor
    X_train, X_test = pre.transform(ds.train[ds.features]), pre.transform(ds.test[ds.features])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if ds.task == "regression":
            ridge = Ridge(alpha=baseline["value"]).fit(X_train, ds.train["y"])
            return score(ds.task, ds.test["y"], pred=ridge.predict(X_test))
        linear = LogisticRegression(C=baseline["value"], max_iter=1000).fit(X_train, ds.train["y"])
        if ds.task == "binary":
            return score(ds.task, ds.test["y"], proba=linear.predict_proba(X_test), classes=linear.classes_)
        return score(ds.task, ds.test["y"], pred=linear.predict(X_test))


def _preprocessor(ds):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    cat = ds.categorical
    num = [c for c in ds.features if c not in cat]
    parts = [("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num)]
    if cat:
        parts.append(
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                cat,
            )
        )
    return ColumnTransformer(parts)


def _fit_predict(model, ds, X_train, X_test) -> dict:
    y = ds.train["y"]
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_train, y.to_numpy() if ds.task != "multiclass" else y.astype(str).to_numpy())
        if ds.task == "binary":
            proba = model.predict_proba(X_test)
            value = score(ds.task, ds.test["y"], proba=proba, classes=list(model.classes_))
        else:
            value = score(ds.task, ds.test["y"], pred=model.predict(X_test))
    return {"score": value, "seconds": time.perf_counter() - start}


def run_sk_mlp(ds, threads: int) -> dict:
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline

    mlp = MLPRegressor(random_state=0) if ds.task == "regression" else MLPClassifier(random_state=0)
    return _fit_predict(
        make_pipeline(_preprocessor(ds), mlp), ds, ds.train[ds.features], ds.test[ds.features]
    )


def run_linear(ds, threads: int) -> dict:
    from sklearn.linear_model import LogisticRegressionCV, RidgeCV
    from sklearn.pipeline import make_pipeline

    if ds.task == "regression":
        lin = RidgeCV(alphas=np.logspace(-3, 3, 13))
    else:
        lin = LogisticRegressionCV(max_iter=2000)
    return _fit_predict(
        make_pipeline(_preprocessor(ds), lin), ds, ds.train[ds.features], ds.test[ds.features]
    )


def _as_categories(ds):
    """Train and test features with the string columns as pandas categories (train's levels)."""
    X_train, X_test = ds.train[ds.features].copy(), ds.test[ds.features].copy()
    for c in ds.categorical:
        levels = sorted(X_train[c].dropna().unique())
        X_train[c] = pd.Categorical(X_train[c], categories=levels)
        X_test[c] = pd.Categorical(X_test[c], categories=levels)
    return X_train, X_test


def run_lightgbm(ds, threads: int) -> dict:
    import lightgbm as lgb

    cls = lgb.LGBMRegressor if ds.task == "regression" else lgb.LGBMClassifier
    model = cls(random_state=0, n_jobs=threads, verbose=-1)
    return _fit_predict(model, ds, *_as_categories(ds))


def run_realmlp(ds, threads: int) -> dict:
    import logging

    import torch
    from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor

    torch.set_num_threads(threads)
    for logger in ("lightning", "lightning.pytorch", "pytorch_lightning"):  # "GPU available: False" ...
        logging.getLogger(logger).setLevel(logging.ERROR)
    cls = RealMLP_TD_Regressor if ds.task == "regression" else RealMLP_TD_Classifier
    model = cls(random_state=0, n_threads=threads, device="cpu", verbosity=0)
    return _fit_predict(model, ds, *_as_categories(ds))


RUNNERS = {
    "ridgeback": run_ridgeback,
    "lightgbm": run_lightgbm,
    "sk_mlp": run_sk_mlp,
    "linear": run_linear,
    "realmlp": run_realmlp,
}


def pytabkit_status() -> str | None:
    """None when RealMLP-TD can run here, else why not."""
    try:
        import pytabkit  # noqa: F401
        import torch
    except Exception as exc:  # noqa: BLE001 - any import failure means: skip the column
        return f"pytabkit is not importable here ({type(exc).__name__}: {exc})"
    return None if torch.__version__.startswith("2.13.0") else f"torch is {torch.__version__}, not 2.13.0"


def versions() -> dict:
    out = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()}
    from importlib import metadata

    dists = {"sklearn": "scikit-learn"}  # import name -> distribution name, where they differ
    for mod in ("ridgeback", "numpy", "sklearn", "lightgbm", "pytabkit", "torch", "statsmodels", "mnist1d"):
        try:  # the installed distribution's version (some packages define no __version__)
            out[mod] = metadata.version(dists.get(mod, mod))
        except metadata.PackageNotFoundError:
            out[mod] = "not installed"
    return out


# ------------------------------------------------------------------------------------------ table


def summarize(results: dict, names: list[str]) -> dict:
    """Counts against the issue's targets, over the tables (not the signal task)."""
    tables = [n for n in names if n in quality_data.TABLES and "ridgeback" in results.get(n, {})]
    at_best = below_mlp_lin = 0
    diffs_realmlp, ahead_realmlp = [], 0
    for n in tables:
        r = results[n]
        rb = r["ridgeback"]["score"]
        peers = [r[t]["score"] for t in PEERS if t in r and r[t].get("score") is not None]
        if peers and rb >= max(peers) - TOL:
            at_best += 1
        if any(
            rb < r[t]["score"] - TOL for t in ("sk_mlp", "linear") if t in r and r[t].get("score") is not None
        ):
            below_mlp_lin += 1
        if "realmlp" in r and r["realmlp"].get("score") is not None:
            diffs_realmlp.append(rb - r["realmlp"]["score"])
            ahead_realmlp += rb >= r["realmlp"]["score"]
    signal = results.get(quality_data.SIGNAL, {}).get("ridgeback", {}).get("score")
    return {
        "n_tables": len(tables),
        "at_best_of_peers": at_best,
        "below_mlp_or_linear": below_mlp_lin,
        "median_minus_realmlp": float(np.median(diffs_realmlp)) if diffs_realmlp else None,
        "ahead_of_realmlp": ahead_realmlp,
        "n_realmlp": len(diffs_realmlp),
        "signal_accuracy": signal,
    }


def _cell(entry, fmt="{:.4f}"):
    if entry is None:
        return "—"
    if entry.get("error"):
        return "error"
    return fmt.format(entry["score"])


def table(results: dict, names: list[str], tools: list[str], times: bool = True) -> str:
    head = ["data set", "task", "rows (train/test)", "metric", *tools, "rb − best peer", "rb − realmlp"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for n in names:
        r = results.get(n)
        if not r:
            continue
        meta = r["_meta"]
        cells = [n, meta["task"], f"{meta['n_train']}/{meta['n_test']}", METRIC[meta["task"]]]
        cells += [_cell(r.get(t)) for t in tools]
        rb = r.get("ridgeback", {}).get("score")
        peers = [r[t]["score"] for t in PEERS if r.get(t, {}).get("score") is not None]
        cells.append(f"{rb - max(peers):+.4f}" if rb is not None and peers else "—")
        rm = r.get("realmlp", {}).get("score")
        cells.append(f"{rb - rm:+.4f}" if rb is not None and rm is not None else "—")
        lines.append("| " + " | ".join(cells) + " |")
    if not times:
        return "\n".join(lines)
    lines += ["", "Wall time in seconds (fit + predict; ridgeback: the whole `tune` process):", ""]
    head = ["data set", *tools, "ridgeback / lightgbm", "ridgeback / realmlp"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    totals = dict.fromkeys(tools, 0.0)
    for n in names:
        r = results.get(n)
        if not r:
            continue
        cells = [n]
        for t in tools:
            s = r.get(t, {}).get("seconds")
            cells.append("—" if s is None else f"{s:.1f}")
            totals[t] += s or 0.0
        for other in ("lightgbm", "realmlp"):
            a, b = r.get("ridgeback", {}).get("seconds"), r.get(other, {}).get("seconds")
            cells.append(f"{a / b:.1f}x" if a and b else "—")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("| **total** | " + " | ".join(f"{totals[t]:.0f}" for t in tools) + " | | |")
    return "\n".join(lines)


def summary_text(s: dict) -> str:
    rm = s["median_minus_realmlp"]
    sig = s["signal_accuracy"]
    return "\n".join(
        [
            f"- ridgeback at or above the best of LightGBM / sk MLP / CV linear (within {TOL}): "
            f"**{s['at_best_of_peers']} of {s['n_tables']}** tables (target: 11 of 12).",
            f"- below scikit-learn's MLP or the linear model by more than {TOL}: "
            f"**{s['below_mlp_or_linear']}** tables (target: 0).",
            "- signal task (MNIST-1D) accuracy: "
            + (f"**{sig:.4f}**" if sig is not None else "not run")
            + " (target: 0.75).",
            "- against RealMLP-TD: "
            + (
                f"ahead or equal on {s['ahead_of_realmlp']} of {s['n_realmlp']} tables, median difference "
                f"**{rm:+.4f}** (target: > 0)."
                if rm is not None
                else "not run."
            ),
        ]
    )


def counts_text(results: dict, keys: list[str]) -> str:
    """How often ridgeback is at or above the best peer (within ``TOL``) and below sk MLP or the
    linear model (by more than ``TOL``) over the results ``keys`` (tables or table-splits)."""
    at = below = n = 0
    for k in keys:
        r = results.get(k, {})
        rb = r.get("ridgeback", {}).get("score")
        peers = {t: r[t]["score"] for t in PEERS if r.get(t, {}).get("score") is not None}
        if rb is None or not peers:
            continue
        n += 1
        at += rb >= max(peers.values()) - TOL
        below += any(rb < peers[t] - TOL for t in ("sk_mlp", "linear") if t in peers)
    return (f"- ridgeback at or above the best of LightGBM / sk MLP / CV linear (within {TOL}) on "
            f"**{at} of {n}** table-splits; below scikit-learn's MLP or the linear model by more than "
            f"{TOL} on **{below}**.")


def write_prints(path: Path | None = None) -> None:
    """Write the content prints (``quality_data.prints``) of the issue's tables and every look's
    tables, with the columns ridgeback's leak check finds restating each one's target, to
    ``path`` (default ``PRINTS``), atomically: the record that lets the test suite, which has none
    of these packages, check that no held-apart table restates another or its own target."""
    record = {name: quality_data.prints(name) for name in quality_data.tables()}
    path = path or PRINTS
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)
    print(f"wrote the prints of {len(record)} tables to {path}")


def split_key(name: str, seed: int) -> str:
    """The results' key of ``name`` on split ``seed`` (the fixed split, 0, keeps the plain name)."""
    return name if seed == quality_data.SPLIT_SEED else f"{name}@{seed}"


def splits_table(results: dict, names: list[str], seeds: list[int], extra=None) -> str:
    """Per data set and split seed, the tools' held-out scores and ridgeback − best peer; then
    each tool's mean over the splits and on how many splits ridgeback is at or above the best
    peer (within TOL) and not below sk MLP or linear by more than TOL. ``extra``: ``(label,
    results)`` of another ridgeback run (e.g. ``--tune-args '--ensemble blend'``), shown beside."""
    tools = ["ridgeback", *PEERS]
    label, other = extra if extra else (None, {})
    head = ["data set", "split", *tools, "rb − best peer", *([f"ridgeback {label}", f"{label} − best peer"]
                                                             if label else [])]
    blank = " |" * (len(head) - 1)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    totals = {"ridgeback": [0, 0, 0], label: [0, 0, 0]}

    def extra_score(n, s):
        return other.get(split_key(n, s), {}).get("ridgeback", {}).get("score") if label else None

    for n in names:
        rows = [(s, results.get(split_key(n, s), {})) for s in seeds]
        rows = [(s, r) for s, r in rows if all(r.get(t, {}).get("score") is not None for t in tools)]
        if not rows:
            continue
        counts = {"ridgeback": [0, 0, []], label: [0, 0, []]}
        for s, r in rows:
            best = max(r[t]["score"] for t in PEERS)
            cells = [n, str(s), *(f"{r[t]['score']:.4f}" for t in tools)]
            cells.append(f"{r['ridgeback']['score'] - best:+.4f}")
            for key, score in (("ridgeback", r["ridgeback"]["score"]), (label, extra_score(n, s))):
                if score is None:
                    continue
                c = counts[key]
                c[0] += score >= best - TOL
                c[1] += any(score < r[t]["score"] - TOL for t in ("sk_mlp", "linear"))
                c[2].append(score)
            if label:
                e = extra_score(n, s)
                cells += ["—", "—"] if e is None else [f"{e:.4f}", f"{e - best:+.4f}"]
            lines.append("| " + " | ".join(cells) + " |")
        means = [float(np.mean([r[t]["score"] for _, r in rows])) for t in tools]
        best_mean = float(np.mean([max(r[t]["score"] for t in PEERS) for _, r in rows]))
        cells = [f"**{n}: mean of {len(rows)}**", "", *(f"{m:.4f}" for m in means)]
        cells.append(f"{means[0] - best_mean:+.4f}")
        if label:
            e = counts[label][2]
            full = len(e) == len(rows)
            cells += [f"{np.mean(e):.4f}", f"{np.mean(e) - best_mean:+.4f}"] if full else ["—", "—"]
        lines.append("| " + " | ".join(cells) + " |")
        for key in ("ridgeback", label) if label else ("ridgeback",):
            c = counts[key]
            if not c[2]:
                continue
            name = "ridgeback" if key == "ridgeback" else f"ridgeback {label}"
            lines.append(f"| {n}: {name} at/above the best peer on **{c[0]} of {len(c[2])}** splits; more "
                         f"than {TOL} below sk MLP or linear on **{c[1]}** |{blank}")
            totals[key] = [totals[key][0] + c[0], totals[key][1] + c[1], totals[key][2] + len(c[2])]
    for key in ("ridgeback", label) if label else ("ridgeback",):
        at, below, total = totals[key]
        name = "ridgeback" if key == "ridgeback" else f"ridgeback {label}"
        lines.append(f"| **all: {name} at/above the best peer on {at} of {total}** (data set x split); "
                     f"below sk MLP or linear on **{below}** |{blank}")
    return "\n".join(lines)


def replace_block(path: Path, tag: str, body: str) -> None:
    """Replace the text between ``<!-- tag:begin -->`` and ``<!-- tag:end -->`` (appended if absent)."""
    begin, end = f"<!-- {tag}:begin -->", f"<!-- {tag}:end -->"
    text = path.read_text() if path.exists() else ""
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + ("\n\n" if text else "") + block + "\n"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(path)


# ------------------------------------------------------------------------------------------- main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--quick", action="store_true", help=f"only {', '.join(quality_data.QUICK)} (a smoke run)"
    )
    ap.add_argument("--datasets", help="comma-separated names (default: all)")
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma-separated tools")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument(
        "--results",
        type=Path,
        help="JSON cache of results (default: benchmarks/quality_results.json; --quick: a temporary file)",
    )
    ap.add_argument("--fresh", action="store_true", help="ignore cached results")
    ap.add_argument("--report-only", action="store_true", help="run nothing: the table of the cached results")
    ap.add_argument("--write", action="store_true", help="update benchmarks/QUALITY.md")
    ap.add_argument("--quality-md", type=Path, default=HERE / "QUALITY.md")
    ap.add_argument("--split-seeds", default=str(quality_data.SPLIT_SEED),
                    help="comma-separated train/test split seeds (default: the fixed split, 0); other "
                         "splits are kept in the results as NAME@SEED")
    ap.add_argument("--write-splits", action="store_true",
                    help="update the split-noise block of QUALITY.md from the results of --split-seeds")
    ap.add_argument("--write-synthetic", action="store_true",
                    help="update QUALITY.md's block of the synthetic diagnostic tables (synthetic_data.py) "
                         "from the cached results, scores only")
    ap.add_argument("--write-second-look", action="store_true",
                    help="update QUALITY.md's block of the second-look tables (quality_data.SECOND_LOOK, "
                         "never used to choose the recipe) from the cached results, scores only")
    ap.add_argument("--write-look", choices=list(quality_data.LOOKS), action="append", default=[],
                    help="update QUALITY.md's block of these held-apart tables (quality_data.LOOKS) from "
                         "the cached results, scores only; --write-second-look is --write-look second")
    ap.add_argument("--write-prints", action="store_true",
                    help=f"run nothing: write {PRINTS.name}, the content prints of every table of the "
                         "issue's set and the looks (checked by tests/test_bench_quality.py)")
    ap.add_argument("--splits-extra", metavar="LABEL=RESULTS",
                    help="with --write-splits: another ridgeback run's results (a --tune-args study) as a "
                         "column beside, e.g. blend=blend.json")
    ap.add_argument("--tune-args", default="",
                    help="extra `ridgeback tune` arguments, e.g. '--ensemble blend' (with --results: "
                         "a study, not the no-hints benchmark)")
    args = ap.parse_args(argv)
    seeds = [int(s) for s in args.split_seeds.split(",")]
    if args.tune_args and not args.results:
        ap.error("--tune-args needs --results: the default results are the no-hints run's")
    TUNE_ARGS[:] = shlex.split(args.tune_args)

    if args.write_prints:
        write_prints()
        return 0
    set_threads(args.threads)
    names = (
        args.datasets.split(",")
        if args.datasets
        else (quality_data.QUICK if args.quick else quality_data.NAMES)
    )
    tools = args.tools.split(",")
    skip_realmlp = pytabkit_status() if "realmlp" in tools else None
    if skip_realmlp:
        print(f"RealMLP-TD skipped: {skip_realmlp}")
    results_path = args.results or (
        Path(tempfile.gettempdir()) / "rb_quality_quick.json" if args.quick else HERE / "quality_results.json"
    )
    results = {} if args.fresh or not results_path.exists() else json.loads(results_path.read_text())
    started = time.perf_counter()
    for name, seed in [] if args.report_only else [(n, s) for n in names for s in seeds]:
        ds = quality_data.load(name, split_seed=seed)
        entry = results.setdefault(split_key(name, seed), {})
        entry["_meta"] = {
            "task": ds.task,
            "n_train": len(ds.train),
            "n_test": len(ds.test),
            "source": ds.source,
            "n_features": len(ds.features),
            "categorical": ds.categorical,
        }
        for tool in tools:
            if tool in entry and not entry[tool].get("error"):
                continue
            if tool == "realmlp" and skip_realmlp:
                continue
            try:
                entry[tool] = RUNNERS[tool](ds, args.threads)
            except Exception as exc:  # noqa: BLE001 - one tool's failure is a result, not a crash
                entry[tool] = {"score": None, "seconds": None, "error": f"{type(exc).__name__}: {exc}"[:400]}
            e = entry[tool]
            shown = "error: " + e["error"] if e.get("error") else f"{e['score']:.4f}  {e['seconds']:7.1f}s"
            print(f"{split_key(name, seed):14s} {tool:10s} {shown}", flush=True)
            results_path.write_text(json.dumps(results, indent=1, default=str))
    elapsed = time.perf_counter() - started
    shown_tools = [t for t in tools if not (t == "realmlp" and skip_realmlp)]
    text = table(results, names, shown_tools)
    summary = summarize(results, names)
    print()
    print(text)
    print()
    print(summary_text(summary))
    print(f"\nthis invocation: {elapsed:.0f} s")
    if args.write:
        v = versions()
        env = ", ".join(f"{k} {v[k]}" for k in v)
        body = "\n".join(
            [
                "_Generated by `make bench-quality` (`benchmarks/bench_quality.py --write`);"
                " do not edit by hand._",
                "",
                text,
                "",
                summary_text(summary),
                "",
                f"Environment: {env}; {args.threads} thread(s) per tool."
                + (f" RealMLP-TD skipped: {skip_realmlp}." if skip_realmlp else ""),
            ]
        )
        replace_block(args.quality_md, "quality", body)
        print(f"wrote {args.quality_md}")
    if args.write_splits:
        extra = None
        if args.splits_extra:
            label, _, path = args.splits_extra.partition("=")
            extra = (label, json.loads(Path(path).read_text()))
        body = "\n".join(["_Generated by `benchmarks/bench_quality.py --split-seeds ... --write-splits`; "
                          "do not edit by hand._", "", splits_table(results, names, seeds, extra)])
        replace_block(args.quality_md, "splits", body)
        print(f"wrote the split block of {args.quality_md}")
    if args.write_synthetic:
        keys = [k for n in quality_data.SYNTHETIC for k in results if k.partition("@")[0] == n]
        body = "\n".join(["_Generated by `benchmarks/bench_quality.py --report-only --write-synthetic`; "
                          "do not edit by hand._", "", table(results, keys, shown_tools, times=False)])
        replace_block(args.quality_md, "synthetic", body)
        print(f"wrote the synthetic block of {args.quality_md}")
    for look in dict.fromkeys([*args.write_look, *(["second"] if args.write_second_look else [])]):
        tables = list(quality_data.LOOKS[look])
        keys = sorted((k for k in results if k.partition("@")[0] in tables),
                      key=lambda k: (tables.index(k.partition("@")[0]), k))
        body = "\n".join([f"_Generated by `benchmarks/bench_quality.py --report-only --write-look {look}`; "
                          "do not edit by hand._", "", table(results, keys, shown_tools, times=False), "",
                          counts_text(results, keys)])
        replace_block(args.quality_md, look, body)
        print(f"wrote the {look}-look block of {args.quality_md}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
