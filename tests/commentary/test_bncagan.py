"""The figures quoted in the prose of chapter 04 (BNCAGAN), recomputed from the records (see quotes.py)."""
from __future__ import annotations



import numpy as np
import pandas as pd

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
