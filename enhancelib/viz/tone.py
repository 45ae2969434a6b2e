"""The haze, shown: where each method puts a photo's blacks and how much contrast it leaves.

One panel per test set. Each method is a point at (mean black level, mean
contrast) of its outputs; the target photos are a star. A hazy method sits
right of and below the star: blacks lifted, contrast lost.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["plot_haze", "plot_run_haze"]


def plot_haze(summary: pd.DataFrame, targets: Mapping[str, float], sets: Sequence[str] = ("test", "flat", "identity"),
              labels: Mapping[str, str] | None = None, highlight: Sequence[str] = (),
              references: Mapping[str, Mapping[str, float]] | None = None) -> Figure:
    """Black level against contrast per method and test set.

    ``summary`` is :func:`enhancelib.study.test_sets.summarise_test_sets` by ``method`` (index: method,
    set); ``targets`` holds the targets' mean ``black`` and ``contrast``. Methods in ``highlight`` are
    drawn in colour, the others in grey. ``references`` adds named crosses (e.g. the levels of the
    high-quality training photos, which an adversarial term pulls outputs towards).
    """
    labels = dict(labels or {})
    fig, axes = plt.subplots(1, len(sets), figsize=(5.2 * len(sets), 4.6), sharex=True, sharey=True)
    for ax, set_name in zip(axes if len(sets) > 1 else [axes], sets):
        part = summary.xs(set_name, level="set")
        for index, (method, row) in enumerate(part.iterrows()):
            coloured = method in highlight
            ax.scatter(row["black"], row["contrast"], s=45 if coloured else 25,
                       color=f"C{index % 10}" if coloured else "0.6", zorder=3 if coloured else 2)
            ax.annotate(labels.get(str(method), str(method)), (row["black"], row["contrast"]), fontsize=7,
                        xytext=(3, 3), textcoords="offset points", color="0.1" if coloured else "0.45")
        ax.scatter(targets["black"], targets["contrast"], marker="*", s=180, color="black", zorder=4)
        ax.annotate("targets", (targets["black"], targets["contrast"]), fontsize=8, xytext=(5, -10),
                    textcoords="offset points")
        for name, levels in (references or {}).items():
            ax.scatter(levels["black"], levels["contrast"], marker="X", s=90, color="tab:red", zorder=4)
            ax.annotate(name, (levels["black"], levels["contrast"]), fontsize=8, xytext=(5, 4),
                        textcoords="offset points", color="tab:red")
        ax.set(title=f"{set_name} set", xlabel="black level (1st percentile of luminance)")
        ax.grid(alpha=0.3)
    (axes[0] if len(sets) > 1 else axes).set_ylabel("contrast (std of luminance)")
    fig.suptitle("Haze: lifted blacks (right) and lost contrast (down) against the targets (star)")
    fig.tight_layout()
    return fig


def plot_run_haze(per_run: pd.DataFrame, input_haze: float | None = None) -> Figure:
    """The haze of each recorded run as a dot, one row per ``group`` (in order of appearance), the row's mean
    as a bar.

    ``per_run`` is :func:`enhancelib.study.haze_runs.grouped_run_haze` (columns ``group`` and ``haze``). 0 is
    the targets' tone; ``input_haze`` draws the inputs' as a dashed line.
    """
    groups = list(dict.fromkeys(per_run["group"]))
    fig, ax = plt.subplots(figsize=(8.5, 0.42 * len(groups) + 1.4))
    for row, label in enumerate(groups):
        values = per_run.loc[per_run["group"] == label, "haze"].to_numpy(dtype=float)
        ax.scatter(values, [row] * len(values), s=28, color=f"C{row % 10}", alpha=0.85, zorder=3)
        ax.plot([values.mean()] * 2, [row - 0.3, row + 0.3], color=f"C{row % 10}", lw=2.2, zorder=2)
        ax.annotate(f"{len(values)} run{'s' if len(values) > 1 else ''}", (values.max(), row), fontsize=7,
                    xytext=(6, -3), textcoords="offset points", color="0.35")
    ax.axvline(0.0, color="black", lw=1)
    ax.annotate("targets' tone", (0.0, len(groups) - 0.4), fontsize=8, xytext=(3, 0), textcoords="offset points")
    if input_haze is not None:
        ax.axvline(input_haze, color="0.5", lw=1, ls="--")
        ax.annotate("inputs", (input_haze, -0.6), fontsize=8, xytext=(3, 0), textcoords="offset points", color="0.4")
    ax.set_yticks(range(len(groups)), groups)
    ax.invert_yaxis()
    ax.set_xlabel("haze of the outputs (black lifted + contrast lost), four sample photos")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
