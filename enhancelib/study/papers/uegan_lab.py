"""UEGAN's lab notes: studies of the CPU budget itself (dense evaluations, three times the budget, processors and
step counts, speed and the allocator, bfloat16), as figures, tables and sentences built from the records.

Differences between recipes are judged by the book's rule (:func:`enhancelib.study.papers.uegan.judge`,
:mod:`enhancelib.study.judging`); the seed-0 paragraph of the longer budget keeps the descriptive sentences of
:func:`enhancelib.study.seed_groups.describe_longer_run` (where it ends among the five seeds, its curve).
"""
from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from enhancelib.data.benchmark import read_split
from enhancelib.metrics import psnr as image_psnr
from enhancelib.models.uegan import UEGANGenerator
from enhancelib.nn.precision import cpu_has_native_bfloat16
from enhancelib.study.adaptivity import NO_BRIGHTENING, exposure_change
from enhancelib.study.against_operators import groups_by_need
from enhancelib.study.chapter import ChapterParameters, chapter_run, processor_of
from enhancelib.study.compare import learned_method
from enhancelib.study.pages import test_pair
from enhancelib.study.papers.uegan import MAIN, ChapterRuns, Comparison, OPERATOR, judge
from enhancelib.study.judging import judge_pools
from enhancelib.study.seed_groups import describe_dense_evaluations, describe_longer_run, readable_dense_table
from enhancelib.study.speed_records import bf16_kept_or_missing, both_allocators
from enhancelib.viz import plot_dense_evaluations, plot_eval

__all__ = ["split_names", "exposure_needs", "dense_evaluations", "longer_budget_seed0", "seed0_against_autocontrast",
           "longer_budget_comparisons", "longer_budget_by_need", "steps_by_processor", "allocator_sentence",
           "bf16_speed_table", "bf16_speed_sentence", "paired_gains", "bf16_rounding", "bf16_rounding_sentence", "bf16_training"]

LONGER = "budget-3x"
"""The pool of the full recipe at three times the cpu preset's CPU budget."""


def split_names(part: str) -> list[str]:
    """The benchmark photos of one split ("train", "val", "test"), sorted."""
    return sorted(name for name, p in read_split().items() if p == part)


def exposure_needs(names: Sequence[str], side: int) -> pd.Series:
    """The exposure change (stops) from input to target of each photo (:func:`enhancelib.study.adaptivity.exposure_change`)."""
    return pd.Series({n: exposure_change(*test_pair(n, side)) for n in names})


def dense_evaluations(runs: ChapterRuns, every: int = 50) -> tuple[str, pd.DataFrame | None]:
    """The densely evaluated run beside the seeds evaluated every 250 steps: the figure, the table of
    :func:`enhancelib.study.seed_groups.validation_selection` and the paragraph (or the line for an absent run)."""
    dense = runs.pool_runs("dense-eval")
    if not dense:
        return (f"The densely evaluated run is {runs.missing}: `python -m enhancelib plan --chapter uegan --only "
                "dense-eval-seed0 --record` records it (30 CPU-minutes of training, about eight of evaluations)."), None
    text, table = describe_dense_evaluations(f"Evaluated every {every} steps", dense, runs.baseline_means)
    seeds = runs.pool_runs("full")
    plot_dense_evaluations({n: r.eval_log for n, r in dense.items()}, table, runs.input_psnr,
                           others={n: r.eval_log for n, r in seeds.items()},
                           title=f"test PSNR: {len(seeds)} seeds every 250 steps, one run every {every}\n"
                                 "(star: best validation PSNR)")
    plt.show()
    five = pd.Series([float(r.per_image["psnr"].mean()) for r in seeds.values()])
    pool = pd.Series([float(r.per_image["psnr"].mean()) for r in runs.pool_runs(MAIN).values()])
    text += (f"\n\nThe full recipe's final test PSNR: {five.mean():.2f} ± {five.std(ddof=1):.2f} dB over the "
             f"{len(five)} seeds, {pool.mean():.2f} ± {pool.std(ddof=1):.2f} dB over all {len(pool)} runs of the "
             "recipe (the main model's pool).")
    table = table.astype({"evaluations": int, "selected_step": int})
    return text, readable_dense_table(table, every)


def paired_gains(params: ChapterParameters, input_psnr: float) -> list[float]:
    """The test PSNR gain over the input of each recorded seed of chapter 02's paired GEN & LEN (never trained here)."""
    found = []
    with contextlib.redirect_stdout(io.StringIO()):
        for name in learned_method("glenet_paired").runs:
            run = chapter_run("glenet", name, params, train_missing=False)
            if run is not None:
                found.append(float(run.per_image["psnr"].mean()) - input_psnr)
    return found


