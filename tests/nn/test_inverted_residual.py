"""Inverted residual (MBConv) block."""
import pytest
import torch

from enhancelib.nn.inverted_residual import ConvNormAct, InvertedResidual, SqueezeExcite

torch.set_num_threads(1)


def test_shapes_and_parameter_count_of_gens_first_block():
    block = InvertedResidual(16, 24, kernel_size=5, stride=2, expansion=6, se_ratio=0.25)
    assert block(torch.rand(2, 16, 32, 30)).shape == (2, 24, 16, 15)
    # expand 16*96 + dw 25*96 + SE 96*4*2 + project 96*24 + BN 2*(96+96+24), no biases
    assert sum(p.numel() for p in block.parameters()) == 1536 + 2400 + 768 + 2304 + 432


def test_skip_adds_the_input():
    torch.manual_seed(0)
    block = InvertedResidual(8, 8, kernel_size=3, stride=1, skip=True).eval()
    x = torch.rand(1, 8, 6, 6)
    plain = InvertedResidual(8, 8, kernel_size=3, stride=1, skip=False).eval()
    plain.load_state_dict(block.state_dict())
    assert torch.allclose(block(x), plain(x) + x)


def test_squeeze_excite_is_a_channel_scaling_in_0_1():
    se = SqueezeExcite(6, 2)
    x = torch.rand(2, 6, 5, 5) + 0.1
    ratio = se(x) / x
    assert torch.allclose(ratio, ratio[..., :1, :1].expand_as(ratio), atol=1e-6)  # constant per channel
    assert ratio.min() > 0 and ratio.max() < 1


def test_invalid_configurations_fail_clearly():
    with pytest.raises(ValueError, match="skip"):
        InvertedResidual(16, 24, stride=1, skip=True)
    with pytest.raises(ValueError, match="stride"):
        InvertedResidual(16, 16, stride=3)
    with pytest.raises(ValueError, match="normalisation"):
        InvertedResidual(16, 16, norm="group")


@pytest.mark.parametrize("norm", ["layer", "none"])
def test_other_norms_are_per_sample(norm):
    block = InvertedResidual(4, 4, kernel_size=3, norm=norm, se_ratio=0.5).train()
    x = torch.rand(3, 4, 8, 8)
    assert torch.allclose(block(x)[:1], block(x[:1]), atol=1e-6)


def test_eval_mode_folds_batch_norm_into_the_convolution_exactly():
    torch.manual_seed(0)
    layer = ConvNormAct(4, 6, 3, stride=2)
    for _ in range(3):  # give the running statistics non-trivial values
        layer(torch.randn(2, 4, 9, 9) * 2 + 1)
    with torch.no_grad():
        layer.norm.weight.uniform_(0.5, 2)
        layer.norm.bias.uniform_(-1, 1)
    layer.eval()
    x = torch.randn(2, 4, 9, 9)
    reference = torch.nn.functional.silu(layer.norm(layer.conv(x)))
    with torch.no_grad():
        assert torch.allclose(layer(x), reference, atol=1e-5)
    x.requires_grad_(True)
    layer(x).sum().backward()  # eval mode stays differentiable
    assert x.grad is not None
