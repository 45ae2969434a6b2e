"""Training augmentation, as the papers do it, on in-memory tensors.

Each training example is a random square crop of side ``preset.crop``
(clipped to the photo's short side), resized to ``preset.train_size``, then
flipped horizontally and/or vertically and rotated by a multiple of 90
degrees, each with equal probability. Paired examples ("low" and its clean
"low_target") get the *same* crop and orientation.

Drawing (:func:`draw_augmentation`) is separate from applying
(:func:`apply_augmentation`) so that the random choices come only from a
``torch.Generator`` (reproducible and resumable), can be applied to several
images, and can be inspected or undone (:func:`undo_orientation`).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from enhancelib.data.degrade import Region

__all__ = ["Augmentation", "draw_augmentation", "apply_augmentation", "undo_orientation"]


@dataclass(frozen=True)
class Augmentation:
    """Where to crop and how to orient one training example."""

    top: int
    left: int
    side: int
    hflip: bool
    vflip: bool
    rot90: int
    """Number of counter-clockwise quarter turns (0-3)."""

    def region(self, height: int, width: int) -> Region:
        """The crop as (top, left, bottom, right) in normalised coordinates of an
        ``height x width`` photo (for :func:`enhancelib.data.degrade.degrade`)."""
        return (self.top / height, self.left / width,
                (self.top + self.side) / height, (self.left + self.side) / width)


def _randint(high: int, generator: torch.Generator) -> int:
    return int(torch.randint(high, (1,), generator=generator).item())


def draw_augmentation(height: int, width: int, crop: int, generator: torch.Generator) -> Augmentation:
    """Draw a crop of side ``min(crop, height, width)`` and an orientation.

    The five draws always happen in the same order, so the generator's state
    after a batch depends only on the batch size.
    """
    side = min(crop, height, width)
    top = _randint(height - side + 1, generator)
    left = _randint(width - side + 1, generator)
    hflip = bool(_randint(2, generator))
    vflip = bool(_randint(2, generator))
    rot90 = _randint(4, generator)
    return Augmentation(top, left, side, hflip, vflip, rot90)


def apply_augmentation(image: torch.Tensor, aug: Augmentation, size: int) -> torch.Tensor:
    """Crop ``image`` (``3 x H x W``, uint8 or float), resize the crop to
    ``size x size`` (antialiased when shrinking) and orient it.

    Returns float32 in [0, 1] (uint8 input is divided by 255).
    """
    patch = image[:, aug.top:aug.top + aug.side, aug.left:aug.left + aug.side]
    patch = patch.float().div(255.0) if patch.dtype == torch.uint8 else patch.float()
    if aug.side != size:
        patch = F.interpolate(patch.unsqueeze(0), size=(size, size), mode="bilinear",
                              align_corners=False, antialias=aug.side > size).squeeze(0).clamp_(0.0, 1.0)
    if aug.hflip:
        patch = patch.flip(-1)
    if aug.vflip:
        patch = patch.flip(-2)
    if aug.rot90:
        patch = torch.rot90(patch, aug.rot90, dims=(-2, -1))
    return patch.contiguous()


def undo_orientation(patch: torch.Tensor, aug: Augmentation) -> torch.Tensor:
    """Invert the flips and rotation of :func:`apply_augmentation` (not the crop)."""
    if aug.rot90:
        patch = torch.rot90(patch, -aug.rot90, dims=(-2, -1))
    if aug.vflip:
        patch = patch.flip(-2)
    if aug.hflip:
        patch = patch.flip(-1)
    return patch
