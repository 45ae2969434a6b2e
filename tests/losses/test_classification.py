"""BNCAGAN's auxiliary classification loss (eq. 8)."""
import math

import pytest
import torch
import torch.nn.functional as F

from enhancelib.losses.classification import AuxiliaryClassificationLoss


def test_values_and_direction():
    loss = AuxiliaryClassificationLoss()
    zeros = torch.zeros(4, 2)
    assert loss(zeros, zeros).item() == pytest.approx(2 * math.log(2))
    confident = torch.full((4, 2), 20.0)
    assert loss(confident, -confident).item() < 1e-6  # high called high, low called low
    assert loss(-confident, confident).item() > 39  # the opposite


def test_public_code_labels_are_the_same_loss_with_flipped_heads():
    """The code targets 1 for low and 0 for high; with per-domain heads that is a sign flip of each head."""
    torch.manual_seed(0)
    high, low = torch.randn(3, 2), torch.randn(3, 2)
    code = F.binary_cross_entropy_with_logits(-low, torch.ones(3, 2)) + \
        F.binary_cross_entropy_with_logits(-high, torch.zeros(3, 2))
    assert torch.allclose(AuxiliaryClassificationLoss()(high, low), code)


def test_gradient_pushes_logits_apart():
    high, low = torch.zeros(2, 2, requires_grad=True), torch.zeros(2, 2, requires_grad=True)
    AuxiliaryClassificationLoss()(high, low).backward()
    assert (high.grad < 0).all() and (low.grad > 0).all()
    with pytest.raises(ValueError, match="low_logits"):
        AuxiliaryClassificationLoss()(high, torch.zeros(0))
