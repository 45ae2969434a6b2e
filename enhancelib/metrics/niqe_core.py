"""NIQE, the "completely blind" natural image quality evaluator (Mittal et al., 2013).

NIQE fits a multivariate Gaussian (MVG) to statistics of 96 x 96 patches of the
test image and reports its distance to an MVG fitted once to pristine natural
images (:mod:`enhancelib.metrics.noref` loads that model). Lower is better.

This follows the official MATLAB release (``computequality.m``,
``computefeature.m``, ``estimateaggdparam.m``) rather than the paper where the
two differ:

* the image is MATLAB's ``rgb2gray`` of the 8-bit RGB image, rounded to 8 bit
  (:func:`rgb2gray_matlab`);
* it is cropped to whole 96 x 96 blocks (no overlap) and *all* blocks are
  used (the sharpness selection applies to the pristine model only);
* the first two features of each block come from the AGGD estimator (shape
  and the mean of the left and right scales), not from a separate GGD fit;
* the second scale is ``imresize(im, 0.5)`` (bicubic, antialiased), with
  48 x 48 blocks;
* MSCN coefficients of flat neighbourhoods (exactly 0 in exact arithmetic)
  are set to 0 instead of keeping the filter's +-1e-13 rounding noise, so
  that such pixels count on neither side of the AGGD fit. The official code
  and BasicSR let the sign of that noise decide, which makes their result
  depend on summation order in images with flat (e.g. saturated) areas;
  elsewhere this implementation agrees with BasicSR's to about 1e-6.
* NaN features (e.g. a flat block with no negative coefficient) are ignored
  in the mean (``nanmean``) and rows with a NaN are dropped from the
  covariance (``nancov``); a single observation has covariance 0.
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy.ndimage import correlate
from scipy.special import gamma

from enhancelib.metrics.matlab_resize import imresize_matlab

__all__ = ["BLOCK_SIZE", "rgb2gray_matlab", "gaussian_window", "mscn", "aggd_fit", "block_features",
           "niqe_features", "mvg_distance"]

BLOCK_SIZE = 96
"""Side of the patches; the pristine model was fitted with 96 x 96 blocks."""

_RGB2GRAY = np.array([0.298936021293775, 0.587043074451121, 0.114020904255103])
_FLAT_TOLERANCE = 1e-9
"""MSCN coefficients smaller than this are rounding noise of a flat neighbourhood and set to 0."""
_SHAPE_GRID = np.arange(0.2, 10.001, 0.001)
"""MATLAB's ``gam = 0.2:0.001:10``: the AGGD shape is chosen on this grid."""


def rgb2gray_matlab(rgb: np.ndarray) -> np.ndarray:
    """MATLAB ``rgb2gray`` of a uint8 ``H x W x 3`` image: weighted sum, rounded to uint8, as float64."""
    # Y = 0.2989 R + 0.5870 G + 0.1140 B (the luma row of MATLAB's inverse NTSC matrix)
    gray = rgb.astype(np.float64) @ _RGB2GRAY
    # uint8 output: round half away from zero (all values are >= 0)
    return np.clip(np.floor(gray + 0.5), 0, 255)


def gaussian_window(size: int = 7, sigma: float = 7.0 / 6.0) -> np.ndarray:
    """``fspecial('gaussian', size, sigma)``: a normalised 2-D Gaussian."""
    r = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2.0 * sigma**2))
    return g / g.sum()


