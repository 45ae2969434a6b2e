"""Auxiliary attention classifier of BNCAGAN (eq. 2, public-code form)."""
import torch

from enhancelib.nn.aac import AuxiliaryAttentionClassifier

torch.set_num_threads(1)


def test_shapes_and_channel_softmax_mask():
    torch.manual_seed(0)
    aac = AuxiliaryAttentionClassifier(16)
    u = torch.randn(3, 16, 5, 7)
    out = aac(u)
    assert out.features.shape == u.shape
    assert out.logits.shape == (3, 2) and out.gamma.shape == (3, 16) and out.beta.shape == (3, 16)
    mask = aac.channel_mask(u)
    assert torch.allclose(mask.sum(dim=1), torch.ones(3)) and mask.min() > 0
    assert torch.allclose(out.features, u * mask[:, :, None, None])
    # the channel with the largest mean + max gets the largest weight
    u2 = u.clone()
    u2[:, 4] += 10
    assert (aac.channel_mask(u2).argmax(dim=1) == 4).all()


def test_logits_come_from_gap_and_gmp_of_the_unattended_features():
    torch.manual_seed(0)
    aac = AuxiliaryAttentionClassifier(8)
    u = torch.randn(2, 8, 4, 4)
    out = aac(u)
    assert torch.allclose(out.logits[:, 0], aac.gap_logit(u.mean(dim=(2, 3)))[:, 0])
    assert torch.allclose(out.logits[:, 1], aac.gmp_logit(u.amax(dim=(2, 3)))[:, 0])
    # gamma/beta from GAP of the attended features (computed without a second pass)
    hidden = aac.mlp(out.features.mean(dim=(2, 3)))
    assert torch.allclose(out.gamma, aac.gamma(hidden), atol=1e-6)
    assert torch.allclose(out.beta, aac.beta(hidden), atol=1e-6)


def test_ablation_switches_remove_parts_and_parameters():
    u = torch.randn(2, 8, 4, 4)
    full = AuxiliaryAttentionClassifier(8)
    no_attention = AuxiliaryAttentionClassifier(8, attention=False, classifier=False)
    out = no_attention(u)
    assert torch.equal(out.features, u) and out.logits is None and out.gamma is not None
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(full) - count(no_attention) == 2 * 8  # two bias-free logit heads
    no_affine = AuxiliaryAttentionClassifier(8, affine=False)
    assert no_affine(u).gamma is None and count(no_affine) == 2 * 8
