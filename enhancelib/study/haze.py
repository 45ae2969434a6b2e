"""Probes of the haze: what in a recipe lets an output's blacks lift and its contrast fall.

Each function answers one candidate cause without training:

* :func:`fidelity_blindness`: how much UEGAN's fidelity term (MSE of
  instance-normalised VGG features, paper 001 eq. 7) charges for a haze,
  against the same term without the instance normalisation and against
  pixel noise of the same PSNR. Instance normalisation removes each feature
  map's mean and scale; a haze (black lifted, contrast lowered) changes
  mostly those, so a fidelity term that cannot see it cannot resist it.
* :func:`domain_levels`: the tone levels of the two training domains and of
  the test targets. A generator that imitates the high-quality domain takes
  on its levels; if those photos are brighter or flatter than the targets,
  the imitation is a haze on the test split.
* :func:`crop_levels`: the same levels measured on the training crops, which
  are all the discriminators and the generator ever see. A crop holds less of
  a photo's range than the whole photo, so its blacks sit higher; what
  matters for the haze is whether the *gap between the domains* (the edit
  the generator learns) differs between crops and whole photos.
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd
import torch
from torch import Tensor

from enhancelib.data.sets import TrainSet
from enhancelib.losses.perceptual import UEGAN_FIDELITY_WEIGHTS, PerceptualLoss
from enhancelib.metrics.fidelity import psnr
from enhancelib.metrics.tone import TONE_LEVELS, tone_levels
from enhancelib.nn.vgg import VGGFeatures

__all__ = ["hazed", "fidelity_blindness", "domain_levels", "crop_levels", "domain_gap"]


def hazed(photo: Tensor, lift: float) -> Tensor:
    """The photo with its black lifted to ``lift`` and its white kept: x <- lift + (1 - lift) x."""
    return lift + (1.0 - lift) * photo


def _noise_of_same_error(photo: Tensor, reference: Tensor, generator: torch.Generator) -> Tensor:
    """Gaussian noise added to ``photo`` with the mean squared error ``reference`` has (before clipping)."""
    rms = float((reference - photo).pow(2).mean().sqrt())
    return (photo + rms * torch.randn(photo.shape, generator=generator)).clamp(0, 1)


@torch.no_grad()
def fidelity_blindness(photos: Sequence[Tensor], backbone: VGGFeatures,
                       lifts: Sequence[float] = (0.05, 0.1, 0.2), seed: int = 0) -> pd.DataFrame:
    """UEGAN's fidelity term charged for a haze, against pixel noise of the same error.

    For each photo and black lift: the haze's PSNR, and the loss of three
    distances between the edit and the photo (UEGAN's instance-normalised
    VGG MSE with its layer weights, the same without instance normalisation,
    plain pixel MSE), for the haze and for Gaussian noise of equal pixel MSE.
    ``ratio_*`` = loss of the haze / loss of the noise: below 1, the term
    charges less for the haze than for an equally large edit of another kind.
    """
    generator = torch.Generator().manual_seed(seed)
    with_norm = PerceptualLoss(backbone, UEGAN_FIDELITY_WEIGHTS, "mse", instance_norm=True)
    without_norm = PerceptualLoss(backbone, UEGAN_FIDELITY_WEIGHTS, "mse", instance_norm=False)
    rows = []
    for index, photo in enumerate(photos):
        x = photo.float()[None]
        for lift in lifts:
            haze = hazed(x, lift)
            noise = _noise_of_same_error(x, haze, generator)
            row = {"photo": index, "lift": lift, "psnr": psnr(haze[0], x[0])}
            for name, loss in (("fidelity", with_norm), ("no_norm", without_norm)):
                row[f"{name}_haze"] = float(loss(haze, x))
                row[f"{name}_noise"] = float(loss(noise, x))
            row["pixel_haze"] = float((haze - x).pow(2).mean())
            row["pixel_noise"] = float((noise - x).pow(2).mean())
            rows.append(row)
    frame = pd.DataFrame(rows)
    for name in ("fidelity", "no_norm", "pixel"):
        frame[f"ratio_{name}"] = frame[f"{name}_haze"] / frame[f"{name}_noise"]
    return frame


def domain_levels(domains: dict[str, Sequence[Tensor]]) -> pd.DataFrame:
    """Mean tone levels of each named group of photos (e.g. the low and high training domains, the targets)."""
    rows = {name: pd.DataFrame([tone_levels(p.float() / 255 if p.dtype == torch.uint8 else p) for p in photos])
            .mean() for name, photos in domains.items()}
    return pd.DataFrame(rows).T[list(TONE_LEVELS)]


def crop_levels(train: TrainSet, batches: int = 40, seed: int = 0) -> pd.DataFrame:
    """Mean tone levels of the training crops of each domain (``low``, ``high``), as the training draws them.

    ``batches`` batches of the train set's own sampling (random crop, resize to the training size, the
    flips), with a fixed seed.
    """
    generator = torch.Generator().manual_seed(seed)
    rows: dict[str, list[dict[str, float]]] = {"low": [], "high": []}
    for _ in range(batches):
        batch = train.sample(8, generator)
        for domain, images in rows.items():
            images.extend(tone_levels(image) for image in batch[domain])
    return pd.DataFrame({domain: pd.DataFrame(levels).mean() for domain, levels in rows.items()}).T[list(TONE_LEVELS)]


def domain_gap(whole: pd.DataFrame, crops: pd.DataFrame) -> pd.DataFrame:
    """Black level and contrast of the two domains, and the gap between them (high - low), as whole photos and as
    training crops: the edit the generator is taught, at the scale it is taught and at the scale it is used.

    ``whole`` and ``crops`` have the rows ``low`` and ``high`` (:func:`domain_levels`, :func:`crop_levels`).
    """
    rows = {}
    for scale, levels in (("whole photos", whole), ("training crops", crops)):
        row: dict[str, float] = {}
        for level in ("black", "contrast"):
            row[f"{level}, low"] = float(levels.loc["low", level])
            row[f"{level}, high"] = float(levels.loc["high", level])
            row[f"{level}, gap"] = row[f"{level}, high"] - row[f"{level}, low"]
        rows[scale] = row
    return pd.DataFrame(rows).T
