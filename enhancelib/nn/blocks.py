"""Small convolution helpers shared by the papers' networks.

UEGAN's public code (paper 001) and BNCAGAN's (paper 004, built on it) use
the same pieces everywhere:

* a "same" convolution whose border is padded by *reflection* rather than by
  zeros (:class:`PaddedConv`), optionally spectral-normalised;
* that convolution followed by LeakyReLU(0.2) (:func:`conv_lrelu`);
* orthogonal weight initialisation with a small gain (:func:`init_orthogonal_`);
* inference on images whose sides are not multiples of the network's stride
  (:func:`pad_to_multiple`).

``padding_mode="zeros"`` is offered as a faster, *not* paper-faithful
alternative: the convolution then pads inside the kernel instead of building
a padded copy of its input.
"""
from __future__ import annotations

from typing import cast

import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils import parametrizations, parametrize

__all__ = ["PADDING_MODES", "PaddedConv", "conv_lrelu", "init_orthogonal_", "pad_to_multiple"]

PADDING_MODES = ("reflect", "zeros")


class PaddedConv(nn.Module):
    """``k x k`` convolution keeping ``H/stride x W/stride``, padded by reflection.

    The padding is ``(k - 1) // 2`` on every side, as in the public UEGAN code.
    Where a feature map is too small to be reflected (side <= padding, e.g. the
    last discriminator stages on 32-pixel crops, where the public code fails)
    its border is replicated instead.
    ``spectral_norm=True`` divides the weight by its largest singular value
    (one power iteration per training forward pass).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        bias: bool = True,
        spectral_norm: bool = False,
        padding_mode: str = "reflect",
    ) -> None:
        super().__init__()
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
        self.padding = (kernel_size - 1) // 2
        self.reflect = padding_mode == "reflect" and self.padding > 0
        conv = nn.Conv2d(
            in_channels, out_channels, kernel_size, stride=stride, bias=bias,
            padding=0 if self.reflect else self.padding,
        )
        if spectral_norm:
            parametrizations.spectral_norm(conv)  # parametrises ``conv`` in place (and returns it)
        self.conv = conv

    @property
    def in_channels(self) -> int:
        return self.conv.in_channels

    @property
    def out_channels(self) -> int:
        return self.conv.out_channels

    def forward(self, x: Tensor) -> Tensor:
        if self.reflect:
            p = self.padding
            # reflection needs p < side; tiny maps (deep stages on small crops) replicate instead
            mode = "reflect" if p < min(x.shape[-2:]) else "replicate"
            x = F.pad(x, (p, p, p, p), mode=mode)
        return self.conv(x)


def conv_lrelu(
    in_channels: int,
    out_channels: int,
    kernel_size: int,
    stride: int = 1,
    spectral_norm: bool = False,
    padding_mode: str = "reflect",
    negative_slope: float = 0.2,
) -> nn.Sequential:
    """Reflection-padded convolution (with bias) followed by LeakyReLU(0.2)."""
    return nn.Sequential(
        PaddedConv(in_channels, out_channels, kernel_size, stride, True, spectral_norm, padding_mode),
        nn.LeakyReLU(negative_slope, inplace=True),
    )


def init_orthogonal_(module: nn.Module, gain: float = 0.02) -> nn.Module:
    """Orthogonal weights of norm ``gain`` and zero biases for every conv and linear layer.

    This is the public UEGAN code's ``init_weights(..., "orthogonal", gain=0.02)``.
    For a spectral-normalised layer the underlying (un-normalised) weight is
    initialised; the normalisation then rescales it anyway.
    """
    for m in module.modules():
        if not isinstance(m, (nn.Conv2d, nn.Linear)):
            continue
        if parametrize.is_parametrized(m, "weight"):
            # torch types a module's registered submodules as ``Tensor | Module``: name what they are
            parametrized = cast(nn.ModuleDict, m.parametrizations)
            weight = cast(parametrize.ParametrizationList, parametrized["weight"]).original
        else:
            weight = m.weight
        nn.init.orthogonal_(weight.data, gain=gain)
        if m.bias is not None:
            nn.init.zeros_(m.bias.data)
    return module


def pad_to_multiple(x: Tensor, multiple: int, min_size: int = 0, mode: str = "reflect") -> tuple[Tensor, tuple[int, int]]:
    """Pad ``x`` (bottom and right) so that H and W are multiples of ``multiple``.

    Returns the padded tensor and the original ``(H, W)`` so that the caller
    can crop the result back with ``y[..., :H, :W]``.  Sides are also padded up
    to ``min_size``.  Reflection needs the pad to be smaller than the side, so
    for tiny images the padding falls back to replicating the border.
    """
    if x.dim() != 4:
        raise ValueError(f"pad_to_multiple expects N x C x H x W, got shape {tuple(x.shape)}")
    h, w = x.shape[-2:]
    target_h = max(-(-h // multiple) * multiple, -(-min_size // multiple) * multiple)
    target_w = max(-(-w // multiple) * multiple, -(-min_size // multiple) * multiple)
    pad_h, pad_w = target_h - h, target_w - w
    if pad_h == 0 and pad_w == 0:
        return x, (h, w)
    if mode == "reflect" and (pad_h >= h or pad_w >= w):
        mode = "replicate"
    return F.pad(x, (0, pad_w, 0, pad_h), mode=mode), (h, w)
