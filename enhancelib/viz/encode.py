"""Turn images into small JPEG data URLs for widgets and static pages.

The book's widgets carry their pictures inside the page (no server, no
kernel), so every picture is re-encoded once: long side capped, JPEG at a
moderate quality, base64 in a ``data:`` URL.  A 640 px photo at quality 85
costs about 40-80 kB.

Accepted images (the project's convention first):

* a float ``torch.Tensor`` in [0, 1], ``3 x H x W`` or ``1 x 3 x H x W``
  (``1 x H x W`` grey also works);
* a ``numpy`` array ``H x W x 3`` or ``H x W``: ``uint8`` in [0, 255] or
  float in [0, 1];
* a ``PIL.Image.Image`` (any mode; converted to RGB).

Float images become 8-bit by the package's one rule,
:func:`enhancelib.data.conversion.quantise`.
"""
from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
from PIL import Image

from enhancelib.data.conversion import ImageLike, quantise

__all__ = ["to_pil", "fit_long_side", "jpeg_data_url", "to_data_url"]

_RANGE_TOLERANCE = 1e-3
"""Float images may overshoot [0, 1] by this much (rounding); more is an error."""


def _check_range(array: np.ndarray, what: str) -> None:
    """Refuse float images far outside [0, 1] (a [-1, 1] image, say), which quantising would clip silently."""
    if not np.isfinite(array).all():
        raise ValueError(f"{what} contains NaN or infinite values; check the model output.")
    low, high = float(array.min()), float(array.max())
    if low < -_RANGE_TOLERANCE or high > 1 + _RANGE_TOLERANCE:
        raise ValueError(
            f"{what} has values in [{low:.3g}, {high:.3g}] but float images must lie in "
            "[0, 1]; convert a [-1, 1] image with (x + 1) / 2, or clamp it with .clamp(0, 1)."
        )


def _tensor_to_hwc(image: Any) -> np.ndarray:
    tensor = image.detach().to("cpu")
    if tensor.ndim == 4:
        if tensor.shape[0] != 1:
            raise ValueError(
                f"Got a batch of {tensor.shape[0]} images (shape {tuple(tensor.shape)}); "
                "pass one image, e.g. batch[0]."
            )
        tensor = tensor[0]
    if tensor.ndim != 3 or tensor.shape[0] not in (1, 3):
        raise ValueError(
            f"A tensor image must be 3 x H x W (or 1 x 3 x H x W), got shape {tuple(tensor.shape)}."
        )
    if not tensor.is_floating_point():
        raise TypeError(
            f"A tensor image must be float in [0, 1], got dtype {tensor.dtype}; "
            "divide a uint8 tensor by 255."
        )
    return tensor.double().permute(1, 2, 0).numpy()   # float64 holds every float type exactly


def to_pil(image: ImageLike, name: str = "image") -> Image.Image:
    """Convert a tensor, array or PIL image to an RGB ``PIL.Image``.

    ``name`` only makes error messages point at the offending argument.
    """
    if isinstance(image, Image.Image):
        return image.convert("RGB")
    if type(image).__module__.split(".")[0] == "torch":
        array = _tensor_to_hwc(image)
    elif isinstance(image, np.ndarray):
        array = image
    else:
        raise TypeError(
            f"{name} is a {type(image).__name__}; expected a float torch tensor 3 x H x W in [0, 1], "
            "a numpy array H x W x 3 (uint8, or float in [0, 1]) or a PIL image."
        )
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] == 3)):
        hint = " (channels first? use array.transpose(1, 2, 0))" if array.ndim == 3 and array.shape[0] == 3 else ""
        raise ValueError(f"{name} must be H x W x 3 or H x W, got shape {array.shape}{hint}.")
    if array.dtype == np.uint8:
        data = array
    elif np.issubdtype(array.dtype, np.floating):
        _check_range(array, name)
        data = quantise(array, what=name)
    else:
        raise TypeError(f"{name} has dtype {array.dtype}; use uint8 in [0, 255] or float in [0, 1].")
    return Image.fromarray(np.ascontiguousarray(data)).convert("RGB")


def fit_long_side(image: Image.Image, max_side: int) -> Image.Image:
    """Shrink ``image`` (never enlarge) so that its long side is at most ``max_side``."""
    if max_side < 1:
        raise ValueError(f"max_side must be a positive number of pixels, got {max_side}.")
    scale = max_side / max(image.size)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def jpeg_data_url(picture: Image.Image, quality: int = 85) -> str:
    """Encode a PIL image as a ``data:image/jpeg;base64,...`` URL, unchanged in size."""
    if not 1 <= quality <= 95:
        raise ValueError(f"JPEG quality must be in [1, 95], got {quality}.")
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="JPEG", quality=quality, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def to_data_url(image: ImageLike, max_side: int = 640, quality: int = 85, name: str = "image") -> str:
    """Encode any accepted image as a JPEG data URL with its long side at most ``max_side``."""
    return jpeg_data_url(fit_long_side(to_pil(image, name), max_side), quality)
