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

We follow the code, with one consequence worth knowing: the instance
normalisation cancels the whole global branch (see :class:`GlobalAttention`),
so in the public model the GAM is a 1x1 convolution followed by instance
normalisation; each output pixel still depends on the whole map through
the normalisation's mean and standard deviation.  ``form="paper"`` builds
the module as the paper prints it, where the branch is alive.

:class:`SqueezeExcitation` is the channel attention the UEGAN reproduction
report (paper 003, Sec. 4.1.2) adds after the bottleneck GAM, ratio 4.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .statistics import spatial_var_mean

__all__ = ["GlobalAttention", "SqueezeExcitation", "channel_mean_std"]


def channel_mean_std(z: Tensor, eps: float = 1e-5) -> tuple[Tensor, Tensor]:
    """Per-sample, per-channel mean and ``sqrt(unbiased variance + eps)``, shaped N x C x 1 x 1."""
    var, mean = spatial_var_mean(z, correction=1)
    return mean, (var + eps).sqrt()


class GlobalAttention(nn.Module):
    r"""Global attention module (GAM) of UEGAN.

    ``form="code"`` (default, the public code):

    .. math::
        g = [\mu(z), \sigma(z)],\quad
        \rho = W_2\,\mathrm{ReLU}(W_1 g),\quad
        \hat z = \mathrm{IN}\big(W_z z + W_\rho E(\rho) + b\big)

    where ``[W_z, W_rho]`` is the 1x1 fusion convolution over the
    concatenation ``[z, E(rho)]`` (eq. 4).  **The instance normalisation
    cancels the global branch exactly**: it subtracts each channel's spatial
    mean, and ``W_rho E(rho) + b`` is constant over space, so
    ``IN(W_z z + W_rho E(rho) + b) = IN(W_z z)``.  In the public code the
    MLP, ``W_rho`` and the bias (0.48 M of the generator's 4.16 M parameters
    at width 32) receive only rounding-noise gradients and never change the
    output; what remains global is the normalisation by the map's own mean
    and standard deviation.  We therefore compute ``IN(W_z z)`` directly (the
    same numbers, see the tests) and keep the unused parameters so that
    weights and counts match the code.

    ``form="paper"`` (eqs. 2-4 as printed: channel means only, no
    normalisation), where the global branch is alive:

    .. math::
        \rho = W_2\,\mathrm{ReLU}(W_1 \mu(z)),\qquad
        \hat z = W_z z + W_\rho E(\rho) + b
    """

    FORMS = ("code", "paper")

    def __init__(self, channels: int, reduction: int = 8, form: str = "code", eps: float = 1e-5) -> None:
        super().__init__()
        if form not in self.FORMS:
            raise ValueError(f"GlobalAttention form must be one of {self.FORMS}, got {form!r}")
        if channels < reduction:
            raise ValueError(f"GlobalAttention needs channels >= reduction ({reduction}), got {channels}")
        self.channels = channels
        self.form = form
        self.eps = eps
        statistics = 2 if form == "code" else 1
        # eq. 3: f_FC, two "fully-connected" layers as 1x1 convolutions, no bias
        self.mlp = nn.Sequential(
            nn.Conv2d(statistics * channels, channels // reduction, 1, bias=False),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels // reduction, channels, 1, bias=False),
        )
        # eq. 4: Conv over the concatenation [z, E(rho)], 2C -> C
        self.fuse = nn.Conv2d(2 * channels, channels, 1, bias=True)

    def global_context(self, z: Tensor) -> Tensor:
        """``rho`` of eqs. 2-3, N x C x 1 x 1."""
        if self.form == "code":
            # eq. 2 (code version): g = [mean(z), std(z)] per channel
            g = torch.cat(channel_mean_std(z, self.eps), dim=1)
        else:
            # eq. 2: g_mean = f_pool(z)
            g = z.mean(dim=(2, 3), keepdim=True)
        # eq. 3: rho = f_FC(g)
        return self.mlp(g)

    def forward(self, z: Tensor) -> Tensor:
        if z.dim() != 4 or z.shape[1] != self.channels:
            raise ValueError(f"GlobalAttention({self.channels}) expects N x {self.channels} x H x W, got {tuple(z.shape)}")
        w_z, w_rho = self.fuse.weight[:, : self.channels], self.fuse.weight[:, self.channels:]
        # eq. 4 splits into a local and a global part: Conv([z, E(rho)]) = W_z z + (W_rho rho + b)
        local = F.conv2d(z, w_z)
        if self.form == "code":
            if z.shape[2] * z.shape[3] < 2:
                raise ValueError(
                    f"GlobalAttention needs at least 2 spatial positions to normalise over, "
                    f"got {z.shape[2]}x{z.shape[3]}: feed a larger image."
                )
            # IN(W_z z + W_rho E(rho) + b) = IN(W_z z): the constant global part cancels
            return F.instance_norm(local, eps=self.eps)
        shift = F.conv2d(self.global_context(z), w_rho, self.fuse.bias)
        return local + shift


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
