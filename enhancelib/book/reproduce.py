"""Tables for the "Reproduce everything" page, read from the repository itself.

Two sources, so that the page can never go stale:

* every chapter notebook under ``notebooks/`` with its ``parameters`` cell
  (the papermill command that reruns it, and what can be changed);
* every recorded run under ``data/runs/<chapter>/<name>/`` (a folder with a
  ``metrics.json``), with its recipe, preset, seed, commit, test metrics and
  the command that trains it again.
"""
from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from enhancelib.paths import REPO_ROOT

__all__ = [
    "NotebookParameter",
    "notebook_parameters",
    "notebook_rows",
    "notebooks_markdown",
    "run_rows",
    "script_rows",
    "markdown_table",
]


@dataclass(frozen=True)
class NotebookParameter:
    """One assignment of a notebook's ``parameters`` cell."""

    name: str
    default: str
    """The right-hand side as written in the cell."""
    comment: str = ""


def _source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def notebook_parameters(path: Path) -> list[NotebookParameter]:
    """The assignments of the cell tagged ``parameters`` (empty if there is none).

    Raises ``ValueError`` if the notebook carries papermill's
    ``injected-parameters`` cell, which must never be committed.
    """
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    found: list[NotebookParameter] = []
    for cell in notebook.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            raise ValueError(
                f"{path} contains papermill's 'injected-parameters' cell; delete it "
                "(it silently overrides the defaults) and commit the clean notebook."
            )
        if "parameters" not in tags or found:
            continue
        text = _source(cell)
        lines = text.splitlines()
        for node in ast.parse(text).body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                value = ast.get_source_segment(text, node.value) if node.value is not None else ""
                rest = lines[(node.end_lineno or node.lineno) - 1][node.end_col_offset or 0:]
                comment = rest.split("#", 1)[1].strip() if "#" in rest else ""
                for target in targets:
                    if isinstance(target, ast.Name):
                        found.append(NotebookParameter(target.id, value or "", comment))
    return found


def notebook_rows(root: Path = REPO_ROOT, pattern: str = "[0-9][0-9]_*.ipynb") -> list[dict[str, str]]:
    """One row per chapter notebook: its path, papermill command and parameters (plain text)."""
    rows = []
    for path in sorted((root / "notebooks").glob(pattern)):
        parameters = notebook_parameters(path)
        relative = path.relative_to(root).as_posix()
        command = f"papermill {relative} runs-local/{path.name} --cwd notebooks"
        if any(p.name == "preset" for p in parameters):
            command += " -p preset cpu"
        rows.append({
            "notebook": relative,
            "command": command,
            "parameters": ", ".join(f"{p.name} = {p.default}" for p in parameters),
        })
    return rows


def notebooks_markdown(rows: Sequence[Mapping[str, str]]) -> str:
    """The notebook rows as Markdown: a heading line and a shell block per notebook."""
    blocks = []
    for row in rows:
        parameters = ", ".join(f"`{item.strip()}`" for item in row["parameters"].split(", ") if item.strip())
        blocks.append(f"**`{row['notebook']}`** — parameters: {parameters or '(none)'}\n\n"
                      f"```bash\n{row['command']}\n```")
    return "\n\n".join(blocks)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _number(value: object, digits: int) -> str:
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else ""


def run_rows(root: Path = REPO_ROOT) -> list[dict[str, str]]:
    """One row per recorded run under ``data/runs`` (a folder holding ``metrics.json``)."""
    runs_dir = root / "data" / "runs"
    rows = []
    for metrics_file in sorted(runs_dir.rglob("metrics.json")) if runs_dir.is_dir() else []:
        folder = metrics_file.parent
        relative = folder.relative_to(root).as_posix()
        metrics = _read_json(metrics_file)
        config = _read_json(folder / "config.json")
        provenance = _read_json(folder / "provenance.json")
        test = metrics.get("test", {}) if isinstance(metrics.get("test"), dict) else {}
        preset = config.get("preset", {})
        command = str(provenance.get("command", "python -m enhancelib reproduce <this folder>"))
        rows.append({
            "run": relative.removeprefix("data/runs/"),
            "recipe": str(config.get("recipe", provenance.get("recipe", ""))),
            "preset": str(preset.get("name", "") if isinstance(preset, dict) else preset),
            "seed": str(config.get("seed", provenance.get("seed", ""))),
            "steps": str(metrics.get("steps", provenance.get("steps", ""))),
            "commit": str(provenance.get("commit", ""))[:10],
            "test PSNR": _number(test.get("psnr"), 2),
            "test SSIM": _number(test.get("ssim"), 4),
            "command": f"`{command.replace('<this folder>', relative)}`",
        })
    return rows


def script_rows(root: Path = REPO_ROOT, pattern: str = "bench_*.py") -> list[dict[str, str]]:
    """One row per benchmark script under ``scripts/``: its command and docstring's first line."""
    rows = []
    for path in sorted((root / "scripts").glob(pattern)):
        try:
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        except SyntaxError:
            doc = ""
        rows.append({
            "command": f"`python {path.relative_to(root).as_posix()}`",
            "what it prints": doc.strip().splitlines()[0] if doc.strip() else "",
        })
    return rows


def markdown_table(rows: Sequence[Mapping[str, str]], columns: Iterable[str] | None = None) -> str:
    """A GitHub-flavoured Markdown table; ``|`` inside cells is escaped."""
    if not rows:
        return ""
    names = list(columns) if columns is not None else list(rows[0])
    escape = lambda text: str(text).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(escape(row.get(name, "")) for name in names) + " |" for row in rows]
    return "\n".join(lines)
