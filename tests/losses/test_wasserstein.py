"""WGAN-GP losses."""
import pytest
import torch
from torch import nn

from enhancelib.losses.wasserstein import GradientPenalty, WassersteinCriticLoss, WassersteinGeneratorLoss

torch.set_num_threads(1)


class LinearCritic(nn.Module):
    """D(x) = <w, x> + b: its input gradient is w everywhere."""

    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(w)
        self.b = nn.Parameter(torch.tensor(0.3))

    def forward(self, x):
        return (x * self.w).flatten(1).sum(1) + self.b


def test_gradient_penalty_of_a_linear_critic_is_hand_computable():
    w = torch.full((3, 2, 2), 0.5)  # ||w|| = sqrt(12 * 0.25) = sqrt(3)
    critic = LinearCritic(w)
    real, fake = torch.rand(4, 3, 2, 2), torch.rand(4, 3, 2, 2)
    gp = GradientPenalty(10.0)(critic, real, fake)
    expected = 10.0 * (3 ** 0.5 - 1) ** 2
    assert gp.item() == pytest.approx(expected, rel=1e-5)
    gp.backward()  # trains the critic: d/dw of 10 (||w|| - 1)^2 = 20 (||w|| - 1) w / ||w||
    assert torch.allclose(critic.w.grad, 20 * (3 ** 0.5 - 1) * w / 3 ** 0.5, atol=1e-5)


def test_gradient_penalty_is_zero_for_a_1_lipschitz_linear_critic_and_uses_interpolates():
    w = torch.zeros(1, 1, 2)
    w[..., 0] = 1.0
    assert GradientPenalty()(LinearCritic(w), torch.rand(2, 1, 1, 2), torch.rand(2, 1, 1, 2)).item() == pytest.approx(0)
    seen = []
    critic = lambda x: (seen.append(x.detach()), x.square().flatten(1).sum(1))[1]  # noqa: E731
    real, fake = torch.ones(2, 1, 1, 1), torch.zeros(2, 1, 1, 1)
    gp = GradientPenalty(1.0)(critic, real, fake, epsilon=torch.tensor([0.25, 1.0]))
    assert seen[0].flatten().tolist() == [0.25, 1.0]
    # grad of x^2 is 2x: norms 0.5 and 2 -> ((0.5-1)^2 + (2-1)^2) / 2
    assert gp.item() == pytest.approx((0.25 + 1.0) / 2)


def test_critic_and_generator_objectives():
    real, fake = torch.tensor([2.0, 4.0]), torch.tensor([-1.0, 0.0])
    assert WassersteinCriticLoss()(real, fake).item() == pytest.approx(-0.5 - 3.0)
    assert WassersteinGeneratorLoss()(fake).item() == pytest.approx(0.5)
    with pytest.raises(ValueError, match="same shape"):
        GradientPenalty()(lambda x: x.sum(), torch.rand(2, 3), torch.rand(3, 3))
