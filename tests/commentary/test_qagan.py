"""The figures quoted in the prose of chapter 03 (QAGAN), recomputed from the records (see quotes.py)."""
from __future__ import annotations

import pytest

from enhancelib.recipes.qagan import QAGAN_PAPER_STEPS
from enhancelib.study.seed_groups import validation_selection
from tests.commentary.quotes import (assert_quotes, baseline_psnr, commentary, evaluations, final_scores, largest_move, run)


# ---- chapter 03: QAGAN

def test_qagan_three_times_the_budget_commentary():
    log = evaluations("qagan", "budget-3x-seed0")
    steps = run("qagan", "budget-3x-seed0").metrics["steps"]
    mid = log[log["step"].isin([250, 500])]["test_psnr"].round(1).unique()
    assert len(mid) == 1, "the text gives one value for steps 250 and 500"
    assert_quotes(
        "lab_03_qagan.ipynb", "budget-comment",
        f"took {steps} steps", f"the test PSNR was {mid[0]:.1f} dB", f"it was {log['test_psnr'].iloc[-1]:.1f} dB",
        f"{steps} steps are {100 * steps / QAGAN_PAPER_STEPS:.1f} % of the paper's {QAGAN_PAPER_STEPS:,}",
    )
    seed_steps = [run("qagan", f"full-seed{s}").metrics["steps"] for s in range(3)]
    assert 2 <= steps / max(seed_steps) and steps / min(seed_steps) <= 3, "'two to three times as many'"

def test_qagan_dense_evaluation_commentary():
    logs = [evaluations("qagan", f"dense-eval-seed{s}") for s in (0, 1)]
    summary = [validation_selection(log) for log in logs]
    move, start, end, _ = largest_move(logs[1])
    assert abs(move) == max(abs(largest_move(log)[0]) for log in logs)
    last_two = logs[1].tail(2)
    five = final_scores("qagan", [f"full-seed{s}" for s in range(3)] + ["dense-eval-seed0", "dense-eval-seed1"])
    three = five.iloc[:3]
    assert_quotes(
        "lab_03_qagan.ipynb", "dense-comment",
        f"moved by {summary[0]['mean_step_change']:.1f} dB (seed 0) and {summary[1]['mean_step_change']:.1f} dB (seed 1)",
        f"The largest move was {abs(move):.1f} dB: seed 1 stood at {logs[1]['test_psnr'][logs[1]['step'] == start].item():.1f} "
        f"dB at step {start} and at {logs[1]['test_psnr'][logs[1]['step'] == end].item():.1f} dB at step {end}",
        f"seed 1 fell from {last_two['test_psnr'].iloc[0]:.1f} to {last_two['test_psnr'].iloc[1]:.1f} dB over its last "
        f"{last_two['step'].iloc[1] - last_two['step'].iloc[0]} steps",
        f"end {five['dense-eval-seed0'] - five['full-seed0']:.1f} dB apart ({five['dense-eval-seed0']:.2f} and "
        f"{five['full-seed0']:.2f} dB)",
        f"within {three.max() - three.min():.1f} dB of each other",
        f"spreads over {five.max() - five.min():.1f} dB",
        f"its standard deviation is about {five.std(ddof=1):.0f} dB",
        f"(rank correlation {summary[0]['spearman_val_test']:.2f} and {summary[1]['spearman_val_test']:.2f})",
        f"{summary[0]['selected_test_psnr']:.2f} dB (seed 0, step {summary[0]['selected_step']:.0f}) and "
        f"{summary[1]['selected_test_psnr']:.2f} dB (seed 1, step {summary[1]['selected_step']:.0f})",
        f"by {summary[0]['selected_test_psnr'] - baseline_psnr('autocontrast'):.2f} dB, autocontrast's PSNR",
    )

