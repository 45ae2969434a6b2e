"""Tests of QAGAN's VGG-feature cycle-consistency loss (paper 000, eq. 8)."""
from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F

from enhancelib.losses.cycle import CycleConsistencyLoss
from enhancelib.nn.vgg import VGG_LAYERS, VGGFeatures, load_vgg

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def backbone() -> VGGFeatures:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_vgg("random")


def test_value_is_the_mean_of_per_layer_mse(backbone: VGGFeatures) -> None:
    torch.manual_seed(0)
    real, recycled = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    loss = CycleConsistencyLoss(backbone)(real, recycled)
    fr, ff = backbone(real), backbone(recycled)
    expected = sum(F.mse_loss(ff[k], fr[k]) for k in VGG_LAYERS) / 5
    assert loss.shape == ()
    torch.testing.assert_close(loss, expected)


def test_zero_for_a_perfect_cycle_and_gradient_reaches_only_the_recycled_image(backbone: VGGFeatures) -> None:
    torch.manual_seed(0)
    real = torch.rand(1, 3, 32, 32)
    loss_fn = CycleConsistencyLoss(backbone)
    assert loss_fn(real, real.clone()).item() == 0.0
    recycled = (real + 0.1 * torch.randn_like(real)).requires_grad_(True)
    features = backbone(real)
    loss = loss_fn(real, recycled, real_features=features)
    torch.testing.assert_close(loss, loss_fn(real, recycled.detach()))  # reused features = recomputed
    loss.backward()
    assert loss.item() > 0 and recycled.grad is not None and recycled.grad.abs().sum() > 0
    assert all(p.grad is None for p in backbone.parameters())


def test_clear_errors(backbone: VGGFeatures) -> None:
    with pytest.raises(ValueError, match="one shape"):
        CycleConsistencyLoss(backbone)(torch.rand(1, 3, 32, 32), torch.rand(1, 3, 16, 16))
    with pytest.raises(ValueError, match="does not compute"):
        CycleConsistencyLoss(backbone, layers=("relu6_1",))
