"""A tiny paired recipe for engine tests: a per-pixel colour matrix learned with L1."""
from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from enhancelib.recipes import Recipe, RecipeOptions, option


@dataclass(frozen=True)
class TinyOptions(RecipeOptions):
    lr: float = option(0.05, gt=0)
    """Adam learning rate (ours, a test value)."""
    explode_at: int = option(-1)
    """The step whose loss becomes NaN (-1: none)."""
    width: int = option(3, ge=1)
    """Channels between the two 1x1 convolutions."""
    stage_until: int = option(-1)
    """Steps that log a first-stage loss (-1: none)."""


class TinyGenerator(nn.Sequential):
    """Two 1x1 convolutions: a per-pixel colour matrix through ``width`` channels."""

    def __init__(self, width: int) -> None:
        super().__init__(nn.Conv2d(3, width, 1), nn.Conv2d(width, 3, 1))

    def enhance(self, x01: torch.Tensor) -> torch.Tensor:
        """Any size in [0, 1] (no padding needed), clamped to [0, 1]."""
        return self(x01).clamp(0, 1)


def tiny_generator(options: TinyOptions, backbone: str = "auto") -> TinyGenerator:
    """The tiny recipe's generator alone (its registry builder)."""
    return TinyGenerator(options.width)


class TinyRecipe(Recipe):
    name = "tiny"
    needs_pairs = True
    uses_backbone = False
    options_type = TinyOptions
    options: TinyOptions

    def build(self) -> None:
        self.networks["generator"] = tiny_generator(self.options)
        self.optimizers["generator"] = torch.optim.Adam(self.networks["generator"].parameters(),
                                                        lr=self.options.lr)

    def generator(self) -> nn.Module:
        return self.networks["generator"]

    def train_step(self, batch, step):
        with self.autocast():
            loss = (self.generator()(batch["low"]) - batch["low_target"]).abs().mean()
        if step == self.options.explode_at:
            loss = loss * float("nan")
        self.optimise("generator", loss)
        # one draw from each generator a recipe may read: a resumed run must repeat them all
        logs = {"l1": loss.item(), "noise": torch.rand(()).item(), "numpy_noise": float(np.random.rand()),
                "python_noise": random.random()}
        if step < self.options.stage_until:
            logs["first_stage"] = 1.0          # a loss that only exists in a first stage
        if step % 2 == 0:
            logs["every_other"] = float(step)  # a loss of a network updated every 2nd step
        return logs