def test_qagan_identity_commentary():
    eq9 = final_scores("qagan", [f"full-seed{s}" for s in range(3)] + ["dense-eval-seed0", "dense-eval-seed1"])
    weight25 = final_scores("qagan", [f"hq-identity-25-seed{s}" for s in range(3)])
    weight5 = final_scores("qagan", [f"hq-identity-5-seed{s}" for s in range(3)])
    text = commentary("lab_03_qagan.ipynb", "hq-identity-comment")
    assert "all three seeds end below eq. 9's mean, by about 2 dB, and close together" in text
    assert weight25.max() < eq9.mean() and 1.5 <= eq9.mean() - weight25.mean() <= 2.5
    assert weight25.std(ddof=1) < eq9.std(ddof=1) / 2, "'close together' (against eq. 9's spread)"
    assert "One seed ends a little above the input's PSNR, another far below it, and their mean is level with" in text
    inputs = baseline_psnr("input")
    assert 0 < weight5.max() - inputs <= 0.5 and inputs - weight5.min() >= 2
    assert abs(weight5.mean() - eq9.mean()) <= 0.5, "'level with eq. 9's' mean"
    steps = {s: run("qagan", f"hq-identity-5-seed{s}").metrics["steps"] for s in range(3)}
    assert "took about a third fewer steps" in text
    assert all(0.55 <= steps[s] / steps[0] <= 0.75 for s in (1, 2)), "'about a third fewer steps' than seed 0"

def test_qagan_bf16_answer():
    from enhancelib.study.judging import judge_pools, pool_per_image, seed_pool
    from enhancelib.study.papers.qagan import main_pool

    bf16 = [run("qagan", f"bf16-seed{s}").metrics["steps"] for s in range(3)]
    fp32 = [run("qagan", n).metrics["steps"] for n in main_pool()]
    final = final_scores("qagan", list(main_pool()))
    judged = judge_pools({"bf16": (pool_per_image("qagan", seed_pool("qagan", "bf16")),
                                   pool_per_image("qagan", list(main_pool())))})["bf16"]
    assert judged.verdict == "A better", "'the bfloat16 pool scores higher than the float32 pool'"
    assert round(sum(bf16) / 3, -1) == 470
    assert_quotes("lab_03_qagan.ipynb", "bf16-comment", "about 470 steps", f"instead of {min(fp32)}-{max(fp32)}",
                  "the bfloat16 pool scores higher than the float32 pool",
                  f"final scores lie {final.max() - final.min():.1f} dB apart")


# ---- the chapter's own prose

def _judged(pairs):
    from enhancelib.study.judging import judge_pools, pool_per_image

    return judge_pools({k: (pool_per_image("qagan", a), pool_per_image("qagan", b)) for k, (a, b) in pairs.items()})


def test_qagan_title_quotes_table_1():
    from enhancelib.study.papers.qagan import TABLE_1, paper_row

    row = paper_row("QAGAN (Ours)")
    assert_quotes("03_qagan.ipynb", "title", f"reports {row.psnr:.2f} dB PSNR and {row.ssim:.4f} SSIM",
                  "the best of six unpaired methods in its Table 1")
    others = [r for r in TABLE_1 if r.method not in ("Input", row.method)]
    assert len(others) == 5 and all(r.psnr < row.psnr and r.ssim < row.ssim for r in others)


def test_qagan_ablation_commentary_follows_the_judged_differences():
    from enhancelib.study.judging import seed_pool
    from enhancelib.study.papers.qagan import main_pool

    full = list(main_pool())
    judged = _judged({name: (seed_pool("qagan", name), full) for name in ("no-spatial", "no-stat", "no-qam")})
    assert judged["no-qam"].verdict == judged["no-spatial"].verdict == "A better"
    assert judged["no-stat"].verdict == "B better"
    assert_quotes("03_qagan.ipynb", "ablation-comment", "Without the whole QAM, and without its spatial",
                  "score higher than QAGAN's pool", "the run scores lower")
    assert len(full) == 5
    assert_quotes("03_qagan.ipynb", "ablations", "QAGAN's fixed pool of five runs")
    final = final_scores("qagan", full)
    assert final.max() - final.min() > 2, "'spread by decibels'"
    assert_quotes("03_qagan.ipynb", "summary", "QAGAN ends below its input on average, and removing the QAM or its "
                  "attention does not hurt")
    assert final.mean() < baseline_psnr("input")


