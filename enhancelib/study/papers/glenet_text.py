"""GleNet's sentences, each built from a typed result of the other ``glenet_*`` modules (printed with ``say``)."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from enhancelib.study.judging import named_verdict
from enhancelib.study.papers.glenet import CpuSetting
from enhancelib.study.papers.glenet_checks import (LookupCost, ResolutionCheck, StartScores, initial_share,
                                                   warm_up_reaches)
from enhancelib.study.papers.glenet_figures import stage2_start
from enhancelib.study.papers.glenet_tables import PAPER_DELTAS
from enhancelib.study.statistics import Difference

__all__ = ["lookup_cost_text", "start_text", "resolution_text", "slider_caption", "ema_text", "upper_bound_text", "cpu_setting_note", "stage1_text",
           "fig5_text", "collapse_text", "exposure_text", "ceiling_text", "claim_outcome", "named_verdict",
           "verdict_lines"]


def lookup_cost_text(cost: LookupCost | None) -> str:
    """What the recorded benchmark says the three look-ups cost on a camera-size photo."""
    if cost is None:
        return "The look-up benchmark is not recorded yet: `python scripts/record_benchmarks.py bench_glenet` records it."
    s = cost.seconds
    return (f"Recorded, {cost.width} × {cost.height} photo: chunked look-up {s['chunked gather (ours)']:.3f} s, plain "
            f"`torch.gather` {s['plain torch.gather']:.3f} s, one-hot eq. (1) {s['one-hot eq. (1)']:.1f} s (extrapolated "
            f"from a crop), {s['one-hot eq. (1)'] / s['chunked gather (ours)']:.0f} times the chunked look-up. The image "
            f"takes {cost.image_bytes / 1e6:.0f} MB in float32, its one-hot tensor {cost.one_hot_bytes / 1e9:.1f} GB.")


def start_text(scores: StartScores) -> str:
    """The two starts of an untrained GEN, scored on a few test pairs."""
    p, j = scores.psnr, scores.jaggedness
    return (f"Untrained GEN on the first {scores.photos} test pairs: the public start scores {p['public start']:.2f} dB "
            f"with jagged curves (mean |second difference| {j['public start']:.4f}); the identity start "
            f"{p['identity start']:.2f} dB with straight ones ({j['identity start']:.4f}); the input {p['input']:.2f} dB.")


def resolution_text(check: ResolutionCheck, photo: str) -> str:
    """Both halves of GEN's resolution argument, measured."""
    return (f"{photo} at long side {check.sides[0]} and {check.sides[1]}: the untrained GEN's curves differ by at most "
            f"{check.curve_difference:.4f} (they range over [0, 1]). Target -> 256 × 256 -> back: "
            f"{check.round_trip_psnr:.2f} dB against the target (mean over {check.photos} test photos).")


def slider_caption(name: str, input_psnr: float, output_psnr: float) -> str:
    """The line above a slider: the photo, the input's PSNR and the paired model's."""
    return (f"**{name}**: input {input_psnr:.2f} dB, paired GEN & LEN (recorded) {output_psnr:.2f} dB "
            f"({output_psnr - input_psnr:+.2f} dB)")


def ema_text(steps: pd.Series, decay: float) -> str:
    """How much weight a plain and a warmed-up moving average leave on the initial weights, over the runs' steps."""
    if not decay:
        return "This preset evaluates the last step's weights (no moving average)."
    if steps.empty:
        return "No run is available."
    low, high = int(steps.min()), int(steps.max())
    return (f"The chapter's runs take {low} to {high} steps. A plain {decay} average would still give the initial "
            f"weights {initial_share(low, decay, False):.0%} to {initial_share(high, decay, False):.0%} of the weight; "
            f"with the warm-up at most {initial_share(low, decay, True):.0e}. The warm-up reaches {decay} at step "
            f"{warm_up_reaches(decay):,}.")


def upper_bound_text(runs: Mapping[str, Any], input_psnr: float) -> str:
    """The paired GEN & LEN pool as the comparison chapter's upper bound (runs: its recorded seeds)."""
    if not runs:
        return "The paired GEN & LEN runs are not available: the comparison chapter has no upper bound yet."
    psnr = pd.Series({n: float(r.per_image["psnr"].mean()) for n, r in runs.items()})
    each = ", ".join(f"{v:.2f}" for v in psnr)
    steps = ", ".join(str(r.provenance["steps"]) for r in runs.values())
    spread = f" ± {psnr.std(ddof=1):.2f}" if len(psnr) > 1 else ""
    return (f"**The paired upper bound.** Paired GEN & LEN reaches {psnr.mean():.2f}{spread} dB over {len(psnr)} "
            f"seed(s) ({each} dB after {steps} steps), against {input_psnr:.2f} dB for the input. It sees the targets, "
            "which no unpaired method does: the comparison chapter uses it as the upper bound at this budget.")


