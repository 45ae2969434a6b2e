"""The `gpu` preset's mixed precision, float16 autocast with loss scaling, exercised on the CPU.

No CUDA device is present where the tests run. PyTorch's CPU autocast also computes in float16,
and :class:`torch.amp.GradScaler` works on CPU tensors, so with the CPU's autocast format switched to
float16 every recipe's training step takes the path that the `gpu` preset takes on CUDA: float16
forward passes, a scaled loss, unscaled gradients, skipped steps on overflow and a scale that adapts.
What this cannot test is CUDA's own kernels.
"""
from __future__ import annotations

import math

import pytest
import torch

from enhancelib.config import resolve_preset
from enhancelib.recipes import get_recipe
from enhancelib.nn import precision
from tests.recipes.glenet_fixtures import batch  # tiny batches with every key the recipes read

torch.set_num_threads(1)
STEPS = 4

# the smallest networks each recipe's tests use
TINY = {
    "uegan": {"width": 8},
    "bncagan": {"width": 4},
    "qagan": {"d_width": 8},
    "glenet_paired": {"net_size": 32},
    "glenet_unpaired": {"net_size": 32},
}


@pytest.fixture
def float16_on_cpu(monkeypatch):
    monkeypatch.setitem(precision._FORMATS, "cpu", torch.float16)
    monkeypatch.setattr(precision, "cpu_has_native_bfloat16", lambda: True)  # no emulation warning


def gpu_preset_on_cpu(recipe_class):
    """The `gpu` preset with the recipe's paper settings, moved to the CPU and shrunk to a tiny batch."""
    return resolve_preset("gpu", {"device": "cpu", "batch_size": 2, "train_size": 32},
                          paper_overrides=recipe_class.paper_overrides)


@pytest.mark.parametrize("name", sorted(TINY))
def test_every_recipe_trains_in_float16_with_loss_scaling(float16_on_cpu, backbone, name):
    cls = get_recipe(name)
    preset = gpu_preset_on_cpu(cls)
    assert preset.amp, "the gpu preset trains in mixed precision"
    torch.manual_seed(0)
    recipe = cls(preset, torch.device("cpu"), TINY[name], backbone if cls.uses_backbone else None)
    assert recipe.amp_dtype is torch.float16 and recipe.scaler.is_enabled()
    before = [p.detach().clone() for p in recipe.generator().parameters()]
    scales = []
    for step in range(STEPS):
        recipe.progress = step / STEPS
        logs = recipe.train_step(batch(), step)
        assert logs and all(math.isfinite(float(v)) for v in logs.values()), f"step {step}: {logs}"
        scales.append(recipe.scaler.get_scale())
    assert all(0 < s < math.inf for s in scales)
    moved = any(not torch.equal(a, b) for a, b in zip(before, recipe.generator().parameters()))
    # GradScaler skips a step whose scaled gradients overflow float16 and halves the scale; the steps
    # leave room for a few skips (the scale starts at 2^16) and an update after them
    assert moved, f"the generator never changed in {STEPS} float16 steps (scales {scales})"
    assert all(torch.isfinite(p).all() for net in recipe.networks.values() for p in net.parameters())


def test_loss_scale_is_checkpointed(float16_on_cpu, backbone):
    cls = get_recipe("uegan")
    torch.manual_seed(0)
    recipe = cls(gpu_preset_on_cpu(cls), torch.device("cpu"), TINY["uegan"], backbone)
    for step in range(2):
        recipe.train_step(batch(), step)
    fresh = cls(gpu_preset_on_cpu(cls), torch.device("cpu"), TINY["uegan"], backbone)
    fresh.load_state_dict(recipe.state_dict())
    assert fresh.scaler.get_scale() == recipe.scaler.get_scale()
    assert fresh.scaler.state_dict()["_growth_tracker"] == recipe.scaler.state_dict()["_growth_tracker"]
