"""Write docs/api.md: the API reference, generated from the docstrings of ``ridgeback.__all__``.

Run by ``make docs`` (through docs/experiments/run_all.py), or alone:
``python tools/gen_api.py [--check]``. With ``--check`` nothing is written and the exit
status says whether docs/api.md is up to date.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "api.md"

# sections in the order data flows through the library (ARCHITECTURE.md); other modules follow
MODULE_TITLES = {
    "engine.layers": "Layers",
    "engine.activations": "Activations",
    "engine.normalization": "Normalization layers",
    "engine.embeddings": "Numeric embeddings",
    "engine.network": "Networks",
    "engine.losses": "Losses",
    "engine.regularizers": "Regularizers and constraints",
    "engine.optimizers": "Optimizers",
    "engine.trainer": "Training",
    "engine.history": "Training: history, early stopping, divergence",
    "engine.gradcheck": "Gradient checking",
    "engine.inspection": "Inspection",
    "engine.uncertainty": "Uncertainty (Monte-Carlo dropout)",
    "estimators.classifier": "scikit-learn estimators: classifier",
    "estimators.regressor": "scikit-learn estimators: regressor",
    "selection.search": "Model selection: search",
    "selection.path": "Model selection: regularization paths",
    "tabular.data": "Data",
    "tabular.preprocessing": "Preprocessing",
    "tabular.model": "Tabular models",
    "tabular.leaks": "Columns that restate the target",
    "persist.model_dir": "Saving and loading",
    "persist.onnx": "ONNX export",
}


def _signature(obj) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(...)"


def _doc(obj) -> str:
    return inspect.cleandoc(obj.__doc__) if obj.__doc__ else "(no docstring)"


def _split(doc: str) -> tuple[str, str]:
    """The first paragraph (Markdown prose) and the rest (kept verbatim)."""
    head, _, rest = doc.partition("\n\n")
    return " ".join(head.split()), rest.strip()


def _methods(cls) -> list[tuple[str, object]]:
    """The class's own public methods and properties, and those it inherits from ridgeback's
    private (``_Name``) bases, which the reference does not show on their own; own ones first."""
    own = [cls, *(base for base in cls.__mro__[1:]
                  if base.__name__.startswith("_") and base.__module__.startswith("ridgeback."))]
    out, seen = [], set()
    for klass in own:
        for name, member in vars(klass).items():
            if name in seen or name.startswith("_") or not (
                inspect.isfunction(member) or isinstance(member, (classmethod, property))
            ):
                continue
            seen.add(name)
            out.append((name, member))
    return out


def _entry(name: str, obj) -> list[str]:
    kind = "class" if inspect.isclass(obj) else "function"
    lines = [f"### `{name}`", ""]
    sig = "" if not callable(obj) else _signature(obj)
    lines += ["```python", f"{kind} {name}{sig}" if kind == "class" else f"def {name}{sig}", "```", ""]
    summary, rest = _split(_doc(obj))
    lines += [summary, ""]
    if rest:
        lines += ["```text", rest, "```", ""]
    if inspect.isclass(obj):
        methods = _methods(obj)
        if methods:
            lines += ["Methods and properties:", ""]
            for mname, member in methods:
                func = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
                first = _split(_doc(func))[0] if func.__doc__ else ""
                sig = (
                    ""
                    if isinstance(member, property)
                    else _signature(func)
                    .replace("(self, ", "(")
                    .replace("(self)", "()")
                    .replace("(cls, ", "(")
                    .replace("(cls)", "()")
                )
                lines.append(f"- `{mname}{sig}`" + (f": {first}" if first else ""))
            lines.append("")
    return lines


def _module(name: str):
    import importlib

    return importlib.import_module(f"ridgeback.{name}")


def _anchor(module: str) -> str:
    return module.replace(".", "-")


def render() -> str:
    sys.path.insert(0, str(ROOT / "src"))
    import ridgeback

    groups: dict[str, list[str]] = {}
    for name in ridgeback.__all__:
        if name.startswith("__"):
            continue
        obj = getattr(ridgeback, name)
        module = getattr(obj, "__module__", "ridgeback").removeprefix("ridgeback.")
        if module not in MODULE_TITLES:  # defined in a helper module: list it under its public home
            module = next((m for m in MODULE_TITLES if getattr(_module(m), name, None) is obj), module)
        groups.setdefault(module, []).append(name)
    order = [m for m in MODULE_TITLES if m in groups] + sorted(m for m in groups if m not in MODULE_TITLES)
    lines = [
        "<!-- Generated by tools/gen_api.py from the docstrings (`make docs`); do not edit. -->",
        "",
        f"# API reference (ridgeback {ridgeback.__version__})",
        "",
        "Every public name, `from ridgeback import NAME`. Formulas in the docstrings are written in",
        "reStructuredText math (`:math:`), as numpydoc has them.",
        "",
    ]
    for module in order:
        title = MODULE_TITLES.get(module, module)
        lines.append(f"- [{title}](#{_anchor(module)}): " + ", ".join(f"`{n}`" for n in groups[module]))
    lines.append("")
    for module in order:
        lines += [
            f'<a id="{_anchor(module)}"></a>',
            "",
            f"## {MODULE_TITLES.get(module, module)} (`ridgeback.{module}`)",
            "",
        ]
        for name in groups[module]:
            lines += _entry(name, getattr(ridgeback, name))
    return "\n".join(lines).rstrip() + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/api.md is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = TARGET.read_text() if TARGET.exists() else ""
        return 0 if current == text else 1
    from ridgeback._util.files import atomic_write_text

    atomic_write_text(TARGET, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
