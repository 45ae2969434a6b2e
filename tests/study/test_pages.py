"""The page helpers: score columns, seed summaries and tables that never overflow the page."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from enhancelib.study.pages import format_number, score_columns, seed_summary, table_html, test_pair as pair_of


def _scores(psnr, ssim):
    return pd.DataFrame({"name": [f"p{i}" for i in range(len(psnr))], "psnr": psnr, "ssim": ssim})


def test_score_columns_are_means_and_niqe_is_missing_when_not_scored():
    cols = score_columns(_scores([20.0, 22.0], [0.8, 0.9]))
    assert cols["our PSNR"] == 21.0 and cols["our SSIM"] == pytest.approx(0.85)
    assert math.isnan(cols["our NIQE"])


def test_seed_summary_gives_mean_and_sample_sd_over_runs():
    summary = seed_summary([_scores([20.0, 22.0], [0.8, 0.8]), _scores([22.0, 24.0], [0.9, 0.9])])
    # run means 21 and 23: mean 22, sample sd sqrt(2)
    assert summary["our PSNR"] == f"22.00 ± {math.sqrt(2):.2f}"
    assert summary["our SSIM"] == f"0.8500 ± {np.std([0.8, 0.9], ddof=1):.4f}"
    assert seed_summary([_scores([20.0], [0.5])])["our PSNR"] == 20.0
    assert seed_summary([]) == {}


def test_numbers_follow_the_papers_decimals_and_text_is_kept():
    assert format_number(0.123456, 4) == "0.1235"
    assert format_number(float("nan"), 2) == "—" and format_number(None, 2) == "—"
    assert format_number("21.00 ± 1.00", 2) == "21.00 ± 1.00"
    assert format_number(float("inf"), 2) == "∞"   # an unchanged photo's PSNR


def test_tables_scroll_sideways_instead_of_being_cut():
    frame = pd.DataFrame({"our PSNR": [21.234], "our SSIM": [0.81234], "note": ["x"]}, index=["m"])
    html = table_html(frame)
    assert 'overflow-x: auto' in html and "21.23" in html and "0.8123" in html
    assert ">30<" in table_html(pd.DataFrame({"photos": [30.0], "p (Holm)": [0.01234]}))   # counts without decimals


def test_test_pair_is_a_degraded_input_and_its_target():
    low, high = pair_of("gcompris_monuments_palaisdesPapes.jpg", 64)
    assert low.shape == high.shape and low.shape[0] == 3 and max(low.shape[1:]) == 64
    assert 0 <= float(low.min()) and float(high.max()) <= 1 and not bool((low == high).all())
