r"""Figures and statistics for per-channel intensity curves (GleNet, paper 002).

GleNet's global enhancement network maps each colour channel through one
256-entry curve (eq. 1).  Whether that can work for a pair (input, target)
is visible in the pair itself: for every 8-bit input level :math:`k` of a
channel :math:`c`, collect the target values of the pixels whose input value
is :math:`k`.  If they all agree, one curve maps the input onto the target;
if they spread, the mapping is *one-to-many* and no curve can reproduce it
(the paper's Fig. 3 shades this spread).

* :func:`transfer_histogram` counts (input level, target level) pairs per
  channel: the 2-D density of the mapping.
* :func:`transfer_stats` gives, per channel, the best curve in the
  least-squares sense (the conditional mean of the target at each input
  level), the number of pixels at each level, the within-level spread, and
  the PSNR that this best curve reaches: the ceiling of *any* per-channel
  curve, GEN's included, on that pair.
* :func:`plot_transfer` draws the density per channel with curves on top.
* :func:`plot_curves` draws the curves of several images side by side.

Images are float tensors (or arrays) ``3 x H x W`` (or ``1 x 3 x H x W``)
in [0, 1]; curves are ``3 x L`` (or ``1 x 3 x L``), entry ``k`` being the
output for input ``k / (L - 1)``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Sequence, Union

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from enhancelib.viz.encode import to_pil

__all__ = ["TransferStats", "intensity_levels", "transfer_histogram", "transfer_stats", "plot_transfer", "plot_curves"]

if TYPE_CHECKING:  # pragma: no cover
    from torch import Tensor

Planes = Union["Tensor", np.ndarray]
"""Images (``(1 x) C x H x W``) or curves (``(1 x) C x L``), as a tensor or an array."""

LEVELS = 256
CHANNELS = ("R", "G", "B")
_COLOURS = ("tab:red", "tab:green", "tab:blue")
_MAPS = ("Reds", "Greens", "Blues")
_STYLES = ({"color": "k", "ls": "-", "lw": 1.6}, {"color": "darkorange", "ls": "--", "lw": 1.6},
           {"color": "magenta", "ls": ":", "lw": 1.8}, {"color": "tab:cyan", "ls": "-.", "lw": 1.4})


def _planes(image: Planes, name: str) -> np.ndarray:
    """``C x N`` float64 array of an image given as tensor or array ``(1 x) C x H x W`` in [0, 1]."""
    array = image.detach().cpu().numpy() if hasattr(image, "detach") else np.asarray(image)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3 or array.shape[0] not in (1, 3):
        raise ValueError(f"{name} must be C x H x W (or 1 x C x H x W) with C = 3, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"{name} must be float in [0, 1], got {array.dtype}; divide uint8 images by 255")
    return array.reshape(array.shape[0], -1).astype(np.float64)


def _curve_array(curves: Planes, name: str) -> np.ndarray:
    array = curves.detach().cpu().float().numpy() if hasattr(curves, "detach") else np.asarray(curves, float)
    if array.ndim == 3 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 2 or array.shape[1] < 2:
        raise ValueError(f"{name} must be C x L curves (or 1 x C x L), got shape {array.shape}")
    return array


def intensity_levels(image: Planes, levels: int = LEVELS) -> np.ndarray:
    """Integer level ``round((levels - 1) * x)`` of every pixel, ``C x N`` (values clamped to [0, 1])."""
    if levels < 2:
        raise ValueError(f"levels must be at least 2, got {levels}")
    return np.rint(np.clip(_planes(image, "image"), 0.0, 1.0) * (levels - 1)).astype(np.int64)


def _pair(input: Planes, target: Planes) -> tuple[np.ndarray, np.ndarray]:
    x, y = _planes(input, "input"), _planes(target, "target")
    if x.shape != y.shape:
        raise ValueError(f"input and target must have the same shape, got {x.shape} and {y.shape} (C x pixels)")
    return x, y


def transfer_histogram(input: Planes, target: Planes, levels: int = LEVELS, bins: int | None = None) -> np.ndarray:
    """Counts of (input level, target level) per channel: ``C x levels x bins``.

    ``hist[c, k, j]`` is the number of pixels whose channel ``c`` has input
    level ``k`` and target level ``j`` (``bins`` target levels, default ``levels``).
    """
    _pair(input, target)
    bins = levels if bins is None else bins
    x, y = intensity_levels(input, levels), intensity_levels(target, bins)
    hist = np.zeros((x.shape[0], levels, bins), dtype=np.int64)
    for c in range(x.shape[0]):
        hist[c] = np.bincount(x[c] * bins + y[c], minlength=levels * bins).reshape(levels, bins)
    return hist


@dataclass(frozen=True)
class TransferStats:
    """How well per-channel curves can map an input onto a target (see :func:`transfer_stats`)."""

    curves: np.ndarray
    """``C x L``: the best curve, the mean target value at each input level; unseen levels interpolated."""
    counts: np.ndarray
    """``C x L``: pixels at each input level."""
    spread: np.ndarray
    """``C``: root mean square of the target's deviation from its level's mean (0 for a one-to-one mapping)."""
    best_curve_psnr: float
    """PSNR (dB, peak 1) of the best curves' output against the target: no per-channel curve does better."""


