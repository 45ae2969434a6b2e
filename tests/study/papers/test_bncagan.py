"""study.papers.bncagan: the paper's tables typed once, the runs, results and ablations judged the book's way."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from enhancelib.config import resolve_preset
from enhancelib.study.baselines import load_baselines
from enhancelib.study.chapter import ChapterParameters
from enhancelib.study.compare import PAPER_CLAIMS
from enhancelib.study.experiments import chapter_experiments
from enhancelib.study.papers import bncagan as b
from enhancelib.study.statistics import holm

FULL = [f"full-seed{s}" for s in range(5)] + ["dense-eval-seed0"]


@pytest.fixture(scope="module")
def runs() -> b.ChapterRuns:
    return b.load_chapter_runs(ChapterParameters({"preset": "cpu", "train_missing": False}, resolve_preset("cpu")))


@pytest.fixture(scope="module")
def baselines() -> pd.DataFrame:
    return load_baselines("cpu", progress=False)[0]


def _seed_mean(runs: b.ChapterRuns, names: list[str]) -> pd.Series:
    """Each photo's PSNR averaged over the runs ``names`` (by hand)."""
    return pd.concat([runs.runs[n].per_image.set_index("name")["psnr"] for n in names], axis=1).mean(axis=1)


def test_paper_tables_as_printed_and_the_comparison_quotes_the_same_figures():
    assert b.PAPER_FULL == b.PAPER_TABLE_1["BNCAGAN"] == b.PaperScores(24.332, 0.910, 4.810)
    assert list(b.PAPER_TABLE_1) == ["Input", "CycleGAN", "EnlightenGAN", "UEGAN", "Zero-DCE", "BNCAGAN"]
    deltas = {a.row: round(a.paper_delta, 3) for a in b.PAPER_TABLE_2}
    assert deltas == {"w/o L_idt, w/o L_cla": -0.422, "w/o L_idt": -0.192, "w/o L_cla": -0.328, "w/o AAC": -0.208,
                      "w/o BNM": -0.131, "w/o CAM": -0.602}
    registered = {e.name for e in chapter_experiments("bncagan")}
    assert all(f"{a.experiment}-seed0" in registered for a in b.PAPER_TABLE_2)
    # until compare.PAPER_CLAIMS reads this module, its BNCAGAN claims must print the same figures
    table = b.PAPER_TABLE_1
    for claim in (c for c in PAPER_CLAIMS if c.source == "BNCAGAN, Table 1"):
        worse = table["Input" if claim.worse == "input" else "UEGAN"]
        assert claim.printed == (table["BNCAGAN"].psnr, table["BNCAGAN"].ssim, worse.psnr, worse.ssim)


def test_the_full_pool_is_the_comparisons_and_every_run_is_read(runs):
    assert b.full_pool() == FULL
    assert set(runs.recorded) == {e.name for e in chapter_experiments("bncagan")} and runs.missing == "not recorded yet"
    part = b.ChapterRuns(runs.experiments, {**runs.runs, "full-seed1": None}, "gone")
    assert list(part.pool(["full-seed0", "full-seed1", "full-seed2"])) == ["full-seed0", "full-seed2"]
    assert part.pool_frame(["full-seed1"]) is None
    frame = part.pool_frame(["full-seed0", "full-seed2"])
    assert frame is not None and frame.groupby("run").size().to_dict() == {"full-seed0": 30, "full-seed2": 30}


def test_runs_sentence_counts_runs_and_steps(runs):
    steps = [int(r.provenance["steps"]) for r in runs.recorded.values()]
    text = b.runs_sentence(runs, 4, 96)
    n = len(runs.recorded)
    assert n == len(runs.experiments) and text.startswith(f"{n} of {n} runs available.")
    assert f"{min(steps):,}-{max(steps):,} steps at batch 4 of 96 x 96 crops" in text
    assert f"{min(steps) / 42150:.1%}-{max(steps) / 42150:.1%} of the paper's 42,150 steps" in text
    part = b.ChapterRuns(runs.experiments, {**runs.runs, "no-cam-seed0": None}, "not recorded yet")
    assert f"{n - 1} of {n} runs available (no-cam-seed0: not recorded yet;" in b.runs_sentence(part, 4, 96)


