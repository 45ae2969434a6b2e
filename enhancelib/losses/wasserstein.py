r"""Wasserstein GAN losses with gradient penalty (WGAN-GP, Gulrajani et al. 2017).

GleNet (paper 002, eqs. 4 and 5) trains its enhancement and degradation GANs
with them.  For a critic :math:`D` (unbounded scalar score per image), real
samples :math:`x_r` and generated samples :math:`x_g`:

.. math::
    \mathcal{L}_D = \mathbb{E}\,D(x_g) - \mathbb{E}\,D(x_r)
        + \lambda_{gp}\, \mathbb{E}\big(\lVert \nabla_{\bar x} D(\bar x) \rVert_2 - 1\big)^2,
    \qquad \bar x = \epsilon x_r + (1 - \epsilon) x_g,\ \epsilon \sim U[0, 1]

.. math::
    \mathcal{L}_G^{adv} = -\mathbb{E}\,D(x_g)

with :math:`\lambda_{gp} = 10`.  The three pieces are separate modules so a
recipe can log them separately.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn

__all__ = ["WassersteinCriticLoss", "WassersteinGeneratorLoss", "GradientPenalty"]


def _scores(x: Tensor, name: str) -> Tensor:
    if x.dim() == 0 or not x.is_floating_point():
        raise ValueError(f"{name} must be a float tensor of per-sample critic scores, got {x.dtype} {tuple(x.shape)}")
    return x


class WassersteinCriticLoss(nn.Module):
    r"""Critic's adversarial terms (eq. 4, first two terms): :math:`\mathbb{E}\,D(x_g) - \mathbb{E}\,D(x_r)`.

    Minimising it raises the scores of real samples and lowers those of
    generated ones; its negative estimates the Wasserstein-1 distance.
    """

    def forward(self, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
        # L_D^adv = E[D(x_g)] - E[D(x_r)]
        return _scores(fake_scores, "fake_scores").mean() - _scores(real_scores, "real_scores").mean()


class WassersteinGeneratorLoss(nn.Module):
    r"""Generator's adversarial term (eq. 5, first term): :math:`-\mathbb{E}\,D(x_g)`."""

    def forward(self, fake_scores: Tensor) -> Tensor:
        # L_G^adv = -E[D(G(x))]
        return -_scores(fake_scores, "fake_scores").mean()


class GradientPenalty(nn.Module):
    r"""Two-sided gradient penalty (eq. 4, last term).

    .. math::
        \mathcal{L}_{gp} = \lambda_{gp}\, \mathbb{E}_{\bar x}
            \big(\lVert \nabla_{\bar x} D(\bar x) \rVert_2 - 1\big)^2,
        \qquad \bar x = \epsilon x_r + (1 - \epsilon) x_g

    with one :math:`\epsilon \sim U[0, 1]` per sample and the norm taken over
    all of a sample's pixels and channels.  The graph of the gradient is
    kept (``create_graph``) so that the penalty trains the critic.
    ``epsilon`` may be passed (shape ``N``) to make the value deterministic.
    """

    def __init__(self, weight: float = 10.0) -> None:
        super().__init__()
        if weight < 0:
            raise ValueError(f"gradient penalty weight must be >= 0, got {weight}")
        self.weight = weight

    def forward(self, critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor,
                epsilon: Tensor | None = None) -> Tensor:
        if real.shape != fake.shape:
            raise ValueError(f"real {tuple(real.shape)} and fake {tuple(fake.shape)} must have the same shape")
        n = real.shape[0]
        if epsilon is None:
            epsilon = torch.rand(n, device=real.device, dtype=real.dtype)
        if epsilon.shape != (n,):
            raise ValueError(f"epsilon must have shape ({n},), got {tuple(epsilon.shape)}")
        eps = epsilon.view(n, *([1] * (real.dim() - 1)))
        # x_bar = eps * x_r + (1 - eps) * x_g
        mixed = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
        scores = critic(mixed)
        (grad,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
        # L_gp = lambda * E[(||grad_x_bar D(x_bar)||_2 - 1)^2]
        norm = grad.flatten(1).norm(2, dim=1)
        return self.weight * (norm - 1).square().mean()
