r"""Auxiliary attention classifier (AAC) of BNCAGAN (paper 004, Sec. 2.1, eq. 2, Fig. 1a).

Applied to the encoder's last features :math:`u` (C x H x W), it produces

1. the channel-attended features :math:`\hat u = u_{mask} \odot u`;
2. two domain logits (the binary classifier :math:`C` of eq. 8), one from a
   bias-free linear head on the global average pool (GAP) of :math:`u`, one
   from another on its global max pool (GMP);
3. the per-image normalisation parameters :math:`\gamma, \beta` (C each) for
   the bi-directional normalisation of the BNR module (eq. 3):
   ``GAP(û) -> Linear-ReLU-Linear-ReLU -> (Linear -> gamma, Linear -> beta)``,
   all linears without bias.

Paper vs. public code — we follow the code:

* eq. 2 writes :math:`u_{mask} = \sigma(F_{fc}(F_{gp}(u)))` with
  :math:`F_{gp}` the *concatenation* of GAP and GMP and a fully-connected
  layer; the code has no fully-connected layer (its ``fc1``-``fc3`` are never
  called) and takes a **softmax over channels of GAP + GMP**:
  :math:`u_{mask} = \mathrm{softmax}_c(\mathrm{GAP}(u) + \mathrm{GMP}(u))`.
  The mask sums to one over the channels, so :math:`\hat u` is roughly
  :math:`u / C`, reweighted towards channels with large mean and peak.
* The logits come from :math:`u`, not from :math:`\hat u`.

The public generator has **two** such modules, one per domain (``gap_fc1``,
``FC1``, ``gamma1`` for low-quality images, ``*2`` for high-quality ones);
the attention itself has no parameters.  Options switch parts off for the
ablations: ``attention=False`` (:math:`\hat u = u`), ``classifier=False``
(no logits), ``affine=False`` (no gamma/beta).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

__all__ = ["AACOutput", "AuxiliaryAttentionClassifier"]


@dataclass
class AACOutput:
    """What the AAC returns for a batch of N feature maps with C channels."""

    features: Tensor
    """:math:`\\hat u`, N x C x H x W."""
    logits: Tensor | None
    """Domain logits N x 2 (GAP head, GMP head); None without classifier."""
    gamma: Tensor | None
    """N x C scale for the BNM; None without affine heads."""
    beta: Tensor | None
    """N x C shift for the BNM; None without affine heads."""


class AuxiliaryAttentionClassifier(nn.Module):
    """Channel attention, domain logits and BNM parameters from the encoder's last features."""

    def __init__(self, channels: int, attention: bool = True, classifier: bool = True, affine: bool = True) -> None:
        super().__init__()
        self.channels = channels
        self.attention = attention
        self.classifier = classifier
        self.affine = affine
        if classifier:
            # C(u): one bias-free logit from GAP(u), one from GMP(u)
            self.gap_logit = nn.Linear(channels, 1, bias=False)
            self.gmp_logit = nn.Linear(channels, 1, bias=False)
        if affine:
            self.mlp = nn.Sequential(
                nn.Linear(channels, channels, bias=False), nn.ReLU(inplace=True),
                nn.Linear(channels, channels, bias=False), nn.ReLU(inplace=True),
            )
            self.gamma = nn.Linear(channels, channels, bias=False)
            self.beta = nn.Linear(channels, channels, bias=False)

    def channel_mask(self, u: Tensor) -> Tensor:
        """:math:`u_{mask}` (public code's eq. 2), N x C, each row summing to one."""
        gap, gmp = u.mean(dim=(2, 3)), u.amax(dim=(2, 3))
        return torch.softmax(gap + gmp, dim=1)

    def forward(self, u: Tensor) -> AACOutput:
        if u.dim() != 4 or u.shape[1] != self.channels:
            raise ValueError(f"AuxiliaryAttentionClassifier({self.channels}) expects N x {self.channels} x H x W, "
                             f"got {tuple(u.shape)}")
        gap = u.mean(dim=(2, 3))
        gmp = u.amax(dim=(2, 3)) if (self.attention or self.classifier) else None
        if self.attention:
            assert gmp is not None
            # eq. 2 (code): u_mask = softmax_c(GAP(u) + GMP(u)); u_hat = u_mask * u
            mask = torch.softmax(gap + gmp, dim=1)
            features = u * mask[:, :, None, None].to(u.dtype)
            pooled = gap * mask  # GAP(u_hat), without another pass over u_hat
        else:
            features, pooled = u, gap
        logits = None
        if self.classifier:
            assert gmp is not None
            logits = torch.cat([self.gap_logit(gap), self.gmp_logit(gmp)], dim=1)
        gamma = beta = None
        if self.affine:
            # gamma, beta = W_gamma h, W_beta h with h = MLP(GAP(u_hat))
            hidden = self.mlp(pooled)
            gamma, beta = self.gamma(hidden), self.beta(hidden)
        return AACOutput(features, logits, gamma, beta)
