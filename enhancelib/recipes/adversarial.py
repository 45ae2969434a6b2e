"""The discriminator step UEGAN and BNCAGAN share.

D sees the real high-quality photos, fakes drawn from a pool of past
generator outputs, and (UEGAN eq. 5, BNCAGAN eq. 4) the raw low-quality
inputs as extra fakes, in one batched pass; the loss is the relativistic
average hinge loss over every scale.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import torch
from torch import Tensor, nn

from enhancelib.nn.image_pool import ImagePool

if TYPE_CHECKING:  # pragma: no cover
    from enhancelib.recipes.base import Recipe

__all__ = ["pooled_discriminator_step"]


def pooled_discriminator_step(recipe: Recipe, discriminator: nn.Module, pool: ImagePool, d_loss: Callable[..., Tensor],
                              real: Tensor, fake: Tensor, low: Tensor, use_input_as_fake: bool) -> Tensor:
    """One optimiser step of ``recipe.optimizers["discriminator"]``; returns the loss."""
    discriminator.requires_grad_(True)
    parts = [real, pool.query(fake)] + ([low] if use_input_as_fake else [])
    with recipe.autocast():
        scores = discriminator(torch.cat(parts))
        split = [s.split([p.shape[0] for p in parts]) for s in scores]
        real_scores, fake_scores = [s[0] for s in split], [s[1] for s in split]
        extra = [[s[2] for s in split]] if use_input_as_fake else []
        loss = d_loss(real_scores, fake_scores, *extra)
    recipe.optimise("discriminator", loss)
    return loss
