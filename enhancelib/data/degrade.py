r"""The degradation model: from a good photo to an unedited-camera-like one.

None of our photos comes as a real (camera output, expert edit) pair, so the
low-quality domain is *made*: each good photo :math:`x` (sRGB-encoded, in
[0, 1]) is turned into the kind of picture a camera gives before anyone
edits it (MIT-Adobe FiveK's "input" column): wrongly exposed, flat, dull,
with a colour cast, darker in the corners and unevenly lit. With
:math:`f` the sRGB transfer function (linear light -> encoded), the model is,
per pixel at normalised position :math:`(u, v) \in [-1, 1]^2` (pixel centres,
u across the width, v down the height) and per colour channel :math:`c`:

.. math::

    \ell   &= f^{-1}(x)                                     && \text{linear light} \\
    \ell_c &\leftarrow m_{k_c}(\ell_c)                      && \text{white-balance cast, } \textstyle\sum_c w_c k_c = 1 \\
    \ell   &\leftarrow m_{2^e}(\ell) \text{ if } e \le 0, \text{ else } 2^{e}\,\ell && \text{exposure error of } e \text{ stops} \\
    \ell   &\leftarrow \bigl(1 - a\, r^2\bigr)\, \ell       && \text{vignetting, } r^2 = \tfrac{u^2 W^2 + v^2 H^2}{W^2 + H^2} \\
    \ell   &\leftarrow 2^{\frac{g}{2}(u\cos\theta + v\sin\theta)}\, \ell && \text{light gradient of } g \text{ stops} \\
    \ell   &\leftarrow \min(\ell, 1)                        && \text{sensor clipping} \\
    y      &= f(\ell)^{\gamma}                              && \text{gamma} \\
    y      &\leftarrow y + (1 - s_t)\,\tfrac{\sin 2\pi y}{2\pi} && \text{flattened tone curve (mid-tone slope } s_t<1) \\
    y_c    &\leftarrow Y + s_c\,(y_c - Y),\; Y = \textstyle\sum_c w_c y_c && \text{reduced saturation} \\
    \tilde x &= \operatorname{clip}_{[0,1]}(y)

where :math:`m_k(\ell) = k\ell / (1 + (k - 1)\ell)` has slope :math:`k` at
black and keeps white at white. Cast and under-exposure use it because a
camera's unedited output rarely lacks a white: a lamp, the sky or a specular
highlight still reaches the top of the range. With plain gains instead, a
per-channel stretch (autocontrast) would undo most of the degradation, which
it does not do on MIT-Adobe FiveK. :math:`w = (0.2126, 0.7152, 0.0722)` are the Rec. 709 luminance weights
(the cast keeps the luminance of a grey unchanged, so exposure alone sets
brightness). Exposure, cast, vignetting and gradient act on linear light,
where light adds up and a stop is a factor of two; tone, gamma and
saturation act on encoded values, as a camera's rendering does.

*Resolution independence.* Every spatial term is a smooth function of the
normalised position and the aspect ratio, never of pixel counts, so
degrading a resized photo gives (up to resampling error) the resized
degraded photo. ``region`` lets a crop be degraded as the part of the full
photo it was cut from.

*What can be learned back.* The global terms (exposure, cast, gamma, tone,
saturation) are undone by per-channel curves and a saturation gain; the
spatial terms (vignetting, gradient) are not: a single global curve cannot
brighten the corners without brightening the centre, so local modules have
something to recover. Highlights clipped by over-exposure are lost, as in a
real camera.

*Calibration.* :func:`sample_params` draws parameters so that degraded
inputs score about 16-20 dB PSNR against their originals at long side 512,
close to MIT-Adobe FiveK (raw input against expert C: 17.2-17.4 dB), with
about two thirds of the photos under- and one third over-exposed and casts in
every direction (``scripts/make_benchmark.py`` prints the measured values).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeVar

import numpy as np
import torch

from enhancelib.data.conversion import LUMA_709

__all__ = [
    "DegradationParams",
    "degrade",
    "degrade_steps",
    "sample_params",
    "srgb_to_linear",
    "linear_to_srgb",
    "apply_white_balance",
    "apply_exposure",
    "apply_vignetting",
    "apply_light_gradient",
    "apply_gamma",
    "apply_contrast",
    "apply_saturation",
]

Image = TypeVar("Image", np.ndarray, torch.Tensor)
Region = tuple[float, float, float, float]
"""(top, left, bottom, right) of a crop in normalised [0, 1] coordinates of the full photo."""


@dataclass(frozen=True)
class DegradationParams:
    """One photo's degradation (see the module docstring for the equations)."""

    exposure_stops: float = 0.0
    """e: exposure error in stops (-1 halves linear intensity, +1 doubles it)."""
    wb_red: float = 1.0
    """k_R: gain on linear red (white-balance cast)."""
    wb_green: float = 1.0
    """k_G: gain on linear green."""
    wb_blue: float = 1.0
    """k_B: gain on linear blue."""
    vignetting: float = 0.0
    """a: fraction of light lost in the corners (0: none)."""
    gradient_stops: float = 0.0
    """g: difference in stops between the two edges along the gradient's direction."""
    gradient_angle: float = 0.0
    """theta in degrees: direction towards which the light increases (0: right, 90: down)."""
    gamma: float = 1.0
    """gamma applied to encoded values (>1 darkens mid-tones, <1 lifts them)."""
    contrast: float = 1.0
    """s_t: tone-curve slope at mid grey (<1 flattens the mid-tones; black and white stay put)."""
    saturation: float = 1.0
    """s_c: chroma gain (<1 desaturates)."""

    def to_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "DegradationParams":
        """Build from a mapping (e.g. a CSV row); unknown keys are an error."""
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = set(values) - set(names)
        if unknown:
            raise ValueError(f"Unknown degradation parameter(s) {sorted(unknown)}; known: {names}")
        return cls(**{k: float(v) for k, v in values.items()})

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]


