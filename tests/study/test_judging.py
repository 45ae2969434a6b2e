"""The book's one way to judge a difference: photo-by-photo paired t, its confidence interval, Holm."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from enhancelib.study.statistics import holm, judge_difference, judge_family


def frame(values, seed=0):
    return pd.DataFrame({"name": [f"p{i}" for i in range(len(values))], "psnr": values, "seed": seed})


def test_seeds_are_averaged_per_photo_before_the_difference():
    a = pd.concat([frame([20.0, 21.0, 22.0, 19.0], 0), frame([22.0, 23.0, 24.0, 21.0], 1)])   # seed means 21 22 23 20
    b = frame([20.0, 20.5, 21.0, 20.0])
    result = judge_difference(a, b, "psnr")
    d = np.array([1.0, 1.5, 2.0, 0.0])
    half = stats.t.ppf(0.975, 3) * d.std(ddof=1) / 2
    assert result.photos == 4 and result.mean_difference == pytest.approx(1.125)
    assert (result.low, result.high) == pytest.approx((1.125 - half, 1.125 + half))
    assert result.p_value == pytest.approx(stats.ttest_1samp(d, 0).pvalue)


def test_identical_methods_show_no_difference_and_infinite_scores_are_left_out():
    a = frame([20.0, 21.0, math.inf])
    result = judge_difference(a, a.copy(), "psnr")
    assert result.photos == 2 and result.mean_difference == 0 and result.verdict == "no difference shown"


def test_lower_is_better_metrics_turn_the_verdict():
    a, b = frame([3.0, 3.1, 3.2, 3.0]), frame([4.0, 4.2, 4.1, 4.3])
    a, b = a.rename(columns={"psnr": "niqe"}), b.rename(columns={"psnr": "niqe"})
    assert judge_difference(a, b, "niqe").verdict == "A better"


def test_holm_matches_its_definition():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_a_family_can_undo_a_difference_shown_alone():
    rng = np.random.default_rng(0)
    base = rng.normal(20, 1, 30)
    alone = judge_difference(frame(base + 0.3 + rng.normal(0, 0.6, 30)), frame(base), "psnr")
    assert alone.p_value < 0.05
    family = judge_family([alone] + [judge_difference(frame(base + rng.normal(0, 0.5, 30)), frame(base), "psnr")
                                     for _ in range(9)])
    assert family[0].adjusted_p > alone.p_value and family[0].p_value == alone.p_value


def test_different_photo_sets_are_a_clear_error():
    with pytest.raises(ValueError, match="different photos"):
        judge_difference(frame([1.0, 2.0]), frame([1.0, 2.0, 3.0]), "psnr")