def test_qagan_conclusion_on_the_lab_studies():
    from enhancelib.study.judging import pool_per_image, seed_pool
    from enhancelib.study.papers.qagan import main_pool

    inputs = baseline_psnr("input")
    assert final_scores("qagan", ["budget-3x-seed0"]).iloc[0] < inputs
    assert pool_per_image("qagan", seed_pool("qagan", "bf16"))["psnr"].mean() < inputs
    chosen = [validation_selection(evaluations("qagan", f"dense-eval-seed{s}"))["selected_test_psnr"] for s in (0, 1)]
    assert abs(sum(chosen) / 2 - inputs) < 0.25, "'only level with the input on average'"
    from enhancelib.study.term_gradients import load_term_gradients

    for name in ("full-seed1", "full-seed2"):
        pull = load_term_gradients(run("qagan", name).path)["weighted_grad_norm"]
        assert pull["g_cycle"] > pull["g_adv_high"], "'the cycle term, not the adversarial one, pulls hardest'"
    steps = [run("qagan", n).metrics["steps"] for n in main_pool()]
    assert 0.005 < sum(steps) / len(steps) / QAGAN_PAPER_STEPS < 0.015
    assert_quotes("03_qagan.ipynb", "summary", "at about one percent of the paper's steps")
    assert_quotes("03_qagan.ipynb", "conclusion", "brings it only level with the input on average",
                  "the cycle term, not the")


def test_qagan_decisions_table_matches_the_code():
    import inspect

    from enhancelib.config import resolve_preset
    from enhancelib.models.qagan import QAGAN
    from enhancelib.recipes.qagan import QAGANOptions, QAGANRecipe

    cpu = resolve_preset("cpu")
    chunk = inspect.signature(QAGAN).parameters["attention_chunk"].default
    text = commentary("03_qagan.ipynb", "decisions")
    assert QAGAN_PAPER_STEPS == 28_050 and f"({QAGAN_PAPER_STEPS:,} steps)" in text
    assert f"chunks of {chunk} query rows" in text
    assert f"batch {cpu.batch_size}, crops {cpu.crop} → {cpu.train_size}" in text
    assert f"betas {QAGANRecipe.betas}" in text
    assert QAGANRecipe.betas == (0.5, 0.999) and QAGANOptions().lr == 1e-4 and QAGANOptions().identity_weight == 0
    assert QAGANOptions().cycle_reference == "own" and "`cycle_reference=\"own\"`" in text
    assert cpu.budget_cpu_seconds == 30 * 60 and "30 CPU-minutes" in text


def test_qagan_memory_summary():
    from enhancelib.viz.attention import attention_matrix_mib

    relu4, relu5 = attention_matrix_mib((384, 512), 8), attention_matrix_mib((384, 512), 16)
    assert 10 <= relu4 < 100 and relu4 / relu5 == 16
    assert attention_matrix_mib((1024, 1024), 8) == 1024, "'a GiB only at about a megapixel'"
    assert_quotes("03_qagan.ipynb", "memory-summary", "the relu4_1 matrix takes tens of MiB",
                  "16 times less", "reaches a GiB only at about a megapixel")


def test_qagan_hinge_is_bounded_below_not_above_and_the_check_output_is_a_tag():
    import json

    import torch

    from enhancelib.losses.relativistic import rahinge_terms
    from tests.commentary.quotes import REPO

    real = torch.tensor([5.0, 6.0], requires_grad=True)
    fake = torch.tensor([-5.0, -6.0], requires_grad=True)
    real_term, fake_term = rahinge_terms(real, fake)
    (real_term + fake_term).backward()
    assert real_term.item() == fake_term.item() == 0 and real.grad.abs().sum() == 0, "no gradient past the margin"
    for scale in (10.0, 1000.0):   # a confident wrong discriminator: the loss grows without bound
        wrong = rahinge_terms(torch.tensor([-scale]), torch.tensor([scale]))
        assert wrong[0].item() == pytest.approx(1 + 2 * scale)
    assert_quotes("03_qagan.ipynb", "decisions", "the hinge is bounded below, not above, and gives no gradient to a "
                  "sample already past its margin")
    cells = json.loads((REPO / "notebooks" / "03_qagan.ipynb").read_text())["cells"]
    check = next(c for c in cells if c["id"] == "arch-check")
    assert "nbval-check-output" in check["metadata"]["tags"]
    assert not any("NBVAL" in "".join(c["source"]) for c in cells)


