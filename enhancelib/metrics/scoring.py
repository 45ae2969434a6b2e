"""Per-image scores of an enhancer over several named test sets, with how much it edits and the tone levels.

One row per (set, image): PSNR and SSIM against the target, the edit size
(:func:`edit_size`: how far the output moved from the input) and the
output's five tone levels (:mod:`enhancelib.metrics.tone`). The training
engine writes these rows for every benchmark run (``test_sets.csv``), and
the study layer reads them for the chapters' tables.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import pandas as pd
import torch
from torch import Tensor
from tqdm.auto import tqdm

from enhancelib.data.conversion import quantise
from enhancelib.metrics.evaluate import ImagePair
from enhancelib.metrics.fidelity import psnr, ssim
from enhancelib.metrics.tone import TONE_LEVELS, tone_levels

__all__ = ["SCORE_COLUMNS", "edit_size", "score_on_test_sets"]

SCORE_COLUMNS = ("set", "name", "psnr", "ssim", "change", *TONE_LEVELS)
"""Columns of :func:`score_on_test_sets`'s table (and of a record's ``test_sets.csv``)."""


def edit_size(output: Tensor, input: Tensor) -> float:
    """How much a method changed its input: mean absolute difference of the 8-bit images, in levels (0-255).

    On the identity set this is the finite counterpart of PSNR, which is infinite for a method
    that leaves a photo exactly as it was.
    """
    return float((quantise(output).float() - quantise(input).float()).abs().mean())


def score_on_test_sets(enhance: Callable[[Tensor], Tensor] | None, sets: Mapping[str, Sequence[ImagePair]],
                       progress: bool = True, label: str = "scoring") -> pd.DataFrame:
    """One row per (set, image) of :data:`SCORE_COLUMNS`. ``enhance=None`` scores the inputs themselves."""
    rows = []
    total = sum(len(s) for s in sets.values())
    with tqdm(total=total, desc=label, disable=not progress, leave=False, unit="photo") as bar:
        for set_name, pairs in sets.items():
            for pair in pairs:
                if pair.target is None:
                    raise ValueError(f"pair {pair.name!r} of set {set_name!r} has no target to score against.")
                if enhance is None:
                    out = pair.input
                else:
                    with torch.inference_mode():
                        out = enhance(pair.input[None])[0].float().cpu()
                rows.append({"set": set_name, "name": pair.name, "psnr": psnr(out, pair.target),
                             "ssim": ssim(out, pair.target), "change": edit_size(out, pair.input),
                             **tone_levels(out)})
                bar.update()
    return pd.DataFrame(rows, columns=list(SCORE_COLUMNS))
