"""The figures quoted in the prose of chapter 02 (GleNet), recomputed from the records (see quotes.py)."""
from __future__ import annotations



from scipy import stats

from enhancelib.inference import load_run_enhancer
from tests.commentary.quotes import (exposure_needs, assert_quotes, baselines, commentary, evaluations, final_scores, run, signed)


# ---- chapter 02: GleNet

def _stage_two_start(name: str) -> int:
    """First logged step of stage 2 (LEN's losses appear in the training log, which has a row every 10 steps)."""
    log = run("glenet", name).train_log
    return int(log.loc[log["len_loss"].notna(), "step"].min())


def test_glenet_three_times_the_budget_commentary():
    name = "unpaired-budget-3x-seed0"
    log = evaluations("glenet", name)
    stage2 = _stage_two_start(name)
    stage1 = log[log["step"] < stage2]
    late = stage1[stage1["step"] >= 1000]["test_psnr"]
    seeds = [f"unpaired-seed{s}" for s in range(3)]
    seed_stage2 = [_stage_two_start(n) for n in seeds]
    final = run("glenet", name).metrics["test"]
    seed_ssim = final_scores("glenet", seeds, "ssim").mean()
    inputs = baselines().query("method == 'input'")
    assert_quotes(
        "02_glenet.ipynb", "budget-comment",
        f"Stage 1 now lasts about {stage2:,} steps instead of {min(seed_stage2)}-{max(seed_stage2)}",
        f"from {log['test_psnr'][0]:.2f} dB at step {log['step'][0]}",
        f"between {late.min():.2f} and {late.max():.2f} dB from step 1,000 on",
        f"from {stage1['test_psnr'].iloc[-1]:.2f} dB at the last evaluation of stage 1) to {final['psnr']:.2f} dB",
        f"SSIM stays at {final['ssim']:.3f}, below the seeds' {seed_ssim:.3f} and far below the input's "
        f"{inputs['ssim'].mean():.3f}",
    )
    assert final["psnr"] > final_scores("glenet", seeds).max(), "'above all three book-budget seeds'"