def cpu_setting_note(settings: Sequence[CpuSetting]) -> str:
    """The note under a results table: how the book's rows depart from the paper's setting on the ``cpu`` preset."""
    options = dict.fromkeys(f"`{k}={v!r}`" for s in settings for k, v in s.options.items())
    ours = []
    if any(s.len_zero_start for s in settings):
        ours.append("LEN's last convolution starts at zero")
    if any(s.batch_norm_recalibrated for s in settings):
        ours.append("batch-norm statistics are re-estimated on 64 whole training photos before every evaluation")
    text = "Our rows are not the paper's setting."
    if options:
        text += f" On the cpu preset the runs set {', '.join(options)} (the gpu preset keeps the paper's values)."
    if ours:
        text += " On every preset " + " and ".join(ours) + "."
    return text + " The decisions table gives the reasons."


def stage1_text(run: Any) -> str:
    """GEN alone at the last evaluation of stage 1 (LEN still zero) against the finished GEN & LEN of a run."""
    start = stage2_start(run.train_log)
    before = run.eval_log[run.eval_log["step"] <= start] if start is not None else run.eval_log.iloc[:0]
    if before.empty:
        return "No evaluation of stage 1 is recorded."
    last, test = before.iloc[-1], run.metrics["test"]
    return (f"{run.path.name}, GEN alone at the end of stage 1 (evaluation at step {int(last['step'])}, stage 2 from "
            f"step {start}): {last['test_psnr']:.2f} dB / {last['test_ssim']:.4f}; the finished GEN & LEN: "
            f"{test['psnr']:.2f} dB / {test['ssim']:.4f}.")


def fig5_text(gen_log: pd.DataFrame, pixel_log: pd.DataFrame) -> str:
    """When GEN first passes the best test PSNR the pixel-wise baseline ever reached."""
    best = pixel_log.iloc[int(pixel_log["test_psnr"].to_numpy().argmax())]
    above = gen_log[gen_log["test_psnr"] > best["test_psnr"]]
    when = (f"at step {int(above['step'].iloc[0])} ({above['cpu_time'].iloc[0] / 60:.1f} CPU minutes)" if len(above)
            else "at no evaluated step")
    return (f"Best test PSNR of the pixel-wise baseline: {best['test_psnr']:.2f} dB (step {int(best['step'])} of "
            f"{int(pixel_log['step'].max())}); GEN first exceeds it {when}.")


def collapse_text(run: Any, label: str) -> str | None:
    """A run whose test PSNR ends more than 3 dB below its first evaluation: how it fell (None otherwise)."""
    log = run.eval_log
    if len(log) < 2 or log["test_psnr"].iloc[-1] >= log["test_psnr"].iloc[0] - 3:
        return None
    first, worst, last = log.iloc[0], log.loc[log["test_psnr"].idxmin()], log.iloc[-1]
    return (f"**{label} falls apart during training**: {first['test_psnr']:.2f} dB at the first evaluation (step "
            f"{int(first['step'])}), {worst['test_psnr']:.2f} dB at its lowest (step {int(worst['step'])}), "
            f"{last['test_psnr']:.2f} dB at the end (step {int(last['step'])}). A stored sample (input | output | target):")


