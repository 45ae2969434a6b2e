"""Learned runs against the classical operators: over runs, photo by photo, and by what the photos need."""
from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from enhancelib.study.against_operators import groups_by_need, longer_run_against_operator, runs_against_best_operators
from tests.study.test_seed_groups import NAMES, FakeRun


def test_a_longer_run_against_an_operator_counts_photos_and_splits_the_gains_by_need():
    # six photos need brightening (autocontrast gains 1 dB there), two need none (autocontrast loses 1 dB)
    images = pd.DataFrame({"method": ["input"] * 8 + ["autocontrast"] * 8, "name": NAMES * 2,
                           "psnr": [18.0] * 8 + [19.0] * 6 + [17.0] * 2})
    needed = pd.Series([1.0] * 6 + [0.0] * 2, index=NAMES)
    seeds = {"seed0": FakeRun(18.0), "seed1": FakeRun(19.0)}
    text = longer_run_against_operator(FakeRun(19.5), seeds, images, needed)
    # the run's photos score 18.5 ... 20.5 dB: the first two are below autocontrast's 19 dB
    assert "this run is above autocontrast on 6 of 8 test photos" in text
    # first six photos: the run's mean 19.21 dB, the seeds' 17.71 and 18.71, against the input's 18
    assert ("on the test photos that need brightening (6), this run +1.21 dB over the input, the 2 seeds -0.29 to "
            "+0.71 dB, autocontrast +1.00 dB") in text
    assert "need no brightening (2), this run +2.36 dB over the input" in text and "autocontrast -1.00 dB" in text
    with pytest.raises(ValueError, match="no per-image scores of 'clahe'"):
        longer_run_against_operator(FakeRun(19.5), seeds, images, needed, operator="clahe")


@pytest.mark.filterwarnings("ignore:Precision loss occurred")  # the SSIM scores have no spread over runs
def test_runs_against_the_best_operator_over_runs_and_over_photos():
    # FakeRun's photos score psnr + (-1 ... +1); autocontrast is the best PSNR operator, grey world the best SSIM one
    means = pd.DataFrame({"psnr": [18.0, 19.0, 18.5], "ssim": [0.85, 0.80, 0.81]},
                         index=["input", "autocontrast", "grey world"])
    images = pd.DataFrame({"method": ["autocontrast"] * 8 + ["grey world"] * 8, "name": NAMES * 2,
                           "psnr": [19.0] * 8 + [18.5] * 8, "ssim": [0.80] * 8 + [0.81] * 8})
    runs = {f"seed{s}": FakeRun(p) for s, p in enumerate((19.4, 19.6, 19.8))}
    psnr, ssim = runs_against_best_operators(runs, means, images)
    p_runs = stats.ttest_1samp([19.4, 19.6, 19.8], 19.0).pvalue
    # mean 19.60 +- 0.20: 0.60 dB above, more than twice the sd; photos average 19.6 + (-1 ... +1), so the
    # first two of eight (18.6, 18.886) are below 19.0
    assert psnr.startswith("PSNR 19.60 ± 0.20 against autocontrast's 19.00, 3 of 3 runs above it, the mean beyond "
                           f"twice the sd from it (one-sample t-test over runs p = {p_runs:.3f})")
    # differences to autocontrast: two negative, of ranks 1 and 3 among eight, W- = 4; the exact two-sided p-value
    # counts the 7 of 2^8 sign patterns with W- <= 4, twice: 14 / 256 = 0.055
    assert psnr.endswith("above it on 6 of 8 photos (Wilcoxon p = 0.05)")
    # SSIM 0.8 + (-0.01 ... +0.01) in every run: equal to grey world's 0.81 on average, no spread over runs
    assert ssim.startswith("SSIM 0.8000 ± 0.0000 against grey world's 0.8100, 0 of 3 runs above it")
    with pytest.raises(ValueError, match="two runs or more"):
        runs_against_best_operators({"seed0": runs["seed0"]}, means, images)
    with pytest.raises(ValueError, match="no per-image psnr of 'autocontrast'"):
        runs_against_best_operators(runs, means, images[images["method"] != "autocontrast"])


def test_groups_by_need_averages_each_group_of_runs():
    images = pd.DataFrame({"method": ["input"] * 8 + ["autocontrast"] * 8, "name": NAMES * 2,
                           "psnr": [18.0] * 8 + [19.0] * 6 + [17.0] * 2})
    needed = pd.Series([1.0] * 6 + [0.0] * 2, index=NAMES)
    groups = {"short": {"a": FakeRun(18.0), "b": FakeRun(19.0)}, "long": {"c": FakeRun(19.5)}}
    table = groups_by_need(groups, images, needed)
    assert list(table.index) == ["short", "long", "autocontrast"] and table["runs"].tolist() == [2, 1, 1]
    # the six photos that need brightening: the runs average 17.71 and 18.71 dB (short) and 19.21 (long) against 18
    assert table.loc["short", "need brightening (6): gain"] == pytest.approx(0.2143, abs=1e-4)
    assert table.loc["long", "need brightening (6): gain"] == pytest.approx(1.2143, abs=1e-4)
    assert table.loc["autocontrast", "need no brightening (2): gain"] == pytest.approx(-1.0)