# ------------------------------------------------------------ sampling
def sample_params(rng: np.random.Generator) -> DegradationParams:
    """Draw one photo's parameters; values are rounded to 4 decimals so that a
    CSV record reproduces them exactly. Same generator state -> same params."""
    # Exposure: mostly under-exposed (FiveK inputs are dark), sometimes over.
    exposure = float(np.clip(rng.normal(-1.0, 1.0), -3.0, 1.3))
    # Cast: a temperature (red <-> blue) and a tint (green <-> magenta) in
    # log-gain units, in every direction; then normalised to keep luminance.
    temperature = float(np.clip(rng.normal(0.0, 0.4), -0.9, 0.9))
    tint = float(np.clip(rng.normal(0.0, 0.12), -0.35, 0.35))
    log_gains = np.array([temperature / 2 - tint / 2, tint, -temperature / 2 - tint / 2])
    gains = np.exp(log_gains)
    gains = gains / float(np.dot(LUMA_709, gains))
    vignetting = rng.uniform(0.1, 0.5)
    gradient_stops = rng.uniform(0.2, 1.2)
    gradient_angle = rng.uniform(0.0, 360.0)
    gamma = rng.uniform(0.9, 1.35)
    contrast = rng.uniform(0.4, 0.8)
    saturation = rng.uniform(0.5, 0.95)
    values = dict(
        exposure_stops=exposure, wb_red=gains[0], wb_green=gains[1], wb_blue=gains[2],
        vignetting=vignetting, gradient_stops=gradient_stops, gradient_angle=gradient_angle,
        gamma=gamma, contrast=contrast, saturation=saturation,
    )
    return DegradationParams(**{k: round(float(v), 4) for k, v in values.items()})


# ----------------------------------------------------------- operations
# All operations take float tensors (..., 3, H, W); linear ones take linear light.
def srgb_to_linear(x: torch.Tensor) -> torch.Tensor:
    """f^{-1}: sRGB-encoded [0, 1] -> linear light (IEC 61966-2-1)."""
    x = x.clamp(0.0, 1.0)
    return torch.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(lin: torch.Tensor) -> torch.Tensor:
    """f: linear light [0, 1] -> sRGB-encoded (values are clamped to [0, 1] first)."""
    lin = lin.clamp(0.0, 1.0)
    return torch.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)


