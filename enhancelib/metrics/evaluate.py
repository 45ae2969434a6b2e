"""Scoring an enhancer over a test set, summarising, and comparing two methods.

:func:`evaluate_pairs` runs ``enhance`` on each pair's input (``1 x 3 x H x W``
in ``[0, 1]``, no gradients) and scores the 8-bit result against the target:
one row per image. :func:`summarise` gives mean, std and count per metric;
:func:`paired_test` asks whether method A beats method B beyond the
image-to-image noise (Wilcoxon signed-rank test over images); :func:`seed_test`
asks whether one recipe beats another beyond the seed-to-seed noise (Welch's
t-test over runs).
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Protocol, Sequence, Union

import numpy as np
import pandas as pd
import torch
from scipy.stats import ttest_ind, wilcoxon
from torch import Tensor
from tqdm.auto import tqdm

from enhancelib.metrics.fidelity import Quirks, check_quirks, mean_over_images, psnr, ssim
from enhancelib.metrics.noref import niqe, nima

__all__ = ["ImagePair", "METRICS", "HIGHER_IS_BETTER", "evaluate_pairs", "summarise", "PairedTest", "paired_test",
           "SeedTest", "seed_test"]

METRICS = ("psnr", "ssim", "niqe", "nima")
HIGHER_IS_BETTER = {"psnr": True, "ssim": True, "niqe": False, "nima": True, "seconds": False}
_FULL_REFERENCE = {"psnr", "ssim"}


class ImagePair(Protocol):
    """What :func:`evaluate_pairs` reads from each test item."""

    name: str
    input: Tensor
    """``3 x H x W`` float in ``[0, 1]``."""
    target: Optional[Tensor]
    """``3 x H x W`` float in ``[0, 1]``; may be ``None`` when only no-reference metrics are asked."""


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
        if _FULL_REFERENCE.intersection(metrics) and getattr(pair, "target", None) is None:
            raise ValueError(f"pair {pair.name!r} has no target, which {sorted(_FULL_REFERENCE & set(metrics))} "
                             f"need; ask only for no-reference metrics (niqe, nima).")
        for metric in metrics:
            if metric == "psnr":
                row["psnr"] = psnr(out, pair.target, quirks=quirks)
            elif metric == "ssim":
                row["ssim"] = ssim(out, pair.target, quirks=quirks)
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


@dataclass(frozen=True)
class PairedTest:
    """Result of :func:`paired_test`: ``mean_difference`` is mean(A - B) over the shared images."""

    metric: str
    n: int
    mean_a: float
    mean_b: float
    mean_difference: float
    statistic: float
    p_value: float
    a_is_better: bool
    """Whether A's mean is better than B's in the metric's direction (lower NIQE, higher PSNR ...)."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        better = "A" if self.a_is_better else "B"
        return (f"{self.metric}: mean A - B = {self.mean_difference:+.4g} over {self.n} images, "
                f"Wilcoxon p = {self.p_value:.3g} ({better} better on average)")


def paired_test(df_a: pd.DataFrame, df_b: pd.DataFrame, metric: str) -> PairedTest:
    """Wilcoxon signed-rank test of A against B over the same images (matched by ``name``).

    Images where either score is not finite (NaN, inf PSNR) are left out and
    ``n`` counts those used. With all differences zero the p-value is 1.
    """
    if metric not in HIGHER_IS_BETTER:
        raise ValueError(f"unknown metric {metric!r}; choose from {list(HIGHER_IS_BETTER)}.")
    for label, df in (("df_a", df_a), ("df_b", df_b)):
        if "name" not in df.columns or metric not in df.columns:
            raise ValueError(f"{label} needs columns 'name' and {metric!r}; it has {list(df.columns)}.")
        if df["name"].duplicated().any():
            raise ValueError(f"{label} has duplicate image names; each image must appear once.")
    mismatched = set(df_a["name"]) ^ set(df_b["name"])
    if mismatched:
        raise ValueError(f"the two evaluations cover different images (e.g. {sorted(mismatched)[:3]}); "
                         f"evaluate both methods on the same pairs.")
    merged = df_a[["name", metric]].merge(df_b[["name", metric]], on="name", suffixes=("_a", "_b"))
    a = merged[f"{metric}_a"].astype(float).to_numpy()
    b = merged[f"{metric}_b"].astype(float).to_numpy()
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    if a.size < 2:
        raise ValueError(f"paired_test needs at least 2 images with finite {metric} in both; got {a.size}.")
    diff = a - b
    if np.all(diff == 0):
        statistic, p_value = 0.0, 1.0
    else:
        result = wilcoxon(a, b, zero_method="wilcox", alternative="two-sided")
        statistic, p_value = float(result.statistic), float(result.pvalue)
    mean_difference = float(diff.mean())
    higher = HIGHER_IS_BETTER[metric]
    return PairedTest(metric=metric, n=int(a.size), mean_a=float(a.mean()), mean_b=float(b.mean()),
                      mean_difference=mean_difference, statistic=statistic, p_value=p_value,
                      a_is_better=mean_difference > 0 if higher else mean_difference < 0)


@dataclass(frozen=True)
class SeedTest:
    """Result of :func:`seed_test`: two groups of runs, one score per seed (e.g. test PSNR)."""

    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    std_a: float
    """Sample standard deviation over A's seeds (NaN with one seed)."""
    std_b: float
    mean_difference: float
    p_value: float
    """Welch's two-sided t-test over seeds; NaN when either group has fewer than two seeds."""
    alpha: float
    unit: str = ""
    """Appended to the difference when printed (e.g. ``"dB"``)."""

    @property
    def beyond_seed_noise(self) -> bool:
        """Whether the difference of the seed means is significant at ``alpha`` (False when untestable)."""
        return bool(np.isfinite(self.p_value) and self.p_value < self.alpha)

    def __str__(self) -> str:
        difference = f"difference of the seed means {self.mean_difference:+.2f}{' ' + self.unit if self.unit else ''}"
        if not np.isfinite(self.p_value):
            return f"{difference} ({self.n_a} against {self.n_b} seed(s): too few seeds for a test)"
        return (f"{difference}, Welch's t-test over seeds "
                f"p = {self.p_value:.3f}: {'beyond' if self.beyond_seed_noise else 'within'} the seed noise")


def seed_test(a: Sequence[float], b: Sequence[float], alpha: float = 0.05, unit: str = "") -> SeedTest:
    """Welch's t-test of A's seeds against B's: is a change of the recipe larger than a change of seed?

    Each value is one run's score over the whole test split, so the test's
    unit is the seed, not the image: image-level tests (:func:`paired_test`)
    say whether two particular runs differ, not whether the recipes do.
    """
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if xa.size == 0 or xb.size == 0:
        raise ValueError(f"seed_test needs at least one run in each group; got {xa.size} and {xb.size}.")
    if not (np.isfinite(xa).all() and np.isfinite(xb).all()):
        raise ValueError("seed_test got a non-finite score; check the runs' metrics.")
    std = lambda x: float(np.std(x, ddof=1)) if x.size > 1 else math.nan  # noqa: E731
    p_value = float(ttest_ind(xa, xb, equal_var=False).pvalue) if min(xa.size, xb.size) > 1 else math.nan
    return SeedTest(n_a=int(xa.size), n_b=int(xb.size), mean_a=float(xa.mean()), mean_b=float(xb.mean()),
                    std_a=std(xa), std_b=std(xb), mean_difference=float(xa.mean() - xb.mean()),
                    p_value=p_value, alpha=alpha, unit=unit)
