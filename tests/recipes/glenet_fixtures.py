"""Shared helpers of the GleNet recipe tests (paired and unpaired): tiny recipes and batches."""
import pytest
import torch

from enhancelib.config import resolve_preset
from enhancelib.nn.vgg import load_vgg


@pytest.fixture(scope="module")
def backbone():
    with pytest.warns(UserWarning, match="RANDOM"):
        return load_vgg("random")


def make(cls, backbone, **options):
    torch.manual_seed(0)
    preset = resolve_preset("smoke", paper_overrides=cls.paper_overrides)
    return cls(preset, torch.device("cpu"), {"net_size": 32, **options}, backbone)


def batch(size=32):
    low = torch.rand(2, 3, size, size) * 0.5
    return {"low": low, "high": torch.rand(2, 3, size, size), "low_target": (low * 1.6).clamp(0, 1)}


def snapshot(module):
    return [p.detach().clone() for p in module.parameters()]


def changed(before, module):
    return any(not torch.equal(a, b) for a, b in zip(before, module.parameters()))


def check_enhance(recipe):
    recipe.train(False)
    x = torch.rand(1, 3, 50, 70)
    y = recipe.enhance(x)
    assert y.shape == x.shape and 0 <= y.min() and y.max() <= 1