def test_cycle_reference_commentary():
    """The shuffled reference's runs against the own reference's, seed by seed, as the commentary quotes them."""
    import json as _json

    shuffled = {s: run("qagan", f"cycle-shuffled-seed{s}") for s in range(3)}
    own = {s: run("qagan", f"full-seed{s}") for s in range(3)}
    collapsed = shuffled[0]
    final = _json.loads((collapsed.path / "eval_log.jsonl").read_text().splitlines()[0])
    assert final["test_white"] > 0.99 and final["test_black"] > 0.99   # white from the first evaluation on
    last = _json.loads((collapsed.path / "train_log.jsonl").read_text().splitlines()[-1])
    assert last["d_high"] < 0.01                                        # "its discriminator's loss fell to zero"
    assert_quotes("03_qagan.ipynb", "cycle-comment", f"({collapsed.metrics['test']['psnr']:.2f} dB on the test split",
                  f"seeds 1 and 2 score {shuffled[1].metrics['test']['psnr']:.2f} and "
                  f"{shuffled[2].metrics['test']['psnr']:.2f} dB against {own[1].metrics['test']['psnr']:.2f} and "
                  f"{own[2].metrics['test']['psnr']:.2f} dB")


def test_qagan_lab_memory_commentary():
    import inspect

    from enhancelib.models.qagan import QAGAN
    from enhancelib.study.papers.qagan_attention import measure_attention_memory
    from enhancelib.viz.attention import RELIABLE_ABOVE_MIB

    chunk = inspect.signature(QAGAN).parameters["attention_chunk"].default
    measured_chunk = inspect.signature(measure_attention_memory).parameters["chunk"].default
    assert RELIABLE_ABOVE_MIB == 32 and (512 // 8) ** 2 == chunk
    assert_quotes("lab_03_qagan.ipynb", "memory-measure", "blocks below about 32 MiB unseen",
                  f"in chunks of {measured_chunk} query rows")
    assert_quotes("lab_03_qagan.ipynb", "memory-comment", f"chunks of {chunk} query positions: one chunk up to "
                  "relu4_1 of a 512 × 512 image")


def test_three_sets_commentary():
    from tests.commentary.quotes import flat_and_identity_quotes

    assert_quotes("03_qagan.ipynb", "qagan-three-sets-reading", *flat_and_identity_quotes("qagan", "full-seed0"))


def test_variant_commentary():
    from enhancelib.study.test_sets import chapter_test_set_table

    variant_run, main_run = "cycle-4-budget-3x-seed0", "full-seed0"
    table = chapter_test_set_table("qagan", runs=[main_run, variant_run],
                                   labels={variant_run: "variant", main_run: "main"})
    variant, main, source = (table.loc[k] for k in ("variant", "main", "input"))
    edit = ("identity", "edit (levels)")
    assert run("qagan", variant_run).config["options"]["lambda_cc"] == 4.0
    assert_quotes("03_qagan.ipynb", "qagan-three-sets-reading",
                  f"(one seed, {run('qagan', variant_run).metrics['steps']} steps)",
                  f"keeps the input's SSIM ({variant[('flat', 'SSIM')]:.3f}) at {variant[('flat', 'PSNR')]:.2f} dB",
                  f"less hazy than the recipe ({variant[('flat', 'haze')]:.3f} against {main[('flat', 'haze')]:.3f})",
                  f"edits by {variant[edit]:.1f} levels",
                  f"({variant[('test', 'PSNR')]:.2f} dB against {source[('test', 'PSNR')]:.2f})")
    assert variant[("flat", "SSIM")] >= source[("flat", "SSIM")] and variant[("flat", "haze")] < main[("flat", "haze")]
    assert abs(variant[edit] - main[edit]) < 0.1 * main[edit]                        # "as the recipe does"
    assert variant[("test", "PSNR")] < source[("test", "PSNR")]                      # "stays below the input"
