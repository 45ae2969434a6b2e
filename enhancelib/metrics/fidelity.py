"""Full-reference fidelity: PSNR and SSIM on 8-bit RGB.

Both metrics take the enhanced image and its target as a ``uint8`` array
``H x W x 3`` or a float tensor ``3 x H x W`` in ``[0, 1]`` (quantised to
8 bit as a saved image would be, see :mod:`enhancelib.data.conversion`).

**Default: the textbook definitions.**

* PSNR: ``10 log10(255^2 / MSE)`` with the MSE over all pixels and all three
  channels. Identical images have MSE 0 and PSNR ``math.inf``; the function
  returns ``inf`` silently (it is the correct value, and it propagates
  visibly into any mean).
* SSIM: Wang, Bovik, Sheikh and Simoncelli (2004): 11 x 11 Gaussian window
  with sigma 1.5, K1 = 0.01, K2 = 0.03, dynamic range 255, local statistics
  with the population (1/N) normalisation, the SSIM map averaged over the
  window positions that fit inside the image ("valid"), computed per RGB
  channel and averaged over channels. No automatic downsampling.

**``quirks="public"``: what the papers' public evaluation scripts compute.**

* a 4-pixel border is cropped from both images first (PSNR and SSIM);
* PSNR is then the same formula (the scripts compute it in float64 after
  OpenCV loading; the channel order does not matter);
* SSIM is scikit-image's default: 7 x 7 *uniform* window, data range 255,
  sample covariance (the N / (N - 1) correction), per channel, averaged;
* means over a test set divide the sum by N - 1 (:func:`mean_over_images`).

Direction of the differences. The crop ignores the outer frame, where padded
convolutional generators usually err most, so public PSNR / SSIM per image
are usually higher (exactly: they ignore any error in the frame). The N - 1
mean inflates every positive average by N / (N - 1) (+1.1 % for 90 images).
"""
from __future__ import annotations

import math
from typing import Iterable, Literal, Optional

import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from enhancelib.data.conversion import ImageLike, to_uint8

__all__ = ["Quirks", "QUIRKS", "PUBLIC_CROP_BORDER", "psnr", "ssim", "mean_over_images", "check_quirks"]

Quirks = Optional[Literal["public"]]
QUIRKS = (None, "public")
PUBLIC_CROP_BORDER = 4
"""Pixels cropped from each side by the public scripts before PSNR and SSIM."""

_DATA_RANGE = 255.0


def check_quirks(quirks: object) -> Quirks:
    """Validate a ``quirks`` argument (``None`` or ``"public"``)."""
    if quirks is None:
        return None
    if quirks == "public":
        return "public"
    raise ValueError(
        f"quirks must be None (correct definitions) or 'public' (the papers' evaluation scripts); "
        f"got {quirks!r}."
    )


def check_same_shape(a: np.ndarray, b: np.ndarray) -> None:
    """Raise a clear error when two 8-bit images differ in size."""
    if a.shape != b.shape:
        raise ValueError(
            f"the two images differ in size: {a.shape[0]}x{a.shape[1]} vs {b.shape[0]}x{b.shape[1]} "
            f"(H x W). Resize or crop the enhanced image to the target's size before scoring."
        )


def _prepare_pair(enhanced: ImageLike, target: ImageLike, quirks: Quirks, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Quantise, check sizes, apply the public border crop; ``window`` is the metric's window side."""
    a = to_uint8(enhanced, what="enhanced image")
    b = to_uint8(target, what="target image")
    check_same_shape(a, b)
    crop = PUBLIC_CROP_BORDER if check_quirks(quirks) == "public" else 0
    needed = window + 2 * crop
    if min(b.shape[:2]) < needed:
        raise ValueError(
            f"images of {b.shape[0]}x{b.shape[1]} pixels are too small: this metric "
            f"(quirks={quirks!r}) needs at least {needed}x{needed}."
        )
    if crop:
        a, b = a[crop:-crop, crop:-crop], b[crop:-crop, crop:-crop]
    return a, b


def psnr(enhanced: ImageLike, target: ImageLike, *, quirks: Quirks = None) -> float:
    """Peak signal-to-noise ratio in dB (``inf`` for identical images)."""
    a, b = _prepare_pair(enhanced, target, quirks, window=1)
    # MSE = mean over pixels and channels of (a - b)^2
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    if mse == 0.0:
        return math.inf
    # PSNR = 10 log10(MAX^2 / MSE), MAX = 255
    return float(peak_signal_noise_ratio(b, a, data_range=_DATA_RANGE))


def ssim(enhanced: ImageLike, target: ImageLike, *, quirks: Quirks = None) -> float:
    """Structural similarity, mean over the SSIM map and the three channels."""
    if check_quirks(quirks) == "public":
        a, b = _prepare_pair(enhanced, target, quirks, window=7)
        # scikit-image defaults: 7x7 uniform window, sample covariance
        return float(structural_similarity(
            b.astype(np.float64), a.astype(np.float64), data_range=_DATA_RANGE, channel_axis=-1))
    a, b = _prepare_pair(enhanced, target, quirks, window=11)
    # SSIM(x, y) = (2 mu_x mu_y + C1)(2 sigma_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(sigma_x^2 + sigma_y^2 + C2)),
    # C1 = (K1 L)^2, C2 = (K2 L)^2; Gaussian window sigma 1.5 (11x11), 1/N statistics
    return float(structural_similarity(
        b.astype(np.float64), a.astype(np.float64), data_range=_DATA_RANGE, channel_axis=-1,
        gaussian_weights=True, sigma=1.5, use_sample_covariance=False, K1=0.01, K2=0.03))


def mean_over_images(values: Iterable[float], *, quirks: Quirks = None) -> float:
    """Average of per-image scores: ``sum / N``, or ``sum / (N - 1)`` with ``quirks="public"``."""
    arr = np.asarray(list(values), dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"mean_over_images needs a non-empty 1-D sequence of numbers; got shape {arr.shape}.")
    if check_quirks(quirks) == "public":
        if arr.size < 2:
            raise ValueError("the public scripts' mean divides by N - 1, which needs at least 2 images.")
        # the public scripts: total / i, with i the index of the last image (= N - 1)
        return float(arr.sum() / (arr.size - 1))
    return float(arr.mean())
