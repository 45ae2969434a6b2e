"""MATLAB's ``imresize(img, scale)`` (bicubic, antialiased) for downscaling.

NIQE's second scale is ``imresize(im, 0.5)`` in the official MATLAB code, and
the pristine model was fitted with it, so the downscaling must be MATLAB's:

* the Keys cubic kernel with ``a = -0.5``, stretched by ``1 / scale`` when
  shrinking (so it also low-pass filters: "antialiasing");
* output pixel ``k`` (1-based) sits at input coordinate
  ``u = k / scale + 0.5 (1 - 1 / scale)``;
* borders are extended by mirror symmetry (``aux = [1:n, n:-1:1]``);
* rows are resized before columns, in double precision, without rounding.

PIL and torch's ``interpolate`` handle the borders differently, which is why
this small resampler exists.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["cubic_kernel", "resize_weights", "imresize_matlab"]


def cubic_kernel(x: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution kernel with a = -0.5 (MATLAB's ``cubic``)."""
    ax = np.abs(x)
    ax2, ax3 = ax**2, ax**3
    # k(x) = 1.5|x|^3 - 2.5|x|^2 + 1 for |x| <= 1
    near = (1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1)
    # k(x) = -0.5|x|^3 + 2.5|x|^2 - 4|x| + 2 for 1 < |x| <= 2
    far = (-0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0) * ((ax > 1) & (ax <= 2))
    return near + far


def resize_weights(in_length: int, scale: float) -> np.ndarray:
    """Dense ``out x in`` matrix of MATLAB's antialiased bicubic weights for one axis (scale < 1)."""
    if not 0 < scale < 1:
        raise ValueError(f"imresize_matlab only downscales (0 < scale < 1); got scale={scale}.")
    out_length = math.ceil(in_length * scale)
    kernel_width = 4.0 / scale
    k = np.arange(1, out_length + 1, dtype=np.float64)
    # u = k / s + (1 - 1 / s) / 2: centre of output pixel k in input coordinates (1-based)
    u = k / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - kernel_width / 2.0)
    taps = math.ceil(kernel_width) + 2
    indices = left[:, None] + np.arange(taps)[None, :]
    # w = s * cubic(s * (u - j)), normalised so that each output pixel's weights sum to 1
    weights = scale * cubic_kernel(scale * (u[:, None] - indices))
    weights /= weights.sum(axis=1, keepdims=True)
    # mirror-symmetric extension of the border: aux = [1:n, n:-1:1]
    aux = np.concatenate([np.arange(in_length), np.arange(in_length)[::-1]])
    mirrored = aux[np.mod(indices.astype(np.int64) - 1, 2 * in_length)]
    matrix = np.zeros((out_length, in_length), dtype=np.float64)
    rows = np.repeat(np.arange(out_length), taps)
    np.add.at(matrix, (rows, mirrored.ravel()), weights.ravel())
    return matrix


def imresize_matlab(img: np.ndarray, scale: float) -> np.ndarray:
    """Resize a 2-D float array like MATLAB's ``imresize(img, scale)`` for ``0 < scale < 1``."""
    if img.ndim != 2:
        raise ValueError(f"imresize_matlab expects a 2-D array; got shape {img.shape}.")
    img = img.astype(np.float64, copy=False)
    rows = resize_weights(img.shape[0], scale)
    cols = resize_weights(img.shape[1], scale)
    # MATLAB resizes along the first dimension first when both scales are equal
    return (rows @ img) @ cols.T
