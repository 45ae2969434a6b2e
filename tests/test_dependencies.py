"""pyproject.toml declares every third-party package that enhancelib imports, and requirements.txt pins it."""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DISTRIBUTION = {"PIL": "pillow", "skimage": "scikit-image", "IPython": "ipython"}
"""Import name -> distribution name, where they differ."""


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:``: names for the type checker, not run-time needs."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            skipped |= {id(child) for stmt in node.body for child in ast.walk(stmt)}
    return skipped


def third_party_imports() -> set[str]:
    names: set[str] = set()
    for path in (REPO / "enhancelib").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        skipped = _type_checking_only(tree)
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return {n for n in names if n != "enhancelib" and n not in sys.stdlib_module_names}


def declared(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[ ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_every_imported_package_is_declared_and_pinned():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    runtime = declared(project["dependencies"])
    pinned = declared([line for line in (REPO / "requirements.txt").read_text().splitlines()
                       if line.strip() and not line.startswith("#")])
    imported = {DISTRIBUTION.get(n, n).lower() for n in third_party_imports()}
    assert imported <= runtime, f"imported but not declared in pyproject.toml: {sorted(imported - runtime)}"
    assert runtime <= pinned, f"declared but not pinned in requirements.txt: {sorted(runtime - pinned)}"
