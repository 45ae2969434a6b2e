"""Where the repository keeps its data and its runs: one place for every path the package reads or writes.

``REPO_ROOT``  the checkout (the folder above ``enhancelib/``)
``DATA_DIR``   ``data/``: the photos, the benchmark's split lists, the recorded runs
``RUNS_DIR``   ``data/runs/``: one folder per recorded run, ``<chapter>/<name>/``
``local_runs_dir()``  where runs a reader starts with other parameters go
(``$ENHANCELIB_RUNS``, else ``runs-local/``), so that recorded runs are never overwritten by accident

Code that must follow a test moving the root reads these as attributes at call
time (``paths.RUNS_DIR``), not as names imported once.  Standard library only.
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["REPO_ROOT", "DATA_DIR", "RUNS_DIR", "local_runs_dir"]

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"
RUNS_DIR = DATA_DIR / "runs"


def local_runs_dir() -> Path:
    """The folder for runs that are not recorded: ``$ENHANCELIB_RUNS``, else ``runs-local/`` in the checkout."""
    return Path(os.environ.get("ENHANCELIB_RUNS", REPO_ROOT / "runs-local"))
