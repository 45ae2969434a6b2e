"""Tests of QAGAN's quality attention module (paper 000, eqs. 1-5)."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from enhancelib.nn.quality_attention import (
    QualityAttention,
    adaptive_instance_norm,
    attention_for_query,
    inter_domain_attention,
)

torch.set_num_threads(1)


def _identity_projections(qam: QualityAttention) -> QualityAttention:
    """Make theta, nu and phi the identity (needs reduction = value_reduction = 1)."""
    with torch.no_grad():
        for conv in (qam.theta, qam.nu, qam.phi):
            assert isinstance(conv, nn.Conv2d)
            conv.weight.copy_(torch.eye(qam.channels).view(qam.channels, qam.channels, 1, 1))
            conv.bias.zero_()
    return qam


def test_shapes_and_attention_rows_sum_to_one() -> None:
    torch.manual_seed(0)
    qam = QualityAttention(16)
    f_high, f_low = torch.rand(2, 16, 5, 6), torch.rand(2, 16, 3, 4)  # reference of another size
    out, attention = qam(f_high, f_low, return_attention=True)
    assert out.shape == f_high.shape
    assert attention is not None and attention.shape == (2, 30, 12)
    assert (attention >= 0).all()
    torch.testing.assert_close(attention.sum(-1), torch.ones(2, 30))


def test_adain_gives_the_low_features_channel_statistics() -> None:
    torch.manual_seed(0)
    content = torch.randn(2, 8, 6, 7) * 3 + 1
    style = torch.randn(2, 8, 5, 5) * (torch.rand(1, 8, 1, 1) * 4 + 0.5) - 2
    out = adaptive_instance_norm(content, style)
    # eps-free statistics of eqs. 3-4
    std_out, mean_out = torch.std_mean(out, dim=(2, 3), correction=0)
    std_style, mean_style = torch.std_mean(style, dim=(2, 3), correction=0)
    torch.testing.assert_close(mean_out, mean_style, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(std_out, std_style, atol=1e-4, rtol=1e-4)
    # and the content's pattern survives: per channel, out is an increasing affine map of content
    corr = torch.corrcoef(torch.stack([out[0, 0].flatten(), content[0, 0].flatten()]))[0, 1]
    assert corr > 0.999


def test_qam_output_carries_low_statistics_not_high() -> None:
    torch.manual_seed(0)
    qam = QualityAttention(16, eps=1e-9)  # the averaged f~_H can have a variance close to 1e-5
    f_high = torch.rand(1, 16, 4, 4) * 5
    f_low = torch.rand(1, 16, 4, 4) * 4 + 3
    out = qam(f_high, f_low)
    std_out, mean_out = torch.std_mean(out, dim=(2, 3), correction=0)
    std_low, mean_low = torch.std_mean(f_low, dim=(2, 3), correction=0)
    std_high = torch.std(f_high, dim=(2, 3), correction=0)
    assert not torch.allclose(std_high, std_low, rtol=0.1)
    torch.testing.assert_close(mean_out, mean_low, atol=1e-3, rtol=1e-3)
    torch.testing.assert_close(std_out, std_low, atol=1e-3, rtol=1e-2)


def test_identical_domains_reduce_to_self_attention_then_own_statistics() -> None:
    torch.manual_seed(0)
    f = torch.rand(2, 6, 4, 5)
    for query_domain in ("high", "low"):
        qam = _identity_projections(QualityAttention(6, reduction=1, value_reduction=1, query_domain=query_domain))
        out = qam(f, f)
        flat = f.flatten(2)  # N x C x S
        # known form: y = F softmax(F^T F)^T  (non-local self-attention), then AdaIN(y, f)
        weights = torch.softmax(flat.transpose(1, 2) @ flat, dim=-1)
        self_attention = (flat @ weights.transpose(1, 2)).view_as(f)
        torch.testing.assert_close(out, adaptive_instance_norm(self_attention, f))
        assert not torch.allclose(out, f, atol=1e-3)  # the attention really mixes positions


def test_identical_domains_without_spatial_attention_is_identity() -> None:
    f = torch.rand(2, 6, 4, 5) + 0.5
    qam = QualityAttention(6, spatial_attention=False)
    torch.testing.assert_close(qam(f, f), f, atol=1e-4, rtol=1e-4)
    both_off = QualityAttention(6, spatial_attention=False, stat_transfer=False)
    g = torch.rand(2, 6, 3, 3)
    assert torch.equal(both_off(f, g), f)
    assert sum(p.numel() for p in both_off.parameters()) == 0


def test_attention_finds_a_permuted_copy() -> None:
    """Each position of f_H looks at the position of f_L holding the same feature."""
    torch.manual_seed(0)
    positions, channels = 12, 12
    f_high = (torch.eye(channels) * 10).view(1, channels, 3, 4)  # one-hot features per position
    perm = torch.randperm(positions)
    f_low = f_high.flatten(2)[:, :, perm].view(1, channels, 3, 4)
    qam = _identity_projections(
        QualityAttention(channels, reduction=1, value_reduction=1, stat_transfer=False)
    )
    out, attention = qam(f_high, f_low, return_attention=True)
    assert attention is not None
    # f_L position perm^-1[i] holds f_H's feature i
    assert torch.equal(attention[0].argmax(-1), torch.argsort(perm))
    torch.testing.assert_close(out, f_high, atol=1e-3, rtol=0)
    # the map of query (1, 2) peaks where f_L holds f_H's feature 1 * 4 + 2
    where = attention_for_query(attention, (3, 4), (3, 4), 1, 2)[0]
    assert where.shape == (3, 4)
    peak = int(where.argmax())
    assert int(perm[peak]) == 6
    with pytest.raises(ValueError, match="outside"):
        attention_for_query(attention, (3, 4), (3, 4), 3, 0)
    with pytest.raises(ValueError, match="does not match"):
        attention_for_query(attention, (4, 4), (3, 4), 0, 0)


@pytest.mark.parametrize("query_domain", ["high", "low"])
def test_chunked_attention_equals_unchunked(query_domain: str) -> None:
    torch.manual_seed(0)
    # float64, so that only the order of summation could differ (AdaIN amplifies float32 rounding)
    qam = QualityAttention(16, query_domain=query_domain).double()
    f_high, f_low = torch.randn(2, 16, 6, 7).double(), torch.randn(2, 16, 6, 7).double()
    full, attention = qam(f_high, f_low, return_attention=True)
    for chunk in (1, 5, 41, 1000):
        part, part_attention = qam(f_high, f_low, return_attention=True, chunk_size=chunk)
        torch.testing.assert_close(part, full, atol=1e-12, rtol=1e-10)
        torch.testing.assert_close(part_attention, attention, atol=1e-14, rtol=1e-12)


def test_chunked_core_without_attention_and_gradients() -> None:
    torch.manual_seed(0)
    q, k, v = torch.randn(1, 4, 9, requires_grad=True), torch.randn(1, 4, 7), torch.randn(1, 3, 7)
    out, attention = inter_domain_attention(q, k, v, chunk_size=2)
    assert attention is None and out.shape == (1, 3, 9)
    out.sum().backward()
    assert q.grad is not None and q.grad.abs().sum() > 0


def test_clear_errors() -> None:
    qam = QualityAttention(16)
    with pytest.raises(ValueError, match="f_low must be N x 16"):
        qam(torch.rand(1, 16, 4, 4), torch.rand(1, 8, 4, 4))
    with pytest.raises(ValueError, match="same batch size"):
        qam(torch.rand(2, 16, 4, 4), torch.rand(1, 16, 4, 4))
    with pytest.raises(ValueError, match="same size"):
        QualityAttention(16, query_domain="low")(torch.rand(1, 16, 4, 4), torch.rand(1, 16, 2, 2))
    with pytest.raises(ValueError, match="divisor"):
        QualityAttention(12, reduction=8)
    with pytest.raises(ValueError, match="chunk_size"):
        qam(torch.rand(1, 16, 4, 4), torch.rand(1, 16, 4, 4), chunk_size=0)


def test_temperature_divides_the_scores() -> None:
    torch.manual_seed(0)
    q, k, v = torch.randn(1, 4, 9) * 3, torch.randn(1, 4, 7) * 3, torch.randn(1, 3, 7)
    _, sharp = inter_domain_attention(q, k, v, return_attention=True)
    _, soft = inter_domain_attention(q, k, v, return_attention=True, temperature=8.0)
    _, same = inter_domain_attention(q / 8, k, v, return_attention=True)
    assert sharp is not None and soft is not None and same is not None
    torch.testing.assert_close(soft, same)
    assert soft.max(-1).values.mean() < sharp.max(-1).values.mean()
    with pytest.raises(ValueError, match="temperature"):
        QualityAttention(16, temperature=0.0)


def test_attention_is_computed_in_float32_under_autocast() -> None:
    """Scores of large VGG features overflow float16; the module attends in float32."""
    torch.manual_seed(0)
    qam = QualityAttention(16)
    f_high, f_low = torch.rand(1, 16, 4, 4) * 300, torch.rand(1, 16, 4, 4) * 300
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out, attention = qam(f_high, f_low, return_attention=True)
    assert attention is not None and attention.dtype == torch.float32
    assert torch.isfinite(out).all()
    torch.testing.assert_close(attention.sum(-1), torch.ones(1, 16))
