r"""Learned mixes of instance and layer normalisation (BNCAGAN, paper 004, eq. 3).

Instance normalisation (IN) normalises each channel of each image over space;
layer normalisation (LN) normalises each image over channels *and* space.
IN removes every channel's own brightness and contrast (style), LN keeps
their ratios (content).  U-GAT-IT's AdaLIN, which BNCAGAN builds on, learns
per channel how much of each to use:

.. math::
    \mathrm{BNM}(x, \gamma, \beta) = \gamma \odot \big(\rho \odot \mathrm{IN}(x)
        + (1 - \rho) \odot \mathrm{LN}(x)\big) + \beta,\qquad
    \rho \leftarrow \mathrm{clip}_{[0, 1]}(\rho - \tau \Delta\rho)

* :class:`BiDirectionalNorm` — the bi-directional normalisation module (BNM)
  of the BNR block: ``gamma`` and ``beta`` (one vector per image) are supplied
  from outside (by the other domain's auxiliary attention classifier during
  training), ``rho`` is a learnt per-channel parameter initialised to 0.9.
* :class:`InstanceLayerNorm` — the decoder's ILN: the same mix with learnt,
  per-channel ``gamma`` (init 1) and ``beta`` (init 0), ``rho`` initialised
  to 0 (pure LN at the start).
* :func:`clip_rho_` — the clipping of eq. 3, to call after every optimiser
  step of the generator.

As in the public code, means and variances are per image; the variances are
*unbiased* (``torch.var``'s default), ``eps = 1e-5`` inside the square root.
We compute the mix as one per-channel affine map of ``x``: the layer
statistics follow from the channel statistics (law of total variance), so
``x`` is read twice for the channel statistics (:func:`spatial_var_mean`)
and once for the map, instead of the five passes of a literal
implementation.  Same numbers up to rounding (see the tests).  Statistics
are taken in float32 under mixed precision.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from .statistics import spatial_var_mean

__all__ = ["BiDirectionalNorm", "InstanceLayerNorm", "clip_rho_", "instance_layer_norm"]


def instance_layer_norm(x: Tensor, rho: Tensor, gamma: Tensor, beta: Tensor, eps: float = 1e-5) -> Tensor:
    r"""``gamma * (rho * IN(x) + (1 - rho) * LN(x)) + beta`` for ``x`` of shape N x C x H x W.

    ``rho``, ``gamma`` and ``beta`` broadcast against N x C x 1 x 1 (e.g.
    ``1 x C x 1 x 1`` parameters or ``N x C x 1 x 1`` per-image vectors).
    """
    if x.dim() != 4:
        raise ValueError(f"instance_layer_norm expects N x C x H x W features, got shape {tuple(x.shape)}")
    c, hw = x.shape[1], x.shape[2] * x.shape[3]
    if hw < 2:
        raise ValueError(f"instance_layer_norm needs at least 2 spatial positions per channel, got "
                         f"{x.shape[2]}x{x.shape[3]}: feed a larger image.")
    stats_in = x if x.dtype in (torch.float32, torch.float64) else x.float()
    # IN statistics: per image and channel, over space (unbiased variance, as torch.var)
    var_in, mean_in = spatial_var_mean(stats_in, correction=1)
    # LN statistics from the channel ones: mean of means; total sum of squares =
    # within-channel part (hw - 1) var_c + between-channel part hw (mu_c - mu)^2
    mean_ln = mean_in.mean(dim=1, keepdim=True)
    squares = (hw - 1) * var_in + hw * (mean_in - mean_ln).square()
    var_ln = squares.sum(dim=1, keepdim=True) / (c * hw - 1)
    inv_in, inv_ln = torch.rsqrt(var_in + eps), torch.rsqrt(var_ln + eps)
    # rho IN(x) + (1 - rho) LN(x) = a x - b, with a and b per image and channel
    a = rho * inv_in + (1 - rho) * inv_ln
    b = rho * mean_in * inv_in + (1 - rho) * mean_ln * inv_ln
    # eq. 3: gamma (a x - b) + beta
    scale, shift = gamma * a, beta - gamma * b
    return torch.addcmul(shift.to(x.dtype), x, scale.to(x.dtype))


class BiDirectionalNorm(nn.Module):
    """Bi-directional normalisation module (BNM, eq. 3) with external per-image ``gamma``, ``beta``.

    ``forward(x, gamma, beta)`` with ``x`` N x C x H x W and ``gamma``,
    ``beta`` of shape N x C (or 1 x C, shared by the batch).
    """

    def __init__(self, channels: int, rho_init: float = 0.9, eps: float = 1e-5) -> None:
        super().__init__()
        self.channels = channels
        self.eps = eps
        self.rho = nn.Parameter(torch.full((1, channels, 1, 1), float(rho_init)))

    def forward(self, x: Tensor, gamma: Tensor, beta: Tensor) -> Tensor:
        if x.dim() != 4 or x.shape[1] != self.channels:
            raise ValueError(f"BiDirectionalNorm({self.channels}) expects N x {self.channels} x H x W, "
                             f"got {tuple(x.shape)}")
        for name, v in (("gamma", gamma), ("beta", beta)):
            if v.dim() != 2 or v.shape[1] != self.channels or v.shape[0] not in (1, x.shape[0]):
                raise ValueError(f"BiDirectionalNorm {name} must be {x.shape[0]} (or 1) x {self.channels}, "
                                 f"got {tuple(v.shape)}")
        return instance_layer_norm(x, self.rho, gamma[:, :, None, None], beta[:, :, None, None], self.eps)


class InstanceLayerNorm(nn.Module):
    """Instance-layer normalisation (ILN) with learnt per-channel ``rho`` (init 0), ``gamma`` (1), ``beta`` (0)."""

    def __init__(self, channels: int, rho_init: float = 0.0, eps: float = 1e-5) -> None:
        super().__init__()
        self.channels = channels
        self.eps = eps
        self.rho = nn.Parameter(torch.full((1, channels, 1, 1), float(rho_init)))
        self.gamma = nn.Parameter(torch.ones(1, channels, 1, 1))
        self.beta = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 4 or x.shape[1] != self.channels:
            raise ValueError(f"InstanceLayerNorm({self.channels}) expects N x {self.channels} x H x W, "
                             f"got {tuple(x.shape)}")
        return instance_layer_norm(x, self.rho, self.gamma, self.beta, self.eps)


@torch.no_grad()
def clip_rho_(module: nn.Module, low: float = 0.0, high: float = 1.0) -> int:
    """Clamp ``rho`` of every :class:`BiDirectionalNorm` / :class:`InstanceLayerNorm` in ``module`` (eq. 3).

    Returns how many ``rho`` tensors were clipped (0 when ``module`` has none).
    """
    count = 0
    for m in module.modules():
        if isinstance(m, (BiDirectionalNorm, InstanceLayerNorm)):
            # rho <- clip_[0, 1](rho)
            m.rho.clamp_(low, high)
            count += 1
    return count
