r"""GleNet's colour, identity and cyclic colour losses (paper 002, eqs. 3 and 5).

All are mean absolute errors over pixels and channels; what differs is
*which* images are compared and *which* network the error trains.

* :class:`ColorLoss` — eq. 3, first term (paired learning, and LEN's
  pseudo-paired stage):  :math:`\lVert \tilde I^{HQ} - I^{HQ} \rVert_1`.
* :class:`IdentityLoss` — eq. 5, second term:
  :math:`\lVert G_e(I^{LQ}) - I^{LQ} \rVert_1` for the enhancer (and
  :math:`\lVert G_d(I^{HQ}) - I^{HQ} \rVert_1` for the degrader): a generator
  should not move its input too far.
* :class:`CyclicColorLoss` — eq. 5, third term, the paper's own loss:

  .. math::
      \mathcal{L}_{cc}(G_e) = \lVert G_e(\mathrm{sg}[G_d(I^{HQ})]) - I^{HQ} \rVert_1 ,\qquad
      \mathcal{L}_{cc}(G_d) = \lVert G_d(\mathrm{sg}[G_e(I^{LQ})]) - I^{LQ} \rVert_1

  where :math:`\mathrm{sg}` stops the gradient.  Each generator is trained
  as the *outer* map of the cycle that starts in the *other* domain: the
  other generator's output is a pseudo input whose ground truth is the
  original photo, so ``G_e`` learns to undo degradations of real
  high-quality photos (Sec. 3.2: "minimizes the mean absolute error between
  Ge(Gd(I_HQ)) and I_HQ to train the enhancement GAN").  ``L_Ge`` is
  minimised over ``G_e`` only, hence the stop-gradient on ``G_d``.
* :class:`CycleConsistencyLoss` — CycleGAN's loss [36], which the paper
  contrasts with its own (Table 5, "CWGAN-GP"):
  :math:`\lVert G_d(G_e(I^{LQ})) - I^{LQ} \rVert_1` trains ``G_e`` as the
  *inner* map, through ``G_d`` (no stop-gradient; both generators learn).
"""
from __future__ import annotations

from typing import Callable

import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["ColorLoss", "IdentityLoss", "CyclicColorLoss", "CycleConsistencyLoss"]


def _same_shape(a: Tensor, b: Tensor, names: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{names} must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")


class ColorLoss(nn.Module):
    r"""Colour loss, eq. 3 first term: :math:`\mathbb{E}\,|\tilde I - I^{HQ}|` (mean absolute error)."""

    def forward(self, output: Tensor, target: Tensor) -> Tensor:
        _same_shape(output, target, "output and target")
        # L_color = || I~ - I_HQ ||_1  (mean over pixels)
        return F.l1_loss(output, target)


class IdentityLoss(nn.Module):
    r"""Identity loss, eq. 5 second term: :math:`\mathbb{E}\,|G(x) - x|` for a generator's own input ``x``."""

    def forward(self, generated: Tensor, source: Tensor) -> Tensor:
        _same_shape(generated, source, "generated and source")
        # L_idt = || G(x) - x ||_1
        return F.l1_loss(generated, source.detach())


class CyclicColorLoss(nn.Module):
    r"""Cyclic colour loss, eq. 5 third term (the paper's proposal).

    .. math::
        \mathcal{L}_{cc}(G_{out}) = \mathbb{E}\,\big|G_{out}(\mathrm{sg}[G_{in}(x)]) - x\big|

    ``outer`` is the generator being trained (``G_e`` when ``x`` is a
    high-quality photo and ``inner_output = G_d(x)``; ``G_d`` in the
    mirrored term), ``inner_output`` the other generator's translation of
    ``origin``; it is detached, so no gradient reaches the inner generator.
    Zero exactly when ``outer`` maps the translation back to the original
    colours.
    """

    def forward(self, outer: Callable[[Tensor], Tensor], inner_output: Tensor, origin: Tensor) -> Tensor:
        _same_shape(inner_output, origin, "inner_output and origin")
        # L_cc = || G_out(sg[G_in(x)]) - x ||_1
        return F.l1_loss(outer(inner_output.detach()), origin)


class CycleConsistencyLoss(nn.Module):
    r"""CycleGAN's cycle-consistency loss [36]: :math:`\mathbb{E}\,|G_{2}(G_{1}(x)) - x|`, gradients through both.

    Pass the reconstruction ``G_2(G_1(x))`` built without detaching; Table 5's
    "CWGAN-GP" scheme uses it in place of :class:`CyclicColorLoss`.
    """

    def forward(self, reconstruction: Tensor, origin: Tensor) -> Tensor:
        _same_shape(reconstruction, origin, "reconstruction and origin")
        # L_cyc = || G_2(G_1(x)) - x ||_1
        return F.l1_loss(reconstruction, origin)
