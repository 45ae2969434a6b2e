"""No-reference quality: NIQE (always available) and NIMA (only with user weights).

``niqe(img)`` scores an 8-bit RGB image (``uint8`` ``H x W x 3`` or a float
tensor ``3 x H x W`` in ``[0, 1]``, quantised as a saved image). Lower is
better. It uses the official pristine model of Mittal et al., shipped in
``data/niqe/niqe_pris_params.npz`` (provenance and hash in ``data/niqe/README.md``),
and the conventions of the official MATLAB code (see
:mod:`enhancelib.metrics.niqe_core`). By default the gray image is MATLAB's
``rgb2gray`` (what the official code does); ``gray="ycbcr_y"`` uses the
BT.601 studio-range luma ``Y`` instead (what BasicSR-based super-resolution
papers report), and the two give different numbers.

``nima(img, weights_path)`` returns the NIMA mean score only when the user
supplies a state dict for :class:`enhancelib.metrics.nima_net.NimaMobileNetV2`;
without weights it returns ``None``: no score is ever estimated.
"""
from __future__ import annotations

import functools
import hashlib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Optional, Union

import numpy as np
import torch
import torchvision.transforms.functional as TF
from PIL import Image

from enhancelib.data.conversion import ImageLike, to_uint8
from enhancelib.metrics.niqe_core import BLOCK_SIZE, mvg_distance, niqe_features, rgb2gray_matlab
from enhancelib.metrics.nima_net import NimaMobileNetV2

__all__ = ["NIQE_PARAMS_PATH", "NIQE_PARAMS_SHA256", "NiqeParams", "load_niqe_params", "niqe",
           "nima", "nima_available"]

NIQE_PARAMS_PATH = Path(__file__).resolve().parents[2] / "data" / "niqe" / "niqe_pris_params.npz"
NIQE_PARAMS_SHA256 = "2a7c182a68c9e7f1b2e2e5ec723279d6f65d912b6fcaf37eb2bf03d7367c4296"

PathLike = Union[str, Path]


@dataclass(frozen=True)
class NiqeParams:
    """The pristine MVG: mean ``(36,)`` and covariance ``(36, 36)``."""

    mu: np.ndarray
    cov: np.ndarray


@functools.lru_cache(maxsize=None)
def load_niqe_params(path: Optional[PathLike] = None) -> NiqeParams:
    """Load and verify (sha256) the official NIQE pristine model."""
    path = Path(path) if path is not None else NIQE_PARAMS_PATH
    if not path.is_file():
        raise FileNotFoundError(
            f"NIQE pristine parameters not found at {path}. They ship with the project as "
            f"data/niqe/niqe_pris_params.npz; data/niqe/README.md explains how to re-obtain them."
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != NIQE_PARAMS_SHA256:
        raise ValueError(
            f"{path} has sha256 {digest}, expected {NIQE_PARAMS_SHA256}: it is not the official NIQE "
            f"model. Restore it as described in data/niqe/README.md."
        )
    with np.load(path) as data:
        return NiqeParams(mu=data["mu_pris_param"].reshape(-1).copy(), cov=data["cov_pris_param"].copy())


def _ycbcr_y(rgb: np.ndarray) -> np.ndarray:
    # Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255, R, G, B in [0, 255]; rounded to 8 bit
    y = 16.0 + rgb.astype(np.float64) @ np.array([65.481, 128.553, 24.966]) / 255.0
    return np.floor(y + 0.5)


def niqe(img: ImageLike, *, gray: Literal["matlab", "ycbcr_y"] = "matlab") -> float:
    """NIQE of one RGB image (lower is better); ``nan`` when no block has usable statistics."""
    rgb = to_uint8(img, what="NIQE input")
    h, w = rgb.shape[:2]
    if h < BLOCK_SIZE or w < BLOCK_SIZE:
        raise ValueError(
            f"NIQE needs an image of at least {BLOCK_SIZE}x{BLOCK_SIZE} pixels (one {BLOCK_SIZE}-pixel block, "
            f"the patch size of the pristine model); got {h}x{w}. Evaluate at a larger size."
        )
    if gray == "matlab":
        plane = rgb2gray_matlab(rgb)
    elif gray == "ycbcr_y":
        plane = _ycbcr_y(rgb)
    else:
        raise ValueError(f"gray must be 'matlab' (official NIQE) or 'ycbcr_y'; got {gray!r}.")
    params = load_niqe_params()
    score = mvg_distance(niqe_features(plane), params.mu, params.cov)
    if np.isnan(score):
        warnings.warn("NIQE is undefined for this image (no block with usable statistics, e.g. a flat "
                      "image); returning nan.", RuntimeWarning, stacklevel=2)
    return score


# ---------------------------------------------------------------------------------------------- NIMA

def nima_available(weights_path: Optional[PathLike]) -> bool:
    """Whether :func:`nima` can score: weights were given and the file exists."""
    return weights_path is not None and Path(weights_path).is_file()


@functools.lru_cache(maxsize=2)
def _load_nima(path: str, mtime: float) -> NimaMobileNetV2:
    model = NimaMobileNetV2()
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        raise ValueError(
            f"{path} is not a NIMA state dict in the public evaluation layout "
            f"(keys base_model.0.* and head.2.*; see enhancelib.metrics.nima_net): {err}"
        ) from None
    return model.eval()


def nima(img: ImageLike, weights_path: Optional[PathLike] = None) -> Optional[float]:
    """NIMA mean score (1..10, higher is better), or ``None`` when no weights are supplied.

    Preprocessing as in the public evaluation code: the 8-bit image's shorter
    side is resized to 256 (bilinear, antialiased), centre-cropped to 224, and
    scaled to ``[0, 1]`` with no ImageNet normalisation.
    """
    rgb = to_uint8(img, what="NIMA input")
    if weights_path is None:
        return None
    if not Path(weights_path).is_file():
        raise FileNotFoundError(f"NIMA weights not found at {weights_path}; pass weights_path=None to skip NIMA.")
    path = str(Path(weights_path).resolve())
    model = _load_nima(path, Path(path).stat().st_mtime)
    pil = TF.center_crop(TF.resize(Image.fromarray(rgb), 256), NimaMobileNetV2.input_size)
    x = TF.to_tensor(pil).unsqueeze(0)
    with torch.no_grad():
        return float(NimaMobileNetV2.mean_score(model(x))[0])
