"""Reflection-padded convolutions, orthogonal init and padding to a multiple."""
import pytest
import torch
from torch import nn

from enhancelib.nn.blocks import PaddedConv, conv_lrelu, init_orthogonal_, pad_to_multiple

torch.set_num_threads(1)


def test_padded_conv_keeps_or_halves_size():
    x = torch.randn(2, 4, 16, 12)
    assert PaddedConv(4, 8, 7)(x).shape == (2, 8, 16, 12)
    assert PaddedConv(4, 8, 3, stride=2)(x).shape == (2, 8, 8, 6)
    assert conv_lrelu(4, 8, 5, stride=2, spectral_norm=True)(x).shape == (2, 8, 8, 6)


def test_reflection_padding_has_no_border_artefact_on_a_constant_image():
    torch.manual_seed(0)
    reflect, zeros = PaddedConv(3, 5, 7), PaddedConv(3, 5, 7, padding_mode="zeros")
    zeros.load_state_dict(reflect.state_dict())
    x = torch.full((1, 3, 20, 20), 0.7)
    y = reflect(x)
    # a constant image stays constant with reflection; zero padding darkens the border
    assert torch.allclose(y, y[..., 10:11, 10:11].expand_as(y), atol=1e-6)
    z = zeros(x)
    assert not torch.allclose(z[..., 0, 0], z[..., 10, 10], atol=1e-3)
    assert torch.allclose(z[..., 10, 10], y[..., 10, 10], atol=1e-6)


def test_tiny_maps_fall_back_to_replicate_padding():
    conv = PaddedConv(2, 2, 5, stride=2)
    assert conv(torch.randn(1, 2, 2, 2)).shape == (1, 2, 1, 1)


def test_init_orthogonal_sets_all_singular_values_to_the_gain():
    net = nn.Sequential(nn.Conv2d(8, 4, 3), nn.Linear(6, 3), conv_lrelu(4, 16, 3, spectral_norm=True))
    init_orthogonal_(net, gain=0.02)
    conv = net[0]
    s = torch.linalg.svdvals(conv.weight.flatten(1))
    assert torch.allclose(s, torch.full_like(s, 0.02), atol=1e-6)
    assert torch.count_nonzero(conv.bias) == 0
    original = net[2][0].conv.parametrizations.weight.original
    s = torch.linalg.svdvals(original.flatten(1))
    assert torch.allclose(s, torch.full_like(s, 0.02), atol=1e-6)


def test_pad_to_multiple_round_trip():
    x = torch.rand(1, 3, 50, 70)
    padded, (h, w) = pad_to_multiple(x, 16)
    assert padded.shape == (1, 3, 64, 80)
    assert torch.equal(padded[..., :h, :w], x)
    # reflection: the first padded row mirrors the row above the last one
    assert torch.equal(padded[..., 50, :70], x[..., 48, :])
    tiny, _ = pad_to_multiple(torch.rand(1, 3, 5, 5), 16, min_size=32)
    assert tiny.shape == (1, 3, 32, 32)
    with pytest.raises(ValueError, match="N x C x H x W"):
        pad_to_multiple(torch.rand(3, 5, 5), 16)
