"""What changed on the rendered pages: text outputs and figures of executed notebooks, before and after an edit.

    python scripts/output_diff.py --before A.ipynb [B.ipynb ...] --after C.ipynb [D.ipynb ...]

Cells are matched by their chapter and id: a chapter and its lab-notes page count as one chapter
(``01_uegan`` and ``lab_01_uegan``), so a cell moved to the lab notes still matches, while two
chapters that use the same cell id do not collide. For each cell of the "before" side the script says
whether its text output (plain text, Markdown, streams, tables as text) is the same, changed
(with a unified diff) or gone; cells only on the "after" side are listed as new. Figures are
compared by count and by a hash of their bytes: a cell whose text is the same but whose figures
were redrawn is listed as REDRAWN. Execute both sides on the same preset first, e.g.

    papermill notebooks/01_uegan.ipynb rendered/after/01_uegan.ipynb -p preset cpu --cwd notebooks
"""
from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import re
import sys
from pathlib import Path

IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
# numbers that differ from run to run without meaning anything: timings and memory addresses
VOLATILE = [re.compile(r"\d+(\.\d+)? ?(s|seconds|ms|min)\b"), re.compile(r"0x[0-9a-f]+")]


def _html_rows(html: str) -> str:
    """An HTML table (or any HTML) as text, one line per table row, cells separated by " | "."""
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S).replace("\n", " ")
    html = re.sub(r"</t[dh]>", " | ", re.sub(r"</tr>|<br\s*/?>|</p>|</div>", "\n", html))
    text = re.sub(r"&nbsp;", " ", re.sub(r"<[^>]+>", " ", html))
    lines = (re.sub(r"\s+", " ", line).strip(" |") for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _text(output: dict) -> str:
    if output.get("output_type") == "stream":
        return "".join(output.get("text", ""))
    data = output.get("data", {})
    if "text/html" in data:   # tables: rows as text, whichever way they were displayed
        return _html_rows("".join(data["text/html"]))
    for kind in ("text/markdown", "text/plain"):
        if kind in data:
            return "".join(data[kind])
    if output.get("output_type") == "error":
        return f"ERROR {output.get('ename')}: {output.get('evalue')}"
    return ""


def _chapter(stem: str) -> str:
    """The chapter a page belongs to: ``lab_01_uegan`` -> ``01_uegan``."""
    return stem.removeprefix("lab_")


def _cells(paths: list[Path]) -> dict[tuple[str, str], dict]:
    found: dict[tuple[str, str], dict] = {}
    for path in paths:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            text = "\n".join(_text(o) for o in cell.get("outputs", []))
            for pattern in VOLATILE:
                text = pattern.sub("<t>", text)
            images = [hashlib.sha1("".join(o["data"][k]).encode()).hexdigest()[:10]
                      for o in cell.get("outputs", []) for k in IMAGE_TYPES if k in o.get("data", {})]
            found[(_chapter(path.stem), cell["id"])] = {"page": path.stem, "text": text.strip(), "images": images,
                                 "first_line": "".join(cell["source"]).splitlines()[0] if cell["source"] else ""}
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", nargs="+", type=Path, required=True)
    parser.add_argument("--after", nargs="+", type=Path, required=True)
    args = parser.parse_args()
    before, after = _cells(args.before), _cells(args.after)
    counts = {"same": 0, "redrawn": 0, "changed": 0, "gone": 0, "new": 0}
    for key, old in before.items():
        cell_id = key[1]
        new = after.get(key)
        if new is None:
            if old["text"] or old["images"]:
                counts["gone"] += 1
                print(f"GONE    {old['page']}:{cell_id} ({old['first_line'][:60]}): "
                      f"{len(old['images'])} figure(s), {len(old['text'])} characters of text")
            continue
        moved = f" (moved to {new['page']})" if new["page"] != old["page"] else ""
        if old["text"] == new["text"] and old["images"] == new["images"]:
            counts["same"] += 1
            if moved:
                print(f"same    {old['page']}:{cell_id}{moved}")
            continue
        if old["text"] == new["text"] and len(old["images"]) == len(new["images"]):
            counts["redrawn"] += 1
            changed = sum(a != b for a, b in zip(old["images"], new["images"]))
            print(f"REDRAWN {old['page']}:{cell_id}{moved}: {changed} of {len(old['images'])} figure(s) differ")
            continue
        counts["changed"] += 1
        print(f"CHANGED {old['page']}:{cell_id}{moved} figures {len(old['images'])} -> {len(new['images'])}")
        for line in difflib.unified_diff(old["text"].splitlines(), new["text"].splitlines(), "before", "after",
                                         lineterm="", n=1):
            print("    " + line)
    for key, new in after.items():
        cell_id = key[1]
        if key not in before and (new["text"] or new["images"]):
            counts["new"] += 1
            print(f"NEW     {new['page']}:{cell_id} ({new['first_line'][:60]}): {len(new['images'])} figure(s)")
    print(" ".join(f"{k}: {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
