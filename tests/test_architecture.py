"""The folders show the design: top-level modules are only the package's entry points, and
docs/architecture.md names every module of every layer."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "ridgeback"
LAYERS = ("cli", "report", "persist", "selection", "estimators", "tabular", "metrics", "engine", "_util")


def test_only_entry_points_lie_at_the_top_of_the_package():
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert loose == ["__init__.py", "__main__.py", "_version.py"]
    folders = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert folders == sorted(LAYERS)


def test_architecture_page_names_every_module_of_every_layer():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [f"{layer}/{p.stem}" for layer in LAYERS for p in (PACKAGE / layer).glob("*.py")
               if p.stem != "__init__" and f"`{p.stem}`" not in text]
    assert missing == []


def test_every_layer_is_in_the_import_contract_in_order():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    levels = [[name.strip().removeprefix("ridgeback.") for name in level.split("|")]
              for level in contract["layers"]]
    assert [name for level in levels for name in level] == list(LAYERS)


def test_import_and_help_load_neither_scikit_learn_nor_pandas():
    """``import ridgeback`` and building the command line's parser (what ``ridgeback --help``
    does) stay cheap: the exports are imported on first use."""
    import subprocess
    import sys

    heavy = "{'sklearn', 'pandas', 'scipy', 'matplotlib'}"
    probe = ("import sys, ridgeback, ridgeback.cli.app as app; app.build_parser().format_help(); "
             f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {heavy}))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_export_resolves_to_the_object_its_module_defines():
    import ast
    import importlib

    import ridgeback

    assert set(ridgeback.__all__) <= set(dir(ridgeback))
    for module, names in ridgeback._SOURCES.items():
        source = importlib.import_module(module, "ridgeback")
        for name in names:
            assert getattr(ridgeback, name) is getattr(source, name), name
    # what static tools see (the TYPE_CHECKING imports) is what __getattr__ gives at run time
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    guarded = next(node for node in tree.body if isinstance(node, ast.If))
    static = {f".{node.module}": sorted(a.name for a in node.names) for node in guarded.body}
    assert static == {module: sorted(names) for module, names in ridgeback._SOURCES.items()}
    assert sorted(ridgeback.__all__) == sorted(["__version__", *(n for v in static.values() for n in v)])


def test_an_unknown_attribute_raises_attribute_error_as_a_plain_module_would():
    import pytest

    import ridgeback
    import ridgeback.estimators
    import ridgeback.tabular

    for package in (ridgeback, ridgeback.tabular, ridgeback.estimators):
        with pytest.raises(AttributeError, match=f"module '{package.__name__}' has no attribute 'Nope'"):
            package.Nope  # noqa: B018
        assert not hasattr(package, "Nope")
    from ridgeback.estimators import MLPClassifier
    from ridgeback.estimators.classifier import MLPClassifier as defined

    assert MLPClassifier is defined
