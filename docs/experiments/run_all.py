"""Regenerate the guide: run every chapter's experiment, the API reference, then the Markdown.

    python docs/experiments/run_all.py            # everything (``make docs``)
    python docs/experiments/run_all.py --only ch3 # one experiment, then re-render all chapters
    python docs/experiments/run_all.py --render   # only re-render docs/guide/*.md from results

Each experiment runs in its own process (fixed seeds, one BLAS thread) and writes
``docs/figures/*.png`` and ``docs/results/<chapter>.json``. The chapters are written as
``docs/guide/<name>.md.in`` with placeholders that this script fills:

* ``{{ch3.at_3e-4.proximal.zero_fraction:.1%}}``: a value from ``docs/results/ch3.json``
  (dotted path; list items by index), with an optional Python format spec;
* ``{{table:ch3_ng}}``: the Markdown table ``docs/results/ch3_ng.md``.

A placeholder that names a missing result is an error, so the text cannot quote a number
that the experiments did not produce.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent
ROOT = DOCS.parent
RESULTS = DOCS / "results"
GUIDE = DOCS / "guide"

EXPERIMENTS = [
    "ch1_backprop",
    "ch2_overfitting",
    "ch3_l1",
    "ch4_weight_decay",
    "ch5_lambda",
    "ch6_dropout",
    "ch7_compare",
    "ch8_normalization",
]

PLACEHOLDER = re.compile(r"\{\{\s*(table:[\w.-]+|[^}:\s]+)(?::([^}]*?))?\s*\}\}")


def lookup(results: dict, dotted: str):
    """``"ch3.at_3e-4.proximal.zero_fraction"`` -> the value in ``results["ch3"]``."""
    chapter, _, rest = dotted.partition(".")
    if chapter not in results:
        raise KeyError(f"no results file docs/results/{chapter}.json (placeholder {dotted!r})")
    value = results[chapter]
    if not rest:
        return value
    # keys may contain dots themselves (e.g. "at_3e-4"): match the longest key first
    parts = rest.split(".")
    i = 0
    while i < len(parts):
        for j in range(len(parts), i, -1):
            key = ".".join(parts[i:j])
            if isinstance(value, dict) and key in value:
                value, i = value[key], j
                break
            if isinstance(value, list) and key.lstrip("-").isdigit():
                value, i = value[int(key)], j
                break
        else:
            raise KeyError(f"placeholder {dotted!r}: no key {parts[i]!r} in docs/results/{chapter}.json")
    return value


def load_results() -> dict:
    return {p.stem: json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))}


def render_text(template: str, results: dict) -> str:
    """Fill every placeholder of ``template``; raise KeyError for one without a result."""

    def fill(match):
        name, spec = match.group(1), match.group(2)
        if name.startswith("table:"):
            path = RESULTS / f"{name[len('table:') :]}.md"
            if not path.exists():
                raise KeyError(f"no table {path.relative_to(ROOT)} (placeholder {name!r})")
            return path.read_text().rstrip("\n")
        value = lookup(results, name)
        return format(value, spec) if spec else str(value)

    return PLACEHOLDER.sub(fill, template)


def render_all() -> list[Path]:
    """Write every ``docs/guide/*.md`` from its ``.md.in``; return the written paths."""
    sys.path.insert(0, str(ROOT / "src"))
    from ridgeback._util.files import atomic_write_text

    results = load_results()
    written = []
    for template in sorted(GUIDE.glob("*.md.in")):
        target = template.with_suffix("")  # "x.md.in" -> "x.md"
        banner = (
            f"<!-- Generated from {template.name} by docs/experiments/run_all.py: "
            f"edit the .md.in, then run `make docs`. -->\n"
        )
        atomic_write_text(target, banner + render_text(template.read_text(), results))
        written.append(target)
    return written


def run_experiment(name: str) -> float:
    env = dict(os.environ)
    # one BLAS thread per process: small matrices, shared cores (see common.py)
    env.update(
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        MPLBACKEND="Agg",
        PYTHONHASHSEED="0",
    )
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), str(HERE), env.get("PYTHONPATH")]))
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-W", "ignore::RuntimeWarning", str(HERE / f"{name}.py")],
        cwd=HERE,
        env=env,
        check=True,
    )
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only experiments whose name starts with NAME (repeatable)",
    )
    parser.add_argument("--render", action="store_true", help="only re-render the Markdown from results")
    args = parser.parse_args(argv)
    timings = {}
    if not args.render:
        chosen = [e for e in EXPERIMENTS if not args.only or any(e.startswith(o) for o in args.only)]
        if not chosen:
            parser.error(
                f"--only matches no experiment; expected a prefix of {EXPERIMENTS}. "
                f"Received: only={args.only!r}"
            )
        for name in chosen:
            print(f"[docs] {name} ...", flush=True)
            timings[name] = run_experiment(name)
            print(f"[docs] {name} done in {timings[name]:.1f} s", flush=True)
        if not args.only:
            sys.path.insert(0, str(ROOT / "tools"))
            import gen_api

            gen_api.main()
            print("[docs] docs/api.md written", flush=True)
    for path in render_all():
        print(f"[docs] {path.relative_to(ROOT)} rendered", flush=True)
    if timings:
        print(f"[docs] experiments took {sum(timings.values()):.0f} s in all", flush=True)


if __name__ == "__main__":
    main()
