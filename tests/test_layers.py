"""The package's layers: which subpackage may import which (README, "Layout").

Every import statement of every module counts, including those inside
functions and under ``TYPE_CHECKING``: a lazy import still ties two layers.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "enhancelib"

FORBIDDEN: dict[str, set[str]] = {
    "recipes": {"train", "study", "inference"},
    "train": {"study", "inference"},
    "inference": {"train", "study"},
}
"""Layer -> layers it must not import."""

ONLY: dict[str, set[str]] = {
    "models": {"nn"},
    "losses": {"nn"},
    "nn": {"config", "paths"},
    "data": {"config", "paths"},
    "metrics": {"config", "paths"},
}
"""Layer -> the only other layers it may import."""

LEAVES = {"enhancelib.data.conversion"}
"""Modules every layer may import: the one quantisation rule and the luma weights, which data, metrics,
figures and the classical operators must share. A leaf imports nothing of the package."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _target(name: str) -> str:
    """``enhancelib.<layer>`` of an imported dotted name (a leaf module whole); ``enhancelib`` for the root."""
    for leaf in LEAVES:
        if name == leaf or name.startswith(leaf + "."):
            return leaf
    parts = name.split(".")
    if len(parts) > 1 and ((PACKAGE / parts[1]).is_dir() or (PACKAGE / f"{parts[1]}.py").is_file()):
        return ".".join(parts[:2])
    return "enhancelib"


def package_imports() -> list[tuple[str, int, str]]:
    """``(module, line, imported layer)`` for every import of ``enhancelib`` inside the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                names = [f"{base}.{alias.name}" for alias in node.names] if base == "enhancelib" else [base]
            found += [(module, node.lineno, _target(n)) for n in names if n.split(".")[0] == "enhancelib"]
    return found


def _layer(name: str) -> str:
    return name.split(".")[1] if "." in name else ""


def test_the_walk_sees_the_package_imports():
    edges = {(m, t) for m, _, t in package_imports()}
    assert ("enhancelib.train.spec", "enhancelib.recipes") in edges          # absolute
    assert ("enhancelib.train.provenance", "enhancelib.paths") in edges      # from enhancelib import paths
    assert ("enhancelib.recipes.glenet_unpaired", "enhancelib.models") in edges


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_never_imports_the_layers_above_it(layer):
    bad = [f"{m}:{line} imports {t}" for m, line, t in package_imports()
           if _layer(m) == layer and _layer(t) in FORBIDDEN[layer]]
    assert not bad, f"enhancelib.{layer} must not import {sorted(FORBIDDEN[layer])}:\n" + "\n".join(bad)


@pytest.mark.parametrize("layer", sorted(ONLY))
def test_a_lower_layer_imports_only_what_lies_below_it(layer):
    allowed = ONLY[layer] | {layer}
    bad = [f"{m}:{line} imports {t}" for m, line, t in package_imports()
           if _layer(m) == layer and _layer(t) not in allowed and t not in LEAVES]
    assert not bad, f"enhancelib.{layer} may import only {sorted(allowed)}:\n" + "\n".join(bad)


def test_a_leaf_imports_nothing_of_the_package():
    bad = [f"{m}:{line} imports {t}" for m, line, t in package_imports() if m in LEAVES]
    assert not bad, "\n".join(bad)
