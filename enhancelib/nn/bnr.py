r"""Bi-directional normalisation residual (BNR) module of BNCAGAN (paper 004, Sec. 2.1, Fig. 2).

One residual block whose two normalisations are bi-directional
normalisations (:class:`~enhancelib.nn.adaptive_norm.BiDirectionalNorm`,
eq. 3) is applied **six times in a row with the same weights**; the six
residual branches are concatenated, fused back to C channels by a bias-free
1x1 convolution and added to the module's input:

.. math::
    h_0 = \hat u,\quad r_k = B(h_{k-1};\gamma,\beta),\quad h_k = h_{k-1} + r_k
    \quad (k = 1..6),\qquad
    \mathrm{BNR}(\hat u) = W_{1\times1}\,[r_1, \dots, r_6] + \hat u

with the block
:math:`B(h) = \mathrm{BNM}(\mathrm{conv}(\mathrm{ReLU}(\mathrm{BNM}(\mathrm{conv}(h)))))`,
3x3 bias-free reflection-padded convolutions.  This is the public code
(``AdaILNBlock`` called six times, ``conv1x1``); the paper's Fig. 2 does
not say that the six blocks share weights, the code does.  At 256 channels
the module holds 1.57 M parameters (one block 1.18 M, the fusion 0.39 M)
and costs six blocks' computation.

``conditional=False`` is the "w/o BNM" ablation (Table 2): the BNMs become
instance normalisations without affine parameters (the public code's unused
``Bottleneck`` block), so no ``gamma``/``beta`` enter; the rest is unchanged.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from enhancelib.nn.adaptive_norm import BiDirectionalNorm
from enhancelib.nn.blocks import PaddedConv

__all__ = ["BNRBlock", "BiDirectionalNormResidual"]


class BNRBlock(nn.Module):
    """conv3x3 - BNM - ReLU - conv3x3 - BNM; ``forward`` returns ``(x + r, r)``."""

    def __init__(self, channels: int, conditional: bool = True, padding_mode: str = "reflect") -> None:
        super().__init__()
        self.channels = channels
        self.conditional = conditional
        self.conv1 = PaddedConv(channels, channels, 3, bias=False, padding_mode=padding_mode)
        self.conv2 = PaddedConv(channels, channels, 3, bias=False, padding_mode=padding_mode)
        if conditional:
            self.norm1 = BiDirectionalNorm(channels)
            self.norm2 = BiDirectionalNorm(channels)

    def _norm(self, index: int, x: Tensor, gamma: Tensor | None, beta: Tensor | None) -> Tensor:
        if not self.conditional:
            return F.instance_norm(x)
        if gamma is None or beta is None:
            raise ValueError("A conditional BNR block needs gamma and beta (N x C), e.g. from the AAC")
        norm = self.norm1 if index == 1 else self.norm2
        return norm(x, gamma, beta)

    def forward(self, x: Tensor, gamma: Tensor | None = None, beta: Tensor | None = None) -> tuple[Tensor, Tensor]:
        r = torch.relu(self._norm(1, self.conv1(x), gamma, beta))
        r = self._norm(2, self.conv2(r), gamma, beta)
        return x + r, r


class BiDirectionalNormResidual(nn.Module):
    """The BNR module: one :class:`BNRBlock` applied ``repeats`` times (shared weights), branches fused."""

    def __init__(self, channels: int, repeats: int = 6, conditional: bool = True,
                 padding_mode: str = "reflect") -> None:
        super().__init__()
        if repeats < 1:
            raise ValueError(f"BiDirectionalNormResidual needs repeats >= 1, got {repeats}")
        self.channels = channels
        self.repeats = repeats
        self.block = BNRBlock(channels, conditional, padding_mode)
        self.fuse = nn.Conv2d(repeats * channels, channels, 1, bias=False)

    def forward(self, u: Tensor, gamma: Tensor | None = None, beta: Tensor | None = None) -> Tensor:
        if u.dim() != 4 or u.shape[1] != self.channels:
            raise ValueError(f"BiDirectionalNormResidual({self.channels}) expects N x {self.channels} x H x W, "
                             f"got {tuple(u.shape)}")
        branches = []
        h = u
        for _ in range(self.repeats):
            # h_k = h_{k-1} + r_k with r_k = B(h_{k-1}; gamma, beta), the same B every time
            h, r = self.block(h, gamma, beta)
            branches.append(r)
        # BNR(u_hat) = W_1x1 [r_1, ..., r_6] + u_hat
        return self.fuse(torch.cat(branches, dim=1)) + u
