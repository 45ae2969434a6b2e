"""Float images to 8 bits: the package's one quantisation rule, the images it accepts, and the luma weights.

An 8-bit image is what a file stores, what the papers' evaluation scripts read
back and what a figure shows, so every float-to-8-bit conversion in the
package goes through :func:`quantise`: images written by ``enhance``, the
images the metrics score, the pictures of the figures and widgets, and the
photos the data sets keep in memory. A float value ``x`` in ``[0, 1]``
becomes

    ``q(x) = floor(255 clamp(x, 0, 1) + 0.5)``

rounding half up, after clipping to ``[0, 1]``: the rule of
``torchvision.utils.save_image`` (``x * 255 + 0.5``, clamped, truncated).
It is computed in float64, where ``255 x`` is exact for any float32 (or
half-precision) ``x``, so a value is quantised the same way whatever its
float type (save_image's float32 arithmetic can round a value within about
1e-5 of a half level the other way). Values slightly outside ``[0, 1]`` are
therefore clipped, as saving would clip them; NaN and infinite values are
refused.

Because one rule serves all, an enhanced image written to a PNG and read back
scores exactly what the tensor in memory scores.

Images are accepted as (:data:`ImageLike`):

* a float ``torch.Tensor`` ``3 x H x W`` (or ``1 x 3 x H x W``) in ``[0, 1]``,
  the package's convention for what networks take and produce;
* a ``numpy.uint8`` array ``H x W x 3`` (an image as loaded from a file);
* a ``PIL.Image.Image`` (any mode; converted to RGB).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, Union

import numpy as np
import torch

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

__all__ = ["ImageLike", "LUMA_601", "LUMA_709", "quantise", "to_uint8"]

ImageLike = Union[np.ndarray, torch.Tensor, "Image.Image"]
"""A float tensor, a uint8 array or a PIL image (see the module docstring)."""

LUMA_601 = (0.299, 0.587, 0.114)
"""Rec. 601 luma weights of R', G', B' (encoded values), as in JPEG's YCbCr."""

LUMA_709 = (0.2126, 0.7152, 0.0722)
"""Rec. 709 luminance weights of R', G', B'."""

Values = TypeVar("Values", np.ndarray, torch.Tensor)


def quantise(values: Values, *, what: str = "image") -> Values:
    """Float values in ``[0, 1]`` -> ``uint8`` by the package's rule (module docstring), same shape and kind.

    A tensor stays a tensor on its device, an array stays an array; ``uint8``
    input is already quantised and is returned as it is. ``what`` names the
    input in error messages.
    """
    if isinstance(values, torch.Tensor):
        if values.dtype == torch.uint8:
            return values
        if not torch.is_floating_point(values):
            raise TypeError(f"{what}: tensors must be float in [0, 1]; got dtype {values.dtype}; "
                            "divide integer images by 255 first.")
        wide = values.detach().to(torch.float64)   # the caller's tensor itself when it is float64: no in-place
        if not torch.isfinite(wide).all():
            raise ValueError(f"{what} contains NaN or infinite values; check the model output.")
        # q(x) = floor(255 clamp(x, 0, 1) + 0.5)
        return torch.floor(wide.clamp(0.0, 1.0) * 255.0 + 0.5).to(torch.uint8)
    if isinstance(values, np.ndarray):
        if values.dtype == np.uint8:
            return values
        if not np.issubdtype(values.dtype, np.floating):
            raise TypeError(f"{what} has dtype {values.dtype}; use uint8 in [0, 255] or float in [0, 1].")
        wide = values.astype(np.float64)
        if not np.isfinite(wide).all():
            raise ValueError(f"{what} contains NaN or infinite values; check the model output.")
        # q(x) = floor(255 clamp(x, 0, 1) + 0.5)
        return np.floor(np.clip(wide, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    raise TypeError(f"{what}: expected a torch tensor or a numpy array; got {type(values).__name__}.")


def to_uint8(image: ImageLike, *, what: str = "image") -> np.ndarray:
    """Any accepted image (module docstring) as a ``uint8`` ``H x W x 3`` array, quantised by :func:`quantise`."""
    if isinstance(image, torch.Tensor):
        if image.ndim == 4 and image.shape[0] == 1:
            image = image[0]
        if image.ndim != 3 or image.shape[0] != 3:
            raise ValueError(
                f"{what}: a tensor must be 3 x H x W (or 1 x 3 x H x W); got shape {tuple(image.shape)}. "
                "Convert batched images one at a time (batch[0])."
            )
        if not torch.is_floating_point(image):
            raise TypeError(f"{what}: tensors must be float in [0, 1]; got dtype {image.dtype}; "
                            "divide integer images by 255 first.")
        return quantise(image.detach().cpu(), what=what).permute(1, 2, 0).contiguous().numpy()
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8:
            raise TypeError(
                f"{what}: numpy arrays must be uint8 H x W x 3 (as loaded from a file); got dtype "
                f"{image.dtype}. Pass float images as a torch tensor 3 x H x W in [0, 1] instead, "
                "e.g. torch.from_numpy(arr).permute(2, 0, 1)."
            )
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"{what}: a uint8 array must be H x W x 3 (RGB); got shape {tuple(image.shape)}.")
        return image
    if type(image).__module__.startswith("PIL."):
        return np.asarray(image.convert("RGB"), dtype=np.uint8).copy()
    raise TypeError(
        f"{what}: expected a float torch tensor 3 x H x W in [0, 1], a uint8 numpy array H x W x 3 or a "
        f"PIL image; got {type(image).__name__}."
    )
