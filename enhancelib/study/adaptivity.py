"""Does a method adapt its correction to each photo, or apply one correction to all?

A photo's exposure change is measured in stops, the base-2 logarithm of the
ratio of mean luma after and before:

.. math::

    s(a \\to b) = \\log_2 \\frac{\\bar Y(b)}{\\bar Y(a)}, \\qquad
    \\bar Y(x) = \\text{mean over pixels of } 0.299 R + 0.587 G + 0.114 B .

For every test pair the *needed* change is ``s(input -> target)`` and a
method's *applied* change is ``s(input -> output)``. A method that reads each
photo's exposure has applied changes that follow the needed ones (slope near
1, high correlation); a method that learned one global correction has a
near-constant applied change (slope near 0, spread far below the needed
spread), whatever its mean. On a benchmark whose exposure errors go both
ways, the second kind brightens photos that needed darkening.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from enhancelib.study.tone_errors import tone_statistics

__all__ = ["NO_BRIGHTENING", "mean_luma", "exposure_change", "exposure_changes", "adaptivity_summary", "gain_by_need"]

NO_BRIGHTENING = 0.05
"""Stops: a photo whose needed change is at most this needs no brightening (the chapters' split)."""


def mean_luma(image: torch.Tensor) -> float:
    """Mean luma of a ``3 x H x W`` (or ``1 x 3 x H x W``) image in [0, 1]."""
    x = image[0] if image.dim() == 4 and image.shape[0] == 1 else image
    return tone_statistics(x)["brightness"]   # the comparison chapter's luma, one definition


def exposure_change(before: torch.Tensor, after: torch.Tensor, floor: float = 1e-3) -> float:
    """``log2(mean luma(after) / mean luma(before))``: + brightens, - darkens, one unit = one stop."""
    return float(np.log2(max(mean_luma(after), floor) / max(mean_luma(before), floor)))


def exposure_changes(pairs: Mapping[str, tuple[torch.Tensor, torch.Tensor]],
                     methods: Mapping[str, Callable[[torch.Tensor], torch.Tensor]]) -> pd.DataFrame:
    """One row per (photo, method): the needed and the applied exposure change, in stops.

    ``pairs`` maps a photo's name to ``(input, target)``; each method maps an
    input to its output (``3 x H x W`` in [0, 1]).
    """
    if not pairs:
        raise ValueError("exposure_changes needs at least one (input, target) pair")
    rows = []
    for name, (low, target) in pairs.items():
        needed = exposure_change(low, target)
        for method, enhance in methods.items():
            with torch.no_grad():
                out = enhance(low)
            rows.append({"image": name, "method": method, "needed": needed, "applied": exposure_change(low, out)})
    return pd.DataFrame(rows)


def adaptivity_summary(changes: pd.DataFrame, order: Sequence[str] | None = None) -> pd.DataFrame:
    """Per method: mean and spread of the applied change, its correlation with and slope on the needed one.

    Also the mean absolute exposure error ``|applied - needed|``.
    """
    out = {}
    for method, group in changes.groupby("method", sort=False):
        needed, applied = group["needed"].to_numpy(), group["applied"].to_numpy()
        varies = needed.std() > 0 and applied.std() > 0
        out[method] = {
            "mean applied (stops)": applied.mean(),
            "sd applied": applied.std(),
            "sd needed": needed.std(),
            "correlation": float(np.corrcoef(needed, applied)[0, 1]) if varies else float("nan"),
            # least-squares slope of applied on needed: 1 follows each photo, 0 is one global change
            "slope": float(np.polyfit(needed, applied, 1)[0]) if needed.std() > 0 else float("nan"),
            "mean |error| (stops)": float(np.abs(applied - needed).mean()),
        }
    table = pd.DataFrame(out).T
    return table.loc[list(order)] if order is not None else table


def gain_by_need(long: pd.DataFrame, needed: pd.Series, methods: Sequence[str], reference: str = "input",
                 metric: str = "psnr", threshold: float = NO_BRIGHTENING) -> pd.DataFrame:
    """Per method, the gain over ``reference`` on the photos that need brightening and on the others.

    ``long``: per-image scores with columns ``method``, ``seed``, ``name`` and
    ``metric`` (:func:`enhancelib.study.compare.stack_per_image`); ``needed``: the
    needed exposure change per photo name, in stops. A photo needs brightening
    when its needed change exceeds ``threshold``. Each run's gain is its mean
    over the group's photos minus the reference's; the table gives the mean
    over a method's runs and their standard deviation (NaN for one run), and
    the group sizes in the column names.
    """
    reference_scores = long[long["method"] == reference].groupby("name")[metric].mean()
    if reference_scores.empty:
        raise ValueError(f"gain_by_need: no scores of the reference {reference!r} in the table.")
    present = needed[needed.index.isin(reference_scores.index)]
    groups = {"need brightening": present[present > threshold].index,
              "need no brightening": present[present <= threshold].index}
    rows = {}
    for method in methods:
        part = long[long["method"] == method]
        if part.empty:
            continue
        gains = part.pivot_table(index="name", columns="seed", values=metric).sub(reference_scores, axis=0)
        row: dict[str, float] = {"runs": float(gains.shape[1])}
        for label, photos in groups.items():
            per_run = gains.reindex(photos).mean(axis=0)
            row[f"{label} ({len(photos)}): gain"] = float(per_run.mean())
            row[f"{label} ({len(photos)}): sd"] = float(per_run.std(ddof=1)) if len(per_run) > 1 else float("nan")
        rows[method] = row
    return pd.DataFrame(rows).T
