"""Chapter 03 (QAGAN): what the quality attention module costs, and where it looks.

* :func:`qam_cost` counts one QAM's multiply-adds and parameters; :func:`qam_cost_table` compares
  full-width and C/8 projections at relu5_1 and relu4_1;
* :func:`memory_formula_table`, :func:`measure_attention_memory` and :func:`plot_attention_memory`
  set the S x S matrix's formula beside the measured peak of a real module (whole and in chunks);
  :func:`memory_at_resolution` measures G_L's two QAMs on real features;
* :func:`qam_variant` builds the modules whose attention the chapter shows (raw features, a tied
  random projection, the untrained module), :func:`attention_levels` runs them, and
  :func:`attention_summary` / :func:`own_place_line` summarise where they look;
  :func:`statistics_figure` draws the channel statistics before and after a QAM's transfer.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
import numpy as np
import pandas as pd
import torch
from torch import Tensor

from enhancelib.nn.quality_attention import QualityAttention, channel_statistics
from enhancelib.viz.attention import (RELIABLE_ABOVE_MIB, AttentionLevel, attention_matrix_mib, peak_memory_mib,
                                      plot_channel_statistics)

__all__ = ["LEVELS", "STRIDES", "VARIANTS", "QAMCost", "qam_cost", "qam_cost_table", "memory_formula_table",
           "measure_attention_memory", "plot_attention_memory", "memory_at_resolution", "qam_variant",
           "attention_levels", "attention_summary", "chance_of_own_place", "own_place_line", "statistics_figure"]

#: the two QAM levels of G_L (Fig. 4), and the stride of each feature map in pixels
LEVELS = ("relu5_1", "relu4_1")
STRIDES = {"relu5_1": 16, "relu4_1": 8}
#: the untrained attention modules the chapter compares
VARIANTS = ("raw features", "tied random projection", "untrained module")


@dataclass(frozen=True)
class QAMCost:
    """One QAM's attention step: multiply-adds (G) by part, parameters, rank of M, size of the matrix."""

    d: int
    projections_gmac: float
    scores_gmac: float
    weighted_gmac: float
    back_gmac: float
    parameters: int
    rank: int
    matrix_mib: float

    @property
    def total_gmac(self) -> float:
        return self.projections_gmac + self.scores_gmac + self.weighted_gmac + self.back_gmac


def qam_cost(channels: int, s_high: int, s_low: int, reduction: int) -> QAMCost:
    """Cost of one QAM with queries, keys and values of ``channels // reduction`` channels.

    Projections theta(f_H), nu(f_L), phi(f_L): (S_H + 2 S_L) C d; scores and weighted sum: S_H S_L d
    each; the 1x1 convolution back to C (only when d < C): S_H d C. Parameters: three 1x1 convolutions
    with biases, plus the one back to C. The attention matrix: S_H S_L float32 weights.
    """
    d = channels // reduction
    back = reduction > 1
    return QAMCost(d=d, projections_gmac=(s_high + 2 * s_low) * channels * d / 1e9,
                   scores_gmac=s_high * s_low * d / 1e9, weighted_gmac=s_high * s_low * d / 1e9,
                   back_gmac=s_high * d * channels / 1e9 if back else 0.0,
                   parameters=3 * (channels * d + d) + ((d * channels + channels) if back else 0),
                   rank=min(d, channels), matrix_mib=s_high * s_low * 4 / 2**20)


