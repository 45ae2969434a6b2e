"""The reproduce page's tables come from the notebooks and run folders themselves."""
import json
from pathlib import Path

import nbformat
import pytest

from enhancelib.book.reproduce import (
    markdown_table,
    notebook_parameters,
    notebook_rows,
    notebooks_markdown,
    run_rows,
)


def _notebook(path: Path, parameters: str, extra_tags: list[str] | None = None) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("x = 1  # not a parameter", metadata={"tags": extra_tags or []}),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def test_parameters_cell_is_read_with_comments(tmp_path):
    _notebook(tmp_path / "notebooks" / "01_uegan.ipynb",
              'preset = "cpu"  # smoke, cpu or gpu\nseed: int = 0\nsteps = None')
    params = notebook_parameters(tmp_path / "notebooks" / "01_uegan.ipynb")
    assert [(p.name, p.default, p.comment) for p in params] == [
        ("preset", '"cpu"', "smoke, cpu or gpu"), ("seed", "0", ""), ("steps", "None", "")]


def test_notebook_rows_give_the_papermill_command(tmp_path):
    _notebook(tmp_path / "notebooks" / "01_uegan.ipynb", 'preset = "cpu"')
    _notebook(tmp_path / "notebooks" / "00_benchmark.ipynb", "photos = 10")
    _notebook(tmp_path / "notebooks" / "scratch.ipynb", 'preset = "cpu"')  # not a chapter
    rows = notebook_rows(tmp_path)
    assert [r["notebook"] for r in rows] == ["notebooks/00_benchmark.ipynb", "notebooks/01_uegan.ipynb"]
    assert rows[1]["command"] == ("papermill notebooks/01_uegan.ipynb runs-local/01_uegan.ipynb "
                                  "--cwd notebooks -p preset cpu")
    assert "-p preset" not in rows[0]["command"]
    text = notebooks_markdown(rows)
    assert "```bash\npapermill notebooks/01_uegan.ipynb" in text and "`photos = 10`" in text


def test_injected_parameters_are_refused(tmp_path):
    path = tmp_path / "notebooks" / "01_uegan.ipynb"
    _notebook(path, 'preset = "cpu"', extra_tags=["injected-parameters"])
    with pytest.raises(ValueError, match="injected-parameters"):
        notebook_parameters(path)


def test_recorded_runs_are_listed_with_their_command(tmp_path):
    run = tmp_path / "data" / "runs" / "01_uegan" / "main"
    run.mkdir(parents=True)
    (run / "metrics.json").write_text(json.dumps({"test": {"psnr": 18.8123, "ssim": 0.81234}, "steps": 1023}))
    (run / "config.json").write_text(json.dumps({"recipe": "uegan", "preset": {"name": "cpu"}, "seed": 0}))
    (run / "provenance.json").write_text(json.dumps(
        {"commit": "0123456789abcdef", "command": "python -m enhancelib reproduce <this folder>"}))
    unfinished = tmp_path / "data" / "runs" / "01_uegan" / "half"
    unfinished.mkdir()
    (unfinished / "config.json").write_text("{}")
    rows = run_rows(tmp_path)
    assert len(rows) == 1
    row = rows[0]
    assert (row["run"], row["recipe"], row["preset"], row["steps"]) == ("01_uegan/main", "uegan", "cpu", "1023")
    assert (row["test PSNR"], row["test SSIM"], row["commit"]) == ("18.81", "0.8123", "0123456789")
    assert row["command"] == "`python -m enhancelib reproduce data/runs/01_uegan/main`"
    assert run_rows(tmp_path / "nothing-here") == []


def test_markdown_table_escapes_pipes():
    table = markdown_table([{"a": "x|y", "b": "2"}])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| x\\|y | 2 |"]
    assert markdown_table([]) == ""
