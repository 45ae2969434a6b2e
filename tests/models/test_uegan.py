"""UEGAN's generator and its ablation variants."""
import pytest
import torch

from enhancelib.models.uegan import UEGAN_VARIANTS, UEGANGenerator

torch.set_num_threads(1)


def test_parameter_counts_match_the_public_code():
    count = lambda net: sum(p.numel() for p in net.parameters())  # noqa: E731
    assert count(UEGANGenerator()) == 4_158_435  # public code: 4.16 M
    assert count(UEGANGenerator(squeeze_excitation=True)) == 4_158_435 + 2 * 512 * 128
    assert count(UEGANGenerator(variant="pixel_mm")) == 4_158_435
    # concatenation instead of modulation: the head's first conv sees 2w channels
    assert count(UEGANGenerator(variant="no_mm")) == 4_158_435 + 32 * 32 * 9


@pytest.mark.parametrize("variant", sorted(UEGAN_VARIANTS))
def test_shapes_and_range(variant):
    net = UEGANGenerator(width=8, variant=variant, squeeze_excitation=True, init_gain=None)
    x = torch.rand(2, 3, 32, 48)
    y = net(x)
    assert y.shape == x.shape
    assert 0 <= y.min() and y.max() <= 1


def test_paper_gam_form_keeps_shapes_and_parameter_layout():
    code, paper = UEGANGenerator(width=8, init_gain=None), UEGANGenerator(width=8, gam_form="paper", init_gain=None)
    x = torch.rand(1, 3, 32, 32)
    assert paper(x).shape == x.shape
    # the paper's eq. 2 pools means only: the MLP's first layer sees C inputs instead of 2C
    count = lambda net: sum(p.numel() for p in net.parameters())  # noqa: E731
    assert count(code) - count(paper) == sum(c * c // 8 for c in (8, 16, 32, 64, 128))


def test_starts_as_the_identity_with_the_public_init_only():
    torch.manual_seed(0)
    x = torch.rand(2, 3, 64, 64)
    # orthogonal gain 0.02 (public code): the residual is ~1e-8
    assert (UEGANGenerator()(x) - x).abs().max() < 1e-6
    # PyTorch's default init: the output is visibly not the input
    assert (UEGANGenerator(init_gain=None)(x) - x).abs().mean() > 1e-3


def test_output_depends_on_global_statistics():
    torch.manual_seed(0)
    net = UEGANGenerator(width=8, init_gain=None).eval()
    x = torch.rand(1, 3, 128, 128)
    x2 = x.clone()
    x2[..., 96:, 96:] = 1.0  # brighten the far corner
    change = (net(x2) - net(x))[..., :16, :16].abs().max()
    assert change > 1e-4  # through the GAMs' image-wide mean and std


def test_pixel_level_modulation_cannot_move_mid_grey():
    torch.manual_seed(0)
    net = UEGANGenerator(width=8, variant="pixel_mm", init_gain=None)
    x = torch.rand(1, 3, 32, 32)
    x[..., 5, 7] = 0.5  # 0 in the generator's [-1, 1] space
    y = net(x)
    assert torch.allclose(y[..., 5, 7], torch.full((1, 3), 0.5))
    assert (y - x).abs().max() > 1e-3


def test_bad_sizes_get_a_clear_error():
    with pytest.raises(ValueError, match="multiples of 16"):
        UEGANGenerator(width=8)(torch.rand(1, 3, 50, 70))
    with pytest.raises(ValueError, match="N x 3 x H x W"):
        UEGANGenerator(width=8)(torch.rand(3, 32, 32))
    with pytest.raises(ValueError, match="Unknown UEGAN variant"):
        UEGANGenerator(variant="no_attention")
