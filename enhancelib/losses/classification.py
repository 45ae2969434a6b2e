r"""BNCAGAN's auxiliary classification loss (paper 004, eq. 8).

The auxiliary attention classifier (:mod:`enhancelib.nn.aac`) outputs domain
logits for each image (one from its global-average-pool head, one from its
global-max-pool head).  Eq. 8 is the binary cross-entropy of a classifier
:math:`C` that should say "high quality" for high-quality photos and "low
quality" for low-quality ones.

Public code: ``BCEWithLogitsLoss`` averaged over the N x 2 logits of each
domain, the two domains' terms summed — what we compute.  Its targets are
the other way round (1 for low, 0 for high); since its generator has a
separate, bias-free head per domain, each head only ever sees one class and
flipping the target is the same as flipping the sign of that head's
weights: the two labellings train the same model.  We use the paper's.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["AuxiliaryClassificationLoss"]


class AuxiliaryClassificationLoss(nn.Module):
    r"""Binary cross-entropy on domain logits, eq. 8.

    .. math::
        \mathcal{L}_{cla} = -\Big(\mathbb{E}_{x_h}\big[\log \sigma(C(x_h))\big]
          + \mathbb{E}_{x_l}\big[\log\big(1 - \sigma(C(x_l))\big)\big]\Big)

    where :math:`C(\cdot)` are logits (any shape, e.g. N x 2 for the GAP and
    GMP heads) and each expectation is the mean over all of them.
    """

    def forward(self, high_logits: Tensor, low_logits: Tensor) -> Tensor:
        for name, t in (("high_logits", high_logits), ("low_logits", low_logits)):
            if not isinstance(t, Tensor) or t.numel() == 0:
                raise ValueError(f"AuxiliaryClassificationLoss needs non-empty {name} (the AAC's domain logits)")
        # -E_h[log sigma(C(x_h))]
        high = F.binary_cross_entropy_with_logits(high_logits, torch.ones_like(high_logits))
        # -E_l[log(1 - sigma(C(x_l)))]
        low = F.binary_cross_entropy_with_logits(low_logits, torch.zeros_like(low_logits))
        return high + low
