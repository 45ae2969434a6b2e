r"""Pixel reconstruction losses: Charbonnier and a multi-scale wrapper.

* :class:`CharbonnierLoss` — :math:`\mathbb{E}\sqrt{(x - y)^2 + \varepsilon^2}`,
  a differentiable L1 (UEGAN reproduction report, paper 003, Sec. 4.1.1,
  :math:`\varepsilon = 10^{-3}`).
* :class:`MultiScaleReconstructionLoss` — UEGAN's identity loss (paper 001,
  eq. 8).  The paper writes a single L1 distance; the public code sums it
  over three scales, halving the image with ``AvgPool2d(2)`` between scales,
  weights 1, 1/2, 1/4.  We follow the code.  The distance is configurable
  (``"l1"`` as in the paper and code, ``"charbonnier"`` as in report 003,
  ``"l2"``).  BNCAGAN uses it too, across domains.
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["CharbonnierLoss", "MultiScaleReconstructionLoss", "DISTANCES"]


class CharbonnierLoss(nn.Module):
    r"""Charbonnier loss (paper 003), a smooth L1.

    .. math::
        \mathcal{L}(x, y) = \mathbb{E}\Big[\sqrt{(x - y)^2 + \varepsilon^2}\Big]

    For :math:`|x - y| \gg \varepsilon` it equals L1; near 0 it is quadratic,
    so its gradient goes to zero smoothly instead of jumping between -1 and 1.
    """

    def __init__(self, eps: float = 1e-3) -> None:
        super().__init__()
        if eps <= 0:
            raise ValueError(f"Charbonnier eps must be positive, got {eps}")
        self.eps = eps

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        # L = mean(sqrt((x - y)^2 + eps^2))
        return torch.sqrt((x - y).square() + self.eps ** 2).mean()


DISTANCES: dict[str, Callable[[], nn.Module]] = {
    "l1": nn.L1Loss,
    "charbonnier": CharbonnierLoss,
    "l2": nn.MSELoss,
}


class MultiScaleReconstructionLoss(nn.Module):
    r"""Distance between two images summed over a pyramid (UEGAN's identity loss, eq. 8, code version).

    .. math::
        \mathcal{L}_{idt} = \sum_{k=0}^{K-1} w_k\, d\big(P^k(G(x_h)),\, P^k(x_h)\big),
        \qquad w = (1, \tfrac12, \tfrac14)

    where :math:`P` is a 2x2 average pooling and :math:`d` the chosen
    distance (mean over pixels).  Odd sides lose their last row or column at
    each pooling, as ``AvgPool2d(2)`` does.
    """

    def __init__(self, distance: str = "l1", weights: Sequence[float] = (1.0, 0.5, 0.25)) -> None:
        super().__init__()
        if distance not in DISTANCES:
            raise ValueError(f"distance must be one of {sorted(DISTANCES)}, got {distance!r}")
        if not weights:
            raise ValueError("MultiScaleReconstructionLoss needs at least one scale weight")
        self.distance_name = distance
        self.distance = DISTANCES[distance]()
        self.weights = tuple(float(w) for w in weights)

    def forward(self, output: Tensor, target: Tensor) -> Tensor:
        if output.shape != target.shape:
            raise ValueError(f"output {tuple(output.shape)} and target {tuple(target.shape)} must have the same shape")
        levels = len(self.weights)
        if min(output.shape[-2:]) < 2 ** (levels - 1):
            raise ValueError(f"Images of {output.shape[-2]}x{output.shape[-1]} are too small for {levels} scales")
        loss = output.new_zeros(())
        for k, weight in enumerate(self.weights):
            if k > 0:
                output, target = F.avg_pool2d(output, 2), F.avg_pool2d(target, 2)
            # L_idt += w_k * d(P^k(output), P^k(target))
            loss = loss + weight * self.distance(output, target)
        return loss
