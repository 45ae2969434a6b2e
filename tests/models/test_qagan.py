"""Tests of QAGAN's generators (paper 000, Sec. 3.2)."""
from __future__ import annotations

import warnings

import pytest
import torch

from enhancelib.models.qagan import QAGAN, QAGANEnhancer
from enhancelib.nn.quality_attention import QualityAttention
from enhancelib.nn.vgg import VGG_LAYERS, BackboneUnavailable, VGGFeatures, load_vgg

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def encoder() -> VGGFeatures:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_vgg("random")


@pytest.fixture(scope="module")
def pretrained() -> VGGFeatures:
    """Random VGG features vanish by relu4_1; properties of G_L need a real encoder."""
    try:
        return load_vgg("auto")
    except BackboneUnavailable as error:
        pytest.skip(f"no pretrained VGG on this machine: {error}")


def _perturb_(module: torch.nn.Module) -> None:
    with torch.no_grad():
        for p in module.parameters():
            if p.requires_grad:
                p.add_(torch.randn_like(p) * 0.05)


def test_enhancer_shapes_range_and_identity_at_init(encoder: VGGFeatures) -> None:
    torch.manual_seed(0)
    model = QAGAN(encoder)
    low = torch.rand(1, 3, 50, 70)  # not a multiple of 16: padded inside, cropped back
    out = model.enhance(low)
    assert out.shape == low.shape
    # G_H's residual head starts at zero: the untrained enhancer is the identity
    torch.testing.assert_close(out, low)
    _perturb_(model.enhancer.decoder)
    out = model.enhance(low)
    assert out.shape == low.shape and 0 <= out.min() and out.max() <= 1
    assert not torch.allclose(out, low, atol=1e-3)


def test_unet_gradient_reaches_decoder_and_image_not_encoder(encoder: VGGFeatures) -> None:
    torch.manual_seed(0)
    enhancer = QAGANEnhancer(encoder)
    _perturb_(enhancer.decoder)
    low = torch.rand(2, 3, 32, 32, requires_grad=True)
    features = {k: v.detach().requires_grad_(True) for k, v in enhancer.encoder(low).items()}
    enhancer(low, features).square().mean().backward()
    # U-Net: every encoder level feeds the decoder (skips at relu1_1..relu4_1, bottleneck relu5_1)
    for name in VGG_LAYERS:
        assert features[name].grad is not None and features[name].grad.abs().sum() > 0, name
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in enhancer.decoder.parameters())
    assert all(p.grad is None and not p.requires_grad for p in enhancer.encoder.parameters())
    # and through the frozen encoder the gradient reaches the image (needed by the cycles)
    enhancer.zero_grad()
    enhancer(low).mean().backward()
    assert low.grad is not None and low.grad.abs().sum() > 0
    assert all(p.grad is None for p in enhancer.encoder.parameters())


def test_enhancer_needs_only_the_low_image_and_ignores_g_low(encoder: VGGFeatures) -> None:
    torch.manual_seed(0)
    model = QAGAN(encoder)
    _perturb_(model.enhancer.decoder)
    low = torch.rand(1, 3, 32, 48)
    before = model.enhance(low)
    _perturb_(model.g_low)
    torch.testing.assert_close(model.enhance(low), before, rtol=0, atol=0)
    assert not any(isinstance(m, QualityAttention) for m in model.enhancer.modules())
    assert not any(k.startswith("g_low") for k in model.enhancer.state_dict())


def test_degrade_shapes_attention_and_reference_dependence(pretrained: VGGFeatures) -> None:
    torch.manual_seed(0)
    model = QAGAN(pretrained)
    high, ref_a, ref_b = torch.rand(2, 3, 64, 48), torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32) * 0.3
    out, attention = model.degrade(high, ref_a, return_attention=True)
    assert out.shape == high.shape and 0 <= out.min() and out.max() <= 1
    # relu5_1: 4x3 positions of high over 2x2 of the reference; relu4_1: 8x6 over 4x4
    assert attention["relu5_1"].shape == (2, 12, 4) and attention["relu4_1"].shape == (2, 48, 16)
    torch.testing.assert_close(attention["relu4_1"].sum(-1), torch.ones(2, 48))
    # G_L really uses the low-quality reference (statistics and attention)
    assert not torch.allclose(model.degrade(high, ref_b), out, atol=1e-4)
    assert model.degrade(torch.rand(1, 3, 50, 70), torch.rand(1, 3, 40, 40)).shape == (1, 3, 50, 70)


@pytest.mark.parametrize(
    "options, n_qam_params",
    [
        ({}, 4),
        ({"use_spatial_attention": False}, 0),
        ({"use_stat_transfer": False}, 4),
        ({"use_qam": False}, 0),
    ],
)
def test_ablations(pretrained: VGGFeatures, options: dict[str, bool], n_qam_params: int) -> None:
    torch.manual_seed(0)
    model = QAGAN(pretrained, **options)
    qams = [m for m in model.g_low.modules() if isinstance(m, QualityAttention)]
    assert len(qams) == (0 if options.get("use_qam", True) is False else 2)
    assert all(len(list(m.parameters())) == n_qam_params * 2 for m in qams)  # weight + bias per 1x1 conv
    high, ref_a, ref_b = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    out, attention = model.degrade(high, ref_a, return_attention=True)
    assert out.shape == high.shape
    uses_attention = options.get("use_qam", True) and options.get("use_spatial_attention", True)
    assert bool(attention) == bool(uses_attention)
    uses_reference = options.get("use_qam", True)
    changed = not torch.allclose(model.degrade(high, ref_b), out, atol=1e-6)
    assert changed == uses_reference


def test_bad_encoder_is_refused(encoder: VGGFeatures) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        short = load_vgg("random", upto="relu4_1")
    with pytest.raises(ValueError, match="relu5_1"):
        QAGAN(short)
    with pytest.raises(ValueError, match="N x 3 x H x W"):
        QAGANEnhancer(encoder).forward(torch.rand(3, 32, 32))


def test_decoder_width_scales_the_decoders_only(encoder: VGGFeatures) -> None:
    def count(net: torch.nn.Module) -> int:
        return sum(p.numel() for p in net.parameters())

    full, half = QAGAN(encoder), QAGAN(encoder, decoder_width=0.5)
    assert count(half.enhancer.decoder) < 0.6 * count(full.enhancer.decoder)
    assert count(half.g_low) < 0.6 * count(full.g_low)
    assert half.enhancer.decoder.head.in_channels == 32
    x = torch.rand(1, 3, 32, 32)
    assert half.enhance(x).shape == x.shape and half.degrade(x, x).shape == x.shape
    with pytest.raises(ValueError, match="width scale"):
        QAGAN(encoder, decoder_width=0.0)
