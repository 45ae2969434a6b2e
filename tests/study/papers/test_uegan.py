"""Chapter 01's tables: the printed numbers, the seed pools, the judged comparisons, checked by hand on the records."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from enhancelib.config import resolve_preset
from enhancelib.study.chapter import ChapterParameters
from enhancelib.study.judging import named_verdict
from enhancelib.study.compare import PAPER_CLAIMS, learned_method
from enhancelib.study.papers import uegan as U
from enhancelib.train.runs import load_run
from tests.commentary.quotes import RUNS


@pytest.fixture(scope="module")
def runs() -> U.ChapterRuns:
    if not (RUNS / "uegan" / "full-seed0" / "metrics.json").is_file():
        pytest.skip("the UEGAN records are absent")
    return U.load_runs(ChapterParameters({"preset": "cpu"}, resolve_preset("cpu")))


def _seed_means(names: list[str]) -> pd.Series:
    """Each photo's PSNR averaged over the runs, read straight from the records."""
    frames = [load_run(RUNS / "uegan" / n).per_image.set_index("name")["psnr"] for n in names]
    return pd.concat(frames, axis=1).mean(axis=1)


def test_the_printed_rows_agree_with_the_registry_of_claims():
    claims = {c.source: c.printed for c in PAPER_CLAIMS}
    assert claims["UEGAN, Table I"] == (U.FULL.psnr, U.FULL.ssim, U.INPUT.psnr, U.INPUT.ssim)
    one, two, ori = U.REPORT_003["Our_1"], U.REPORT_003["Our_2"], U.REPORT_003["Ori"]
    assert claims["report 003 (Our_1 vs Ori)"] == (one.psnr, one.ssim, ori.psnr, ori.ssim)
    assert claims["report 003 (Our_2 vs Our_1)"] == (two.psnr, two.ssim, one.psnr, one.ssim)
    # Table IV's differences to the full model, by hand: 22.44 - 22.88, 17.41 - 22.88, 22.54 - 22.88, 21.87 - 22.88
    assert [c.printed for c in U.TABLE_IV] == [-0.44, -5.47, -0.34, -1.01]
    assert U.TABLE_III[0].printed == -0.32 and U.REPORT_003_COMPARISONS[2].printed == 1.01
    assert U.Comparison("no print", "gam-unet").printed is None


def test_the_main_pool_is_the_registrys_and_frames_hold_every_run(runs):
    assert runs.pool(U.MAIN) == list(learned_method("uegan").runs)
    assert runs.pool("no-identity") == [f"no-identity-seed{s}" for s in range(3)]
    frame = runs.frame("charbonnier")
    assert sorted(frame["run"].unique()) == [f"charbonnier-seed{s}" for s in range(6)] and len(frame) == 6 * 30
    assert set(runs.frame("operator:autocontrast")["method"]) == {"autocontrast"}
    assert runs.best_operator == "autocontrast"
    assert runs.input_psnr == pytest.approx(float(runs.baseline_means.loc["input", "psnr"]))


def test_a_judged_comparison_is_the_paired_t_interval_of_seed_averaged_photos_holm_adjusted(runs):
    judged = U.judge(runs, U.REPORT_003_COMPARISONS)
    a, b = _seed_means(runs.pool("charbonnier")), _seed_means(runs.pool(U.MAIN))
    d = (a - b.reindex(a.index)).to_numpy()
    half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size)
    first = judged[0].difference
    assert first.mean_difference == pytest.approx(d.mean())
    assert (first.low, first.high) == pytest.approx((d.mean() - half, d.mean() + half))
    # Holm over the family of three: each adjusted p is at least its own p times the number still in play
    ps = sorted(j.difference.p_value for j in judged)
    assert min(j.difference.adjusted_p for j in judged) == pytest.approx(min(1.0, 3 * ps[0]))
    assert [(j.seeds_a, j.seeds_b) for j in judged] == [(6, 6), (5, 6), (5, 6)]
    assert judged[0].summary_a["our PSNR"] == (
        f"{_per_run('charbonnier', runs).mean():.2f} ± {_per_run('charbonnier', runs).std(ddof=1):.2f}")


def _per_run(pool: str, runs: U.ChapterRuns) -> pd.Series:
    return pd.Series({n: float(load_run(RUNS / "uegan" / n).per_image["psnr"].mean()) for n in runs.pool(pool)})


def test_the_comparison_table_says_whether_the_printed_difference_lies_inside_our_interval(runs):
    judged = U.judge(runs, U.TABLE_IV)
    table = U.comparison_table(judged)
    for j in judged:
        row = table.loc[j.comparison.label]
        d = j.difference
        named = named_verdict(d.verdict, j.comparison.label)
        assert row["our Δ PSNR"] == pytest.approx(d.mean_difference) and row["verdict"] == named
        assert row["paper's Δ inside"] == ("yes" if d.low <= j.comparison.printed <= d.high else "no")
        assert row["95% interval"] == f"[{d.low:+.2f}, {d.high:+.2f}]" and row["seeds"] == "1 vs 6"
    assert table.loc["GAM + MM-P − UEGAN", "paper PSNR"] == 17.41


def test_absent_pools_are_named_not_judged(runs):
    empty = U.ChapterRuns({n: None for n in runs.runs}, runs.baseline_images, "skipped on smoke")
    judged = U.judge(empty, U.TABLE_III)
    assert judged[0].difference is None and judged[0].printed_inside is None and judged[0].seeds_a == 0
    table = U.comparison_table(judged, empty.missing)
    assert table.iloc[0]["verdict"] == "skipped on smoke" and table.iloc[0]["95% interval"] == "—"
    assert U.results_table(empty).loc["Ours (UEGAN)", "note"] == "skipped on smoke"
    assert U.reproduction_table({"Table III": judged}).iloc[0]["verdict"] == "not recorded"


def test_the_results_table_sets_the_pool_beside_table_one(runs):
    table = U.results_table(runs, {"method": "this book, gpu preset", "our PSNR": 21.0, "our SSIM": 0.9,
                                   "provenance": "full-seed0 on the gpu preset"})
    per_run = _per_run(U.MAIN, runs)
    assert table.loc["Ours (UEGAN)", "our PSNR"] == f"{per_run.mean():.2f} ± {per_run.std(ddof=1):.2f}"
    assert table.loc["Ours (UEGAN)", "runs"] == 6 and table.loc["Ours (UEGAN)", "paper PSNR"] == 22.88
    assert table.loc["Input", "our PSNR"] == pytest.approx(runs.input_psnr)
    assert table.loc["this book, gpu preset", "note"] == "full-seed0 on the gpu preset"
    assert len([m for m in table.index if m.endswith("(classical)")]) == 4
    assert np.isnan(table.loc["DPE", "our PSNR"])


def test_the_reproduction_table_keeps_printed_claims_only(runs):
    families = {"Table I": U.judge(runs, U.main_comparisons(runs)), "report 003": U.judge(runs, U.REPORT_003_COMPARISONS)}
    table = U.reproduction_table(families)
    assert list(table.index) == ["UEGAN − input"] + [c.label for c in U.REPORT_003_COMPARISONS]
    assert table.loc["UEGAN − input", "printed Δ PSNR"] == 5.46 and table.loc["UEGAN − input", "table"] == "Table I"
    # the SE block's printed +1.01 dB lies above our interval (the block is a constant gate)
    assert table.loc["SE block alone (Our_2 − Our_1)", "printed Δ inside"] == "no"
