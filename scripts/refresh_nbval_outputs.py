"""Store, in a chapter, the outputs of the cells that nbval checks.

The book executes every notebook at build time, so committed notebooks carry
no outputs, except in cells marked ``# NBVAL_CHECK_OUTPUT``: those hold
deterministic results (split sizes, parameter counts, shapes) that
``pytest --nbval-lax`` compares with a fresh run. This script executes the
notebook on the ``smoke`` preset and copies only those cells' outputs back.

    python scripts/refresh_nbval_outputs.py notebooks/00_benchmark.ipynb [...]
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import nbformat
import papermill

MARK = "NBVAL_CHECK_OUTPUT"


def refresh(path: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / path.name
        papermill.execute_notebook(str(path), str(out), parameters={"preset": "smoke"},
                                   cwd=str(path.parent), progress_bar=False)
        executed = nbformat.read(out, as_version=4)
    source = nbformat.read(path, as_version=4)
    by_id = {cell.get("id"): cell for cell in executed.cells}
    count = 0
    for cell in source.cells:
        if cell.cell_type != "code":
            continue
        if MARK in cell.source and cell.get("id") in by_id:
            done = by_id[cell["id"]]
            cell.outputs = [o for o in done.outputs if o.get("output_type") != "display_data"]
            cell.execution_count = count + 1
            count += 1
        else:
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(source, path)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    for path in parser.parse_args().notebooks:
        print(f"{path}: stored the outputs of {refresh(path)} checked cell(s)")


if __name__ == "__main__":
    main()
