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
