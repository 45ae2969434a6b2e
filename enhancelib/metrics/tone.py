"""Tone levels of an image: where its blacks and whites sit, its contrast, brightness and colour.

A hazy output has lifted blacks, lower contrast and muted colour: PSNR says
an output is wrong, these five numbers say how. All are read from the 8-bit
image (what a file holds), on a [0, 1] scale:

==============  ===========================================================
``black``       1st percentile of luminance
``white``       99th percentile of luminance
``contrast``    standard deviation of luminance
``mean``        mean luminance
``saturation``  mean over pixels of max(R, G, B) - min(R, G, B)
==============  ===========================================================

Luminance here is the Rec. 709 weighted sum of the encoded R', G', B'
(:data:`enhancelib.data.conversion.LUMA_709`). :func:`haze` reduces an output's levels against its
target's to one number: how far the blacks were lifted, plus how much
contrast was lost.
"""
from __future__ import annotations

from typing import Mapping

import torch

from enhancelib.data.conversion import LUMA_709, quantise

__all__ = ["TONE_LEVELS", "tone_levels", "haze"]

TONE_LEVELS = ("black", "white", "contrast", "mean", "saturation")
"""The five levels :func:`tone_levels` returns, in table order."""


def tone_levels(image: torch.Tensor) -> dict[str, float]:
    """The five tone levels of a ``3 x H x W`` image in [0, 1] (quantised to 8 bits first)."""
    if image.dim() != 3 or image.shape[0] != 3:
        raise ValueError(f"tone_levels expects a 3 x H x W image in [0, 1], got shape {tuple(image.shape)}")
    x = quantise(image, what="tone_levels' image").float().div(255)
    luma = (x * torch.tensor(LUMA_709).view(3, 1, 1)).sum(0).flatten()
    low, high = torch.quantile(luma, torch.tensor([0.01, 0.99])).tolist()
    return {"black": low, "white": high, "contrast": float(luma.std()), "mean": float(luma.mean()),
            "saturation": float((x.max(0).values - x.min(0).values).mean())}


def haze(output: Mapping[str, float], target: Mapping[str, float]) -> float:
    """Haze of an output against its target: lifted black plus lost contrast, on the [0, 1] scale.

    haze = (black_out - black_target) + (contrast_target - contrast_out)

    Zero when both match; positive for a milky output; negative when the
    output is crushed or over-contrasted.
    """
    return (output["black"] - target["black"]) + (target["contrast"] - output["contrast"])