def test_results_table_quotes_the_paper_once_and_our_pool(runs, baselines):
    table = b.results_table(runs, baselines)
    assert table.loc["BNCAGAN", "paper PSNR"] == 24.332 and table.loc["Input", "paper NIMA"] == 4.472
    means = pd.Series([runs.runs[n].per_image["psnr"].mean() for n in FULL])
    assert table.loc["BNCAGAN", "our PSNR"] == f"{means.mean():.2f} ± {means.std(ddof=1):.2f}"
    assert table.loc["BNCAGAN", "note"] == "mean ± sd over 6 runs"
    inputs = baselines[baselines["method"] == "input"]
    assert table.loc["Input", "our PSNR"] == pytest.approx(inputs["psnr"].mean())
    assert "autocontrast (classical)" in table.index and table.loc["CycleGAN", "note"] == "paper only"
    gpu = {"method": "this book, gpu preset", "our PSNR": 21.0, "our SSIM": 0.9, "provenance": "full-seed0 on the gpu"}
    assert b.results_table(runs, baselines, gpu).loc["this book, gpu preset", "note"] == "full-seed0 on the gpu"


def test_results_are_judged_photo_by_photo_as_one_family(runs, baselines):
    judged = b.judge_results(runs, baselines)
    assert list(judged) == [f"BNCAGAN − {m}" for m in dict.fromkeys(baselines["method"])]
    ours = _seed_mean(runs, FULL)
    inputs = baselines[baselines["method"] == "input"].set_index("name")["psnr"]
    assert judged["BNCAGAN − input"].mean_difference == pytest.approx(float((ours - inputs.reindex(ours.index)).mean()))
    p = [d.p_value for d in judged.values()]
    assert [d.adjusted_p for d in judged.values()] == pytest.approx(holm(p))
    empty = b.ChapterRuns(runs.experiments, {n: None for n in runs.runs}, "gone")
    assert b.judge_results(empty, baselines) == {} and b.judge_ablations(empty) == {}


def test_ablations_against_the_full_pool(runs):
    judged = b.judge_ablations(runs)
    assert list(judged) == [a.row for a in b.PAPER_TABLE_2]
    by_hand = _seed_mean(runs, ["no-cam-seed0"]) - _seed_mean(runs, FULL)
    assert judged["w/o CAM"].mean_difference == pytest.approx(float(by_hand.mean()))
    assert judged["w/o CAM"].photos == 30
    table = b.ablation_table(runs, judged)
    assert list(table.index) == ["BNCAGAN (full)", *(a.row for a in b.PAPER_TABLE_2)]
    assert table.loc["w/o CAM", "paper Δ PSNR"] == pytest.approx(-0.602)
    assert table.loc["w/o CAM", "our Δ PSNR"] == pytest.approx(judged["w/o CAM"].mean_difference)
    assert table.loc["w/o CAM", "our PSNR"] == pytest.approx(runs.runs["no-cam-seed0"].per_image["psnr"].mean())
    d = judged["w/o CAM"]
    assert table.loc["w/o CAM", "95% interval"] == f"[{d.low:+.2f}, {d.high:+.2f}]"
    assert table.loc["BNCAGAN (full)", "runs"] == 6 and table.loc["w/o AAC", "runs"] == 1
    assert set(table["verdict"].dropna()) <= {"no difference shown", "ablation better", "full better"}


def test_seed_table_and_verdict_lines(runs, baselines):
    seeds = b.seed_table(runs)
    assert list(seeds.index) == FULL
    assert seeds.loc["full-seed2", "steps"] == runs.runs["full-seed2"].provenance["steps"]
    results, ablations = b.judge_results(runs, baselines), b.judge_ablations(runs)
    lines = b.verdict_lines(runs, baselines, results, ablations)
    gain = np.mean([runs.runs[n].per_image["psnr"].mean() for n in FULL]) - baselines.query("method == 'input'")["psnr"].mean()
    assert lines[0].startswith(f"* **Gain over the input.** The paper: +6.20 dB on FiveK. Ours: {gain:+.2f} dB")
    operators = {k: v for k, v in results.items() if k != "BNCAGAN − input"}
    closest = min(operators, key=lambda k: operators[k].mean_difference).split("− ")[1]
    assert f"best classical operator** ({closest})" in lines[1]
    cam = ablations["w/o CAM"]
    sign = "same sign as" if cam.mean_difference < 0 else "opposite sign to"
    assert any(line.startswith(f"* w/o CAM: {cam.mean_difference:+.2f} dB") and f"{sign} the paper's -0.60 dB" in line
               for line in lines)
    empty = b.ChapterRuns(runs.experiments, {n: None for n in runs.runs}, "gone")
    assert b.verdict_lines(empty, baselines, {}, {}) == ["* BNCAGAN's full model is gone: no verdict on Table 1 or "
                                                         "Table 2."]
