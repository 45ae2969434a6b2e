"""Multi-scale PatchGAN discriminator (UEGAN, paper 001, Sec. III-B-2, Fig. 2).

A stack of spectral-normalised stride-2 convolutions (each followed by
LeakyReLU(0.2)); after chosen stages a *prediction head* (reflection-padded
convolution to one channel, no bias, no spectral norm, then tanh) scores
every patch.  Early heads see small receptive fields (local detail), late
heads large ones (global consistency).  The forward pass returns the list of
per-scale score maps, the input every loss in
:mod:`enhancelib.losses.relativistic` takes.

UEGAN's public code: five stages, widths 32 -> 512, kernels 7, 7, 7, 5, 5,
a head after **every** stage (the paper's Fig. 2 draws three).
:func:`uegan_discriminator` builds it.  BNCAGAN keeps heads after the
stages of width 32, 128 and 512 and inserts a colour attention module before
one head: pass it in ``head_modules`` (a module exposing ``out_channels``
when it changes the channel count).
"""
from __future__ import annotations

from typing import Mapping, Sequence

from torch import Tensor, nn

from enhancelib.nn.blocks import PaddedConv, conv_lrelu

__all__ = ["MultiScaleDiscriminator", "uegan_discriminator"]

_OUTPUT_ACTIVATIONS = {"tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "none": nn.Identity}


class MultiScaleDiscriminator(nn.Module):
    """Stride-2 convolution stages with PatchGAN prediction heads after chosen stages.

    Args:
        in_channels: image channels.
        widths: output channels of each stage.
        kernels: kernel size of each stage (its head uses the same size unless
            ``head_kernels`` says otherwise).
        heads: indices of the stages followed by a prediction head.
        head_modules: optional module per head index, applied to the stage's
            features before the prediction convolution.  If it changes the
            number of channels it must expose ``out_channels``.
        head_kernels: optional kernel size per head index.
        spectral_norm: spectral normalisation of the stage convolutions.
        output_activation: ``"tanh"`` (UEGAN, hinge losses), ``"sigmoid"`` or ``"none"``.
        padding_mode: ``"reflect"`` (public code) or ``"zeros"``.
    """

    def __init__(
        self,
        in_channels: int = 3,
        widths: Sequence[int] = (32, 64, 128, 256, 512),
        kernels: Sequence[int] = (7, 7, 7, 5, 5),
        heads: Sequence[int] = (0, 1, 2, 3, 4),
        head_modules: Mapping[int, nn.Module] | None = None,
        head_kernels: Mapping[int, int] | None = None,
        spectral_norm: bool = True,
        output_activation: str = "tanh",
        padding_mode: str = "reflect",
    ) -> None:
        super().__init__()
        if len(widths) != len(kernels) or not widths:
            raise ValueError(f"widths and kernels need the same non-zero length, got {len(widths)} and {len(kernels)}")
        heads = sorted(set(heads))
        if not heads or heads[0] < 0 or heads[-1] >= len(widths):
            raise ValueError(f"heads must be stage indices in [0, {len(widths) - 1}], got {list(heads)}")
        head_modules = dict(head_modules or {})
        head_kernels = dict(head_kernels or {})
        for name, mapping in (("head_modules", head_modules), ("head_kernels", head_kernels)):
            stray = sorted(set(mapping) - set(heads))
            if stray:
                raise ValueError(f"{name} has entries {stray} that are not heads {heads}")
        if output_activation not in _OUTPUT_ACTIVATIONS:
            raise ValueError(f"output_activation must be one of {sorted(_OUTPUT_ACTIVATIONS)}, got {output_activation!r}")

        self.heads = tuple(heads)
        self.stages = nn.ModuleList()
        self.predictors = nn.ModuleDict()
        channels = in_channels
        for index, (width, kernel) in enumerate(zip(widths, kernels)):
            self.stages.append(conv_lrelu(channels, width, kernel, stride=2, spectral_norm=spectral_norm,
                                          padding_mode=padding_mode))
            channels = width
            if index in self.heads:
                extra = head_modules.get(index)
                head_in = int(getattr(extra, "out_channels", width)) if extra is not None else width
                layers: list[nn.Module] = [] if extra is None else [extra]
                layers += [
                    PaddedConv(head_in, 1, head_kernels.get(index, kernel), bias=False, padding_mode=padding_mode),
                    _OUTPUT_ACTIVATIONS[output_activation](),
                ]
                self.predictors[str(index)] = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> list[Tensor]:
        """Score maps, one per head, from the finest to the coarsest (each N x 1 x h x w)."""
        if x.dim() != 4:
            raise ValueError(f"The discriminator expects N x C x H x W images, got shape {tuple(x.shape)}")
        outputs = []
        h = x
        for index, stage in enumerate(self.stages):
            h = stage(h)
            if index in self.heads:
                outputs.append(self.predictors[str(index)](h))
            if index == self.heads[-1]:
                break
        return outputs


def uegan_discriminator(width: int = 32, heads: Sequence[int] = (0, 1, 2, 3, 4)) -> MultiScaleDiscriminator:
    """UEGAN's public discriminator: widths ``width * (1, 2, 4, 8, 16)``, kernels 7, 7, 7, 5, 5, five heads."""
    return MultiScaleDiscriminator(
        widths=tuple(width * m for m in (1, 2, 4, 8, 16)), kernels=(7, 7, 7, 5, 5), heads=heads,
    )
