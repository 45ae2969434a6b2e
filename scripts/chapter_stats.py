"""How long each chapter is: prose words, visible and hidden code lines, figures.

    python scripts/chapter_stats.py                       # the committed notebooks (figures: from the built book)
    python scripts/chapter_stats.py --executed DIR        # count figures in executed copies in DIR
    python scripts/chapter_stats.py --notebooks DIR       # the notebooks of another checkout (before/after tables)

Prose words are the words of markdown cells outside code blocks and display
maths. Code lines are non-blank lines of code cells; a cell tagged
``hide-input``, ``remove-input`` or ``remove-cell`` counts as hidden (its
output, if any, stays on the page except for ``remove-cell``). Figures are
image outputs (PNG, JPEG, SVG) and interactive HTML widgets (the
before/after sliders) of the executed notebooks, which the book build keeps
in ``_build/jupyter_execute/notebooks/``; without them the column is empty.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HIDDEN_TAGS = {"hide-input", "remove-input", "remove-cell"}
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def prose_words(markdown: str) -> int:
    """Words of a markdown cell, leaving out fenced code blocks and display maths (directive boxes count)."""
    # fenced code is left out; MyST directives (```{admonition} ...```) hold prose and are counted
    text = re.sub(r"```(?!\{).*?```", " ", markdown, flags=re.S)
    text = re.sub(r"```\{[^}]*\}|```|^:class:.*$", " ", text, flags=re.M)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return len(re.findall(r"[A-Za-z0-9][\w'’.-]*", text))


def figures(notebook: dict) -> int:
    count = 0
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if any(kind in data for kind in IMAGE_TYPES):
                count += 1
            elif "application/vnd.jupyter.widget-view+json" in data or "slider" in "".join(data.get("text/html", "")):
                count += 1
    return count


def chapter_stats(path: Path, executed: Path | None) -> dict[str, object]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    words = visible = hidden = 0
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            words += prose_words(source)
        elif cell["cell_type"] == "code":
            lines = sum(1 for line in source.splitlines() if line.strip())
            if HIDDEN_TAGS & set(cell.get("metadata", {}).get("tags", [])):
                hidden += lines
            else:
                visible += lines
    executed_copy = executed / path.name if executed is not None else None
    count: int | None = None
    if executed_copy is not None and executed_copy.is_file():
        count = figures(json.loads(executed_copy.read_text(encoding="utf-8")))
    return {"chapter": path.stem, "prose_words": words, "visible_code_lines": visible,
            "hidden_code_lines": hidden, "figures": count}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--executed", type=Path, default=REPO / "_build" / "jupyter_execute" / "notebooks",
                        help="folder of executed notebooks (default: the book build's)")
    parser.add_argument("--notebooks", type=Path, default=REPO / "notebooks",
                        help="folder of the notebooks to count (default: this checkout's)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    rows = [chapter_stats(p, args.executed) for p in sorted(args.notebooks.glob("*.ipynb"))]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'chapter':16} {'prose words':>11} {'visible code':>12} {'hidden code':>11} {'figures':>7}")
    for row in rows:
        shown = "" if row["figures"] is None else row["figures"]
        print(f"{row['chapter']:16} {row['prose_words']:>11} {row['visible_code_lines']:>12} "
              f"{row['hidden_code_lines']:>11} {shown:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
