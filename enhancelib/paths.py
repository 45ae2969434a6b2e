"""Where the repository keeps its data and its runs: one place for every path the package reads or writes.

``REPO_ROOT``  the checkout (the folder above ``enhancelib/``)
``DATA_DIR``   ``data/``: the photos, the benchmark's split lists, the recorded runs
``RUNS_DIR``   ``data/runs/``: one folder per recorded run, ``<chapter>/<name>/`` (the ``cpu`` preset on the
built-in benchmark, what the book shows)
``runs_dir(preset, data)``  the recorded runs of another preset or data source beside it:
``data/runs-gpu/`` (``gpu`` preset, benchmark; ``$ENHANCELIB_RUNS_GPU`` when set), ``data/runs-gpu-fivek/``
(``gpu`` preset, MIT-Adobe FiveK)...
``local_runs_dir()``  where runs a reader starts with other parameters go
(``$ENHANCELIB_RUNS``, else ``runs-local/``), so that recorded runs are never overwritten by accident

Code that must follow a test moving the root reads these as attributes at call
time (``paths.RUNS_DIR``), not as names imported once.  Standard library only.
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["REPO_ROOT", "DATA_DIR", "RUNS_DIR", "local_runs_dir", "runs_dir"]

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"
RUNS_DIR = DATA_DIR / "runs"


def local_runs_dir() -> Path:
    """The folder for runs that are not recorded: ``$ENHANCELIB_RUNS``, else ``runs-local/`` in the checkout."""
    return Path(os.environ.get("ENHANCELIB_RUNS", REPO_ROOT / "runs-local"))


def runs_dir(preset: str = "cpu", data: str = "benchmark") -> Path:
    """The folder of the runs recorded on ``preset`` with the data source ``data``.

    The book's records (``cpu`` preset, built-in benchmark) are :data:`RUNS_DIR`; every other pair
    lives beside it, so that records of different presets and data never overwrite each other:
    ``runs_dir("gpu")`` is ``data/runs-gpu/``, ``runs_dir("gpu", "fivek")`` is ``data/runs-gpu-fivek/``
    and ``runs_dir("cpu", "fivek")`` is ``data/runs-fivek/``.  The names are not checked against the
    known presets and sources here (that is :mod:`enhancelib.config`'s and :mod:`enhancelib.data`'s
    job), only that each is one plain word that makes one folder name.

    The environment variable ``ENHANCELIB_RUNS_GPU``, when set, moves the ``gpu`` preset's benchmark records
    (``runs_dir("gpu")``) to the folder it names, for reading and for recording alike: records fetched from
    another machine can be read without copying them into ``data/``, and a test can show the chapters a
    synthetic record.
    """
    for what, value in (("preset", preset), ("data", data)):
        if not value or not value.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"runs_dir: {what} {value!r} is not a plain name (letters, digits, '-' and '_'); "
                             "pass a preset such as 'gpu' and a data source such as 'fivek'.")
    if (preset, data) == ("cpu", "benchmark"):
        return RUNS_DIR
    if (preset, data) == ("gpu", "benchmark") and os.environ.get("ENHANCELIB_RUNS_GPU"):
        return Path(os.environ["ENHANCELIB_RUNS_GPU"])
    suffix = "".join(f"-{part}" for part in (preset, data) if part not in ("cpu", "benchmark"))
    return DATA_DIR / f"runs{suffix}"
