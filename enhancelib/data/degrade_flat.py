r"""A second degradation that training never saw: the flat render.

The benchmark's low-quality photos come from :mod:`enhancelib.data.degrade`,
and every learned method is trained on that family. A method can then score
well on the benchmark's test split by learning the inverse of that one
family, and still fail on photos degraded some other way. This module is a
second model of a poor camera rendering, written separately, with other
operators and other parameter ranges, used **only for testing**. Its typical
look is the one an unedited phone or camera JPEG often has and that the
first model rarely produces: lifted blacks, dimmed whites, muted colour.

Per photo, on sRGB-encoded values :math:`x \in [0, 1]`, at normalised pixel
position :math:`(u, v) \in [-1, 1]^2`:

.. math::

    Y &= x \cdot w_{601}                                         && \text{luma (Rec. 601)} \\
    x &\leftarrow x \cdot Y^{p - 1}                              && \text{luma-only exposure curve } Y \mapsto Y^p \\
    x_c &\leftarrow x_c + d_c\,(1 - Y)^2                         && \text{shadow tint, fading towards white} \\
    x_c &\leftarrow V - k\,(V - x_c),\; V = \max_c x_c           && \text{HSV saturation scaled by } k \\
    x &\leftarrow b + (w - b)\,x                                 && \text{levels: black lifted to } b, \text{ white dimmed to } w \\
    x &\leftarrow x \cdot \cos^4\!\bigl(\arctan(\rho\,\tan\phi)\bigr) && \text{natural vignetting, } \rho = |(u, v)|/\sqrt 2 \\
    \tilde x &= \operatorname{clip}_{[0,1]}(x)

How it differs from the training degradation: exposure is a power of luma on
encoded values that keeps hue ratios (not a curve on linear light per
channel); the cast is an additive tint of the shadows (not white-balance
gains); saturation is scaled in HSV towards each pixel's maximum (not towards
Rec. 709 luminance); contrast is lost by an affine change of levels that
lifts black and dims white (not a sine tone curve that keeps black and white
in place); the vignette follows the cos^4 law of a lens with half field of
view :math:`\phi` (not :math:`1 - a r^2`), and there is no light gradient.
Exposure goes both ways (:math:`p` log-uniform in [0.7, 1.6]), so some
photos need darkening, many need brightening and all need contrast.
"""
from __future__ import annotations

import csv
import dataclasses
import math
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import torch

from enhancelib.data.conversion import LUMA_601

__all__ = ["FlatRenderParams", "FLAT_SEED", "sample_flat_params", "make_flat_params",
           "flat_render", "write_flat_params", "read_flat_params"]

FLAT_SEED = 7001
"""Seed of the second degradation's parameters (the first uses another)."""


@dataclass(frozen=True)
class FlatRenderParams:
    """One photo's flat render (see the module docstring for the equations)."""

    exposure_power: float = 1.0
    """p: luma is raised to this power (>1 darkens mid-tones, <1 brightens them)."""
    tint_red: float = 0.0
    """d_R: tint added to red in the deepest shadows."""
    tint_green: float = 0.0
    """d_G: tint added to green in the deepest shadows."""
    tint_blue: float = 0.0
    """d_B: tint added to blue in the deepest shadows."""
    saturation: float = 1.0
    """k: HSV saturation gain (<1 mutes colour)."""
    black: float = 0.0
    """b: where black ends up."""
    white: float = 1.0
    """w: where white ends up."""
    half_field_degrees: float = 0.0
    """phi: half of the lens's diagonal field of view (0: no vignetting)."""

    def to_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "FlatRenderParams":
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = set(values) - set(names)
        if unknown:
            raise ValueError(f"Unknown flat-render parameter(s) {sorted(unknown)}; known: {names}")
        return cls(**{k: float(v) for k, v in values.items()})