def qam_cost_table(side: int = 512, channels: int = 512) -> pd.DataFrame:
    """:func:`qam_cost` at both levels of a square ``side`` image, full-width (C) and reduced (C/8)."""
    rows = []
    for level in LEVELS:
        s = (side // STRIDES[level]) ** 2
        for reduction in (1, 8):
            cost = qam_cost(channels, s, s, reduction)
            rows.append({"level": level, "S": s, "width": "C" if reduction == 1 else "C/8", "d": cost.d,
                         "GMAC": cost.total_gmac, "parameters": cost.parameters, "rank of M": cost.rank,
                         "matrix (MiB)": cost.matrix_mib})
    return pd.DataFrame(rows).set_index(["level", "S", "width"])


def memory_formula_table(long_sides: Sequence[int] = (128, 256, 384, 512, 768, 1024)) -> pd.DataFrame:
    """One attention matrix (MiB, float32) per level for square and 4:3 images of each long side."""
    rows = []
    for side in long_sides:
        for shape, (h, w) in (("square", (side, side)), ("4:3", (side * 3 // 4, side))):
            row: dict[str, object] = {"long side": side, "shape": shape}
            for level in LEVELS:
                s = STRIDES[level]
                row[f"{level} S"] = (h // s) * (w // s)
                row[f"{level} MiB"] = attention_matrix_mib((h, w), s)
            rows.append(row)
    return pd.DataFrame(rows).set_index(["long side", "shape"])


def measure_attention_memory(sides: Sequence[int], chunk: int = 1024, channels: int = 512) -> pd.DataFrame:
    """The relu4_1 QAM on random features of square images: the formula, the returned matrix, measured peaks.

    The peak is measured whole for every side and in chunks of ``chunk`` query rows for the largest;
    peaks of matrices below :data:`~enhancelib.viz.attention.RELIABLE_ABOVE_MIB` are left out (NaN),
    since the allocator reuses such blocks unseen.
    """
    rows = []
    for side in sides:
        qam = QualityAttention(channels).eval()
        f_h, f_l = torch.rand(1, channels, side // 8, side // 8), torch.rand(1, channels, side // 8, side // 8)
        one = attention_matrix_mib((side, side), 8)
        with torch.no_grad():
            _, returned = qam(f_h, f_l, return_attention=True)
            returned_mib = returned.nbytes / 2**20
            del returned
            whole, _ = peak_memory_mib(lambda: qam(f_h, f_l))
            chunked = (peak_memory_mib(lambda: qam(f_h, f_l, chunk_size=chunk))[0] if side == sides[-1] else None)
        seen = whole is not None and one > RELIABLE_ABOVE_MIB
        rows.append({"image": f"{side}x{side}", "relu4_1 S": (side // 8) ** 2, "formula (MiB)": one,
                     "returned (MiB)": returned_mib, "peak, whole (MiB)": whole if seen else np.nan,
                     "peak / matrix": whole / one if seen and whole is not None else np.nan,
                     f"peak, chunks of {chunk} (MiB)": np.nan if chunked is None else chunked})
    return pd.DataFrame(rows).set_index("image")


def plot_attention_memory(formula: pd.DataFrame, measured: pd.DataFrame) -> Figure:
    """Log-log: the formula per level for square images, and the measured relu4_1 peaks (whole, chunked)."""
    fig, ax = plt.subplots(figsize=(6, 3.4))
    square = formula.xs("square", level="shape")
    for level, style in zip(LEVELS, ("--", "-")):
        ax.loglog(square.index, square[f"{level} MiB"], style, marker="o", label=f"{level}, formula (one matrix)")
    sides = [int(str(i).split("x")[0]) for i in measured.index]
    chunked = [c for c in measured.columns if c.startswith("peak, chunks")]
    ax.loglog(sides, measured["peak, whole (MiB)"], "s", ms=8, color="k", label="relu4_1, measured peak")
    if chunked:
        ax.loglog(sides, measured[chunked[0]], "v", ms=8, color="tab:green", label=f"relu4_1, {chunked[0][6:-6]}")
    ax.minorticks_off()
    ax.set_xticks(list(square.index), [str(s) for s in square.index])
    ax.set(xlabel="image side (px), square", ylabel="MiB per image")
    ax.set_title("QAM attention memory grows with the 4th power of the side", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def memory_at_resolution(qams: Mapping[str, QualityAttention], f_high: Mapping[str, Tensor],
                           f_low: Mapping[str, Tensor]) -> list[str]:
    """One line per QAM level: query and key positions, the returned matrix's MiB and the measured peak."""
    lines = []
    with torch.no_grad():
        for level in LEVELS:
            qam, fh, fl = qams[level], f_high[level], f_low[level]
            _, returned = qam(fh, fl, return_attention=True)
            mib = returned.nbytes / 2**20
            del returned
            peak, _ = peak_memory_mib(lambda: qam(fh, fl))
            (hq, wq), (hk, wk) = fh.shape[-2:], fl.shape[-2:]
            shown = (f"measured peak {peak:.1f} MiB, {peak / mib:.1f} x the matrix"
                     if peak is not None and mib > RELIABLE_ABOVE_MIB else "peak below what the measurement can see")
            lines.append(f"{level}: {hq}x{wq} = {hq * wq} query positions x {hk}x{wk} = {hk * wk} key positions: "
                         f"a {mib:.1f} MiB matrix; {shown}")
    return lines


def qam_variant(kind: str, channels: int, seed: int = 0) -> QualityAttention:
    """An untrained QAM of one of :data:`VARIANTS`, in eval mode.

    ``"raw features"``: identity projections of full width (d = C, no output convolution): the pure
    soft nearest-neighbour search; ``"tied random projection"``: nu = theta, a random C/8 projection;
    ``"untrained module"``: independent random theta and nu, as G_L starts training.
    """
    if kind not in VARIANTS:
        raise ValueError(f"unknown variant {kind!r}; choose from {VARIANTS}")
    torch.manual_seed(seed)
    if kind == "raw features":
        qam = QualityAttention(channels, reduction=1, value_reduction=1)
        with torch.no_grad():
            for conv in (qam.theta, qam.nu, qam.phi):
                conv.weight.copy_(torch.eye(channels)[:, :, None, None])
                if conv.bias is not None:
                    conv.bias.zero_()
    else:
        qam = QualityAttention(channels)
        if kind == "tied random projection":
            qam.nu.load_state_dict(qam.theta.state_dict())
    return qam.eval()


def attention_levels(qams: Mapping[str, QualityAttention], f_query: Mapping[str, Tensor],
                     f_key: Mapping[str, Tensor]) -> dict[str, AttentionLevel]:
    """Per level: (the attention of the first image, S_q x S_k; query map size; key map size)."""
    levels: dict[str, AttentionLevel] = {}
    with torch.no_grad():
        for level in LEVELS:
            _, a = qams[level](f_query[level], f_key[level], return_attention=True)
            assert a is not None, "the module has no spatial attention"
            levels[level] = (a[0], tuple(f_query[level].shape[-2:]), tuple(f_key[level].shape[-2:]))  # type: ignore[assignment]
    return levels


def _own_place(a: Tensor, query: tuple[int, int], key: tuple[int, int]) -> float:
    """Share of query positions whose most attended key lies within one cell of the query's own position."""
    (hq, wq), (_, wk) = query, key
    top = a.argmax(-1)
    qy, qx = torch.arange(hq * wq) // wq, torch.arange(hq * wq) % wq
    ky, kx = top // wk, top % wk
    return float((((qy - ky).abs() <= 1) & ((qx - kx).abs() <= 1)).float().mean())


def attention_summary(attention: Mapping[tuple[str, str], Mapping[str, AttentionLevel]]) -> pd.DataFrame:
    """Rows (variant, key photo); per level: mean largest weight, positions attended (exp entropy) and,
    for the key photo ``"same photo"``, how often the top key lies within one cell of the query's place."""
    rows = {}
    for (kind, key), levels in attention.items():
        row: dict[tuple[str, str], float] = {}
        for level, (a, query, key_size) in levels.items():
            row[(level, "largest weight")] = float(a.max(-1).values.mean())
            row[(level, "positions attended")] = float(torch.exp(-(a * a.clamp_min(1e-12).log()).sum(-1)).mean())
            row[(level, "finds its own place")] = _own_place(a, query, key_size) if key == "same photo" else np.nan
        rows[(kind, key)] = row
    table = pd.DataFrame(rows).T
    table.columns = pd.MultiIndex.from_tuples([tuple(c) for c in table.columns])
    return table


def chance_of_own_place(h: int, w: int) -> float:
    """Probability that a uniformly random key cell of an h x w map lies within one cell of a query,
    averaged over the query positions (about 9 / (h w) away from the borders)."""
    def near(n: int) -> np.ndarray:
        i = np.arange(n)
        return np.minimum(i + 1, n - 1) - np.maximum(i - 1, 0) + 1

    return float(np.outer(near(h), near(w)).mean() / (h * w))


def own_place_line(summary: pd.DataFrame, level: str, size: tuple[int, int]) -> str:
    """How often each variant finds its own place in the degraded copy at ``level``, and as multiples of chance."""
    chance = chance_of_own_place(*size)
    shares = summary.xs("same photo", level=1)[(level, "finds its own place")]
    parts = [f"{share:.1%} of positions ({kind}, {share / chance:.1f} x chance)" for kind, share in shares.items()]
    return f"{level}: finds its own place in the degraded copy for " + ", ".join(parts) + f"; chance {chance:.1%}"


def statistics_figure(qam: QualityAttention, f_high: Tensor, f_low: Tensor, title: str) -> tuple[Figure, float]:
    """Per-channel mean and sd of f_H, of the attention output f~_H, of f_L and of the QAM output f^_H
    (channels ordered by f_L's), and the largest gap between f^_H's and f_L's channel means."""
    with torch.no_grad():
        tilde, _ = qam.attend(f_high, f_low) if qam.spatial_attention else (f_high, None)
        hat = qam(f_high, f_low)
    assert isinstance(hat, Tensor)
    reference, output = "f_L (low-quality reference)", "f^_H (after AdaIN)"
    fig = plot_channel_statistics(
        {"f_H (high-quality photo)": f_high, "f~_H (after attention)": tilde, reference: f_low, output: hat},
        order_by=reference, title=title,
        styles={reference: {"lw": 4, "color": "0.6"}, output: {"ls": "--", "color": "k"},
                "f_H (high-quality photo)": {"alpha": 0.7}, "f~_H (after attention)": {"alpha": 0.7}})
    gap = (channel_statistics(hat)[0] - channel_statistics(f_low)[0]).abs().max()
    return fig, float(gap)
