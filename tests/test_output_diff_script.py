"""scripts/output_diff.py matches cells by chapter and id, follows moves to the lab notes, and sees redrawn figures."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "output_diff.py"
spec = importlib.util.spec_from_file_location("output_diff", SCRIPT)
output_diff = importlib.util.module_from_spec(spec)
spec.loader.exec_module(output_diff)


def _cell(cell_id: str, text: str, image: str | None = None) -> dict:
    outputs = [{"output_type": "stream", "name": "stdout", "text": text}]
    if image is not None:
        outputs.append({"output_type": "display_data", "data": {"image/png": image}})
    return {"cell_type": "code", "id": cell_id, "source": ["x\n"], "outputs": outputs, "metadata": {}}


def _write(path: Path, *cells: dict) -> Path:
    path.write_text(json.dumps({"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_same_ids_in_two_chapters_moves_and_redrawn_figures(tmp_path, capsys, monkeypatch):
    before = [_write(tmp_path / "01_a.ipynb", _cell("runs", "a 1"), _cell("study", "s", "AAAA")),
              _write(tmp_path / "02_b.ipynb", _cell("runs", "b 1"))]
    (tmp_path / "after").mkdir()
    after = [_write(tmp_path / "after" / "01_a.ipynb", _cell("runs", "a 1")),
             _write(tmp_path / "after" / "lab_01_a.ipynb", _cell("study", "s", "BBBB")),
             _write(tmp_path / "after" / "02_b.ipynb", _cell("runs", "b 2"))]
    monkeypatch.setattr("sys.argv", ["output_diff.py", "--before", *map(str, before), "--after", *map(str, after)])
    assert output_diff.main() == 0
    out = capsys.readouterr().out
    assert "CHANGED 02_b:runs" in out and "CHANGED 01_a:runs" not in out      # the two "runs" cells kept apart
    assert "REDRAWN 01_a:study (moved to lab_01_a): 1 of 1 figure(s) differ" in out
    assert out.strip().endswith("same: 1 redrawn: 1 changed: 1 gone: 0 new: 0")
