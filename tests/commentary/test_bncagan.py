"""The figures quoted in the prose of chapter 04 (BNCAGAN), recomputed from the records (see quotes.py)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from enhancelib.study.seed_groups import validation_selection
from enhancelib.study.statistics import paired_test
from tests.commentary.quotes import (exposure_needs, assert_quotes, baseline_psnr, baselines, evaluations, final_scores, largest_move, run, signed, trend)


def test_bncagan_three_times_the_budget_commentary():
    from enhancelib.recipes.bncagan import BNCAGAN_PAPER_STEPS
    from enhancelib.study.adaptivity import gain_by_need
    from enhancelib.study.compare import stack_per_image

    long, seeds = run("bncagan", "budget-3x-seed0"), [f"full-seed{s}" for s in range(5)]
    log, steps = evaluations("bncagan", "budget-3x-seed0"), long.metrics["steps"]
    scores, final = final_scores("bncagan", seeds), float(long.per_image["psnr"].mean())
    seed_steps = pd.Series({n: run("bncagan", n).metrics["steps"] for n in seeds})
    table = baselines()
    autocontrast = table[table["method"] == "autocontrast"]
    versus = paired_test(long.per_image, autocontrast, "psnr")
    per_photo = long.per_image.set_index("name")["psnr"]
    above = int((per_photo > autocontrast.set_index("name")["psnr"].reindex(per_photo.index)).sum())
    middle = log[log["step"].between(750, 1250)]["test_psnr"]
    decay_starts = int(long.train_log.loc[long.train_log["lr_factor"] < 1, "step"].min())
    by_run = stack_per_image({**{(m, 0): part.drop(columns="method") for m, part in table.groupby("method")},
                              **{(n, 0): run("bncagan", n).per_image for n in [*seeds, "budget-3x-seed0"]}})
    by_need = gain_by_need(by_run, exposure_needs("test"), [*seeds, "budget-3x-seed0", "autocontrast"])
    need, none = (by_need.filter(like=part).filter(like=": gain").iloc[:, 0]
                  for part in ("need brightening", "need no brightening"))
    assert_quotes(
        "lab_04_bncagan.ipynb", "budget-comment",
        f"The run took {steps} steps, {steps / seed_steps.max():.1f} to {steps / seed_steps.min():.1f} times",
        f"({seed_steps.min()}-{seed_steps.max()} steps)",
        f"ends at {final:.2f} dB, SSIM {long.per_image['ssim'].mean():.3f}",
        f"range ({scores.min():.2f}-{scores.max():.2f} dB)", f"above autocontrast on {above} of the 30 test photos",
        f"({signed(versus.mean_difference)} dB on average, Wilcoxon p = {versus.p_value:.2f})",
        f"lies between {log['test_psnr'].min():.2f} and {log['test_psnr'].max():.2f} dB",
        f"{log['test_psnr'][0]:.2f} dB at steps 250 and 500",
        f"{middle.min():.2f} to {middle.max():.2f} dB at steps 750 to 1250",
        f"began to decay at step {decay_starts}", f"{final:.2f} dB at the end",
        f"gains {signed(need['budget-3x-seed0'])} dB over the input (the seeds {signed(need[seeds].min())} to "
        f"{signed(need[seeds].max())} dB, autocontrast {signed(need['autocontrast'])} dB)",
        f"loses {-none['budget-3x-seed0']:.2f} dB (the seeds {-none[seeds].max():.2f} to {-none[seeds].min():.2f} dB; "
        f"autocontrast gains {signed(none['autocontrast'])} dB)",
        f"{steps} steps are {100 * steps / BNCAGAN_PAPER_STEPS:.1f} % of the paper's {BNCAGAN_PAPER_STEPS:,}",
    )
    assert list(log["step"][:2]) == [250, 500] and log["test_psnr"][0].round(2) == log["test_psnr"][1].round(2)
    assert scores.min() <= final <= scores.max() and versus.p_value > 0.05
    assert need[seeds].min() <= need["budget-3x-seed0"] <= need[seeds].max()
    assert none[seeds].min() <= none["budget-3x-seed0"] <= none[seeds].max(), "'stays inside the seeds' range'"
    band, spread = log["test_psnr"].max() - log["test_psnr"].min(), scores.max() - scores.min()
    assert_quotes("lab_04_bncagan.ipynb", "budget-comment", f"a band of {band:.2f} dB", f"final scores ({spread:.2f} dB)")
    assert band < spread, "'narrower than the five seeds' spread'"

# ---- chapter 04: BNCAGAN

def test_bncagan_dense_evaluation_commentary():
    log = evaluations("bncagan", "dense-eval-seed0")
    chosen = validation_selection(log)
    move, start, end, _ = largest_move(log)
    later = np.abs(np.diff(log[log["step"] >= end]["test_psnr"].to_numpy()))
    slope, p = trend(log)
    seeds = final_scores("bncagan", [f"full-seed{s}" for s in range(5)])
    recipe = final_scores("bncagan", [f"full-seed{s}" for s in range(5)] + ["dense-eval-seed0"])
    autocontrast = baseline_psnr("autocontrast")
    uegan = validation_selection(evaluations("uegan", "dense-eval-seed0"))
    assert_quotes(
        "lab_04_bncagan.ipynb", "dense-comment",
        f"between {log['test_psnr'].min():.2f} and {log['test_psnr'].max():.2f} dB",
        f"moved by {chosen['mean_step_change']:.2f} dB on average",
        f"UEGAN's run moved {uegan['mean_step_change']:.2f} dB every 50 steps",
        f"The largest move, {signed(move)} dB, is the first (step {start} to {end})",
        f"({slope:.2f} dB per 100 steps, p = {p:.2f})",
        f"five seeds ({seeds.std(ddof=1):.2f} dB)",
        f"is {chosen['spearman_val_test']:.2f} (UEGAN: {uegan['spearman_val_test']:.2f}",
        f"(step {chosen['selected_step']:.0f})", f"{chosen['selected_test_psnr']:.2f} dB, "
        f"{chosen['selected_test_psnr'] - chosen['last_test_psnr']:.2f} dB above the last",
        f"ends at {chosen['last_test_psnr']:.2f} dB", f"five seeds' mean ({seeds.mean():.2f} dB)",
        f"six runs give {recipe.mean():.2f} ± {recipe.std(ddof=1):.2f} dB",
        f"{recipe.mean() - autocontrast:.2f} dB above autocontrast's PSNR",
        f"(the five seeds were {seeds.mean() - autocontrast:.2f} dB above it)",
    )
    assert start == log["step"][0] and later.max() <= 0.3, "'the first ... after step 100 no move exceeds 0.3 dB'"
    assert chosen["selected_test_psnr"] == chosen["oracle_test_psnr"], "'also the best on the test split'"


# ---- the chapter's own prose: the paper's figures, the code's values, the derivations' numbers
CHAPTER = "04_bncagan.ipynb"


def test_bncagan_paper_figures_come_from_the_typed_tables():
    from enhancelib.study.compare import PAPER_CLAIMS
    from enhancelib.study.papers.bncagan import PAPER_FULL, PAPER_TABLE_1, PAPER_TABLE_2, full_pool

    inp = PAPER_TABLE_1["Input"]
    assert_quotes(CHAPTER, "1c3946ef", f"reports {PAPER_FULL.psnr:.2f} dB PSNR, {PAPER_FULL.ssim:.3f} SSIM and "
                  f"{PAPER_FULL.nima:.2f} NIMA, against {inp.psnr:.2f} dB for its input",
                  f"({ {6: 'six'}[len(full_pool())] } runs of the full model")
    rows = {a.experiment: a for a in PAPER_TABLE_2}
    modules = [rows[k] for k in ("no-aac", "no-bnm", "no-cam")]
    assert min(modules, key=lambda a: a.paper_delta) is rows["no-cam"], "'the largest loss of any module'"
    assert_quotes(CHAPTER, "e890f584", f"removing it costs {-rows['no-cam'].paper_delta:.2f} dB")
    gaps = [abs(a.paper_delta) for a in PAPER_TABLE_2]
    assert all(a.paper_delta < 0 for a in PAPER_TABLE_2), "'Every row of the paper's Table 2 is below its full model'"
    assert_quotes(CHAPTER, "e517ec38", f"by {min(gaps):.2f} to {max(gaps):.2f} dB",
                  f"rests on a {-rows['no-cla'].paper_delta:.2f} dB difference")
    uegan = next(c for c in PAPER_CLAIMS if c.source == "UEGAN, Table I")
    assert_quotes(CHAPTER, "579fbe40", f"UEGAN's paper reports {uegan.printed[0]:.2f} dB")


def test_bncagan_seed_spread_and_table_sizes():
    from enhancelib.data.benchmark import read_split
    from enhancelib.study.papers.bncagan import full_pool

    scores = final_scores("bncagan", full_pool())
    assert_quotes(CHAPTER, "e517ec38", f"six runs span {scores.max() - scores.min():.2f} dB")
    parts = pd.Series(read_split()).value_counts()
    assert_quotes(CHAPTER, "579fbe40", f"benchmark's {parts['test']} test pairs at long side 512")
    assert parts["train_low"] == parts["train_high"] == 72
    assert_quotes(CHAPTER, "f89fb7fc", "on 72 training photos per domain", "96-pixel crops",
                  f"{run('bncagan', 'full-seed0').metrics['steps']} steps. How far does it move?")


def test_bncagan_code_values_in_the_prose_and_the_decisions_table():
    from enhancelib.config import resolve_preset
    from enhancelib.models.bncagan import BNCAGANGenerator
    from enhancelib.recipes.bncagan import BNCAGAN_PAPER_STEPS, BNCAGANOptions, BNCAGANRecipe

    o, cpu = BNCAGANOptions(), resolve_preset("cpu")
    assert (o.adv_weight, o.perceptual_weight, o.identity_weight, o.cla_weight) == (0.1, 1.0, 0.1, 0.1)
    assert_quotes(CHAPTER, "ca118b66", r"$\lambda_{adv} = 0.1$, $\lambda_{per} = 1$, $\lambda_{idt} = 0.1$, "
                  r"$\lambda_{cla} = 0.1$")
    assert (o.lr_g, o.lr_d, BNCAGANRecipe.betas, BNCAGANRecipe.weight_decay) == (1e-4, 4e-4, (0.5, 0.999), 1e-4)
    assert (BNCAGANRecipe.init_gain, o.pool_size, cpu.ema_decay) == (0.02, 50, 0.999)
    gpu = BNCAGANRecipe.paper_overrides["gpu"]
    assert (gpu["batch_size"], gpu["train_size"], BNCAGAN_PAPER_STEPS) == (8, 256, 42150)
    assert (cpu.batch_size, cpu.train_size, cpu.budget_cpu_seconds / 60) == (4, 96, 30)
    assert_quotes(CHAPTER, "decisions", r"lr $10^{-4}$", r"$D$: $4\cdot10^{-4}$; Adam (0.5, 0.999); weight decay "
                  r"$10^{-4}$", "orthogonal, gain 0.02", "a pool of 50 past fakes", "0.1, 1, 0.1, 0.1",
                  "batch 8 (42,150 steps), photos resized to 256 px", "`cpu`: 30 CPU-minutes, batch 4 of 96 px crops",
                  "moving average (0.999)", "30 synthetic test pairs", "0.9 in the BNR, 0 in the decoder's ILN")
    assert BNCAGANGenerator(init_gain=None).conditioning_decay == 0.99
    assert_quotes(CHAPTER, "664f9140", "(exponential, decay 0.99 per step)")


def test_bncagan_sizes_and_the_sleeping_bnr():
    import math

    from enhancelib.study.papers.bncagan_inside import PUBLIC_GENERATOR_DECLARED, initial_state, parameter_count
    from enhancelib.models.bncagan import BNCAGANDiscriminator, BNCAGANGenerator
    from enhancelib.nn.color_attention import ColorAttention

    g = BNCAGANGenerator(init_gain=None)
    assert_quotes(CHAPTER, "ca118b66", f"declares {PUBLIC_GENERATOR_DECLARED / 1e6:.2f} M parameters, of which "
                  f"{(PUBLIC_GENERATOR_DECLARED - parameter_count(g)) / 1e6:.2f} M never reach a loss")
    channels = g.aac["low"].channels
    assert_quotes(CHAPTER, "672b7d5b", f"(here $C = {channels}$ at 1/8")
    assert_quotes(CHAPTER, "b0a20d27", f"$2C = {2 * channels}$ numbers per image")
    d = BNCAGANDiscriminator(init_gain=None)
    cam = d.color_head[0]
    assert cam.in_channels == 128 and d.color_stage == 2, "'the 128-channel features at 1/8 resolution'"
    assert_quotes(CHAPTER, "e890f584", f"$128\\cdot3 + 3\\cdot 9 + 1 = {parameter_count(ColorAttention(128))}$")
    start = initial_state()
    assert 1e-16 < start.largest_gamma < 1e-14, "'gamma, beta of the order of 10^-15'"
    assert start.rho["bnr.block.norm1"] == pytest.approx(0.9) and start.rho["decoder.0.1"] == 0.0
    first = run("bncagan", "full-seed0").train_log["g_cla"].iloc[0]
    assert_quotes(CHAPTER, "1a322881", f"$2 \\log 2 \\approx {2 * math.log(2):.2f}$")
    assert round(first, 2) == round(2 * math.log(2), 2), "'g_cla starts at 2 log 2'"


def test_bncagan_cam_product_as_printed_and_the_areas():
    import math

    import torch

    from enhancelib.config import resolve_preset
    from enhancelib.data.benchmark import read_split
    from enhancelib.nn.color_attention import ColorAttention
    from enhancelib.study.pages import test_pair as pair_of

    for n in (3, 36):   # K^T Q with the printed shapes: (3 x N) times (3 x N), defined only for N = 3
        q, k = torch.rand(3, n), torch.rand(n, 3)
        if n == 3:
            assert (k.T @ q).shape == (3, 3)
        else:
            with pytest.raises(RuntimeError):
                k.T @ q
        assert (q @ k).shape == (3, 3)
    torch.manual_seed(0)
    cam = ColorAttention(8)
    colors = torch.randn(2, 3, 6, 6)
    with torch.no_grad():
        paper_q, paper_k = cam.key(colors).flatten(2), cam.query(colors).flatten(2).transpose(1, 2)
        code = torch.softmax(torch.bmm(paper_q, paper_k), dim=1)     # the public code: softmax over the first axis
        assert torch.allclose(cam.attention(colors), code.transpose(1, 2))
    assert_quotes(CHAPTER, "e890f584", "defined only for an image of $N = 3$ positions",
                  "takes a softmax over the matrix's first axis, so that each *column* of $A$ sums to 1",
                  r"returns $\gamma\, A^\top V + I$")
    train = resolve_preset("cpu").train_size
    names = sorted(n for n, p in read_split().items() if p == "test")
    sizes = [pair_of(n, 512)[0].shape[-2:] for n in names]
    positions = [math.ceil(h / 8) * math.ceil(w / 8) for h, w in sizes]
    crop = (train // 8) ** 2
    assert_quotes(CHAPTER, "b1b33b9a", f"({train} px: $12 \\times 12 = {crop}$ positions at 1/8)",
                  f"{min(positions):,} to {max(positions):,} positions",
                  f"logits {min(positions) / crop:.0f} to {max(positions) / crop:.0f} times larger")


def test_bncagan_summary_follows_the_records():
    from enhancelib.config import resolve_preset
    from enhancelib.inference import load_run_enhancer
    from enhancelib.paths import RUNS_DIR
    from enhancelib.study.chapter import ChapterParameters
    from enhancelib.study.papers import bncagan as bnc
    from enhancelib.viz.weights import silent_modules

    silent = silent_modules(load_run_enhancer(RUNS_DIR / "bncagan" / "full-seed0").network)
    assert {"bnr.block.conv1.conv", "bnr.block.conv2.conv", "bnr.fuse"} <= set(silent)
    assert {f"aac.{d}.mlp.{i}" for d in ("low", "high") for i in (0, 2)} <= set(silent)
    runs = bnc.load_chapter_runs(ChapterParameters({"preset": "cpu"}, resolve_preset("cpu")))
    results, ablations = bnc.judge_results(runs, baselines()), bnc.judge_ablations(runs)
    assert results["BNCAGAN − autocontrast"].verdict == results["BNCAGAN − input"].verdict == "no difference shown"
    assert {d.verdict for d in ablations.values()} == {"no difference shown"}
    assert_quotes(CHAPTER, "f89fb7fc", "the BNR's residual branches and the AAC's MLP end silent",
                  "By the book's rule BNCAGAN is separated neither from its input nor from autocontrast, and no row "
                  "of Table 2 differs")
    assert_quotes("lab_04_bncagan.ipynb", "dense-comment", "BNCAGAN and autocontrast are not separated")


def test_three_sets_commentary():
    from tests.commentary.quotes import flat_and_identity_quotes

    assert_quotes("04_bncagan.ipynb", "bncagan-three-sets-reading", *flat_and_identity_quotes("bncagan", "full-seed0"))


def test_variant_commentary():
    from enhancelib.study.test_sets import chapter_test_set_table

    variant_run, main_run = "adversarial-0.05-budget-3x-seed0", "full-seed0"
    table = chapter_test_set_table("bncagan", runs=[main_run, variant_run],
                                   labels={variant_run: "variant", main_run: "main"})
    variant, main, source, auto = (table.loc[k] for k in ("variant", "main", "input", "autocontrast"))
    edit = ("identity", "edit (levels)")
    assert run("bncagan", variant_run).config["options"]["adv_weight"] == 0.05
    assert_quotes(CHAPTER, "bncagan-three-sets-reading",
                  f"seed, {run('bncagan', variant_run).metrics['steps']} steps)",
                  f"keeps the input's SSIM ({variant[('flat', 'SSIM')]:.3f}) at {variant[('flat', 'PSNR')]:.2f} dB",
                  f"its haze ({variant[('flat', 'haze')]:.3f})",
                  f"edits good photos by {variant[edit]:.1f} levels, less than autocontrast",
                  f"{variant[('test', 'PSNR')]:.2f} dB on the test split, "
                  f"{variant[('test', 'PSNR')] - source[('test', 'PSNR')]:.2f} dB above the input and below the "
                  f"recipe's {main[('test', 'PSNR')]:.2f}")
    assert variant[("flat", "SSIM")] >= source[("flat", "SSIM")] and variant[edit] < auto[edit]
    assert abs(variant[("flat", "haze")] - source[("flat", "haze")]) < 0.02                   # "near its inputs'"