def test_glenet_layer_norm_critics_commentary():
    from enhancelib.data.benchmark import degradation_of, degraded_pair
    from enhancelib.study.adaptivity import adaptivity_summary, exposure_changes

    names, seeds = [f"critic-layer-norm-seed{s}" for s in range(3)], [f"unpaired-seed{s}" for s in range(3)]
    name = names[0]
    ln = {n: run("glenet", n) for n in names}
    inputs = baselines().query("method == 'input'").set_index("name")
    scores, ln_scores = final_scores("glenet", seeds), final_scores("glenet", names)
    ssim_bn, ssim_ln = final_scores("glenet", seeds, "ssim"), final_scores("glenet", names, "ssim")
    need = exposure_needs("test")
    gain = lambda r, photos: float((r.per_image.set_index("name")["psnr"] - inputs["psnr"])[photos].mean())  # noqa: E731
    up, none = need[need > 0.05].index, need[need <= 0.05].index
    seed_up, seed_none = [gain(run("glenet", n), up) for n in seeds], [gain(run("glenet", n), none) for n in seeds]
    ln_up, ln_none = [gain(r, up) for r in ln.values()], [gain(r, none) for r in ln.values()]
    seed_steps = [run("glenet", n).metrics["steps"] for n in seeds]
    ln_steps = [r.metrics["steps"] for r in ln.values()]
    stage1, ln_stage1 = [_stage_two_start(n) for n in seeds], [_stage_two_start(n) for n in names]
    at = lambda n, step: float(evaluations("glenet", n).set_index("step").loc[step, "test_psnr"])  # noqa: E731
    at500, ln500 = [at(n, 500) for n in seeds], [at(n, 500) for n in names]
    input_psnr = inputs["psnr"].mean()
    welch = stats.ttest_ind(ln_scores, scores, equal_var=False)
    assert_quotes(
        "02_glenet.ipynb", "critic-norm-comment",
        f"the three seeds lose {-max(ln_none):.2f} to {-min(ln_none):.2f} dB on the {len(none)} test photos that "
        f"need no brightening (the paper's seeds: {-max(seed_none):.2f} to {-min(seed_none):.2f} dB) and gain "
        f"{signed(min(ln_up))} to {signed(max(ln_up))} dB on the {len(up)} that do ({signed(min(seed_up))} to "
        f"{signed(max(seed_up))} dB)",
        f"Seed 0 ends at {ln_scores[names[0]]:.2f} dB, above the input ({input_psnr:.2f} dB); seeds 1 and 2 end at "
        f"{ln_scores[names[1]]:.2f} and {ln_scores[names[2]]:.2f} dB, below it",
        f"Over the three seeds, {ln_scores.mean():.2f} ± {ln_scores.std(ddof=1):.2f} dB against the paper's critics' "
        f"{scores.mean():.2f} ± {scores.std(ddof=1):.2f} dB (Welch's p = {welch.pvalue:.2f})",
        f"SSIM, {ssim_ln.mean():.3f} against {ssim_bn.mean():.3f}, stays below the input's {inputs['ssim'].mean():.3f}",
        f"{ln_steps[0]} steps, stage 1 ending at step {ln_stage1[0]}",
        f"{ln_steps[1]} and {ln_steps[2]} steps, stage 1 ending at {ln_stage1[1]} and {ln_stage1[2]}",
        f"({min(seed_steps)}-{max(seed_steps)} steps, {min(stage1)}-{max(stage1)})",
        f"At step 500 all three layer-norm seeds stood at {min(ln500):.2f}-{max(ln500):.2f} dB, above the paper's "
        f"seeds' {min(at500):.2f}-{max(at500):.2f} dB",
        f"to {at(names[1], 750):.2f} and {at(names[2], 750):.2f} dB at step 750, while seed 0 held "
        f"{at(names[0], 750):.2f} dB",
    )
    assert max(ln_none) < 0 and min(ln_none) > max(seed_none) and max(ln_up) < min(seed_up), "'every seed makes a smaller edit'"
    assert ln_scores[names[0]] > input_psnr > ln_scores[names[1:]].max(), "seed 0 above the input, seeds 1 and 2 below"
    assert welch.pvalue > 0.05, "'not separated'"
    assert max(ssim_ln.max(), ssim_bn.max()) < inputs["ssim"].mean(), "SSIM below the input's 'in every seed of both'"
    assert min(ln500) > max(at500), "'above the paper's seeds' at step 500"
    assert at(names[1], 750) < at(names[1], 500) and at(names[2], 750) < at(names[2], 500), "'seeds 1 and 2 then fell'"
    assert [r.provenance.get("cpu_vector_isa") for r in ln.values()] == ["AVX2", "AVX512", "AVX512"], "the processors"
    # the exposure changes, measured as the chapter does (seed 0 of each, at the evaluation size)
    pairs = {n: tuple(t.float() / 255 for t in degraded_pair(n, 512, degradation_of(n))) for n in need.index}
    nets = {label: load_run_enhancer(run("glenet", r).path) for label, r in (("ln", name), ("bn", "unpaired-seed0"))}
    table = adaptivity_summary(exposure_changes(pairs, {k: (lambda e: lambda x: e(x[None])[0].clamp(0, 1))(e)
                                                        for k, e in nets.items()}))
    assert_quotes(
        "02_glenet.ipynb", "critic-norm-comment",
        f"needed one is {table.loc['ln', 'slope']:.2f} (the paper's critics, seed 0: {table.loc['bn', 'slope']:.2f})",
        f"{signed(table.loc['ln', 'mean applied (stops)'])} stops on average instead of "
        f"{signed(table.loc['bn', 'mean applied (stops)'])}",
    )

# ---- the identity-term runs (chapters 02 and 03): statements in words, checked with the words' tolerance

def test_glenet_identity_weight_5_commentary():
    weight5 = final_scores("glenet", [f"hq-identity-5-seed{s}" for s in range(3)])
    paper = final_scores("glenet", [f"unpaired-seed{s}" for s in range(3)])
    text = commentary("02_glenet.ipynb", "hq-identity-comment")
    assert "all three seeds end below the paper's lowest seed, about a decibel lower on average" in text
    assert weight5.max() < paper.min()
    assert 0.75 <= paper.mean() - weight5.mean() <= 1.25, "'about a decibel lower on average'"
    steps = {s: run("glenet", f"hq-identity-5-seed{s}").metrics["steps"] for s in range(3)}
    assert "took about a third fewer steps" in text
    assert all(0.55 <= steps[s] / steps[0] <= 0.75 for s in (1, 2)), "'about a third fewer steps' than seed 0"