def mscn(img: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Mean-subtracted contrast-normalised coefficients (paper eq. 1-3), replicate borders."""
    # mu(i, j) = sum_{k,l} w_{k,l} I(i + k, j + l)
    mu = correlate(img, window, mode="nearest")
    # sigma(i, j) = sqrt(|sum_{k,l} w_{k,l} I(i + k, j + l)^2 - mu(i, j)^2|)
    sigma = np.sqrt(np.abs(correlate(img * img, window, mode="nearest") - mu * mu))
    # I_hat(i, j) = (I(i, j) - mu(i, j)) / (sigma(i, j) + 1)
    coefficients = (img - mu) / (sigma + 1.0)
    # where the 7x7 neighbourhood is flat the exact coefficient is 0, but the filter leaves +-1e-13
    # rounding noise whose sign would decide which AGGD side counts the pixel: snap it to 0
    coefficients[np.abs(coefficients) < _FLAT_TOLERANCE] = 0.0
    return coefficients


def aggd_fit(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Moment-matching AGGD fit of each row of ``samples`` (paper eq. 7).

    Returns the shape ``alpha`` and the left / right scales ``beta_l``,
    ``beta_r``, one value per row, as ``estimateaggdparam.m`` computes them.
    """
    neg, pos = samples < 0, samples > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        # sigma_l = sqrt(mean of x^2 over x < 0), sigma_r likewise over x > 0
        left_std = np.sqrt((samples**2 * neg).sum(1) / neg.sum(1))
        right_std = np.sqrt((samples**2 * pos).sum(1) / pos.sum(1))
        gamma_hat = left_std / right_std
        # r_hat = (E|x|)^2 / E[x^2]
        r_hat = np.abs(samples).mean(1) ** 2 / (samples**2).mean(1)
        # R_hat = r_hat (gamma_hat^3 + 1)(gamma_hat + 1) / (gamma_hat^2 + 1)^2
        r_norm = r_hat * (gamma_hat**3 + 1) * (gamma_hat + 1) / (gamma_hat**2 + 1) ** 2
    # alpha = argmin over the grid of (Gamma(2/a)^2 / (Gamma(1/a) Gamma(3/a)) - R_hat)^2
    grid = _SHAPE_GRID
    rho = gamma(2.0 / grid) ** 2 / (gamma(1.0 / grid) * gamma(3.0 / grid))
    # MATLAB's min() skips NaN; an all-NaN row gives the first grid point, like numpy's argmin
    alpha = grid[np.argmin((rho[None, :] - r_norm[:, None]) ** 2, axis=1)]
    # beta_{l,r} = sigma_{l,r} sqrt(Gamma(1/alpha) / Gamma(3/alpha))
    ratio = np.sqrt(gamma(1.0 / alpha) / gamma(3.0 / alpha))
    return alpha, left_std * ratio, right_std * ratio


def block_features(blocks: np.ndarray) -> np.ndarray:
    """The 18 NIQE features of each block; ``blocks`` is ``n x s x s``, the result ``n x 18``."""
    n = blocks.shape[0]
    alpha, beta_l, beta_r = aggd_fit(blocks.reshape(n, -1))
    features = [alpha, (beta_l + beta_r) / 2.0]
    # products of neighbours along the horizontal, vertical and both diagonal orientations (eq. 5-6),
    # taken with MATLAB's circshift inside each block
    for shift in ((0, 1), (1, 0), (1, 1), (1, -1)):
        pairs = blocks * np.roll(blocks, shift, axis=(1, 2))
        alpha, beta_l, beta_r = aggd_fit(pairs.reshape(n, -1))
        # eta = (beta_r - beta_l) Gamma(2 / alpha) / Gamma(1 / alpha)   (eq. 8)
        eta = (beta_r - beta_l) * gamma(2.0 / alpha) / gamma(1.0 / alpha)
        features += [alpha, eta, beta_l, beta_r]
    return np.stack(features, axis=1)


def _blocks(img: np.ndarray, size: int) -> np.ndarray:
    """Split ``img`` (whose sides are multiples of ``size``) into ``n x size x size`` blocks."""
    h, w = img.shape
    return img.reshape(h // size, size, w // size, size).transpose(0, 2, 1, 3).reshape(-1, size, size)


def niqe_features(gray: np.ndarray) -> np.ndarray:
    """Per-block features at two scales: ``n_blocks x 36`` for a float gray image in [0, 255]."""
    h, w = (gray.shape[0] // BLOCK_SIZE) * BLOCK_SIZE, (gray.shape[1] // BLOCK_SIZE) * BLOCK_SIZE
    img = gray[:h, :w].astype(np.float64)
    window = gaussian_window()
    per_scale = []
    for scale in (1, 2):
        per_scale.append(block_features(_blocks(mscn(img, window), BLOCK_SIZE // scale)))
        if scale == 1:
            img = imresize_matlab(img, 0.5)
    return np.concatenate(per_scale, axis=1)


def mvg_distance(features: np.ndarray, mu_pristine: np.ndarray, cov_pristine: np.ndarray) -> float:
    """NIQE (eq. 10): sqrt((nu_1 - nu_2)^T ((Sigma_1 + Sigma_2) / 2)^+ (nu_1 - nu_2))."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mu_test = np.nanmean(features, axis=0)
    complete = features[~np.isnan(features).any(axis=1)]
    if complete.shape[0] == 0:
        return float("nan")
    cov_test = np.cov(complete, rowvar=False) if complete.shape[0] > 1 else np.zeros_like(cov_pristine)
    diff = mu_pristine.reshape(-1) - mu_test
    # D = sqrt(d^T pinv((Sigma_pristine + Sigma_test) / 2) d)
    quality = diff @ np.linalg.pinv((cov_pristine + cov_test) / 2.0) @ diff
    return float(np.sqrt(quality))
