"""The recipe base class: mixed precision, checkpoints of its networks."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from enhancelib.config import resolve_preset
from enhancelib.nn import precision
from enhancelib.recipes import Batch, Recipe


class _Linear(Recipe):
    name = "linear"
    uses_backbone = False

    def build(self) -> None:
        self.networks["generator"] = nn.Conv2d(3, 3, 1)
        self.optimizers["generator"] = torch.optim.SGD(self.networks["generator"].parameters(), lr=0.1)

    def generator(self) -> nn.Module:
        return self.networks["generator"]

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        with self.autocast():
            loss = (self.generator()(batch["low"]) - batch["low"]).abs().mean()
        self.optimise("generator", loss)
        return {"l1": loss.item()}


def test_recipe_autocast_runs_convolutions_in_bfloat16_without_loss_scaling(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_native_bfloat16", lambda: True)
    conv = torch.nn.Conv2d(3, 4, 3)
    x = torch.rand(1, 3, 8, 8)
    on = _Linear(resolve_preset("smoke", {"amp": True}), torch.device("cpu"))
    off = _Linear(resolve_preset("smoke"), torch.device("cpu"))
    with on.autocast():
        assert conv(x).dtype is torch.bfloat16
    with off.autocast():
        assert conv(x).dtype is torch.float32
    assert on.amp_dtype is torch.bfloat16 and not on.scaler.is_enabled()
    assert off.amp_dtype is None and not off.scaler.is_enabled()


def test_a_checkpoint_of_another_recipe_is_refused():
    recipe = _Linear(resolve_preset("smoke"), torch.device("cpu"))
    recipe.train_step({"low": torch.rand(2, 3, 8, 8)}, 0)
    state = recipe.state_dict()
    again = _Linear(resolve_preset("smoke"), torch.device("cpu"))
    again.load_state_dict(state)
    assert torch.equal(again.generator().weight, recipe.generator().weight)
    state["networks"]["critic"] = state["networks"]["generator"]
    with pytest.raises(ValueError, match="written by another recipe"):
        again.load_state_dict(state)
