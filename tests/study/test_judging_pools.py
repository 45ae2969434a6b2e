"""The one rule applied to recorded runs: fixed seed pools, a family table with Holm-adjusted p-values."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from enhancelib.study.judging import difference_table, judge_pools, named_verdict, pool_per_image, seed_pool


def test_seed_pools_are_the_registered_seeds_in_order():
    pool = seed_pool("uegan", "full")
    assert pool[0] == "full-seed0" and pool == sorted(pool, key=lambda n: int(n.rsplit("seed", 1)[1]))
    with pytest.raises(KeyError, match="registers no run"):
        seed_pool("uegan", "no-such-run")


def test_a_family_table_adjusts_p_values_together_and_says_what_it_shows():
    rng = np.random.default_rng(0)
    base = rng.normal(20, 2, 36)
    names = [f"p{i}" for i in range(36)]
    frame = lambda x: pd.DataFrame({"name": names, "psnr": x})  # noqa: E731
    pairs = {"clear": (frame(base + 1.0 + rng.normal(0, 0.3, 36)), frame(base)),
             "none": (frame(base + rng.normal(0, 0.3, 36)), frame(base)),
             "input - ours": (frame(base - 1.0 + rng.normal(0, 0.3, 36)), frame(base))}
    judged = judge_pools(pairs)
    table = difference_table(judged)
    assert table.loc["clear", "verdict"] == "A better"
    assert table.loc["none", "verdict"] == "no difference shown"
    assert table.loc["input - ours", "verdict"] == "ours better"
    # Holm: the smallest p is multiplied by the family size
    assert judged["clear"].adjusted_p == pytest.approx(min(1.0, 3 * judged["clear"].p_value))
    assert table.loc["clear", "95% interval"].startswith("[+")


def test_pool_per_image_reads_recorded_runs_and_names_missing_ones():
    frame = pool_per_image("uegan", ["full-seed0", "full-seed1"])
    assert set(frame["run"]) == {"full-seed0", "full-seed1"} and len(frame) == 2 * (frame["run"] == "full-seed0").sum() > 0
    with pytest.raises(FileNotFoundError, match="none of"):
        pool_per_image("uegan", ["not-recorded"])


def test_the_difference_column_carries_the_metrics_unit():
    names = [f"p{i}" for i in range(5)]
    frame = lambda x: pd.DataFrame({"name": names, "psnr": x, "ssim": x})  # noqa: E731
    a, b = frame([1.0, 2.0, 3.0, 4.0, 6.0]), frame([1.0, 1.0, 1.0, 1.0, 1.0])
    assert "Δ psnr (dB)" in difference_table(judge_pools({"x": (a, b)}, "psnr"))
    assert "Δ ssim" in difference_table(judge_pools({"x": (a, b)}, "ssim"))


@pytest.mark.parametrize("label, a_wins, b_wins", [
    ("BNCAGAN − input", "BNCAGAN better", "input better"),
    ("a - b", "a better", "b better"),
    ("SE block alone (Our_2 − Our_1)", "Our_2 better", "Our_1 better"),
    ("quality weight 0.05 (paper) - 0.1 (code)", "quality weight 0.05 (paper) better", "0.1 (code) better"),
    ("no sides", "A better", "B better"),
])
def test_a_verdict_names_the_better_side_of_either_minus_sign(label: str, a_wins: str, b_wins: str) -> None:
    assert (named_verdict("A better", label), named_verdict("B better", label)) == (a_wins, b_wins)
    assert named_verdict("no difference shown", label) == "no difference shown"
