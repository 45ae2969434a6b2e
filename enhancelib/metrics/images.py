"""Turning what the metrics receive into the 8-bit image that would be saved.

Every metric in :mod:`enhancelib.metrics` scores 8-bit RGB, because that is
what a paper's evaluation script reads back from disk. Two inputs are accepted:

* a ``numpy.uint8`` array ``H x W x 3`` (an image as loaded from a file);
* a float ``torch.Tensor`` ``3 x H x W`` (or ``1 x 3 x H x W``) in ``[0, 1]``
  (what models produce). It is quantised exactly as
  ``torchvision.utils.save_image`` stores it: ``floor(255 x + 0.5)``
  (rounding half up), then clipped to ``[0, 255]``. Values slightly outside
  ``[0, 1]`` are therefore clipped, as saving would clip them.
"""
from __future__ import annotations

from typing import Union

import numpy as np
import torch

__all__ = ["ImageLike", "to_uint8_hwc", "check_same_shape"]

ImageLike = Union[np.ndarray, torch.Tensor]


def to_uint8_hwc(img: ImageLike, *, what: str = "image") -> np.ndarray:
    """Return ``img`` as a ``uint8`` ``H x W x 3`` array (see module docstring)."""
    if isinstance(img, torch.Tensor):
        return _tensor_to_uint8(img, what)
    if isinstance(img, np.ndarray):
        if img.dtype != np.uint8:
            raise TypeError(
                f"{what}: numpy arrays must be uint8 H x W x 3 (as loaded from a file); got dtype "
                f"{img.dtype}. Pass float images as a torch tensor 3 x H x W in [0, 1] instead, "
                f"e.g. torch.from_numpy(arr).permute(2, 0, 1)."
            )
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f"{what}: a uint8 array must be H x W x 3 (RGB); got shape {tuple(img.shape)}.")
        return img
    raise TypeError(
        f"{what}: expected a uint8 numpy array H x W x 3 or a float torch tensor 3 x H x W in [0, 1]; "
        f"got {type(img).__name__}."
    )


def _tensor_to_uint8(img: torch.Tensor, what: str) -> np.ndarray:
    if not torch.is_floating_point(img):
        raise TypeError(
            f"{what}: tensors must be float in [0, 1]; got dtype {img.dtype}. "
            f"Divide integer images by 255 first."
        )
    if img.ndim == 4 and img.shape[0] == 1:
        img = img[0]
    if img.ndim != 3 or img.shape[0] != 3:
        raise ValueError(
            f"{what}: a tensor must be 3 x H x W (or 1 x 3 x H x W); got shape {tuple(img.shape)}. "
            f"Score batched images one at a time."
        )
    img = img.detach().to("cpu", torch.float64)
    if not torch.isfinite(img).all():
        raise ValueError(f"{what}: the tensor contains NaN or infinite values.")
    # what save_image stores: x * 255 + 0.5, clipped, truncated = round half up, then clip
    quantised = torch.floor(img * 255.0 + 0.5).clamp_(0, 255).to(torch.uint8)
    return quantised.permute(1, 2, 0).contiguous().numpy()


def check_same_shape(a: np.ndarray, b: np.ndarray) -> None:
    """Raise a clear error when two 8-bit images differ in size."""
    if a.shape != b.shape:
        raise ValueError(
            f"the two images differ in size: {a.shape[0]}x{a.shape[1]} vs {b.shape[0]}x{b.shape[1]} "
            f"(H x W). Resize or crop the enhanced image to the target's size before scoring."
        )
