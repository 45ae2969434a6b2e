"""Channel attention blocks: UEGAN's global attention module and squeeze-excitation.

:class:`GlobalAttention` is the global attention module (GAM) of UEGAN
(paper 001, Sec. III-B-1, Fig. 3, eqs. 2-4) *as the public code builds it*:

* eq. 2 pools only the channel **mean**; the code pools the mean **and** the
  standard deviation (unbiased variance + 1e-5) and concatenates them;
* eq. 3's "two fully-connected layers" are 1x1 convolutions
  ``2C -> C/8 -> C`` without bias, with a ReLU between them and **no**
  sigmoid: the result is fused with the features, not used as a gate;
* eq. 4's ``Conv(C(E(rho), z))`` is a 1x1 convolution ``2C -> C`` (with
  bias) on the features concatenated with the broadcast vector, followed
  (in the code, not in the paper) by an instance normalisation without
  affine parameters.

We follow the code.  Every output pixel thus depends on statistics of the
whole feature map: global context mixed into local features.

:class:`SqueezeExcitation` is the channel attention the UEGAN reproduction
report (paper 003, Sec. 4.1.2) adds after the bottleneck GAM, ratio 4.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["GlobalAttention", "SqueezeExcitation", "channel_mean_std"]


def channel_mean_std(z: Tensor, eps: float = 1e-5) -> tuple[Tensor, Tensor]:
    """Per-sample, per-channel mean and ``sqrt(unbiased variance + eps)``, shaped N x C x 1 x 1."""
    var, mean = torch.var_mean(z, dim=(2, 3), correction=1, keepdim=True)
    return mean, (var + eps).sqrt()


class GlobalAttention(nn.Module):
    r"""Global attention module (GAM) of UEGAN, as in the public code.

    .. math::
        g = [\mu(z), \sigma(z)],\quad
        \rho = W_2\,\mathrm{ReLU}(W_1 g),\quad
        \hat z = \mathrm{IN}\big(\mathrm{Conv}_{1\times1}([z, E(\rho)])\big)

    ``z``: N x C x H x W with ``H * W >= 2`` (the unbiased variance and the
    instance normalisation need at least two positions).
    """

    def __init__(self, channels: int, reduction: int = 8, eps: float = 1e-5, normalise: bool = True) -> None:
        super().__init__()
        if channels < reduction:
            raise ValueError(f"GlobalAttention needs channels >= reduction ({reduction}), got {channels}")
        self.channels = channels
        self.eps = eps
        # eq. 3: f_FC, two "fully-connected" layers as 1x1 convolutions, no bias
        self.mlp = nn.Sequential(
            nn.Conv2d(2 * channels, channels // reduction, 1, bias=False),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels // reduction, channels, 1, bias=False),
        )
        # eq. 4: Conv over the concatenation [z, E(rho)], 2C -> C
        self.fuse = nn.Conv2d(2 * channels, channels, 1, bias=True)
        self.norm = nn.InstanceNorm2d(channels, affine=False) if normalise else nn.Identity()

    def forward(self, z: Tensor) -> Tensor:
        if z.dim() != 4 or z.shape[1] != self.channels:
            raise ValueError(f"GlobalAttention({self.channels}) expects N x {self.channels} x H x W, got {tuple(z.shape)}")
        if z.shape[2] * z.shape[3] < 2:
            raise ValueError(
                f"GlobalAttention needs at least 2 spatial positions to measure a standard deviation, "
                f"got {z.shape[2]}x{z.shape[3]}: feed a larger image."
            )
        # eq. 2 (code version): g = [mean(z), std(z)] per channel
        mean, std = channel_mean_std(z, self.eps)
        # eq. 3: rho = f_FC(g)
        rho = self.mlp(torch.cat([mean, std], dim=1))
        # eq. 4: z_hat = Conv([z, E(rho)]).  A 1x1 convolution of a concatenation is
        # the sum of the convolutions of its parts, and E(rho) is constant over space,
        # so W_z * z + (W_rho * rho + b) gives the same numbers without building the
        # 2C-channel tensor at full resolution.
        w_z, w_rho = self.fuse.weight[:, : self.channels], self.fuse.weight[:, self.channels:]
        shift = F.conv2d(rho, w_rho, self.fuse.bias)
        z_hat = F.conv2d(z, w_z) + shift
        return self.norm(z_hat)


class SqueezeExcitation(nn.Module):
    r"""Squeeze-excitation channel gate (paper 003, Sec. 4.1.2), ratio 4, no biases.

    .. math::
        s = \sigma\big(W_2\,\mathrm{ReLU}(W_1\,\mathrm{GAP}(x))\big),\qquad y = s \odot x

    The report's listing applies the ReLU twice and never calls ``fc2``, which
    could not run (a C/4 vector cannot be viewed as C channels); we apply
    ``fc2`` as in every squeeze-excitation block.
    """

    def __init__(self, channels: int, ratio: int = 4) -> None:
        super().__init__()
        if channels < ratio:
            raise ValueError(f"SqueezeExcitation needs channels >= ratio ({ratio}), got {channels}")
        self.channels = channels
        self.fc1 = nn.Linear(channels, channels // ratio, bias=False)
        self.fc2 = nn.Linear(channels // ratio, channels, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 4 or x.shape[1] != self.channels:
            raise ValueError(f"SqueezeExcitation({self.channels}) expects N x {self.channels} x H x W, got {tuple(x.shape)}")
        # squeeze: global average pooling
        squeezed = x.mean(dim=(2, 3))
        # excitation: s = sigmoid(W2 relu(W1 squeezed))
        gate = torch.sigmoid(self.fc2(F.relu(self.fc1(squeezed))))
        return x * gate[:, :, None, None]
