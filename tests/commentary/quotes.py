"""Helpers for the tests of the figures quoted in the chapters' prose (one test file per chapter).

Most numbers in the book are printed by code cells from ``data/runs``.  The "Our commentary"
boxes are prose, and the figures they quote were typed.  Each test below recomputes those figures
from the records and requires the commentary to contain them as printed, so that a re-recorded
run, a new seed or a careless edit cannot leave a sentence that disagrees with the data. A failure
names the cell and the figure: update the sentence (and its reasoning), not the test's arithmetic.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from enhancelib.study.baselines import load_baselines
from enhancelib.train.runs import load_run

REPO = Path(__file__).resolve().parents[2]
RUNS = REPO / "data" / "runs"


@lru_cache(maxsize=None)
def commentary(notebook: str, cell_id: str) -> str:
    """The text of one markdown cell, with line breaks and indentation folded into single spaces."""
    cells = json.loads((REPO / "notebooks" / notebook).read_text())["cells"]
    found = [c for c in cells if c.get("id") == cell_id]
    assert found, f"{notebook} has no cell with id {cell_id!r} (renamed? update this test)"
    return " ".join("".join(found[0]["source"]).split())


def assert_quotes(notebook: str, cell_id: str, *figures: str) -> None:
    text = commentary(notebook, cell_id)
    missing = [f for f in figures if f not in text]
    assert not missing, (f"{notebook}, cell {cell_id!r}: the records give {missing}, which the text does not "
                         "quote. Update the sentence to the recorded figures.")


def run(chapter: str, name: str):
    path = RUNS / chapter / name
    if not (path / "metrics.json").is_file():
        pytest.skip(f"{chapter}/{name} is not recorded")
    return load_run(path)


def evaluations(chapter: str, name: str) -> pd.DataFrame:
    return run(chapter, name).eval_log.sort_values("step").reset_index(drop=True)


def final_scores(chapter: str, names: list[str], metric: str = "psnr") -> pd.Series:
    """Each run's final test score, the mean over the test photos (as the chapters compute it)."""
    return pd.Series({n: float(run(chapter, n).per_image[metric].mean()) for n in names})


@lru_cache(maxsize=None)
def baselines() -> pd.DataFrame:
    """The recorded per-photo scores of the input and the classical operators."""
    return load_baselines("cpu", progress=False)[0]


def baseline_psnr(method: str) -> float:
    return float(baselines().loc[baselines()["method"] == method, "psnr"].mean())


def trend(log: pd.DataFrame) -> tuple[float, float]:
    """Least-squares slope of test PSNR per 100 steps, and its p-value."""
    fit = stats.linregress(log["step"], log["test_psnr"])
    return fit.slope * 100, fit.pvalue


def largest_move(log: pd.DataFrame) -> tuple[float, int, int, float | None]:
    """The largest change between consecutive evaluations, its steps, and the change after it."""
    moves = np.diff(log["test_psnr"].to_numpy())
    i = int(np.abs(moves).argmax())
    after = float(moves[i + 1]) if i + 1 < len(moves) else None
    return float(moves[i]), int(log["step"][i]), int(log["step"][i + 1]), after


def signed(x: float) -> str:
    """A change as the commentary prints it: +0.72, -1.03."""
    return f"{x:+.2f}"


def uegan_full() -> list[str]:
    return [f"full-seed{s}" for s in range(5)]



def exposure_needs(part: str) -> pd.Series:
    """The exposure change (stops) from input to target of every photo of a split, at the cpu evaluation size."""
    from enhancelib.data.benchmark import degradation_of, degraded_pair, read_split
    from enhancelib.study.adaptivity import exposure_change

    names = sorted(n for n, p in read_split().items() if p == part)
    pairs = {n: degraded_pair(n, 512, degradation_of(n)) for n in names}
    return pd.Series({n: exposure_change(low.float() / 255, high.float() / 255) for n, (low, high) in pairs.items()})



def flat_and_identity_quotes(chapter: str, run_name: str) -> list[str]:
    """How the chapters quote their main model on the flat render and the identity set, against the input and
    autocontrast: "(PSNR dB against the input's PSNR)", "SSIM (x against y)", "(haze against haze)" and
    "by E levels where autocontrast moves them by A"."""
    from enhancelib.study.test_sets import chapter_test_set_table

    table = chapter_test_set_table(chapter, labels={run_name: "main"})
    main, source = table.loc["main"], table.loc["input"]
    edit = ("identity", "edit (levels)")
    return [f"({main[('flat', 'PSNR')]:.2f} dB against the input's {source[('flat', 'PSNR')]:.2f})",
            f"SSIM ({main[('flat', 'SSIM')]:.3f} against {source[('flat', 'SSIM')]:.3f})",
            f"({main[('flat', 'haze')]:.3f} against {source[('flat', 'haze')]:.3f})",
            f"by {main[edit]:.1f} levels where autocontrast moves them by {table.loc['autocontrast', edit]:.1f}"]
