"""A tiny paired recipe for engine tests: a per-pixel colour matrix learned with L1."""
from __future__ import annotations

import random

import numpy as np
import torch
from torch import nn

from enhancelib.recipes import Recipe


class TinyRecipe(Recipe):
    name = "tiny"
    needs_pairs = True
    uses_backbone = False
    default_options = {"lr": 0.05, "explode_at": -1, "width": 3, "stage_until": -1}

    def build(self) -> None:
        w = int(self.options["width"])
        self.networks["generator"] = nn.Sequential(nn.Conv2d(3, w, 1), nn.Conv2d(w, 3, 1))
        self.optimizers["generator"] = torch.optim.Adam(self.networks["generator"].parameters(),
                                                        lr=self.options["lr"])

    def generator(self) -> nn.Module:
        return self.networks["generator"]

    def train_step(self, batch, step):
        with self.autocast():
            loss = (self.generator()(batch["low"]) - batch["low_target"]).abs().mean()
        if step == self.options["explode_at"]:
            loss = loss * float("nan")
        self.optimise("generator", loss)
        # one draw from each generator a recipe may read: a resumed run must repeat them all
        logs = {"l1": loss.item(), "noise": torch.rand(()).item(), "numpy_noise": float(np.random.rand()),
                "python_noise": random.random()}
        if step < self.options["stage_until"]:
            logs["first_stage"] = 1.0          # a loss that only exists in a first stage
        if step % 2 == 0:
            logs["every_other"] = float(step)  # a loss of a network updated every 2nd step
        return logs
