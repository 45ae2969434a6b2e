"""Relativistic average hinge losses over multi-scale discriminator outputs."""
import pytest
import torch

from enhancelib.losses.relativistic import RaHingeDiscriminatorLoss, RaHingeGeneratorLoss


def test_discriminator_loss_matches_a_hand_computed_value():
    real = torch.tensor([[0.5, -0.5], [0.9, 0.1]]).view(1, 1, 2, 2)  # mean 0.25
    fake = torch.tensor([0.0, 0.2, -0.6, 0.4]).view(1, 1, 2, 2)      # mean 0.0
    # real term: relu(1 - (r - 0)) = 0.5, 1.5, 0.1, 0.9 -> mean 0.75
    # fake term: relu(1 + (f - 0.25)) = 0.75, 0.95, 0.15, 1.15 -> mean 0.75
    # halved: 0.75 per scale; two identical scales sum to 1.5
    loss = RaHingeDiscriminatorLoss()([real, real], [fake, fake])
    assert loss.item() == pytest.approx(1.5, abs=1e-6)


def test_generator_loss_matches_a_hand_computed_value_and_reaches_the_fake():
    real = torch.tensor([0.5, -0.5, 0.9, 0.1]).view(1, 1, 2, 2)
    fake = torch.tensor([0.0, 0.2, -0.6, 0.4]).view(1, 1, 2, 2).requires_grad_(True)
    # relu(1 + (r - 0)) = 1.5, 0.5, 1.9, 1.1 -> 1.25 ; relu(1 - (f - 0.25)) = 1.25, 1.05, 1.85, 0.85 -> 1.25
    loss = RaHingeGeneratorLoss()([real], [fake])
    assert loss.item() == pytest.approx(1.25, abs=1e-6)
    loss.backward()
    assert fake.grad is not None and fake.grad.abs().sum() > 0


def test_the_low_quality_input_as_extra_fake_adds_its_own_terms():
    torch.manual_seed(0)
    real = [torch.rand(2, 1, 4, 4), torch.rand(2, 1, 2, 2)]
    fake = [torch.rand(2, 1, 4, 4) - 1, torch.rand(2, 1, 2, 2) - 1]
    low = [torch.rand(2, 1, 4, 4), torch.rand(2, 1, 2, 2)]
    loss = RaHingeDiscriminatorLoss()
    with_low = loss(real, fake, low)
    assert with_low > loss(real, fake)
    assert with_low.item() == pytest.approx((loss(real, fake) + loss(real, low)).item(), abs=1e-6)


def test_mismatched_scales_give_a_clear_error():
    with pytest.raises(ValueError, match="same discriminator"):
        RaHingeDiscriminatorLoss()([torch.zeros(1, 1, 2, 2)], [torch.zeros(1, 1, 2, 2)] * 2)
    with pytest.raises(ValueError, match="at least one set of fake"):
        RaHingeDiscriminatorLoss()([torch.zeros(1, 1, 2, 2)])
