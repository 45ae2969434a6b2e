"""Scoring on the three test sets: rows, tone levels and the haze summary."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from enhancelib.data.test_sets import load_test_sets
from enhancelib.metrics.tone import TONE_LEVELS
from enhancelib.metrics.scoring import score_on_test_sets
from enhancelib.study.test_sets import summarise_test_sets, target_levels


@pytest.fixture(scope="module")
def sets():
    return load_test_sets(long_side=64)


def test_doing_nothing_scores_the_inputs_and_is_perfect_on_identity(sets):
    frame = score_on_test_sets(None, sets, progress=False)
    assert len(frame) == 3 * len(sets["test"])
    assert list(frame.columns) == ["set", "name", "psnr", "ssim", "change", *TONE_LEVELS]
    assert (frame["change"] == 0).all()
    identity = frame[frame["set"] == "identity"]
    assert identity["psnr"].map(math.isinf).all() and identity["ssim"].min() > 0.9999
    summary = summarise_test_sets(frame, targets=target_levels(sets))
    assert summary.loc["identity", "haze"] == pytest.approx(0.0, abs=1e-9)
    # the flat render lifts black and flattens contrast: its inputs are hazy
    assert summary.loc["flat", "haze"] > 0.05


def test_a_milky_enhancer_shows_haze_on_every_set(sets):
    frame = score_on_test_sets(lambda x: 0.25 + 0.5 * x, sets, progress=False)
    summary = summarise_test_sets(frame, targets=target_levels(sets))
    assert (summary["haze"] > 0.1).all()
    assert summary.loc["identity", "psnr"] < 20
    # 0.25 + 0.5 x moves a level v to 64 + v / 2 (before rounding): on average by |64 - v / 2|
    assert summary.loc["identity", "change"] > 20


def test_the_table_puts_the_sets_side_by_side_and_the_checks_read_it(sets):
    targets = target_levels(sets)
    frames = [score_on_test_sets(None, sets, progress=False).assign(method="input"),
              score_on_test_sets(lambda x: x, sets, progress=False).assign(method="copy"),
              score_on_test_sets(lambda x: 0.25 + 0.5 * x, sets, progress=False).assign(method="milky")]
    from enhancelib.study.test_sets import generalisation_checks, test_set_table

    table = test_set_table(pd.concat(frames, ignore_index=True), targets=targets)
    assert list(table.columns.get_level_values(0).unique()) == ["test", "flat", "identity"]
    assert table.loc["copy", ("identity", "edit (levels)")] == 0
    checks = generalisation_checks(table, operators=["copy"])
    assert list(checks.index) == ["milky"]
    assert not checks.loc["milky"].iloc[-1]      # the milky enhancer edits good photos more than doing nothing


def test_chapter_table_holds_input_least_editing_operator_and_every_kept_run():
    from enhancelib.paths import RUNS_DIR
    from enhancelib.study.test_sets import (chapter_test_set_table, kept_runs, operator_test_set_scores,
                                            run_test_set_scores)

    runs = kept_runs("qagan")
    assert runs and all((RUNS_DIR / "qagan" / r / "generator.pt").is_file() for r in runs)
    table = chapter_test_set_table("qagan", labels={runs[0]: "main"})
    operators = operator_test_set_scores(progress=False)
    edits = operators[(operators["set"] == "identity") & ~operators["method"].isin(["input", "target"])]
    least = edits.groupby("method")["change"].mean().idxmin()
    assert list(table.index[:2]) == ["input", least] and "main" in table.index and len(table) == 2 + len(runs)
    own = run_test_set_scores(RUNS_DIR / "qagan" / runs[0], progress=False)
    assert table.loc["main", ("flat", "PSNR")] == pytest.approx(own.loc[own["set"] == "flat", "psnr"].mean())
    assert table.loc["input", ("identity", "edit (levels)")] == 0
    with pytest.raises(FileNotFoundError, match="keeps its generator"):
        chapter_test_set_table("nochapter")


def test_chapter_table_keeps_the_runs_asked_for_in_their_order():
    from enhancelib.study.test_sets import chapter_test_set_table

    table = chapter_test_set_table("uegan", runs=["quality-0.05-seed2", "not-recorded", "full-seed0"],
                                   labels={"quality-0.05-seed2": "weak", "full-seed0": "main"})
    assert list(table.index) == ["input", "autocontrast", "weak", "main"]
