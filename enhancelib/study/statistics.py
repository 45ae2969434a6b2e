"""The book's statistics stance on recorded runs: photo by photo, and seed by seed.

:func:`paired_test` asks whether method A beats method B beyond the
image-to-image noise (Wilcoxon signed-rank test over the same test images);
:func:`seed_test` asks whether one recipe beats another beyond the
seed-to-seed noise (Welch's t-test over runs, one score per seed).  The
first says whether two particular runs differ, the second whether two
recipes do.  The per-image scores come from
:func:`enhancelib.metrics.evaluate_pairs`.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy.stats import ttest_ind, wilcoxon

from enhancelib.metrics.evaluate import HIGHER_IS_BETTER

__all__ = ["PairedTest", "paired_test", "SeedTest", "seed_test", "Difference", "judge_difference", "holm", "judge_family"]


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


# --------------------------------------------------------------------------- the book's one way to judge
@dataclass(frozen=True)
class Difference:
    """How method A differs from method B on one metric: the book's one judgement of a difference.

    Each method's score of a test photo is averaged over its seed pool first; the difference is taken
    photo by photo. ``low`` and ``high`` bound the mean difference at ``confidence`` (Student's t over
    photos); ``p_value`` is the paired t-test's and ``adjusted_p`` its Holm-adjusted value within the
    family of comparisons the difference was judged in (equal to ``p_value`` when judged alone).
    """

    metric: str
    photos: int
    mean_difference: float
    low: float
    high: float
    p_value: float
    adjusted_p: float
    confidence: float
    higher_is_better: bool

    @property
    def verdict(self) -> str:
        """``"A better"``, ``"B better"`` or ``"no difference shown"`` (adjusted p at 1 - confidence)."""
        if not self.adjusted_p < 1 - self.confidence:
            return "no difference shown"
        a_better = self.mean_difference > 0 if self.higher_is_better else self.mean_difference < 0
        return "A better" if a_better else "B better"


def judge_difference(a: pd.DataFrame, b: pd.DataFrame, metric: str, confidence: float = 0.95) -> Difference:
    """Compare two methods photo by photo on ``metric`` (frames with columns ``name`` and ``metric``).

    A frame may hold several rows per photo (one per seed): they are averaged first. Photos with a
    non-finite score on either side (an infinite PSNR on the identity set) are left out.

        d_i = mean_seeds A_i - mean_seeds B_i,   CI = mean(d) +- t_{n-1, (1+c)/2} * sd(d) / sqrt(n)
    """
    from scipy.stats import t as student_t
    from scipy.stats import ttest_rel

    if metric not in HIGHER_IS_BETTER:
        raise ValueError(f"unknown metric {metric!r}; choose from {list(HIGHER_IS_BETTER)}.")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}.")
    mean_a = a.groupby("name")[metric].mean()
    mean_b = b.groupby("name")[metric].mean()
    if set(mean_a.index) != set(mean_b.index):
        raise ValueError("the two methods were scored on different photos; score both on the same test set.")
    d = (mean_a - mean_b.reindex(mean_a.index)).to_numpy(dtype=float)
    keep = np.isfinite(mean_a.to_numpy(dtype=float)) & np.isfinite(mean_b.reindex(mean_a.index).to_numpy(dtype=float))
    d = d[keep]
    if d.size < 2:
        raise ValueError(f"judge_difference needs at least 2 photos with finite {metric} on both sides; got {d.size}.")
    mean = float(d.mean())
    if np.all(d == d[0]):
        low = high = mean
        p_value = 1.0 if mean == 0 else 0.0
    else:
        half = float(student_t.ppf((1 + confidence) / 2, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size))
        low, high = mean - half, mean + half
        p_value = float(ttest_rel(d, np.zeros_like(d)).pvalue)
    return Difference(metric, int(d.size), mean, low, high, p_value, p_value, confidence, HIGHER_IS_BETTER[metric])


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: controls the chance of any false claim in a family of tests.

    Sorted ascending, p_(k) becomes max_{j <= k} min(1, (m - j + 1) p_(j)).
    """
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def judge_family(differences: Sequence[Difference]) -> list[Difference]:
    """The same differences with their p-values Holm-adjusted as one family (one table of a chapter)."""
    from dataclasses import replace

    adjusted = holm([d.p_value for d in differences])
    return [replace(d, adjusted_p=p) for d, p in zip(differences, adjusted)]
