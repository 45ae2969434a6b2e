r"""Colour attention module (CAM) of BNCAGAN's discriminator (paper 004, Sec. 2.2, Fig. 1c).

A self-attention (SAGAN-style) over the three *colour channels* of a
feature map instead of over its positions.  The discriminator's features
(128 channels at 1/8 resolution) are first projected to three channels
:math:`I` by a bias-free 1x1 convolution; three more bias-free 1x1
convolutions (3 -> 3) give queries :math:`Q`, keys :math:`K` and values
:math:`V`, each flattened to 3 x (H W).  The 3 x 3 attention matrix

.. math::
    A_{ij} = \frac{\exp(q_i \cdot k_j)}{\sum_{j'} \exp(q_i \cdot k_{j'})}

(dot products over all positions; no scaling) says how much colour channel
:math:`i` draws from channel :math:`j`; each row sums to one.  The output is

.. math::
    \mathrm{CAM}(I) = \gamma\, (A V) + I,\qquad \gamma\ \text{learnt, initialised to 0}

so the module starts as the plain projection and learns how much colour
mixing to add.  The public code computes ``softmax(K Q^T)`` over its first
axis and multiplies ``V`` by its transpose: the same row-stochastic matrix
(the paper: "the transpose of A" times V).  We build it with the query
projection (code: ``fconv1x1``), key (``gconv1x1``) and value
(``hconv1x1``) named for their roles.

The attention logits are sums over all positions and easily exceed half
precision: the attention is computed in float32 under autocast.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["ColorAttention"]


class ColorAttention(nn.Module):
    """``in_channels`` -> 3 colour channels, 3 x 3 channel self-attention, ``gamma * out + x``.

    ``out_channels`` (3) tells :class:`~enhancelib.nn.discriminator.MultiScaleDiscriminator`
    what its prediction head receives.
    """

    def __init__(self, in_channels: int, colors: int = 3) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = colors
        self.to_color = nn.Conv2d(in_channels, colors, 1, bias=False)
        self.query = nn.Conv2d(colors, colors, 1, bias=False)
        self.key = nn.Conv2d(colors, colors, 1, bias=False)
        self.value = nn.Conv2d(colors, colors, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(1))

    def attention(self, colors: Tensor) -> Tensor:
        """The N x 3 x 3 row-stochastic matrix :math:`A` for colour features ``colors`` (N x 3 x H x W)."""
        q = self.query(colors).flatten(2)  # N x 3 x HW
        k = self.key(colors).flatten(2)    # N x 3 x HW
        # A = softmax_rows(Q K^T)
        return torch.softmax(torch.bmm(q, k.transpose(1, 2)), dim=-1)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"ColorAttention({self.in_channels}) expects N x {self.in_channels} x H x W, "
                             f"got {tuple(x.shape)}")
        colors = self.to_color(x)
        with torch.autocast(device_type=x.device.type, enabled=False):
            c32 = colors.float()
            a = self.attention(c32)
            # out = A V, back to N x 3 x H x W
            out = torch.bmm(a, self.value(c32).flatten(2)).view_as(c32)
            # CAM(I) = gamma * out + I
            y = self.gamma * out + c32
        return y.to(colors.dtype)
