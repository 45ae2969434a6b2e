"""study.papers.bncagan_lab and bncagan_figures: the lab page's records, speed tables and sentences; the figures."""
from __future__ import annotations

from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from enhancelib.config import resolve_preset
from enhancelib.study.adaptivity import exposure_change
from enhancelib.study.chapter import ChapterParameters
from enhancelib.study.pages import test_pair as pair_of
from enhancelib.study.papers import bncagan as b
from enhancelib.study.papers import bncagan_figures as bf
from enhancelib.study.papers import bncagan_lab as bl
from enhancelib.study.speed_records import benchmark_medians, public_code_comparison

matplotlib.use("Agg")
REPO = Path(__file__).resolve().parents[3]


def test_the_public_codes_figures_are_those_its_benchmark_quotes():
    text = (REPO / "scripts" / "bench_bncagan.py").read_text()
    assert f"public code on\n  this kind of machine: {bl.PUBLIC_MS['forward']:.0f} ms median" in text
    assert f"(public code: {bl.PUBLIC_MS['step']:.0f} ms)" in text


def test_cpu_records_and_their_sentences():
    records = bl.cpu_records(["full-seed0", "full-seed1", "dense-eval-seed0", "not-a-run"])
    assert records["not-a-run"] is None
    seeds = {n: records[n] for n in ("full-seed0", "full-seed1")}
    others = {"dense-eval-seed0": records["dense-eval-seed0"]}
    scores = [r.per_image["psnr"].mean() for r in [*seeds.values(), *others.values()]]
    text = bl.recipe_scores_sentence(seeds, others)
    two, three = pd.Series(scores[:2]), pd.Series(scores)
    assert f"{two.mean():.2f} ± {two.std(ddof=1):.2f} dB over the 2 seeds" in text
    assert f"{three.mean():.2f} ± {three.std(ddof=1):.2f} dB over all 3 runs" in text
    per_step = pd.Series([r.provenance["train_cpu_seconds"] / r.provenance["steps"] for r in records.values() if r])
    assert f"{per_step.median():.2f} CPU-seconds per training step (median over 3 runs" in \
        bl.per_step_sentence({n: r for n, r in records.items() if r})


def test_exposure_needs_are_the_exposure_changes_of_the_pairs():
    needs = bl.exposure_needs(["gcompris_erase_alpaca.jpg"], 64)
    assert needs["gcompris_erase_alpaca.jpg"] == pytest.approx(exposure_change(*pair_of("gcompris_erase_alpaca.jpg", 64)))


def test_speed_tables_read_the_recorded_benchmarks():
    kept, default = benchmark_medians("bench_bncagan.reused-memory"), benchmark_medians("bench_bncagan")
    ours = next(v for k, v in kept.items() if k.startswith("ours (inference_mode"))
    table = bl.allocator_table()
    assert table.loc["generator forward 512x512", "ours, freed memory kept (ms)"] == pytest.approx(ours)
    assert table.loc["training step", "public code's own figure (ms)"] == bl.PUBLIC_MS["step"]
    text = bl.allocator_sentence(table)
    assert f"our forward takes {ours:.0f} ms" in text and f"{ours / 567:.2f} x" in text
    bf16 = bl.bf16_table()
    step = next(v for k, v in default.items() if k.startswith("train_step, amp=True"))
    assert bf16.loc["default allocator", "step bfloat16 (ms)"] == pytest.approx(step)
    assert f"forward {ours:.0f} ms in float32" in bl.bf16_sentence(bf16)
    versus = public_code_comparison("BNCAGAN", bl.PUBLIC_MS)
    lines = bl.speed_lines(bf16, versus)
    assert f"With the default allocator the bfloat16 step takes {step:.0f} ms ({step / 1793:.2f} x)." in lines[0]
    assert f"our forward takes {versus.loc['forward', 'ours / public code']:.2f} x" in lines[1]
    missing = bf16.assign(**{"step bfloat16 (ms)": float("nan")})
    assert bl.bf16_sentence(missing).startswith("The bfloat16 lines are not recorded yet")


def test_figures_draw_every_panel_and_name_absent_runs():
    runs = b.load_chapter_runs(ChapterParameters({"preset": "cpu"}, resolve_preset("cpu")))
    groups = bf.curve_groups()
    assert groups["full model: test PSNR"] == b.full_pool()
    assert groups["Table 2, modules: test PSNR"] == ["full-seed0", "no-aac-seed0", "no-bnm-seed0", "no-cam-seed0"]
    fig = bf.plot_test_curves(runs, 18.7)
    assert [ax.get_title() for ax in fig.axes] == [*groups, "full model: validation PSNR"]
    assert len(fig.axes[0].get_lines()) == 6 + 1   # six runs and the input's line
    empty = b.ChapterRuns(runs.experiments, {n: None for n in runs.runs}, "gone")
    assert bf.plot_test_curves(empty, 18.7).axes[0].texts[0].get_text() == "gone"
    assert bf.plot_losses(empty, "full-seed0", 20) is None
    losses = bf.plot_losses(runs, "full-seed0", 20)
    assert losses is not None and [ax.get_title() for ax in losses.axes] == list(bf.LOSSES)