def longer_budget_seed0(runs: ChapterRuns, paired_gains: Sequence[float], side: int) -> str:
    """Seed 0 at three times the budget beside the five seeds of the book's budget: where it ends, its test
    curve (drawn with theirs), its gain beside the paired upper bound's, the validation photos and the gains
    by what the test photos need."""
    long = runs.runs.get(f"{LONGER}-seed0")
    seeds = runs.pool_runs("full")
    if long is None or not seeds:
        return ""
    text = describe_longer_run("Three times the budget, seed 0", long, seeds, runs.baseline_means)
    plot_eval({n: r.eval_log for n, r in {**seeds, **runs.pool_runs(LONGER)}.items()}, "test_psnr",
              baselines={"input": runs.input_psnr,
                         "autocontrast": float(runs.baseline_means["psnr"]["autocontrast"])})
    plt.title("test PSNR during training: the book's budget (full-*) and three times it", fontsize=10)
    plt.show()
    gain = float(long.per_image["psnr"].mean()) - runs.input_psnr
    text += f"\n\nThis run gains {gain:+.2f} dB over the input."
    if paired_gains:
        text += (f" The paired GEN & LEN of chapter 02 gains {np.mean(paired_gains):+.2f} dB at the book's budget "
                 f"with (input, target) pairs (mean of {len(paired_gains)} seeds).")
    val = split_names("val")
    val_input = float(np.mean([image_psnr(*test_pair(n, side)) for n in val]))
    last = {n: float(r.eval_log.sort_values("step")["val_psnr"].iloc[-1]) for n, r in seeds.items()}
    own = float(long.eval_log.sort_values("step")["val_psnr"].iloc[-1])
    text += (f" On the {len(val)} validation photos, whose inputs score {val_input:.2f} dB, the last evaluation gives "
             f"{own:.2f} dB for this run ({own - val_input:+.2f}) and {min(last.values()):.2f}-{max(last.values()):.2f}"
             f" dB for the five seeds ({min(last.values()) - val_input:+.2f} to {max(last.values()) - val_input:+.2f});"
             " no choice is made on them, and the test split's score is the one the book reports.")
    need = {"validation": exposure_needs(val, side), "test": exposure_needs(split_names("test"), side)}
    text += " Exposure change from input to target: " + "; ".join(
        f"the {part} photos need {v.mean():+.2f} stops on average, and {int((v <= NO_BRIGHTENING).sum())} of "
        f"{len(v)} need no brightening (at most +{NO_BRIGHTENING} stop)" for part, v in need.items()) + "."
    return text + seed0_against_autocontrast(runs, need["test"])


def seed0_against_autocontrast(runs: ChapterRuns, needed: pd.Series) -> str:
    """Seed 0 of the longer budget against autocontrast photo by photo (the photos above it, and the book's rule
    on the one comparison), then the gains over the input of seed 0, the five seeds and autocontrast on the test
    photos that need brightening and on the others."""
    long, seeds = runs.runs[f"{LONGER}-seed0"], runs.pool_runs("full")
    assert long is not None
    ours = long.per_image.set_index("name")["psnr"]
    theirs = runs.baseline_images.query("method == 'autocontrast'").set_index("name")["psnr"].reindex(ours.index)
    d = judge_pools({"seed 0 − autocontrast": (long.per_image, runs.frame(OPERATOR + "autocontrast"))})
    d0 = d["seed 0 − autocontrast"]
    text = (f" Photo by photo this run is above autocontrast on {int((ours > theirs).sum())} of {len(ours)} test photos "
            f"({d0.mean_difference:+.2f} dB on average, 95% interval [{d0.low:+.2f}, {d0.high:+.2f}]: {d0.verdict}).")
    groups = {"this run": {"seed0": long}, **{n: {n: r} for n, r in seeds.items()}}
    table = groups_by_need(groups, runs.baseline_images, needed)
    parts = []
    for column in [c for c in table.columns if c.endswith(": gain")]:
        label, seed_gains = column[: -len(": gain")], table.loc[list(seeds), column]
        parts.append(f"on the test photos that {label}, this run {table.loc['this run', column]:+.2f} dB over the "
                     f"input, the {len(seeds)} seeds {seed_gains.min():+.2f} to {seed_gains.max():+.2f} dB, "
                     f"autocontrast {table.loc['autocontrast', column]:+.2f} dB")
    return text + (f" Gains by what the photos need (no brightening: at most +{NO_BRIGHTENING} stop): "
                   + "; ".join(parts) + ".")


