"""UEGAN's global attention module and the squeeze-excitation block of report 003."""
import pytest
import torch
import torch.nn.functional as F

from enhancelib.nn.attention import GlobalAttention, SqueezeExcitation, channel_mean_std

torch.set_num_threads(1)


def test_gam_shape_and_parameter_count():
    gam = GlobalAttention(64)
    assert gam(torch.randn(2, 64, 8, 6)).shape == (2, 64, 8, 6)
    # 2C*C/8 + C/8*C (no bias) + fuse 2C*C + C, as in the public code
    c = 64
    assert sum(p.numel() for p in gam.parameters()) == 2 * c * c // 8 + c // 8 * c + 2 * c * c + c


def test_gam_output_at_one_pixel_depends_on_a_far_away_pixel():
    torch.manual_seed(0)
    gam = GlobalAttention(16)
    x = torch.randn(1, 16, 12, 12)
    x2 = x.clone()
    x2[..., 11, 11] += 5.0  # far corner
    change = (gam(x2) - gam(x))[..., 0, 0].abs().max()
    assert change > 1e-3  # a 1x1 convolution alone would leave (0, 0) untouched


def test_gam_equals_the_public_codes_explicit_computation():
    torch.manual_seed(0)
    gam = GlobalAttention(16)
    for p in gam.parameters():  # make sure the global branch is far from zero
        torch.nn.init.normal_(p, 0.0, 0.5)
    z = torch.randn(2, 16, 5, 7)
    mean, std = channel_mean_std(z)
    assert torch.allclose(std.flatten(), (z.flatten(2).var(dim=2) + 1e-5).sqrt().flatten())
    rho = gam.mlp(torch.cat([mean, std], 1))
    assert rho.abs().mean() > 0.1
    # the public code: concatenate, fuse with a 1x1 conv, instance-normalise
    expected = F.instance_norm(gam.fuse(torch.cat([z, rho.expand_as(z)], 1)))
    out = gam(z)
    assert torch.allclose(out, expected, atol=1e-4)  # the global branch cancels in the normalisation
    # instance normalisation without affine: zero mean, unit variance per channel
    assert torch.allclose(out.mean(dim=(2, 3)), torch.zeros(2, 16), atol=1e-5)


def test_paper_form_uses_its_global_branch():
    torch.manual_seed(0)
    gam = GlobalAttention(16, form="paper")
    z = torch.randn(2, 16, 5, 7)
    rho = gam.mlp(z.mean(dim=(2, 3), keepdim=True))
    assert torch.allclose(gam(z), gam.fuse(torch.cat([z, rho.expand_as(z)], 1)), atol=1e-5)
    before = gam(z)
    torch.nn.init.normal_(gam.mlp[2].weight)
    assert (gam(z) - before).abs().max() > 1e-2
    assert gam(torch.randn(1, 16, 1, 1)).shape == (1, 16, 1, 1)  # means only: one position is enough


def test_gam_rejects_a_single_position():
    with pytest.raises(ValueError, match="at least 2 spatial positions"):
        GlobalAttention(16)(torch.randn(1, 16, 1, 1))


def test_squeeze_excitation_rescales_each_channel_by_one_gate_in_0_1():
    torch.manual_seed(0)
    se = SqueezeExcitation(32, ratio=4)
    assert sum(p.numel() for p in se.parameters()) == 2 * 32 * 8
    x = torch.randn(2, 32, 6, 6)
    y = se(x)
    assert y.shape == x.shape
    gate = y / x
    assert torch.allclose(gate, gate[..., :1, :1].expand_as(gate), atol=1e-5)  # one factor per channel
    assert gate.min() > 0 and gate.max() < 1
