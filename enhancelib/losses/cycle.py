r"""QAGAN's cycle-consistency loss in VGG feature space (paper 000, eq. 8).

An image sent to the other domain and back should come back unchanged; QAGAN
measures "unchanged" on VGG features rather than on pixels:

.. math::
    \mathcal{L}_{cc} = \frac{1}{J}\sum_{j=1}^{J}\Big(
        \mathbb{E}\,\lVert\phi_j(I_H) - \phi_j(\hat I_H)\rVert_2
      + \mathbb{E}\,\lVert\phi_j(I_L) - \phi_j(\hat I_L)\rVert_2\Big)

with :math:`\phi_j` the relu1_1 ... relu5_1 features (J = 5) and
:math:`\hat I_H = G_H(G_L(I_H))`, :math:`\hat I_L = G_L(G_H(I_L))`.
:class:`CycleConsistencyLoss` computes one direction; the recipe adds both.

Decisions
---------
* **Norm.**  "The l2 norm between the feature maps" is taken as the mean
  squared error over all feature elements of a layer (the usual reading of
  an "l2 loss"; a per-layer mean keeps layers of different sizes on one
  scale and makes the loss independent of the image size, which the paper's
  lambda_cc = 2 / 10 must be relative to).
* **Weights.**  Eq. 8's ``1/J`` with J = 5, every layer weighted 1/5.
* **Backbone.**  The VGG passed in (the same frozen encoder E in QAGAN);
  the real image's features carry no gradient, and may be passed in when the
  caller has them already (QAGAN's encoder computed them for the generators).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import torch.nn.functional as F
from torch import Tensor, nn

from enhancelib.nn.vgg import VGG_LAYERS, VGGFeatures

__all__ = ["CycleConsistencyLoss"]


class CycleConsistencyLoss(nn.Module):
    r"""One direction of eq. 8: :math:`\frac1J\sum_j \mathrm{MSE}(\phi_j(I), \phi_j(\hat I))`."""

    def __init__(self, backbone: VGGFeatures, layers: Sequence[str] = VGG_LAYERS) -> None:
        super().__init__()
        missing = [name for name in layers if name not in backbone.taps]
        if not layers or missing:
            raise ValueError(f"The backbone does not compute {missing or 'any layer'}; load it with upto='relu5_1'")
        self.backbone = backbone
        self.layers = tuple(layers)

    def forward(self, real: Tensor, recycled: Tensor, real_features: Mapping[str, Tensor] | None = None) -> Tensor:
        """``real``: the original image I; ``recycled``: I after both generators (same shape)."""
        if real.shape != recycled.shape:
            raise ValueError(f"real {tuple(real.shape)} and recycled {tuple(recycled.shape)} images must have one shape")
        if real_features is None:
            real_features = self.backbone(real, layers=self.layers)
        fake_features = self.backbone(recycled, layers=self.layers)
        loss = recycled.new_zeros(())
        for name in self.layers:
            # L_cc += 1/J * || phi_j(I) - phi_j(I^) ||_2   (as a mean squared error)
            loss = loss + F.mse_loss(fake_features[name], real_features[name].detach()) / len(self.layers)
        return loss
