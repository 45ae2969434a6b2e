"""scripts/chapter_stats.py counts prose, visible and hidden code, and figures as documented."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "chapter_stats.py"
spec = importlib.util.spec_from_file_location("chapter_stats", SCRIPT)
chapter_stats = importlib.util.module_from_spec(spec)
spec.loader.exec_module(chapter_stats)


def notebook(cells):
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_counts_prose_without_code_blocks_or_display_maths_and_splits_hidden_code(tmp_path):
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["Two words\n", "```python\nx = 1\n```\n", "$$a+b$$"]},
        {"cell_type": "code", "metadata": {}, "source": ["a = 1\n", "\n", "b = 2\n"], "outputs": []},
        {"cell_type": "code", "metadata": {"tags": ["hide-input"]}, "source": ["c = 3\n"],
         "outputs": [{"output_type": "display_data", "data": {"image/png": "AAAA"}}]},
    ]
    path = tmp_path / "01_x.ipynb"
    path.write_text(json.dumps(notebook(cells)))
    stats = chapter_stats.chapter_stats(path, executed=tmp_path)
    assert stats == {"chapter": "01_x", "prose_words": 2, "visible_code_lines": 2, "hidden_code_lines": 1,
                     "figures": 1}
    assert chapter_stats.chapter_stats(path, executed=None)["figures"] is None


def test_counts_the_notebooks_of_another_folder(tmp_path, capsys, monkeypatch):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["one two three"]}]
    (tmp_path / "07_old.ipynb").write_text(json.dumps(notebook(cells)))
    monkeypatch.setattr("sys.argv", ["chapter_stats.py", "--notebooks", str(tmp_path), "--executed", str(tmp_path),
                                     "--json"])
    assert chapter_stats.main() == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["chapter"], r["prose_words"]) for r in rows] == [("07_old", 3)]
