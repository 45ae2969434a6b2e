"""Every notebook under notebooks/ runs end to end with papermill on the smoke preset.

New chapters are picked up automatically.  Executed copies are written to
``test-artifacts/notebooks/`` so that a failure can be read cell by cell.
"""
import json
from pathlib import Path

import papermill
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
OUT = REPO / "test-artifacts" / "notebooks"


def _parameter_cells(path: Path) -> list[dict]:
    cells = json.loads(path.read_text())["cells"]
    return [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_parameterised_and_clean(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    assert len(_parameter_cells(notebook)) == 1, "exactly one cell tagged 'parameters'"
    tags = [t for c in cells for t in c.get("metadata", {}).get("tags", [])]
    assert "injected-parameters" not in tags, "strip papermill's injected-parameters cell"
    source = "".join(_parameter_cells(notebook)[0]["source"])
    assert "preset" in source, "the parameters cell sets a preset"
    ids = [c.get("id") for c in cells]
    assert None not in ids, "every cell has an id (nbformat 4.5); nbformat.validator.normalize adds them"
    assert len(set(ids)) == len(ids), "cell ids are unique"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_on_smoke_preset(notebook):
    OUT.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(notebook), str(OUT / notebook.name), parameters={"preset": "smoke"},
        cwd=str(notebook.parent), kernel_name="python3", progress_bar=False,
    )


def test_unknown_parameter_fails_with_a_clear_message():
    if not NOTEBOOKS:
        pytest.skip("no notebooks yet")
    OUT.mkdir(parents=True, exist_ok=True)
    with pytest.raises(papermill.PapermillExecutionError, match="Unknown preset"):
        papermill.execute_notebook(
            str(NOTEBOOKS[0]), str(OUT / "bad-preset.ipynb"), parameters={"preset": "fastest"},
            cwd=str(NOTEBOOKS[0].parent), kernel_name="python3", progress_bar=False,
        )
