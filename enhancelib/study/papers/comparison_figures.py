"""Chapter 05's figures: quality against cost, the per-photo gains, one failure case."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from enhancelib.study.papers.comparison import INPUT, Comparison
from enhancelib.study.papers.comparison_failures import FailureCase

__all__ = ["quality_cost_frame", "plot_quality_cost", "per_photo_gains", "plot_per_photo", "failure_figure"]


def quality_cost_frame(c: Comparison, cost: pd.DataFrame) -> pd.DataFrame:
    """Per method with a cost and a score: inference time at 512 x 512 (ms), mean test PSNR over seeds, its seed
    sd (0 for one seed) and the method's kind, by label."""
    merged = cost.set_index("method").join(c.summary[["psnr mean", "psnr seed std"]], how="inner")
    merged = merged[merged["ms_512"].notna()]
    return pd.DataFrame({"ms_512": merged["ms_512"].to_numpy(dtype=float),
                         "psnr": merged["psnr mean"].to_numpy(dtype=float),
                         "seed sd": merged["psnr seed std"].fillna(0.0).to_numpy(dtype=float),
                         "kind": [c.kind(str(k)) for k in merged.index]},
                        index=pd.Index([c.label(str(k)) for k in merged.index], name="method"))


def plot_quality_cost(c: Comparison, cost: pd.DataFrame) -> Figure:
    """Test PSNR (mean over seeds, seed sd as error bar) against the time to enhance 512 x 512, log axis; the
    input's PSNR as a dashed line."""
    frame = quality_cost_frame(c, cost)
    fig, ax = plt.subplots(figsize=(8, 5))
    for index, (kind, part) in enumerate(frame.groupby("kind", sort=False)):
        ax.scatter(part["ms_512"], part["psnr"], s=80, color=f"C{index}", label=str(kind), zorder=3)
    ax.errorbar(frame["ms_512"], frame["psnr"], yerr=frame["seed sd"], fmt="none", ecolor="0.5", lw=1)
    for label, row in frame.iterrows():
        ax.annotate(str(label), (row["ms_512"], row["psnr"]), fontsize=8, xytext=(4, 4), textcoords="offset points")
    ax.axhline(c.stat(INPUT, "psnr mean"), color="tab:red", lw=1, ls="--", label="input")
    ax.set(xscale="log", xlabel="inference on 512 x 512 (ms, log scale)", ylabel="test PSNR (dB)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def per_photo_gains(c: Comparison) -> pd.DataFrame:
    """Per method and test photo (scores averaged over seeds): PSNR, SSIM and the PSNR gain over the input."""
    order = [INPUT, *c.operators, *c.learned]
    input_psnr = c.scores(INPUT).groupby("name")["psnr"].mean()
    frames = []
    for key in order:
        part = c.scores(key).groupby("name")[["psnr", "ssim"]].mean().reset_index()
        frames.append(part.assign(method=c.label(key), **{"PSNR gain (dB)": part["psnr"] - part["name"].map(input_psnr)}))
    return pd.concat(frames, ignore_index=True)


def plot_per_photo(c: Comparison) -> Figure:
    """Per-photo PSNR gain over the input (left) and SSIM (right), one dot per photo, boxes at the quartiles."""
    per_photo = per_photo_gains(c)
    methods = per_photo["method"].nunique()
    fig, axes = plt.subplots(1, 2, figsize=(15, 0.45 * methods + 1.5), sharey=True)
    labels = list(dict.fromkeys(per_photo["method"]))
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(per_photo))
    rows = per_photo["method"].map({label: i for i, label in enumerate(labels)}).to_numpy() + jitter
    for ax, column in zip(axes, ["PSNR gain (dB)", "ssim"]):
        groups = [per_photo.loc[per_photo["method"] == label, column].to_numpy() for label in labels]
        ax.boxplot(groups, positions=range(len(labels)), orientation="horizontal", showfliers=False, widths=0.6,
                   patch_artist=True, boxprops={"facecolor": "0.9"}, medianprops={"color": "0.3"})
        ax.scatter(per_photo[column], rows, s=9, alpha=0.6, color="tab:blue", zorder=3)
        ax.set(xlabel="SSIM" if column == "ssim" else column)
    axes[0].set_yticks(range(len(labels)), labels)
    axes[0].invert_yaxis()
    axes[0].axvline(0, color="tab:red", lw=1)
    fig.tight_layout()
    return fig


def failure_figure(case: FailureCase) -> Figure:
    """Input, output and target of one failure case, side by side."""
    from enhancelib.viz import show_images

    if case.output is None:
        raise ValueError(f"{case.label} has no output for {case.photo}: no generator weights are kept")
    return show_images({"input": case.input, f"{case.label} ({case.gain:+.2f} dB)": case.output,
                        "target": case.target}, width=3.0, suptitle=f"{case.label}: {case.photo}")
