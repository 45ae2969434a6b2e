"""Classical, training-free enhancement baselines.

Each baseline maps a float tensor ``N x 3 x H x W`` in ``[0, 1]`` to one of
the same shape, dtype and device, with statistics taken per image, so it
plugs into :func:`enhancelib.metrics.evaluate_pairs` exactly like a network.
They run on the CPU in float64 (via NumPy / scikit-image) and carry no
gradient.

``autocontrast``
    each channel is stretched linearly so that its lowest value becomes 0 and
    its highest 1 (``cutoff`` percent of the darkest and brightest pixels
    may be ignored first, as in PIL's ``ImageOps.autocontrast``). Stretching
    the channels separately also removes a uniform colour cast.
``histogram_equalisation``
    global histogram equalisation (scikit-image ``equalize_hist``, 256 bins)
    of the luma ``Y = 0.299 R + 0.587 G + 0.114 B`` (BT.601, full range),
    keeping the chroma ``Cb ~ B - Y`` and ``Cr ~ R - Y``: every channel gets
    the same offset ``Y' - Y``. Values pushed outside ``[0, 1]`` are clipped,
    the only place where the chroma changes.
``clahe``
    scikit-image's contrast-limited adaptive histogram equalisation
    (``equalize_adapthist``, default tiles of 1/8 of the image, clip limit
    0.01), which equalises the V channel of HSV, keeping hue and saturation.
``gray_world_auto_gamma``
    gray-world white balance (each channel scaled so its mean equals the mean
    of the three channel means, then clipped), followed by the gamma
    ``g = log(0.5) / log(m)`` applied to every channel, where ``m`` is the
    mean luma of the balanced image: the mean luma itself is mapped to 0.5.
    (The mean of the output luma is close to, not exactly, 0.5.) ``m`` is
    clamped to ``[0.01, 0.99]``, so ``g`` stays within about ``[0.15, 69]``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from skimage import exposure
from torch import Tensor

from enhancelib.data.conversion import LUMA_601

__all__ = ["autocontrast", "histogram_equalisation", "clahe", "gray_world", "gray_world_auto_gamma",
           "BASELINES"]

_LUMA_601 = np.asarray(LUMA_601)

_RANGE_TOLERANCE = 1e-4


def _check_images(x: Tensor, name: str) -> None:
    if not isinstance(x, Tensor) or not torch.is_floating_point(x):
        raise TypeError(f"{name} expects a float tensor N x 3 x H x W in [0, 1]; got "
                        f"{type(x).__name__ if not isinstance(x, Tensor) else x.dtype}.")
    if x.ndim != 4 or x.shape[1] != 3:
        raise ValueError(f"{name} expects N x 3 x H x W; got shape {tuple(x.shape)} "
                         f"(add a batch dimension with x.unsqueeze(0)).")
    if x.numel() and (not torch.isfinite(x).all() or x.min() < -_RANGE_TOLERANCE or x.max() > 1 + _RANGE_TOLERANCE):
        raise ValueError(f"{name} expects values in [0, 1]; got range [{float(x.min()):.4g}, {float(x.max()):.4g}] "
                         f"(clamp the images first).")


def _per_image(fn: Callable[[np.ndarray], np.ndarray], x: Tensor, name: str) -> Tensor:
    """Apply ``fn`` (H x W x 3 float64 -> same) to every image of the batch."""
    _check_images(x, name)
    images = x.detach().to("cpu", torch.float64).clamp(0, 1).permute(0, 2, 3, 1).numpy()
    out = np.stack([np.clip(fn(img), 0.0, 1.0) for img in images]) if len(images) else images
    return torch.from_numpy(out).permute(0, 3, 1, 2).to(device=x.device, dtype=x.dtype).contiguous()


def _luma(img: np.ndarray) -> np.ndarray:
    # Y = 0.299 R + 0.587 G + 0.114 B
    return img @ _LUMA_601


def autocontrast(x: Tensor, cutoff: float = 0.0) -> Tensor:
    """Stretch each channel to the full ``[0, 1]`` range (ignoring ``cutoff`` % at each end)."""
    if not 0.0 <= cutoff < 50.0:
        raise ValueError(f"cutoff is a percentage in [0, 50); got {cutoff}.")

    def stretch(img: np.ndarray) -> np.ndarray:
        out = img.copy()
        for c in range(3):
            low, high = np.percentile(img[..., c], [cutoff, 100.0 - cutoff])
            if high > low:  # a flat channel has nothing to stretch
                # x' = (x - low) / (high - low), clipped to [0, 1]
                out[..., c] = exposure.rescale_intensity(img[..., c], in_range=(low, high), out_range=(0.0, 1.0))
        return out

    return _per_image(stretch, x, "autocontrast")


def histogram_equalisation(x: Tensor, nbins: int = 256) -> Tensor:
    """Equalise the luma histogram, keeping the chroma (see the module docstring)."""

    def equalise(img: np.ndarray) -> np.ndarray:
        y = _luma(img)
        if np.ptp(y) == 0:
            return img
        # Y' = CDF_Y(Y)
        y_eq = exposure.equalize_hist(y, nbins=nbins)
        # R', G', B' = R, G, B + (Y' - Y): Cb and Cr (scaled B - Y, R - Y) are unchanged
        return img + (y_eq - y)[..., None]

    return _per_image(equalise, x, "histogram_equalisation")


def clahe(x: Tensor, clip_limit: float = 0.01) -> Tensor:
    """Contrast-limited adaptive histogram equalisation of the HSV value channel (scikit-image)."""
    return _per_image(lambda img: exposure.equalize_adapthist(img, clip_limit=clip_limit), x, "clahe")


def _gray_world(img: np.ndarray) -> np.ndarray:
    means = img.reshape(-1, 3).mean(axis=0)
    if np.any(means <= 1e-6):  # a black channel cannot be balanced
        return img
    # gain_c = mean(mu_R, mu_G, mu_B) / mu_c
    return img * (means.mean() / means)


def gray_world(x: Tensor) -> Tensor:
    """Gray-world white balance alone: equal channel means (then clipped to [0, 1])."""
    return _per_image(_gray_world, x, "gray_world")


def gray_world_auto_gamma(x: Tensor) -> Tensor:
    """Gray-world white balance, then the gamma mapping the mean luma to 0.5."""

    def balance_and_gamma(img: np.ndarray) -> np.ndarray:
        balanced = np.clip(_gray_world(img), 0.0, 1.0)
        mean_luma = float(np.clip(_luma(balanced).mean(), 0.01, 0.99))
        # m^g = 0.5  =>  g = log(0.5) / log(m)
        g = np.log(0.5) / np.log(mean_luma)
        return balanced**g

    return _per_image(balance_and_gamma, x, "gray_world_auto_gamma")


BASELINES: dict[str, Callable[[Tensor], Tensor]] = {
    "autocontrast": autocontrast,
    "histogram_equalisation": histogram_equalisation,
    "clahe": clahe,
    "gray_world_auto_gamma": gray_world_auto_gamma,
}
"""The classical baselines by name, each ``N x 3 x H x W -> N x 3 x H x W`` in [0, 1]."""