def _channel_vector(values: tuple[float, float, float], like: torch.Tensor) -> torch.Tensor:
    return torch.tensor(values, dtype=like.dtype, device=like.device).view(3, 1, 1)


def _keep_white(lin: torch.Tensor, gain: torch.Tensor | float) -> torch.Tensor:
    """m_k(l) = k l / (1 + (k - 1) l): slope k at black, white stays white."""
    return gain * lin / (1.0 + (gain - 1.0) * lin)


def apply_white_balance(lin: torch.Tensor, gains: tuple[float, float, float]) -> torch.Tensor:
    # l_c <- m_{k_c}(l_c): the cast tints shadows and mid-tones, the brightest whites stay white
    return _keep_white(lin, _channel_vector(gains, lin))


def apply_exposure(lin: torch.Tensor, stops: float) -> torch.Tensor:
    if stops <= 0:
        # under-exposure, l <- m_{2^e}(l): darker, but the brightest highlights stay at white
        return _keep_white(lin, 2.0 ** stops)
    # over-exposure, l <- 2^e l (then clipped: blown highlights are lost)
    return lin * (2.0 ** stops)


def _grid(lin: torch.Tensor, region: Region) -> tuple[torch.Tensor, torch.Tensor, float, float]:
    """Normalised pixel-centre coordinates (u across, v down) of ``lin``'s pixels
    in the full photo, and the full photo's (relative) width and height."""
    height, width = lin.shape[-2:]
    top, left, bottom, right = region
    u = left + (right - left) * (torch.arange(width, dtype=lin.dtype, device=lin.device) + 0.5) / width
    v = top + (bottom - top) * (torch.arange(height, dtype=lin.dtype, device=lin.device) + 0.5) / height
    full_width = width / (right - left)
    full_height = height / (bottom - top)
    return (2 * u - 1).view(1, width), (2 * v - 1).view(height, 1), full_width, full_height


def apply_vignetting(lin: torch.Tensor, strength: float, region: Region = (0, 0, 1, 1)) -> torch.Tensor:
    u, v, width, height = _grid(lin, region)
    # r^2 = (u^2 W^2 + v^2 H^2) / (W^2 + H^2): 0 at the centre, 1 in the corners
    r2 = (u**2 * width**2 + v**2 * height**2) / (width**2 + height**2)
    # l <- (1 - a r^2) l
    return lin * (1.0 - strength * r2)


def apply_light_gradient(lin: torch.Tensor, stops: float, angle_degrees: float,
                         region: Region = (0, 0, 1, 1)) -> torch.Tensor:
    u, v, _, _ = _grid(lin, region)
    theta = math.radians(angle_degrees)
    # l <- 2^{(g/2)(u cos(theta) + v sin(theta))} l
    return lin * torch.exp2(0.5 * stops * (u * math.cos(theta) + v * math.sin(theta)))


def apply_gamma(y: torch.Tensor, gamma: float) -> torch.Tensor:
    # y <- y^gamma
    return y.clamp(0.0, 1.0) ** gamma


def apply_contrast(y: torch.Tensor, contrast: float) -> torch.Tensor:
    # y <- y + (1 - s_t) sin(2 pi y) / (2 pi): slope s_t at mid grey, 0 -> 0 and 1 -> 1 kept
    return y + (1.0 - contrast) * torch.sin(2 * math.pi * y) / (2 * math.pi)


def apply_saturation(y: torch.Tensor, saturation: float) -> torch.Tensor:
    # Y = sum_c w_c y_c ;  y_c <- Y + s_c (y_c - Y)
    luma = (y * _channel_vector(LUMA_709, y)).sum(dim=-3, keepdim=True)
    return luma + saturation * (y - luma)


