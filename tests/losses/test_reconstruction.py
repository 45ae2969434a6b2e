"""Charbonnier and multi-scale reconstruction (UEGAN identity) losses."""
import pytest
import torch
import torch.nn.functional as F

from enhancelib.losses.reconstruction import CharbonnierLoss, MultiScaleReconstructionLoss


def test_charbonnier_is_l1_for_large_differences():
    x, y = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8) + 2
    assert CharbonnierLoss()(x, y).item() == pytest.approx(F.l1_loss(x, y).item(), rel=1e-5)


def test_charbonnier_is_smooth_at_zero():
    d = torch.tensor([-1e-4, 0.0, 1e-4], requires_grad=True)
    loss = CharbonnierLoss(eps=1e-3)(d, torch.zeros(3))
    loss.backward()
    # value eps at 0 (not 0), gradient continuous through 0 (L1 jumps from -1 to +1)
    assert loss.item() == pytest.approx((2 * (1e-8 + 1e-6) ** 0.5 + 1e-3) / 3, rel=1e-4)
    assert d.grad[1] == 0
    # d / sqrt(d^2 + eps^2) ~ 0.1 at |d| = eps / 10, where L1's gradient is already 1
    assert d.grad[2].item() == pytest.approx(1e-4 / (1e-8 + 1e-6) ** 0.5 / 3, rel=1e-4)
    assert d.grad[2] < 0.2 / 3  # L1's gradient there would be 1 / 3


def test_multiscale_weights_are_1_half_quarter():
    x = torch.rand(1, 3, 16, 16)
    loss = MultiScaleReconstructionLoss("l1")
    # a constant offset c survives average pooling: (1 + 1/2 + 1/4) * c
    assert loss(x + 0.1, x).item() == pytest.approx(1.75 * 0.1, rel=1e-5)
    # a checkerboard vanishes after the first 2x2 pooling: only the full-scale term remains
    board = (torch.arange(16)[:, None] + torch.arange(16)[None, :]) % 2 * 0.2 - 0.1
    assert loss(x + board, x).item() == pytest.approx(0.1, rel=1e-5)


def test_multiscale_distance_choice_and_errors():
    x, y = torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8)
    assert MultiScaleReconstructionLoss("charbonnier")(x, y) >= MultiScaleReconstructionLoss("l1")(x, y)
    with pytest.raises(ValueError, match="distance must be one of"):
        MultiScaleReconstructionLoss("huber")
    with pytest.raises(ValueError, match="same shape"):
        MultiScaleReconstructionLoss()(x, y[..., :4])
