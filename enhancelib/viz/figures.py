"""Matplotlib figures the chapters share: image grids, training curves, metric tables."""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from enhancelib.data.conversion import ImageLike
from enhancelib.viz.encode import to_pil

__all__ = ["show_images", "plot_training", "plot_eval", "plot_dense_evaluations", "plot_exposure_changes",
           "plot_gain_by_need"]


def show_images(images: Mapping[str, ImageLike], ncols: int | None = None, width: float = 3.2,
                suptitle: str | None = None) -> plt.Figure:
    """A grid of labelled images (tensors 3 x H x W in [0, 1], uint8 arrays or PIL images)."""
    items = list(images.items())
    ncols = ncols or len(items)
    nrows = int(np.ceil(len(items) / ncols))
    first = to_pil(items[0][1])
    aspect = first.height / first.width
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, width * aspect * nrows + 0.4 * nrows),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (label, image) in zip(axes.flat, items):
        ax.imshow(to_pil(image))
        ax.set_title(label, fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_training(train_log: pd.DataFrame, losses: Sequence[str] | None = None, smooth: int = 10,
                  title: str = "") -> plt.Figure:
    """Loss curves from a run's ``train_log`` (a moving average over ``smooth`` rows)."""
    losses = list(losses or [c for c in train_log.columns if c not in ("step", "lr_factor", "cpu_time")])
    fig, axes = plt.subplots(1, len(losses), figsize=(3.2 * len(losses), 2.6), squeeze=False)
    for ax, name in zip(axes.flat, losses):
        series = train_log.set_index("step")[name].dropna()
        ax.plot(series.index, series.values, color="0.8", lw=0.8)
        ax.plot(series.index, series.rolling(smooth, min_periods=1).mean().values, lw=1.5)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("step")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_eval(eval_logs: Mapping[str, pd.DataFrame], metric: str = "val_psnr",
              baselines: Mapping[str, float] | None = None, ax: Axes | None = None) -> Axes:
    """A metric during training for several runs, with horizontal lines for references."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    for label, log in eval_logs.items():
        if metric in log:
            ax.plot(log["step"], log[metric], marker="o", ms=3, label=label)
    for value in (baselines or {}).values():
        ax.axhline(value, ls="--", lw=1, color="0.5")
    low, high = ax.get_ylim()
    for label, value in (baselines or {}).items():
        # a label in the top tenth of the axes goes under its line, so that it does not run into the title
        near_top = value > high - 0.1 * (high - low)
        ax.annotate(label, (ax.get_xlim()[0], value), xytext=(3, 0), textcoords="offset points", fontsize=8,
                    color="0.3", va="top" if near_top else "bottom")
    ax.set_xlabel("step")
    ax.set_ylabel(metric)
    # below the axes, so that no curve is hidden under it however many runs there are
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    return ax




def plot_dense_evaluations(dense_logs: Mapping[str, pd.DataFrame], chosen: pd.DataFrame, input_psnr: float,
                           others: Mapping[str, pd.DataFrame] | None = None, title: str = "") -> plt.Figure:
    """Runs evaluated often: test PSNR over steps, and validation against test PSNR per evaluation.

    Left: the test PSNR of each run in ``dense_logs`` (behind them the curves
    of ``others``, e.g. the seeds evaluated rarely), with a star at the
    evaluation ``chosen`` on the validation split (``chosen`` is
    :func:`enhancelib.study.seed_groups.describe_dense_evaluations`' table, indexed by
    run).  Right: one point per evaluation, validation PSNR against test PSNR.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    plot_eval({**(others or {}), **dense_logs}, "test_psnr", baselines={"input": input_psnr}, ax=left)
    colours = {line.get_label(): line.get_color() for line in left.get_lines()}
    for name, log in dense_logs.items():
        left.plot(chosen.loc[name, "selected_step"], chosen.loc[name, "selected_test_psnr"], marker="*", ms=12,
                  color=colours[name], ls="none")
        right.scatter(log["val_psnr"], log["test_psnr"], s=14, color=colours[name], label=name)
    left.set_title(title, fontsize=10)
    right.axhline(input_psnr, ls="--", lw=1, color="0.5", label="input (test)")
    right.set_xlabel("val_psnr")
    right.set_ylabel("test_psnr")
    right.set_title("one point per evaluation: validation against test", fontsize=10)
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_exposure_changes(changes: pd.DataFrame, title: str = "", ncols: int = 4) -> plt.Figure:
    """Applied against needed exposure change (stops) per photo, one panel per method.

    ``changes`` is :func:`enhancelib.study.adaptivity.exposure_changes`' table. The
    diagonal is a method that gives every photo exactly the change it needs;
    a horizontal line of points is one global change applied to all.
    """
    methods = list(dict.fromkeys(changes["method"]))
    lo = float(min(changes["needed"].min(), changes["applied"].min())) - 0.1
    hi = float(max(changes["needed"].max(), changes["applied"].max())) + 0.1
    ncols = min(ncols, len(methods))
    nrows = int(np.ceil(len(methods) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.0 * ncols, 3.1 * nrows), squeeze=False, sharey=True)
    for ax in axes.flat[len(methods):]:
        ax.axis("off")
    for ax, method in zip(axes.flat, methods):
        group = changes[changes["method"] == method]
        ax.plot([lo, hi], [lo, hi], ls="--", color="0.5", lw=1)
        ax.axhline(0, color="0.85", lw=0.8)
        ax.axvline(0, color="0.85", lw=0.8)
        ax.scatter(group["needed"], group["applied"], s=14)
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_aspect("equal")
        ax.set_title(method, fontsize=9)
        ax.set_xlabel("needed (stops)")
    for row in axes:
        row[0].set_ylabel("applied (stops)")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_gain_by_need(table: pd.DataFrame, labels: Mapping[str, str] | None = None, title: str = "") -> plt.Figure:
    """Two bars per method from :func:`enhancelib.study.adaptivity.gain_by_need`: the gain on each group of photos,
    with the standard deviation over the method's runs as an error bar."""
    groups = [c[: -len(": gain")] for c in table.columns if c.endswith(": gain")]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(table)), 3.4))
    x = np.arange(len(table))
    width = 0.8 / max(1, len(groups))
    for i, group in enumerate(groups):
        errors = table[f"{group}: sd"].fillna(0.0).to_numpy()
        ax.bar(x + (i - (len(groups) - 1) / 2) * width, table[f"{group}: gain"], width, yerr=errors, capsize=3,
               label=group)
    ax.axhline(0.0, color="0.3", lw=0.8)
    ax.set_xticks(x, [(labels or {}).get(m, m) for m in table.index], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("PSNR gain over the input (dB)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
