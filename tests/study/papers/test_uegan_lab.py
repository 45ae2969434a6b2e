"""UEGAN's lab notes: dense evaluations, the longer budget, processors, speed and bfloat16, checked on the records."""
from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
import torch

from enhancelib.config import resolve_preset
from enhancelib.models.uegan import UEGANGenerator
from enhancelib.study.adaptivity import exposure_change
from enhancelib.study.chapter import ChapterParameters
from enhancelib.study.pages import test_pair as pair_of
from enhancelib.study.papers import uegan as U
from enhancelib.study.papers import uegan_lab as L
from enhancelib.study.seed_groups import validation_selection
from enhancelib.study.speed_records import benchmark_lookup
from tests.commentary.quotes import RUNS

matplotlib.use("Agg")
CPU = ChapterParameters({"preset": "cpu"}, resolve_preset("cpu"))


@pytest.fixture(scope="module")
def runs() -> U.ChapterRuns:
    if not (RUNS / "uegan" / "budget-3x-seed0" / "metrics.json").is_file():
        pytest.skip("the UEGAN records are absent")
    return U.load_runs(CPU)


def test_splits_and_exposure_needs():
    assert len(L.split_names("val")) == 10 and len(L.split_names("test")) == 30
    name = L.split_names("val")[0]
    need = L.exposure_needs([name], 128)
    assert need[name] == pytest.approx(exposure_change(*pair_of(name, 128)))


def test_dense_evaluations_summarise_the_dense_run(runs):
    text, table = L.dense_evaluations(runs)
    matplotlib.pyplot.close("all")
    chosen = validation_selection(runs.runs["dense-eval-seed0"].eval_log)
    assert table.loc["dense-eval-seed0", "chosen step"] == int(chosen["selected_step"])
    assert table.loc["dense-eval-seed0", "evaluations"] == 12
    assert f"moves by {chosen['mean_step_change']:.2f} dB on average" in text
    pool = pd.Series([float(r.per_image["psnr"].mean()) for r in runs.pool_runs(U.MAIN).values()])
    assert f"{pool.mean():.2f} ± {pool.std(ddof=1):.2f} dB over all 6 runs" in text
    empty = U.ChapterRuns({n: None for n in runs.runs}, runs.baseline_images, "skipped on smoke")
    assert L.dense_evaluations(empty)[1] is None and "skipped on smoke" in L.dense_evaluations(empty)[0]


def test_the_longer_budget_against_the_main_pool_and_by_need(runs):
    comparisons = L.longer_budget_comparisons(runs)
    assert [c.b for c in comparisons] == [U.MAIN, "operator:autocontrast"]
    judged = U.judge(runs, comparisons)
    assert (judged[0].seeds_a, judged[0].seeds_b) == (3, 6)
    need = pd.Series({n: 1.0 for n in L.split_names("test")})      # every photo "needs brightening"
    table = L.longer_budget_by_need(runs, need)
    assert list(table["runs"]) == [6, 3, 1]
    inputs = runs.baseline_images.query("method == 'input'").set_index("name")["psnr"]
    gains = [float((r.per_image.set_index("name")["psnr"] - inputs).mean()) for r in runs.pool_runs("budget-3x").values()]
    column = [c for c in table if c.endswith("Δ PSNR (dB)")][0]
    assert table.loc["three times the budget", column] == pytest.approx(np.mean(gains))


def test_seed_zero_of_the_longer_budget_is_described_beside_the_five_seeds(runs):
    text = L.longer_budget_seed0(runs, [2.0, 3.0], 128)
    matplotlib.pyplot.close("all")
    long = runs.runs["budget-3x-seed0"]
    assert text.startswith(f"**Three times the budget, seed 0**: {long.per_image['psnr'].mean():.2f} dB")
    assert f"This run gains {long.per_image['psnr'].mean() - runs.input_psnr:+.2f} dB over the input." in text
    assert "gains +2.50 dB at the book's budget with (input, target) pairs (mean of 2 seeds)" in text
    empty = U.ChapterRuns({n: None for n in runs.runs}, runs.baseline_images, "x")
    assert L.longer_budget_seed0(empty, [], 128) == ""


def test_paired_gains_are_the_paired_seeds_over_the_input(runs):
    gains = L.paired_gains(CPU, runs.input_psnr)
    assert len(gains) == 3
    first = float(pd.read_csv(RUNS / "glenet" / "paired-gen-len" / "per_image_test.csv")["psnr"].mean())
    assert gains[0] == pytest.approx(first - runs.input_psnr)