def longer_budget_comparisons(runs: ChapterRuns) -> tuple[Comparison, ...]:
    """The longer budget's pool against the main model's and against the best classical operator (one family)."""
    best = runs.best_operator
    return (Comparison("three times the budget − the book's budget", LONGER, MAIN),
            Comparison(f"three times the budget − {best}", LONGER, OPERATOR + best))


def longer_budget_by_need(runs: ChapterRuns, needed: pd.Series) -> pd.DataFrame:
    """Gain over the input of the main model's pool, the longer budget's and autocontrast, on the test photos
    that need brightening and on the others (mean and sd over each pool's runs)."""
    table = groups_by_need({"the book's budget": runs.pool_runs(MAIN), "three times the budget": runs.pool_runs(LONGER)},
                           runs.baseline_images, needed)
    return table.rename(columns=lambda c: c.replace(": gain", ": Δ PSNR (dB)").replace(": sd", ": sd of Δ"))


def steps_by_processor(runs: ChapterRuns, pools: Sequence[str]) -> pd.DataFrame:
    """Per run of the pools: the processor its provenance names, the steps its CPU budget bought, its test PSNR."""
    rows = [{"run": name, "pool": pool, "processor": processor_of(run.provenance), "steps": run.provenance["steps"],
             "test PSNR": float(run.per_image["psnr"].mean())}
            for pool in pools for name, run in runs.pool_runs(pool).items()]
    return pd.DataFrame(rows).set_index("run")


def allocator_sentence(speed: pd.DataFrame) -> str:
    """What :func:`enhancelib.study.speed_records.allocator_comparison`'s table says about keeping freed memory."""
    kept = speed["ours, freed memory kept (ms)"]
    if not kept.notna().all():
        return "The recording with freed memory kept is missing: `python scripts/record_benchmarks.py bench_uegan` makes it."
    own, same = speed["ours kept / public's own figure"], speed["ours / public organisation, kept"]
    public = speed["public organisation, freed memory kept (ms)"].astype(float)
    verdict = ("not slower on either" if (own <= 1).all()
               else "still slower on the " + " and the ".join(own[own > 1].index))
    return (f"With freed memory kept, our forward takes {kept.iloc[0]:.0f} ms and our training step {kept.iloc[1]:.0f} "
            f"ms: {own.iloc[0]:.2f} x and {own.iloc[1]:.2f} x the public code's own 682 and 1289 ms, so ours is "
            f"{verdict}. That comparison is not like for like: the public code would gain from the same setting. Its "
            "organisation, rebuilt from our modules and timed in the same recording with freed memory kept, takes "
            f"{public.iloc[0]:.0f} and {public.iloc[1]:.0f} ms, and ours runs at {same.iloc[0]:.2f} x and "
            f"{same.iloc[1]:.2f} x of it.")


def bf16_speed_table() -> pd.DataFrame:
    """Forward and training-step medians (ms) in float32 and under bfloat16 autocast, from the two recordings of
    ``scripts/bench_uegan.py`` (default allocator, freed memory kept); NaN where a line is not recorded."""
    lines = {"forward float32 (ms)": "ours (inference_mode", "forward bfloat16 (ms)": "ours, bfloat16",
             "step float32 (ms)": "UEGANRecipe.train_step (", "step bfloat16 (ms)": "UEGANRecipe.train_step, amp"}
    return both_allocators("bench_uegan", lines)


def bf16_speed_sentence(table: pd.DataFrame) -> str:
    """What bfloat16 autocast buys on the forward pass and the training step, with freed memory kept."""
    kept, missing = bf16_kept_or_missing(table, "bench_uegan")
    if missing:
        return missing
    return (f"With freed memory kept, bfloat16 autocast takes the forward pass from {kept['forward float32 (ms)']:.0f} "
            f"to {kept['forward bfloat16 (ms)']:.0f} ms ({kept['forward bfloat16 (ms)'] / 682:.2f} x the public code's "
            f"682 ms) and the training step from {kept['step float32 (ms)']:.0f} to {kept['step bfloat16 (ms)']:.0f} ms "
            f"({kept['step bfloat16 (ms)'] / 1289:.2f} x the public code's 1289 ms, which was float32).")


