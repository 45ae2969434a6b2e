"""GleNet's colour, identity and cyclic colour losses."""
import pytest
import torch
from torch import nn

from enhancelib.losses.color import ColorLoss, CycleConsistencyLoss, CyclicColorLoss, IdentityLoss

torch.set_num_threads(1)


def test_cyclic_color_loss_is_zero_for_identical_colour_and_positive_otherwise():
    origin = torch.rand(2, 3, 8, 8)
    degraded = origin * 0.5
    undo = lambda x: x * 2  # noqa: E731  maps the degradation back exactly
    loss = CyclicColorLoss()
    assert loss(undo, degraded, origin).item() == pytest.approx(0, abs=1e-7)
    assert loss(lambda x: x * 1.8, degraded, origin).item() > 0.01
    shifted = lambda x: (x * 2 + torch.tensor([0.1, 0.0, 0.0]).view(1, 3, 1, 1))  # noqa: E731  a colour cast
    assert loss(shifted, degraded, origin).item() == pytest.approx(0.1 / 3, rel=1e-5)


def test_cyclic_color_loss_trains_only_the_outer_generator():
    inner, outer = nn.Conv2d(3, 3, 1), nn.Conv2d(3, 3, 1)
    x = torch.rand(2, 3, 4, 4)
    CyclicColorLoss()(outer, inner(x), x).backward()
    assert inner.weight.grad is None and outer.weight.grad.abs().sum() > 0
    # CycleGAN's loss, by contrast, trains both maps
    inner.zero_grad(), outer.zero_grad()
    CycleConsistencyLoss()(outer(inner(x)), x).backward()
    assert inner.weight.grad.abs().sum() > 0 and outer.weight.grad.abs().sum() > 0


def test_color_and_identity_are_mean_absolute_errors():
    a, b = torch.zeros(1, 3, 2, 2), torch.full((1, 3, 2, 2), 0.25)
    assert ColorLoss()(a, b).item() == pytest.approx(0.25)
    x = torch.rand(1, 3, 2, 2, requires_grad=True)
    IdentityLoss()(x * 2, x).backward()  # the source side is a fixed reference
    assert torch.allclose(x.grad, torch.full_like(x, 2 / 12))
    with pytest.raises(ValueError, match="same shape"):
        ColorLoss()(a, b[..., :1])
