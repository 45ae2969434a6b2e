"""Scoring an enhancer over a test set, and summarising the scores.

:func:`evaluate_pairs` runs ``enhance`` on each pair's input (``1 x 3 x H x W``
in ``[0, 1]``, no gradients) and scores the 8-bit result against the target:
one row per image. :func:`summarise` gives mean, std and count per metric.
Tests of one method or recipe against another are in
:mod:`enhancelib.study.statistics`.
"""
from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, Callable, Optional, Protocol, Sequence, Union

import numpy as np
import pandas as pd
import torch
from torch import Tensor
from tqdm.auto import tqdm

from enhancelib.metrics.fidelity import Quirks, check_quirks, mean_over_images, psnr, ssim
from enhancelib.metrics.noref import niqe, nima

__all__ = ["ImagePair", "METRICS", "HIGHER_IS_BETTER", "evaluate_pairs", "summarise"]

METRICS = ("psnr", "ssim", "niqe", "nima")
# haze (metrics.tone): 0 is the target's tone; outputs lie above it, where lower is nearer
HIGHER_IS_BETTER = {"psnr": True, "ssim": True, "niqe": False, "nima": True, "seconds": False, "haze": False}
_FULL_REFERENCE = {"psnr", "ssim"}


class ImagePair(Protocol):
    """What :func:`evaluate_pairs` reads from each test item."""

    @property
    def name(self) -> str: ...

    @property
    def input(self) -> Tensor:
        """``3 x H x W`` float in ``[0, 1]``."""
        ...

    @property
    def target(self) -> Optional[Tensor]:
        """``3 x H x W`` float in ``[0, 1]``; may be ``None`` when only no-reference metrics are asked."""
        ...


def _check_metrics(metrics: Sequence[str]) -> tuple[str, ...]:
    if isinstance(metrics, str):
        metrics = (metrics,)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; choose from {list(METRICS)}.")
    return tuple(metrics)


def _enhanced(enhance: Callable[[Tensor], Tensor], x: Tensor, name: str,
              device: Optional[Union[str, torch.device]], timing: bool) -> tuple[Tensor, float]:
    batch = x.unsqueeze(0)
    if device is not None:
        batch = batch.to(device)
    on_cuda = batch.device.type == "cuda"
    start = time.perf_counter()
    with torch.no_grad():
        out = enhance(batch)
    if timing and on_cuda:
        torch.cuda.synchronize(batch.device)
    seconds = time.perf_counter() - start if timing else math.nan
    if not isinstance(out, Tensor) or tuple(out.shape) != tuple(batch.shape):
        got = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
        raise ValueError(f"enhance() returned {got} for {name!r}; it must return a tensor of the input's "
                         f"shape {tuple(batch.shape)}. Crop or pad inside the enhancer.")
    return out[0].detach().float().cpu(), seconds


def evaluate_pairs(
    enhance: Optional[Callable[[Tensor], Tensor]],
    pairs: Sequence[ImagePair],
    metrics: Sequence[str] = ("psnr", "ssim", "niqe"),
    quirks: Quirks = None,
    progress: bool = True,
    batch_timing: bool = True,
    *,
    nima_weights: Optional[Union[str, Path]] = None,
    device: Optional[Union[str, torch.device]] = None,
) -> pd.DataFrame:
    """Score ``enhance`` (or, with ``enhance=None``, the inputs themselves) on every pair.

    Returns a DataFrame with one row per pair: ``name``, one column per metric
    and ``seconds``, the wall-clock time of the ``enhance`` call (synchronised
    on CUDA; ``nan`` when ``enhance`` is None or ``batch_timing`` is False).
    Inputs are moved to ``device`` when given. ``quirks`` applies to PSNR and
    SSIM (see :mod:`enhancelib.metrics.fidelity`). NIMA needs ``nima_weights``;
    without them its column is ``nan`` (unavailable, never estimated).
    """
    metrics = _check_metrics(metrics)
    check_quirks(quirks)
    if len(pairs) == 0:
        raise ValueError("evaluate_pairs got no pairs to score.")
    rows: list[dict[str, Any]] = []
    label = "scoring inputs" if enhance is None else "evaluating"
    for pair in tqdm(pairs, desc=label, disable=not progress, leave=False):
        if enhance is None:
            out, seconds = pair.input.detach().float().cpu(), math.nan
        else:
            out, seconds = _enhanced(enhance, pair.input, pair.name, device, batch_timing)
        row: dict[str, Any] = {"name": pair.name}
        target: Tensor | None = getattr(pair, "target", None)
        if _FULL_REFERENCE.intersection(metrics) and target is None:
            raise ValueError(f"pair {pair.name!r} has no target, which {sorted(_FULL_REFERENCE & set(metrics))} "
                             f"need; ask only for no-reference metrics (niqe, nima).")
        for metric in metrics:
            if metric == "psnr":
                assert target is not None  # checked above
                row["psnr"] = psnr(out, target, quirks=quirks)
            elif metric == "ssim":
                assert target is not None
                row["ssim"] = ssim(out, target, quirks=quirks)
            elif metric == "niqe":
                row["niqe"] = niqe(out)
            elif metric == "nima":
                score = nima(out, nima_weights)
                row["nima"] = math.nan if score is None else score
        row["seconds"] = seconds
        rows.append(row)
    return pd.DataFrame(rows, columns=["name", *metrics, "seconds"])


def summarise(df: pd.DataFrame, quirks: Quirks = None) -> pd.DataFrame:
    """Mean, sample std (ddof 1) and count of every metric column present (NaN entries skipped).

    With ``quirks="public"`` the mean is the public scripts' ``sum / (N - 1)``.
    An infinite PSNR (an image identical to its target) makes the mean ``inf``.
    """
    check_quirks(quirks)
    columns = [c for c in (*METRICS, "seconds") if c in df.columns]
    if not columns:
        raise ValueError(f"no metric column in the DataFrame; expected some of {[*METRICS, 'seconds']}.")
    summary = {}
    for column in columns:
        values = df[column].astype(float).dropna().to_numpy()
        if values.size == 0:
            summary[column] = {"mean": math.nan, "std": math.nan, "count": 0}
            continue
        summary[column] = {
            "mean": mean_over_images(values, quirks=quirks) if values.size > 1 or quirks is None else math.nan,
            "std": float(np.std(values, ddof=1)) if values.size > 1 else math.nan,
            "count": int(values.size),
        }
    return pd.DataFrame(summary).T[["mean", "std", "count"]].astype({"count": int})
