"""Figures for attention modules: where a query looks, channel statistics, attention memory.

Written for QAGAN's quality attention module
(:class:`~enhancelib.nn.quality_attention.QualityAttention`) but usable with
any attention matrix whose rows are query positions and whose columns are key
positions of a feature map (row-major, as ``Tensor.flatten(2)`` orders them).

* :func:`feature_cell` maps a point of the image, given as fractions of its
  height and width, to the feature-map cell that contains it.
* :func:`plot_attention` draws, for a few query points of one image, the
  attention over another image as heat maps, one column per attention level.
* :func:`plot_channel_statistics` draws per-channel means and standard
  deviations of feature maps (e.g. ``f_H`` before and after AdaIN, and ``f_L``).
* :func:`attention_matrix_mib` is the size of one attention matrix from the
  formula; :func:`peak_memory_mib` measures the peak extra resident memory of
  a call (Linux), to set the formula beside what a module really takes.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence, TypeVar, cast

import matplotlib.pyplot as plt
import numpy as np
import torch.nn.functional as F
from matplotlib.colors import ListedColormap
from torch import Tensor

from enhancelib.data.conversion import ImageLike
from enhancelib.viz.encode import to_pil

_Result = TypeVar("_Result")

__all__ = [
    "RELIABLE_ABOVE_MIB",
    "AttentionLevel",
    "attention_matrix_mib",
    "feature_cell",
    "peak_memory_mib",
    "plot_attention",
    "plot_channel_statistics",
]

AttentionLevel = tuple[Tensor, tuple[int, int], tuple[int, int]]
"""``(attention S_q x S_k of one image, (H_q, W_q) of the query map, (H_k, W_k) of the key map)``."""

RELIABLE_ABOVE_MIB = 32.0
"""Allocations larger than this are always fresh memory (glibc's largest mmap threshold on 64-bit)."""

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def feature_cell(point: tuple[float, float], feature_size: tuple[int, int]) -> tuple[int, int]:
    """The cell ``(y, x)`` of a ``feature_size`` map that covers ``point`` = (y, x) as fractions in [0, 1]."""
    fy, fx = point
    if not (0.0 <= fy <= 1.0 and 0.0 <= fx <= 1.0):
        raise ValueError(f"a point is (y, x) as fractions of the image height and width in [0, 1], got {point}")
    h, w = feature_size
    return min(int(fy * h), h - 1), min(int(fx * w), w - 1)


def _heat(row: Tensor, size: tuple[int, int]) -> np.ndarray:
    """One attention row (H_k x W_k) as an image-sized map scaled to a maximum of 1."""
    heat = F.interpolate(row[None, None].float(), size=size, mode="nearest")[0, 0]
    return (heat / heat.max().clamp_min(1e-12)).numpy()


def _as_level(level: AttentionLevel, name: str) -> AttentionLevel:
    attention, (hq, wq), (hk, wk) = level
    if attention.dim() == 3 and attention.shape[0] == 1:
        attention = attention[0]
    if attention.dim() != 2 or attention.shape != (hq * wq, hk * wk):
        raise ValueError(
            f"level {name!r}: attention of shape {tuple(attention.shape)} does not match query size {(hq, wq)} "
            f"and key size {(hk, wk)}; pass one image's S_q x S_k matrix ({hq * wq} x {hk * wk})"
        )
    return attention.detach().cpu(), (hq, wq), (hk, wk)


def plot_attention(
    query_image: ImageLike,
    key_image: ImageLike,
    levels: Mapping[str, AttentionLevel],
    points: Sequence[tuple[float, float]],
    *,
    width: float = 2.4,
    cmap: str = "inferno",
    alpha: float = 0.85,
    mark_same_position: bool = False,
    titles: tuple[str, str] = ("query image", "key image"),
) -> plt.Figure:
    """Heat maps of where each query point of ``query_image`` looks in ``key_image``.

    ``levels`` maps a label (e.g. ``"relu5_1"``) to an :data:`AttentionLevel`;
    ``points`` are query points (y, x) as fractions of the image size.  One
    row per point: the query image with the point marked, then per level the
    key image under the attention row of the feature cell covering the point
    (scaled to its maximum; opacity grows with the weight), with a cross on
    the most attended cell and the weight that cell gets.  ``mark_same_position`` also
    circles the point's own position in the key image (useful when the key
    image is the same photo, degraded).
    """
    if not points:
        raise ValueError("plot_attention needs at least one query point")
    if not levels:
        raise ValueError("plot_attention needs at least one attention level")
    checked = {name: _as_level(level, name) for name, level in levels.items()}
    q_img, k_img = to_pil(query_image, "query_image"), to_pil(key_image, "key_image")
    k_size = (k_img.height, k_img.width)
    ncols = 1 + len(checked)
    aspect = max(q_img.height / q_img.width, k_img.height / k_img.width)
    fig, axes = plt.subplots(len(points), ncols, figsize=(width * ncols, width * aspect * len(points) + 0.5),
                             squeeze=False)
    # matplotlib types its colormaps as the base Colormap; tab10 is a ListedColormap of 10 RGB colours
    colours = np.asarray(cast(ListedColormap, plt.cm.tab10).colors)
    for r, point in enumerate(points):
        colour = colours[r % len(colours)]
        ax = axes[r, 0]
        ax.imshow(q_img)
        ax.plot(point[1] * q_img.width, point[0] * q_img.height, "o", ms=9, mec="white", mew=2, color=colour)
        ax.set_title(titles[0] if r == 0 else "", fontsize=9)
        for c, (name, (attention, q_size, key_size)) in enumerate(checked.items(), start=1):
            y, x = feature_cell(point, q_size)
            row = attention[y * q_size[1] + x].reshape(key_size)
            ax = axes[r, c]
            ax.imshow(k_img)
            heat = _heat(row, k_size)
            overlay = plt.get_cmap(cmap)(heat)
            # opaque where the attention is strong, transparent where it is nil
            overlay[..., 3] = alpha * np.sqrt(heat)
            ax.imshow(overlay)
            ky, kx = divmod(int(row.argmax()), key_size[1])
            cell_h, cell_w = k_img.height / key_size[0], k_img.width / key_size[1]
            ax.plot((kx + 0.5) * cell_w, (ky + 0.5) * cell_h, "x", ms=9, mew=2.5, color=colour)
            if mark_same_position:
                ax.plot(point[1] * k_img.width, point[0] * k_img.height, "o", ms=12, mfc="none", mec="white", mew=1.5)
            label = f"{titles[1]}, {name}" if r == 0 else name
            ax.set_title(f"{label}\nlargest weight {float(row.max()):.2f}", fontsize=8)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def _channel_stats(feature: Tensor) -> tuple[np.ndarray, np.ndarray]:
    f = feature.detach().float().cpu()
    if f.dim() == 4:
        if f.shape[0] != 1:
            raise ValueError(f"pass one image's features (1 x C x H x W or C x H x W), got {tuple(f.shape)}")
        f = f[0]
    if f.dim() != 3:
        raise ValueError(f"features must be C x H x W, got {tuple(f.shape)}")
    flat = f.flatten(1)
    return flat.mean(1).numpy(), flat.std(1, correction=0).numpy()


def plot_channel_statistics(features: Mapping[str, Tensor], order_by: str | None = None,
                            title: str = "", styles: Mapping[str, Mapping[str, Any]] | None = None) -> plt.Figure:
    """Per-channel mean and standard deviation (biased, as eq. 4) of feature maps with the same channels.

    Channels are sorted by the mean of ``features[order_by]`` (default: the
    last entry) so that the curves are readable; ``styles`` passes matplotlib
    keyword arguments per label.
    """
    if not features:
        raise ValueError("plot_channel_statistics needs at least one feature map")
    stats = {label: _channel_stats(f) for label, f in features.items()}
    widths = {label: m.size for label, (m, _) in stats.items()}
    if len(set(widths.values())) != 1:
        raise ValueError(f"all feature maps need the same number of channels, got {widths}")
    key = order_by if order_by is not None else list(stats)[-1]
    if key not in stats:
        raise ValueError(f"order_by={order_by!r} is not one of {list(stats)}")
    order = np.argsort(stats[key][0])
    fig, axes = plt.subplots(1, 2, figsize=(10, 2.8))
    for label, (mean, std) in stats.items():
        style = dict((styles or {}).get(label, {}))
        style.setdefault("lw", 1.0)
        axes[0].plot(mean[order], label=label, **style)
        axes[1].plot(std[order], label=label, **style)
    for ax, what in zip(axes, ("mean", "standard deviation")):
        ax.set_xlabel(f"channel (sorted by the mean of {key})")
        ax.set_ylabel(f"channel {what}")
    axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def attention_matrix_mib(image_size: tuple[int, int], stride: int, key_size: tuple[int, int] | None = None,
                         bytes_per_weight: int = 4) -> float:
    """MiB of one S_q x S_k attention matrix for images of ``(H, W)`` at a feature ``stride`` (8: relu4_1, 16: relu5_1).

    The key image defaults to the query image's size; ``H // stride`` is the
    feature map's side, as VGG's pooling floors it.
    """
    if stride < 1:
        raise ValueError(f"stride must be a positive integer, got {stride}")
    key_size = key_size or image_size
    s_q = (image_size[0] // stride) * (image_size[1] // stride)
    s_k = (key_size[0] // stride) * (key_size[1] // stride)
    return s_q * s_k * bytes_per_weight / 2**20


def _status_bytes(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", _STATUS.read_text(), re.MULTILINE)
    if match is None:
        raise OSError(f"{_STATUS} has no {field} line")
    return int(match.group(1)) * 1024


def peak_memory_mib(fn: Callable[[], _Result]) -> tuple[float | None, _Result]:
    """Run ``fn()`` and return (peak extra resident memory in MiB during the call, its result).

    Linux only: the kernel's high-water mark (``VmHWM``) is reset before the
    call and compared with the resident set before it.  Memory the C
    allocator already holds is reused without being counted: glibc serves
    blocks below its mmap threshold (at most 32 MiB on 64-bit systems) from
    its heap, so only allocations above about 32 MiB are reliably seen
    (:data:`RELIABLE_ABOVE_MIB`); after :func:`enhancelib.runtime.reuse_freed_memory`
    every size is served from the heap and reused, so measure in a process
    that did not call it.  Returns ``None`` for the memory where the counters
    do not exist.
    """
    try:
        _CLEAR_REFS.write_text("5")
        before = _status_bytes("VmRSS")
    except OSError:
        return None, fn()
    result = fn()
    return (_status_bytes("VmHWM") - before) / 2**20, result