def transfer_stats(input: Planes, target: Planes, levels: int = LEVELS) -> TransferStats:
    r"""The least-squares best curves from ``input`` to ``target`` and what they leave over.

    At input level :math:`k` of channel :math:`c` a curve outputs one value
    :math:`T_c[k]`; the squared error over the pixels at that level is
    smallest for their mean target value.  So the conditional means are the
    best curves, and their error, the within-level variance, is what no curve
    can remove (LEN's job in GleNet).  Input levels are
    ``round((levels - 1) x)``, as GEN's look-up.
    """
    x, y = _pair(input, target)
    k = intensity_levels(input, levels)
    channels = x.shape[0]
    curves = np.zeros((channels, levels))
    counts = np.zeros((channels, levels), dtype=np.int64)
    spread = np.zeros(channels)
    squared = 0.0
    for c in range(channels):
        n = np.bincount(k[c], minlength=levels)
        s = np.bincount(k[c], weights=y[c], minlength=levels)
        seen = n > 0
        mean = np.zeros(levels)
        mean[seen] = s[seen] / n[seen]
        residual = ((y[c] - mean[k[c]]) ** 2).sum()
        squared += residual
        spread[c] = math.sqrt(residual / y.shape[1])
        curves[c] = np.interp(np.arange(levels), np.flatnonzero(seen), mean[seen])
        counts[c] = n
    mse = squared / y.size
    psnr = math.inf if mse == 0 else 10 * math.log10(1.0 / mse)
    return TransferStats(curves, counts, spread, psnr)


def _diagonal(ax: Axes) -> None:
    ax.plot([0, 1], [0, 1], color="0.6", lw=0.8, ls="--", zorder=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")


def plot_transfer(input: Planes, target: Planes, curves: Mapping[str, Planes] | None = None, *, levels: int = LEVELS,
                  show_images: bool = True, title: str | None = None, width: float = 2.5,
                  target_label: str = "target") -> plt.Figure:
    """The per-channel mapping input -> target as a 2-D density, with ``curves`` drawn on top.

    One panel per channel: a pixel with input value ``x`` and target value
    ``y`` in that channel adds to the density at ``(x, y)`` (log scale).  A
    one-to-one mapping is a thin line; vertical spread is one-to-many.
    ``curves`` maps a label to ``C x L`` curves (e.g. GEN's, or the best
    curves of :func:`transfer_stats`).  With ``show_images`` the input and
    target come first.
    """
    hist = transfer_histogram(input, target, levels)
    channels = hist.shape[0]
    named = {label: _curve_array(c, f"curves[{label!r}]") for label, c in (curves or {}).items()}
    for label, values in named.items():
        if values.shape[0] != channels:
            raise ValueError(f"curves[{label!r}] has {values.shape[0]} channels, the images {channels}")
    extra = 2 if show_images else 0
    fig, axes = plt.subplots(1, extra + channels, figsize=(width * (extra + channels), width + 0.5), squeeze=False)
    axes = axes[0]
    if show_images:
        for ax, image, label in zip(axes[:2], (input, target), ("input", target_label)):
            ax.imshow(to_pil(image[0] if getattr(image, "ndim", 0) == 4 else image))
            ax.set_title(label, fontsize=9)
            ax.axis("off")
    for c, ax in enumerate(axes[extra:]):
        density = np.log1p(hist[c].T.astype(float))
        ax.imshow(np.ma.masked_equal(density, 0), origin="lower", extent=(0, 1, 0, 1),
                  cmap=_MAPS[c % 3], interpolation="nearest", aspect="auto", zorder=0)
        _diagonal(ax)
        for (label, curve), style in zip(named.items(), _STYLES * len(named)):
            ax.plot(np.linspace(0, 1, curve.shape[1]), curve[c], label=label, zorder=2, **style)
        name = CHANNELS[c] if channels == 3 else str(c)
        ax.set_xlabel(f"input {name}", fontsize=8)
        ax.set_ylabel(f"{target_label} {name}", fontsize=8)
        ax.tick_params(labelsize=7)
    if named:
        axes[-1].legend(fontsize=7, loc="upper left")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_curves(curves: Mapping[str, Planes], reference: Mapping[str, Planes] | None = None, *, ncols: int = 4,
                width: float = 2.3, title: str | None = None,
                labels: Sequence[str] = ("curve", "reference")) -> plt.Figure:
    """The curves of several images side by side: one panel per image, one line per channel.

    ``reference`` (same keys, optional) is drawn dashed in each panel, e.g.
    the best curves of :func:`transfer_stats` beside a network's.
    """
    if not curves:
        raise ValueError("curves is empty: pass {image name: C x L curves, ...}")
    items = [(name, _curve_array(c, f"curves[{name!r}]")) for name, c in curves.items()]
    ncols = min(ncols, len(items))
    nrows = math.ceil(len(items) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, width * nrows + 0.3), squeeze=False)
    for ax in axes.flat[len(items):]:
        ax.axis("off")
    for ax, (name, curve) in zip(axes.flat, items):
        grid = np.linspace(0, 1, curve.shape[1])
        for c in range(curve.shape[0]):
            ax.plot(grid, curve[c], color=_COLOURS[c % 3], lw=1.4, label=labels[0] if c == 0 else None)
        if reference is not None and name in reference:
            ref = _curve_array(reference[name], f"reference[{name!r}]")
            for c in range(ref.shape[0]):
                ax.plot(np.linspace(0, 1, ref.shape[1]), ref[c], color=_COLOURS[c % 3], lw=0.9, ls="--",
                        label=labels[1] if c == 0 else None)
        _diagonal(ax)
        ax.set_title(name if len(name) <= 28 else name[:26] + "…", fontsize=8)
        ax.tick_params(labelsize=7)
    if reference is not None:
        axes.flat[0].legend(fontsize=7, loc="upper left")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