def exposure_text(adapt: pd.DataFrame, needed: pd.Series, gains: Mapping[str, Mapping[str, tuple[int, float]]],
                  degrade: pd.DataFrame | None, run: Any = None) -> str:
    """What the exposure study measured: one global change against what each photo needs.

    ``run`` (the unpaired run measured) gives the number of generator updates of its stage 1.
    """
    u = adapt.loc["unpaired GEN & LEN"]
    text = (f"**Measured.** The unpaired GEN & LEN (seed 0) applies {u['mean applied (stops)']:+.2f} ± "
            f"{u['sd applied']:.2f} stops while the photos need {needed.mean():+.2f} ± {needed.std(ddof=0):.2f} (from "
            f"{needed.min():+.2f} to {needed.max():+.2f}): slope {u['slope']:.2f} on the needed change, one change for "
            "every photo.")
    if "paired GEN & LEN" in adapt.index:
        p = adapt.loc["paired GEN & LEN"]
        text += f" The paired model follows the photos (slope {p['slope']:.2f}, correlation {p['correlation']:.2f})."
    text += (" Autocontrast, from each photo's own histogram, reaches slope "
             f"{float(adapt.loc['autocontrast', 'slope']):.2f}.")
    if degrade is not None:
        learned, truth = degrade["G_d"], degrade["benchmark degradation"]
        text += (f" $G_d$ darkens clean photos by {learned.mean():+.2f} ± {learned.std():.2f} stops "
                 f"(the benchmark: {truth.mean():+.2f} ± {truth.std():.2f}).")
    start = stage2_start(run.train_log) if run is not None else None
    if start is not None:
        n_critic = int(run.spec.resolved_options()["n_critic"])
        text += (f" Stage 1 gave $G_e$ about {start // n_critic} updates ({start} mini-batches, {n_critic} critic "
                 "steps each).")
    for method, split in gains.items():
        (n0, g0), (n1, g1) = split["no brightening"], split["brightening"]
        text += (f" {method}: {g0:+.2f} dB from the input on the {n0} photos that need no brightening, "
                 f"{g1:+.2f} dB on the {n1} others.")
    return text


def ceiling_text(ceiling: pd.DataFrame, label: str, inside: Difference | None,
                 recorded: pd.DataFrame | None = None) -> str:
    """How far GEN gets towards the best-curve ceiling, and what LEN adds inside the same trained model.

    ``recorded``: the run's recorded per-photo scores, to check the recomputed GEN & LEN against.
    """
    gen, full = ceiling[f"GEN of {label}"], ceiling[f"GEN & LEN, {label}"]
    reach = (gen - ceiling["input"]).mean() / (ceiling["best curve (ceiling)"] - ceiling["input"]).mean()
    gain = full - gen
    text = (f"{label}: GEN covers {reach:.0%} of the way from the input ({ceiling['input'].mean():.2f} dB) to the "
            f"curve ceiling ({ceiling['best curve (ceiling)'].mean():.2f} dB). LEN's residual adds {gain.mean():+.2f} dB "
            f"over the same model's GEN output (better on {int((gain > 0).sum())} of {len(gain)} photos")
    if inside is not None:
        text += f"; 95% interval [{inside.low:+.2f}, {inside.high:+.2f}], {inside.verdict.replace('A', 'GEN & LEN')}"
    text += f"); correlation between a photo's spread and this gain {np.corrcoef(ceiling['spread'], gain)[0, 1]:+.2f}."
    if recorded is not None:
        off = (recorded.set_index("name")["psnr"].reindex(ceiling.index) - full).abs().max()
        text += f" Check: the recomputed GEN & LEN differs from the run's record by at most {off:.3f} dB per photo."
    return text


def claim_outcome(difference: Difference, paper_delta: float) -> str:
    """Whether a difference the paper prints holds here, by the book's rule."""
    sign_agrees = np.sign(difference.mean_difference) == np.sign(paper_delta)
    if difference.verdict == "no difference shown":
        return "same sign, no difference shown" if sign_agrees else "opposite sign, no difference shown"
    return "reproduced" if sign_agrees else "reversed"


def verdict_lines(families: Mapping[str, Mapping[str, Difference]], inside: Difference | None) -> list[str]:
    """One bullet per judged comparison of the chapter: ours (interval, verdict), the paper's, the outcome."""
    lines = []
    for family, judged in families.items():
        for label, d in judged.items():
            paper = PAPER_DELTAS.get(label)
            shown = label.replace("*", "\\*")
            text = (f"* {family}, **{shown}**: {d.mean_difference:+.2f} dB [{d.low:+.2f}, {d.high:+.2f}], "
                    f"{named_verdict(d.verdict, shown)}")
            text += f"; paper {paper:+.2f} dB: **{claim_outcome(d, paper)}**." if paper is not None else "."
            lines.append(text)
    if inside is not None:
        lines.append(f"* Inside the trained paired model, **LEN on - LEN off**: {inside.mean_difference:+.2f} dB "
                     f"[{inside.low:+.2f}, {inside.high:+.2f}], {named_verdict(inside.verdict, 'LEN on - LEN off')}.")
    return lines
