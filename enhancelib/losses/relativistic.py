r"""Relativistic average hinge GAN losses (RaHinge) over multi-scale discriminators.

The relativistic average discriminator (Jolicoeur-Martineau 2018) scores how
much more realistic a real sample is than the *average* fake, and vice
versa.  UEGAN (paper 001) uses its hinge form, eqs. 5 and 6; QAGAN and
BNCAGAN use the same losses.

Conventions of UEGAN's public code, followed here:

* the discriminator returns a list of score maps (one per scale);
  the loss is computed per scale and **summed** over scales;
* each scale's loss is **halved** (the mean of the real and the fake term);
* the relativistic average :math:`\mathbb{E}\,D(\cdot)` is the mean over the
  batch **and** all patch positions of that scale;
* eq. 5's extra fake — the raw low-quality input, which the discriminator
  must also rank below real high-quality photos — is one more pair of
  terms, also halved, added to the generated one
  (pass it as a second fake to :class:`RaHingeDiscriminatorLoss`).
"""
from __future__ import annotations

from typing import Sequence, Union

import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["RaHingeDiscriminatorLoss", "RaHingeGeneratorLoss", "as_scales", "rahinge_terms"]

Scores = Union[Tensor, Sequence[Tensor]]


def as_scales(scores: Scores, name: str = "scores") -> list[Tensor]:
    """A discriminator's output as a list of per-scale tensors (a single tensor is one scale)."""
    if isinstance(scores, Tensor):
        return [scores]
    scales = list(scores)
    if not scales or not all(isinstance(s, Tensor) for s in scales):
        raise ValueError(f"{name} must be a tensor or a non-empty list of tensors, one per discriminator scale")
    return scales


def _paired(real: Scores, fake: Scores) -> list[tuple[Tensor, Tensor]]:
    reals, fakes = as_scales(real, "real scores"), as_scales(fake, "fake scores")
    if len(reals) != len(fakes):
        raise ValueError(f"Got {len(reals)} real and {len(fakes)} fake scales: pass outputs of the same discriminator")
    for i, (r, f) in enumerate(zip(reals, fakes)):
        if r.shape[1:] != f.shape[1:]:
            raise ValueError(f"Scale {i}: real scores {tuple(r.shape)} and fake scores {tuple(f.shape)} differ "
                             "in shape: real and fake images must have the same size")
    return list(zip(reals, fakes))


def rahinge_terms(real: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
    """``(E[max(0, 1 - (D(r) - E D(f)))], E[max(0, 1 + (D(f) - E D(r)))])`` for one scale."""
    return F.relu(1 - (real - fake.mean())).mean(), F.relu(1 + (fake - real.mean())).mean()


class RaHingeDiscriminatorLoss(nn.Module):
    r"""Discriminator loss, paper 001 eq. 5, per scale halved and summed over scales.

    .. math::
        \mathcal{L}^D = \sum_{s} \sum_{f \in \text{fakes}} \tfrac12\Big(
          \mathbb{E}_{x_h}\big[\max(0, 1 - (D_s(x_h) - \mathbb{E}_{x_f} D_s(x_f)))\big]
        + \mathbb{E}_{x_f}\big[\max(0, 1 + (D_s(x_f) - \mathbb{E}_{x_h} D_s(x_h)))\big]\Big)

    Call as ``loss(real_scores, generated_scores, low_input_scores)``: every
    fake set after the real one adds its own pair of terms (UEGAN: generated
    images and raw low-quality inputs).
    """

    def forward(self, real: Scores, *fakes: Scores) -> Tensor:
        if not fakes:
            raise ValueError("RaHingeDiscriminatorLoss needs the real scores and at least one set of fake scores")
        total: Tensor | None = None
        for fake in fakes:
            for r, f in _paired(real, fake):
                real_term, fake_term = rahinge_terms(r, f)
                # L^D_s = (E[max(0, 1 - (D(x_h) - E D(x_f)))] + E[max(0, 1 + (D(x_f) - E D(x_h)))]) / 2
                term = (real_term + fake_term) / 2
                total = term if total is None else total + term
        assert total is not None
        return total


class RaHingeGeneratorLoss(nn.Module):
    r"""Generator's quality loss, paper 001 eq. 6, per scale halved and summed over scales.

    .. math::
        \mathcal{L}^G_{qua} = \sum_s \tfrac12\Big(
          \mathbb{E}_{x_h}\big[\max(0, 1 + (D_s(x_h) - \mathbb{E}_{x_g} D_s(x_g)))\big]
        + \mathbb{E}_{x_g}\big[\max(0, 1 - (D_s(x_g) - \mathbb{E}_{x_h} D_s(x_h)))\big]\Big)

    The roles of real and fake are swapped with respect to the discriminator:
    the generator wants its outputs to look *more* real than real photos.
    Gradients reach the generator through both terms (the first one via
    :math:`\mathbb{E} D(x_g)`), so the real scores may be computed without
    gradient.
    """

    def forward(self, real: Scores, fake: Scores) -> Tensor:
        total: Tensor | None = None
        for r, f in _paired(real, fake):
            # swap the roles: the fakes play "real" in the hinge
            fake_as_real, real_as_fake = rahinge_terms(f, r)
            # L^G_s = (E[max(0, 1 + (D(x_h) - E D(x_g)))] + E[max(0, 1 - (D(x_g) - E D(x_h)))]) / 2
            term = (real_as_fake + fake_as_real) / 2
            total = term if total is None else total + term
        assert total is not None
        return total
