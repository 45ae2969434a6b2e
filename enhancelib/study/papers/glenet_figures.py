"""GleNet's figures: loss curves with the stage boundary, Fig. 5 on the benchmark, transfer curves, Fig. 9, and
the photos the sliders show. Each function draws one figure and returns it (the chapter shows it)."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd
import torch
from torch import Tensor, nn

from enhancelib.study.papers.glenet_tables import NetworkOutputs

__all__ = ["stage2_start", "plot_paired_losses", "plot_unpaired_losses", "plot_fig5", "spread_picks",
           "plot_transfer_of", "plot_curve_grid", "plot_len_spread", "fig9_images", "plot_degrader_curves",
           "slider_photos", "plot_sample"]


def stage2_start(train_log: pd.DataFrame) -> int | None:
    """The first logged step of stage 2 (LEN's loss appears in the training log), or None for a one-stage run."""
    if "len_loss" not in train_log or not train_log["len_loss"].notna().any():
        return None
    return int(train_log.loc[train_log["len_loss"].notna(), "step"].min())


def plot_paired_losses(run: Any, smooth: int) -> plt.Figure:
    """The colour (L1) and perceptual terms of eq. 3 during paired training."""
    from enhancelib.viz import plot_training

    log = run.train_log
    columns = [c for c in ("g_color", "g_perceptual", "g_loss") if c in log]
    return plot_training(log, columns, smooth=smooth,
                         title=f"paired GEN & LEN: losses over {run.provenance['steps']} steps")


def plot_unpaired_losses(run: Any, smooth: int) -> plt.Figure:
    """The critics' Wasserstein estimates and penalty (stage 1) and LEN's losses (stage 2), stage 2 dashed."""
    from enhancelib.viz import plot_training

    log = run.train_log
    columns = [c for c in ("d_e_wasserstein", "d_d_wasserstein", "d_e_gp", "len_color", "len_perceptual") if c in log]
    fig = plot_training(log, columns, smooth=smooth,
                        title=f"unpaired GEN & LEN (seed 0): {run.provenance['steps']} steps")
    start = stage2_start(log)
    if start is not None:
        for ax in fig.axes:
            ax.axvline(start, ls="--", color="0.4", lw=1)
    return fig


def plot_fig5(logs: Mapping[str, pd.DataFrame], input_psnr: float, input_ssim: float) -> plt.Figure:
    """Test PSNR and SSIM over steps, and PSNR over CPU minutes (the runs have equal budgets, not steps)."""
    from enhancelib.viz import plot_eval

    fig, axes = plt.subplots(1, 3, figsize=(14, 3.6))
    plot_eval(logs, "test_psnr", baselines={"input": input_psnr}, ax=axes[0])
    plot_eval(logs, "test_ssim", baselines={"input": input_ssim}, ax=axes[1])
    for label, log in logs.items():
        axes[2].plot(log["cpu_time"] / 60, log["test_psnr"], marker="o", ms=3, label=label)
    axes[2].axhline(input_psnr, ls="--", lw=1, color="0.5")
    axes[2].set_xlabel("training CPU minutes")
    axes[2].set_ylabel("test_psnr")
    axes[2].legend(fontsize=8)
    fig.suptitle("Fig. 5 on the benchmark: GEN (curves) against the pixel-wise baseline", fontsize=10)
    fig.tight_layout()
    return fig


def spread_picks(stats: Mapping[str, Any], count: int) -> tuple[list[str], list[str]]:
    """(photos sorted by one-to-many spread, ``count`` of them spanning the range from least to most)."""
    ordered = sorted(stats, key=lambda n: stats[n].spread.mean())
    picks = [ordered[round(i * (len(ordered) - 1) / max(count - 1, 1))] for i in range(count)]
    return ordered, list(dict.fromkeys(picks))


def plot_transfer_of(name: str, pair: tuple[Tensor, Tensor], stats: Any, outputs: NetworkOutputs) -> plt.Figure:
    """The transfer density of one test pair with its best curves and the curves each trained GEN predicts."""
    from enhancelib.metrics import psnr
    from enhancelib.viz.curves import plot_transfer

    low, high = pair
    shown = {"best curve (uses the target)": stats.curves}
    shown.update({f"GEN, {label}": outputs.curves(label, low) for label in list(outputs.nets)[:3]})
    return plot_transfer(low, high, shown, title=f"{name}: spread {stats.spread.mean():.3f}, best-curve ceiling "
                         f"{stats.best_curve_psnr:.1f} dB, input {psnr(low, high):.1f} dB")


def plot_curve_grid(names: Sequence[str], pairs: Mapping[str, tuple[Tensor, Tensor]], stats: Mapping[str, Any],
                    outputs: NetworkOutputs, label: str | None) -> plt.Figure:
    """Curves GEN predicts (solid) and the best curves (dashed) of several photos; best curves alone without GEN."""
    from enhancelib.viz.curves import plot_curves

    best = {n: stats[n].curves for n in names}
    if label is None:
        return plot_curves(best, title="best curves (no GEN weights available)")
    return plot_curves({n: outputs.curves(label, pairs[n][0]) for n in names}, best,
                       labels=(f"GEN ({label})", "best curve"),
                       title=f"curves predicted by GEN ({label}, solid) and the best curves of each pair (dashed)")


def plot_len_spread(name: str, low: Tensor, outputs: NetworkOutputs, label: str) -> plt.Figure:
    """The mapping input -> GEN & LEN's output of one photo, with GEN's curve on top."""
    from enhancelib.viz.curves import plot_transfer

    return plot_transfer(low, outputs(label, name, low)[1], {"GEN's curve": outputs.curves(label, low)},
                         show_images=False, target_label="GEN & LEN",
                         title=f"{name}: input -> GEN & LEN output ({label}), with GEN's curve")


def fig9_images(g_e: nn.Module, degrader: nn.Module | None, high: Sequence[tuple[Tensor, Tensor]],
                real_low: Sequence[Tensor]) -> dict[str, Tensor]:
    """Fig. 9 per column: (a) a degraded high-quality photo, (b) a real low-quality one, (c) G_e of (a), (d) G_e of (b).

    ``high`` holds (benchmark-degraded, clean) high-quality photos; (a) is G_d of the clean photo, or, without
    a degrader, the benchmark's own degradation of it (what a perfect G_d would imitate), labelled (a').
    """
    label = "(a) G_d(I_HQ)" if degrader is not None else "(a') benchmark degradation of I_HQ"
    grid: dict[str, Tensor] = {}
    with torch.no_grad():
        for i, ((degraded, clean), low) in enumerate(zip(high, real_low), start=1):
            a = degrader(clean[None])[0].clamp(0, 1) if degrader is not None else degraded
            grid.update({f"{label} {i}": a, f"(b) real I_LQ {i}": low, f"(c) G_e of (a) {i}": g_e(a[None])[0].clamp(0, 1),
                         f"(d) G_e(I_LQ) {i}": g_e(low[None])[0].clamp(0, 1)})
    return grid


def plot_degrader_curves(degrader: nn.Module, pairs: Mapping[str, tuple[Tensor, Tensor]]) -> plt.Figure:
    """G_d's curves on clean test photos (solid) against the best curves of the true degradation (dashed)."""
    from enhancelib.viz.curves import plot_curves, transfer_stats

    with torch.no_grad():
        learned = {n: degrader.curves(high[None])[0] for n, (_, high) in pairs.items()}  # type: ignore[operator]
    truth = {n: transfer_stats(high, low).curves for n, (low, high) in pairs.items()}
    return plot_curves(learned, truth, labels=("G_d", "true degradation (best curve)"),
                       title="G_d's curves (solid) and the benchmark's degradation as curves (dashed)")


def slider_photos(gains: pd.Series, count: int) -> list[str]:
    """The photos with the largest, the median and the smallest gain (``gains`` indexed by photo), ``count`` of them."""
    ordered = gains.dropna().sort_values()
    return list(dict.fromkeys([ordered.index[-1], ordered.index[len(ordered) // 2], ordered.index[0]]))[:count]


def plot_sample(run: Any, title: str) -> plt.Figure | None:
    """The first stored sample of a run (input | output | target), or None when it stored none."""
    if not run.samples:
        return None
    fig, ax = plt.subplots(figsize=(12, 2.6))
    ax.imshow(plt.imread(run.samples[0]))
    ax.set_axis_off()
    ax.set_title(f"{title}: {run.samples[0].name}", fontsize=9)
    return fig
