"""Distances measured in the feature space of a frozen VGG.

One configurable :class:`PerceptualLoss` serves every paper:

* UEGAN's fidelity loss (paper 001, eq. 7): MSE between instance-normalised
  relu1_1 ... relu5_1 features of the enhanced and the input image, layer
  weights 1/64, 1/64, 1/32, 1/32, 1 in the public code;
* GleNet's perceptual term (paper 002): distance between VGG features of the
  output and the target;
* QAGAN's cycle-consistency loss (paper 000, eq. 8) and BNCAGAN's perceptual
  loss.

The backbone is passed in (see :func:`enhancelib.nn.vgg.load_vgg`), so a loss
never decides which VGG weights a run uses.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import torch.nn.functional as F
from torch import Tensor, nn

from enhancelib.nn.vgg import VGG_LAYERS, VGGConvTaps, VGGFeatures

__all__ = ["PerceptualLoss", "UEGAN_FIDELITY_WEIGHTS"]

#: Layer weights of UEGAN's public fidelity loss.
UEGAN_FIDELITY_WEIGHTS: dict[str, float] = {
    "relu1_1": 1 / 64, "relu2_1": 1 / 64, "relu3_1": 1 / 32, "relu4_1": 1 / 32, "relu5_1": 1.0,
}


class PerceptualLoss(nn.Module):
    r"""Weighted feature distance between two images.

    .. math::
        \mathcal{L}(x, y) = \sum_{l} w_l\, d\big(n(\phi_l(x)),\, n(\phi_l(y))\big)

    where :math:`\phi_l` are the VGG features at layer :math:`l`, :math:`n` is
    instance normalisation (``instance_norm=True``, as in UEGAN's code) or the
    identity, and :math:`d` is the mean squared (``"mse"``) or absolute
    (``"l1"``) error.  The target side is detached when ``detach_target``.
    """

    def __init__(
        self,
        backbone: VGGFeatures | VGGConvTaps,
        weights: Mapping[str, float] | Sequence[str] = VGG_LAYERS,
        distance: str = "mse",
        instance_norm: bool = False,
        detach_target: bool = True,
    ) -> None:
        super().__init__()
        if distance not in ("mse", "l1"):
            raise ValueError(f"distance must be 'mse' or 'l1', got {distance!r}")
        self.backbone = backbone
        self.weights = dict(weights) if isinstance(weights, Mapping) else {name: 1.0 for name in weights}
        self.distance = F.mse_loss if distance == "mse" else F.l1_loss
        self.instance_norm = instance_norm
        self.detach_target = detach_target

    def _features(self, x: Tensor) -> dict[str, Tensor]:
        feats = self.backbone(x, layers=tuple(self.weights))
        if self.instance_norm:
            feats = {k: F.instance_norm(v) for k, v in feats.items()}
        return feats

    def forward(self, output: Tensor, target: Tensor) -> Tensor:
        out_feats = self._features(output)
        tgt_feats = self._features(target)
        loss = output.new_zeros(())
        for name, weight in self.weights.items():
            tgt = tgt_feats[name].detach() if self.detach_target else tgt_feats[name]
            # L = sum_l w_l * d(phi_l(output), phi_l(target))
            loss = loss + weight * self.distance(out_feats[name], tgt)
        return loss