def bf16_rounding(G: UEGANGenerator, quick: bool, side: int) -> tuple[pd.DataFrame, str]:
    """A trained generator's test outputs in float32 and under bfloat16 autocast: the PSNR between the two and
    each against the target. Without native bfloat16 (emulated, slow) a few photos at 128 px; on smoke two at 64."""
    test = split_names("test")
    native = cpu_has_native_bfloat16()
    photos, side = (test[:2], 64) if quick else (test, side) if native else (test[:4], 128)
    rows = []
    for name in photos:
        low, high = test_pair(name, side)
        with torch.no_grad():
            out32 = G.enhance(low[None])
            with torch.autocast("cpu", dtype=torch.bfloat16):
                out16 = G.enhance(low[None]).float()
        rows.append({"bf16 vs float32 output (dB)": image_psnr(out16, out32), "test PSNR float32": image_psnr(out32, high[None]),
                     "test PSNR bfloat16": image_psnr(out16, high[None])})
    where = "" if native else (f" (this CPU has no native bfloat16, so oneDNN emulates it, slowly: {len(rows)} photos "
                               f"at {side} px long side instead of the whole split)")
    return pd.DataFrame(rows), where


def bf16_rounding_sentence(rounding: pd.DataFrame, where: str) -> str:
    """How far bfloat16 inference moves a trained generator's output and its test PSNR."""
    apart = rounding["bf16 vs float32 output (dB)"]

    def db(v: float) -> str:
        return "identical in 8 bits" if np.isinf(v) else f"{v:.1f} dB"
    moved = (rounding["test PSNR bfloat16"] - rounding["test PSNR float32"]).mean()
    return (f"Inference of full-seed0 under bfloat16 autocast on {len(rounding)} test photos{where}: PSNR between its "
            f"output and the float32 output {db(apart.median())} (median; lowest {db(apart.min())}); the test PSNR "
            f"moves by {moved:+.3f} dB on average. `enhance` stays in float32.")


def bf16_training(runs: ChapterRuns, speed: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The bfloat16 runs (scores, steps, precision, allocator), judged against the main model's pool, and the CPU
    seconds per step of both beside the benchmark's ratio."""
    bf16, main = runs.pool_runs("bf16"), runs.pool_runs(MAIN)
    if not bf16:
        return pd.DataFrame(), [f"The bfloat16 runs are {runs.missing}: "
                                "`python -m enhancelib plan --chapter uegan --only bf16-seed0 --record`."]
    table = pd.DataFrame({n: {"our PSNR": float(r.per_image["psnr"].mean()), "our SSIM": float(r.per_image["ssim"].mean()),
                              "steps": str(r.provenance["steps"]), "precision": r.provenance.get("amp_dtype"),
                              "allocator": r.provenance.get("allocator")} for n, r in bf16.items()}).T
    psnr16 = table["our PSNR"].astype(float)
    psnr32 = pd.Series([float(r.per_image["psnr"].mean()) for r in main.values()])
    lines = [f"bfloat16: {psnr16.mean():.2f} ± {psnr16.std(ddof=1):.2f} dB over {len(psnr16)} seeds after "
             f"{'/'.join(table['steps'])} steps; float32: {psnr32.mean():.2f} ± {psnr32.std(ddof=1):.2f} dB over "
             f"{len(psnr32)} runs (the main model's pool), same CPU budget."]
    judged = judge(runs, (Comparison("bfloat16 − float32", "bf16", MAIN),))[0]
    d = judged.difference
    if d is not None:
        lines.append(f"bfloat16 − float32 (the main model's pool), {judged.seeds_a} against {judged.seeds_b} runs at the "
                     f"same CPU budget: {d.mean_difference:+.2f} dB per photo, 95% interval [{d.low:+.2f}, "
                     f"{d.high:+.2f}]: {d.verdict}.")

    def per_step(pool: Mapping[str, object]) -> float:
        return float(np.median([runs.runs[n].provenance["train_cpu_seconds"] / runs.runs[n].provenance["steps"]  # type: ignore[union-attr]
                                for n in pool]))
    if main:
        ratio = per_step(bf16) / per_step(main)
        kept = speed.loc["freed memory kept"]
        bench = kept["step bfloat16 (ms)"] / kept["step float32 (ms)"]
        lines.append(f"CPU seconds per step in the records: {per_step(bf16):.2f} in bfloat16 and {per_step(main):.2f} "
                     f"in float32 (ratio {ratio:.2f}), where the benchmark measures {bench:.2f}. "
                     + ("So in the recorded runs bfloat16 did not buy the extra steps that the benchmark promises."
                        if ratio > bench + 0.15 else "The records and the benchmark agree on the saving."))
    return table, lines