def test_steps_by_processor_reads_the_provenance(runs):
    table = L.steps_by_processor(runs, ["charbonnier"])
    assert len(table) == 6 and table.loc["charbonnier-seed5", "processor"].endswith("AVX512")
    assert table.loc["charbonnier-seed0", "processor"] == "not recorded"
    assert table.loc["charbonnier-seed3", "steps"] == runs.runs["charbonnier-seed3"].provenance["steps"]


def test_the_allocator_sentence_reads_the_ratios():
    speed = pd.DataFrame({"public organisation, default allocator (ms)": [900.0, 2300.0],
                          "ours, default allocator (ms)": [700.0, 1800.0],
                          "public organisation, freed memory kept (ms)": [500.0, 2000.0],
                          "ours, freed memory kept (ms)": [400.0, 1600.0],
                          "public code's own figure (ms)": [682.0, 1289.0]}, index=["forward", "step"])
    speed["ours / public organisation, kept"] = [0.8, 0.8]
    speed["ours kept / public's own figure"] = [400 / 682, 1600 / 1289]
    text = L.allocator_sentence(speed)
    assert "our forward takes 400 ms and our training step 1600 ms: 0.59 x and 1.24 x" in text
    assert "still slower on the step" in text and "takes 500 and 2000 ms" in text
    speed.loc["step", "ours, freed memory kept (ms)"] = np.nan
    assert L.allocator_sentence(speed).startswith("The recording with freed memory kept is missing")


def test_bfloat16_speed_is_read_from_the_recorded_benchmarks():
    table = L.bf16_speed_table()
    assert list(table.index) == ["default allocator", "freed memory kept"]
    assert table.loc["default allocator", "step float32 (ms)"] == pytest.approx(
        benchmark_lookup("bench_uegan", {"s": "UEGANRecipe.train_step ("})["s"], nan_ok=True)
    kept = table.loc["freed memory kept"]
    if np.isfinite(kept["step bfloat16 (ms)"]):
        assert f"({kept['step bfloat16 (ms)'] / 1289:.2f} x the public code's 1289 ms" in L.bf16_speed_sentence(table)


def test_bfloat16_rounding_of_a_generator_and_its_sentence():
    torch.manual_seed(0)
    rounding, where = L.bf16_rounding(UEGANGenerator(width=8).eval(), True, 64)
    assert len(rounding) == 2 and (rounding["bf16 vs float32 output (dB)"] > 20).all()
    table = pd.DataFrame({"bf16 vs float32 output (dB)": [math.inf, 50.0],
                          "test PSNR float32": [20.0, 21.0], "test PSNR bfloat16": [20.5, 21.0]})
    assert L.bf16_rounding_sentence(table, "") == (
        "Inference of full-seed0 under bfloat16 autocast on 2 test photos: PSNR between its output and the float32 "
        "output identical in 8 bits (median; lowest 50.0 dB); the test PSNR moves by +0.250 dB on average. "
        "`enhance` stays in float32.")


def test_bfloat16_training_is_judged_against_the_main_pool(runs):
    table, lines = L.bf16_training(runs, L.bf16_speed_table())
    assert list(table.index) == ["bf16-seed0", "bf16-seed1", "bf16-seed2"]
    d = U.judge(runs, (U.Comparison("x", "bf16"),))[0].difference
    assert f"{d.mean_difference:+.2f} dB per photo, 95% interval [{d.low:+.2f}, {d.high:+.2f}]: {d.verdict}." in lines[1]
    psnr16 = table["our PSNR"].astype(float)
    assert lines[0].startswith(f"bfloat16: {psnr16.mean():.2f} ± {psnr16.std(ddof=1):.2f} dB over 3 seeds")


def test_seed_zero_against_autocontrast_uses_the_books_rule(runs):
    need = L.exposure_needs(L.split_names("test"), 128)
    text = L.seed0_against_autocontrast(runs, need)
    long = runs.runs["budget-3x-seed0"].per_image.set_index("name")["psnr"]
    auto = runs.baseline_images.query("method == 'autocontrast'").set_index("name")["psnr"].reindex(long.index)
    d = (long - auto)
    assert f"above autocontrast on {int((d > 0).sum())} of 30 test photos ({d.mean():+.2f} dB on average" in text
    assert "Wilcoxon" not in text and "95% interval" in text
    ups = need[need > 0.05].index
    inputs = runs.baseline_images.query("method == 'input'").set_index("name")["psnr"]
    assert f"this run {float((long - inputs)[ups].mean()):+.2f} dB over the input" in text
