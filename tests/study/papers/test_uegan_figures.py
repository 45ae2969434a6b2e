"""Chapter 01's figures: the sweep's strips and tone statistics, its table and trends, the curves."""
from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from enhancelib.config import resolve_preset
from enhancelib.study.chapter import ChapterParameters
from enhancelib.study.papers import uegan as U
from enhancelib.study.papers import uegan_figures as UF
from tests.commentary.quotes import RUNS

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def runs() -> U.ChapterRuns:
    if not (RUNS / "uegan" / "full-seed0" / "metrics.json").is_file():
        pytest.skip("the UEGAN records are absent")
    return U.load_runs(ChapterParameters({"preset": "cpu"}, resolve_preset("cpu")))


def test_a_strip_is_cut_in_three_and_its_tones_measured_by_hand(tmp_path):
    strip = np.zeros((2, 6, 3), dtype=np.uint8)
    strip[:, 2:4] = 255            # the output third is white
    strip[:, 4:, 0] = 255          # the target third is pure red
    Image.fromarray(strip).save(tmp_path / "s.png")
    low, out, target = UF.strip_parts(tmp_path / "s.png")
    assert low.shape == out.shape == target.shape == (2, 2, 3) and out.min() == 1.0 and low.max() == 0.0
    tones = UF.tone_statistics(target)
    assert tones["colourfulness (max-min)"] == pytest.approx(1.0) and tones["contrast (luma std)"] == pytest.approx(0)
    half = np.concatenate([np.zeros((1, 2, 3)), np.ones((1, 2, 3))]).astype(np.float32)
    # luma 0 on one row and 1 on the other: std 0.5; grey pixels have no colour
    assert UF.tone_statistics(half) == pytest.approx({"contrast (luma std)": 0.5, "colourfulness (max-min)": 0.0})


def test_the_sweep_table_averages_each_pool_and_carries_the_judged_differences(runs):
    judged = U.judge(runs, UF.FIG_10)
    table = UF.sweep_table(runs, judged)
    assert list(table.index) == ["0.05", "0.1", "0.2", "0.4", "input", "target"]
    assert list(table["seeds"][:4]) == ["3", "6", "1", "1"]
    means = [float(r.per_image["psnr"].mean()) for r in runs.pool_runs("quality-0.05").values()]
    assert table.loc["0.05", "our PSNR"] == pytest.approx(np.mean(means))
    assert table.loc["0.4", "Δ PSNR vs 0.1"] == pytest.approx(judged[2].difference.mean_difference)
    assert pd.isna(table.loc["0.1", "Δ PSNR vs 0.1"])
    samples = [p for r in runs.pool_runs("quality-0.2").values() for p in r.samples]
    contrast = np.mean([UF.tone_statistics(UF.strip_parts(p)[1])["contrast (luma std)"] for p in samples])
    assert table.loc["0.2", "contrast (luma std)"] == pytest.approx(contrast)


def test_trends_are_rank_correlations_with_the_chance_of_a_perfect_one():
    table = pd.DataFrame({"our PSNR": [4.0, 3.0, 2.0, 1.0], "contrast (luma std)": [1.0, 2.0, 3.0, 4.0],
                          "colourfulness (max-min)": [1.0, 1.0, 1.0, 1.0]}, index=["0.05", "0.1", "0.2", "0.4"])
    lines = UF.sweep_trends(table)
    assert lines[0].endswith("+1.00") and lines[2].endswith("-1.00") and lines[1].endswith("+nan")
    assert f"1/4! = {1 / math.factorial(4):.3f}" in lines[3]
    assert UF.sweep_trends(table.iloc[:2]) == ["Fewer than three weights are available: no trend is computed."]


def test_the_figures_draw_what_is_there_and_name_what_is_not(runs):
    assert UF.plot_losses(runs) is None and UF.plot_sweep(runs) is None
    UF.plot_test_curves(runs)
    empty = U.ChapterRuns({n: None for n in runs.runs}, runs.baseline_images, "skipped on smoke")
    assert UF.plot_losses(empty) == "The full model (full-seed0) is skipped on smoke: no loss curves."
    assert "skipped on smoke" in UF.plot_sweep(empty)
    UF.plot_test_curves(empty)
    matplotlib.pyplot.close("all")