# ------------------------------------------------------------- pipeline
def _operations(params: DegradationParams, region: Region) -> list[tuple[str, bool, Callable[[torch.Tensor], torch.Tensor]]]:
    """(name, works on linear light, operation) in the order of the model."""
    p = params
    return [
        ("white balance", True, lambda t: apply_white_balance(t, (p.wb_red, p.wb_green, p.wb_blue))),
        ("exposure", True, lambda t: apply_exposure(t, p.exposure_stops)),
        ("vignetting", True, lambda t: apply_vignetting(t, p.vignetting, region)),
        ("light gradient", True, lambda t: apply_light_gradient(t, p.gradient_stops, p.gradient_angle, region)),
        ("gamma", False, lambda t: apply_gamma(t, p.gamma)),
        ("tone curve", False, lambda t: apply_contrast(t, p.contrast)),
        ("saturation", False, lambda t: apply_saturation(t, p.saturation)),
    ]


def _as_chw_tensor(image: Image) -> tuple[torch.Tensor, Callable[[torch.Tensor], Image]]:
    """Accept float H x W x 3 arrays or float (N x) 3 x H x W tensors; return the
    tensor and a function converting a result back to the input's type."""
    if isinstance(image, np.ndarray):
        if image.ndim != 3 or image.shape[2] != 3 or not np.issubdtype(image.dtype, np.floating):
            raise ValueError(
                f"degrade expects a float H x W x 3 array in [0, 1] or a float 3 x H x W tensor; got a "
                f"{image.dtype} array of shape {image.shape}. Convert uint8 images with "
                "enhancelib.data.images.to_tensor first."
            )
        dtype = image.dtype
        tensor = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))
        return tensor, lambda t: t.permute(1, 2, 0).numpy().astype(dtype, copy=False)
    if isinstance(image, torch.Tensor):
        if image.ndim not in (3, 4) or image.shape[-3] != 3 or not image.is_floating_point():
            raise ValueError(
                f"degrade expects a float (N x) 3 x H x W tensor in [0, 1]; got {image.dtype} "
                f"of shape {tuple(image.shape)}."
            )
        return image, lambda t: t
    raise TypeError(f"degrade expects a numpy array or a torch tensor, got {type(image).__name__}.")


def _run(tensor: torch.Tensor, params: DegradationParams, region: Region,
         record: list[tuple[str, torch.Tensor]] | None) -> torch.Tensor:
    current = srgb_to_linear(tensor)
    linear = True
    for name, on_linear, operation in _operations(params, region):
        if linear and not on_linear:
            # sensor clipping and encoding: l <- min(l, 1); y = f(l)
            current = linear_to_srgb(current)
            linear = False
        current = operation(current)
        if record is not None:
            record.append((name, linear_to_srgb(current) if linear else current.clamp(0.0, 1.0)))
    return current.clamp(0.0, 1.0)


def degrade(image: Image, params: DegradationParams, region: Region = (0, 0, 1, 1)) -> Image:
    """Apply the degradation model; returns the same type and shape as ``image``.

    ``image`` is a float ``H x W x 3`` array or a float ``(N x) 3 x H x W``
    tensor in [0, 1]; ``region`` says which part of the full photo it is
    (normalised (top, left, bottom, right); default: the whole photo).
    """
    tensor, back = _as_chw_tensor(image)
    return back(_run(tensor, params, region, None))


def degrade_steps(image: Image, params: DegradationParams,
                  region: Region = (0, 0, 1, 1)) -> list[tuple[str, Image]]:
    """The image after each operation, for before/after figures.

    Returns ``[("original", x), ("white balance", ...), ..., ("saturation", x~)]``;
    each entry is displayable (sRGB-encoded, clipped to [0, 1]) and the last
    one equals :func:`degrade`'s result.
    """
    tensor, back = _as_chw_tensor(image)
    record: list[tuple[str, torch.Tensor]] = []
    _run(tensor, params, region, record)
    return [("original", image)] + [(name, back(step)) for name, step in record]