def sample_flat_params(rng: np.random.Generator) -> FlatRenderParams:
    """Draw one photo's parameters (rounded to 4 decimals so a CSV reproduces them exactly)."""
    power = math.exp(rng.uniform(math.log(0.7), math.log(1.6)))
    # a tint direction on the colour circle, strength up to 0.06 in the deepest shadows
    hue = rng.uniform(0.0, 2 * math.pi)
    strength = rng.uniform(0.0, 0.06)
    tint = [strength * math.cos(hue + k * 2 * math.pi / 3) for k in range(3)]
    values = dict(
        exposure_power=power, tint_red=tint[0], tint_green=tint[1], tint_blue=tint[2],
        saturation=rng.uniform(0.55, 0.9), black=rng.uniform(0.04, 0.16), white=rng.uniform(0.72, 0.95),
        half_field_degrees=rng.uniform(15.0, 35.0),
    )
    return FlatRenderParams(**{k: round(float(v), 4) for k, v in values.items()})


def make_flat_params(files: Sequence[str], seed: int = FLAT_SEED) -> dict[str, FlatRenderParams]:
    """One parameter set per file, from a generator seeded by (seed, CRC-32 of the name)."""
    return {name: sample_flat_params(np.random.default_rng([seed, zlib.crc32(name.encode())]))
            for name in sorted(files)}


def _vector(values: Sequence[float], like: torch.Tensor) -> torch.Tensor:
    return torch.tensor(list(values), dtype=like.dtype, device=like.device).view(3, 1, 1)


def flat_render(image: torch.Tensor, params: FlatRenderParams) -> torch.Tensor:
    """Apply the flat render to a float ``(N x) 3 x H x W`` tensor in [0, 1]; same shape back."""
    if image.ndim not in (3, 4) or image.shape[-3] != 3 or not image.is_floating_point():
        raise ValueError(f"flat_render expects a float (N x) 3 x H x W tensor in [0, 1]; got {image.dtype} "
                         f"of shape {tuple(image.shape)}.")
    p = params
    x = image.clamp(0.0, 1.0)
    # Y = x . w_601
    luma = (x * _vector(LUMA_601, x)).sum(dim=-3, keepdim=True)
    # x <- x Y^(p-1): luma becomes Y^p, the ratios between channels stay
    x = x * luma.clamp_min(1e-4) ** (p.exposure_power - 1.0)
    # x_c <- x_c + d_c (1 - Y)^2, with Y the new luma
    luma = (x * _vector(LUMA_601, x)).sum(dim=-3, keepdim=True).clamp(0.0, 1.0)
    x = x + _vector((p.tint_red, p.tint_green, p.tint_blue), x) * (1.0 - luma) ** 2
    # x_c <- V - k (V - x_c), V = max_c x_c: HSV saturation times k, value kept
    value = x.max(dim=-3, keepdim=True).values
    x = value - p.saturation * (value - x)
    # x <- b + (w - b) x
    x = p.black + (p.white - p.black) * x.clamp(0.0, 1.0)
    # x <- x cos^4(atan(rho tan(phi))), rho = |(u, v)| / sqrt(2): 1 at the centre, cos^4(phi) in the corners
    height, width = x.shape[-2:]
    u = (torch.arange(width, dtype=x.dtype, device=x.device) + 0.5) / width * 2 - 1
    v = (torch.arange(height, dtype=x.dtype, device=x.device) + 0.5) / height * 2 - 1
    rho = torch.sqrt(u.view(1, width) ** 2 + v.view(height, 1) ** 2) / math.sqrt(2.0)
    x = x * torch.cos(torch.atan(rho * math.tan(math.radians(p.half_field_degrees)))) ** 4
    return x.clamp(0.0, 1.0)


def write_flat_params(path: Path, params: Mapping[str, FlatRenderParams]) -> None:
    fields = [f.name for f in dataclasses.fields(FlatRenderParams)]
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file", *fields])
        for name in sorted(params):
            values = params[name].to_dict()
            writer.writerow([name, *(f"{values[f]:.4f}" for f in fields)])


def read_flat_params(path: Path) -> dict[str, FlatRenderParams]:
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path} is missing. Regenerate it with `python scripts/make_benchmark.py`.")
    with Path(path).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {row.pop("file"): FlatRenderParams.from_dict(row) for row in rows}
