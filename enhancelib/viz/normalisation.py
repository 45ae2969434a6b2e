"""Figures of BNCAGAN's learnt mixes and attentions (paper 004).

* :func:`rho_values` and :func:`plot_rho`: the IN/LN mixing weight rho of
  every instance-layer normalisation in a network (eq. 3);
* :func:`plot_matrices`: small annotated matrices side by side, e.g. the
  3 x 3 colour attention matrices of the discriminator's CAM;
* :func:`plot_channel_masks`: channel attention masks (each summing to one,
  eq. 2) sorted by size, against the uniform mask 1/C.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import Tensor, nn

from enhancelib.nn.adaptive_norm import BiDirectionalNorm, InstanceLayerNorm

__all__ = ["plot_channel_masks", "plot_matrices", "plot_rho", "rho_values"]


def rho_values(module: nn.Module) -> dict[str, np.ndarray]:
    """``{layer name: rho per channel}`` for every BNM and ILN inside ``module``, in module order."""
    return {name: m.rho.detach().float().flatten().cpu().numpy()
            for name, m in module.named_modules() if isinstance(m, (BiDirectionalNorm, InstanceLayerNorm))}


def _as_array(value: Tensor | np.ndarray, what: str) -> np.ndarray:
    array = np.asarray(value.detach().cpu() if hasattr(value, "detach") else value, dtype=np.float64)
    if array.size == 0:
        raise ValueError(f"{what} is empty")
    return array


def plot_rho(rhos: Mapping[str, Tensor | np.ndarray], title: str = "", ax: Axes | None = None) -> plt.Figure:
    """One strip of dots per layer (rho of each channel), its mean marked, the clip range [0, 1] shaded."""
    if not rhos:
        raise ValueError("rhos is empty: the network has no instance-layer normalisation")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 1.4 * len(rhos) + 1.5), 3.0))
    rng = np.random.default_rng(0)
    for index, (name, values) in enumerate(rhos.items()):
        v = _as_array(values, f"rho of {name}").ravel()
        ax.scatter(index + rng.uniform(-0.25, 0.25, v.size), v, s=4, alpha=0.5)
        ax.plot([index - 0.35, index + 0.35], [v.mean()] * 2, color="k", lw=1.5)
    ax.axhspan(0.0, 1.0, color="0.93", zorder=0)
    ax.set_xticks(range(len(rhos)), list(rhos), rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("ρ  (1 = IN, 0 = LN)")
    ax.set_ylim(-0.08, 1.08)
    if title:
        ax.set_title(title, fontsize=10)
    figure = ax.figure
    assert isinstance(figure, Figure)  # a figure's own axes (a subfigure has no tight_layout)
    figure.tight_layout()
    return figure


def plot_matrices(matrices: Mapping[str, Tensor | np.ndarray], labels: Sequence[str] | None = None, vmax: float | None = 1.0,
                  fmt: str = "{:.2f}", width: float = 2.6) -> plt.Figure:
    """Square matrices side by side as heat maps with their values written in each cell."""
    if not matrices:
        raise ValueError("matrices is empty")
    arrays = {k: _as_array(v, k) for k, v in matrices.items()}
    for k, a in arrays.items():
        if a.ndim != 2:
            raise ValueError(f"{k} must be a 2-D matrix, got shape {a.shape}")
    fig, axes = plt.subplots(1, len(arrays), figsize=(width * len(arrays), width), squeeze=False)
    top = vmax if vmax is not None else max(float(a.max()) for a in arrays.values())
    for ax, (title, a) in zip(axes.flat, arrays.items()):
        ax.imshow(a, cmap="viridis", vmin=0.0, vmax=top)
        for (i, j), value in np.ndenumerate(a):
            ax.text(j, i, fmt.format(value), ha="center", va="center", fontsize=8,
                    color="w" if value < 0.6 * top else "k")
        names = list(labels) if labels is not None else [str(i) for i in range(max(a.shape))]
        ax.set_xticks(range(a.shape[1]), names[:a.shape[1]], fontsize=8)
        ax.set_yticks(range(a.shape[0]), names[:a.shape[0]], fontsize=8)
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def plot_channel_masks(masks: Mapping[str, Tensor | np.ndarray], ax: Axes | None = None, title: str = "") -> plt.Figure:
    """Each mask (C weights) sorted in decreasing order, as a multiple of the uniform weight 1/C (log scale)."""
    if not masks:
        raise ValueError("masks is empty")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 3.0))
    for label, mask in masks.items():
        m = _as_array(mask, label).ravel()
        ax.plot(np.arange(1, m.size + 1), np.sort(m)[::-1] * m.size, lw=1.2, label=label)
    ax.axhline(1.0, color="0.5", ls="--", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("channel rank")
    ax.set_ylabel("weight × C  (1 = uniform)")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    figure = ax.figure
    assert isinstance(figure, Figure)  # a figure's own axes (a subfigure has no tight_layout)
    figure.tight_layout()
    return figure
