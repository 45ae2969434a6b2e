"""Bi-directional normalisation (BNM) and ILN: eq. 3 of BNCAGAN, and the clipping of rho."""
import pytest
import torch

from enhancelib.nn.adaptive_norm import BiDirectionalNorm, InstanceLayerNorm, clip_rho_, instance_layer_norm

torch.set_num_threads(1)


def literal_eq3(x, rho, gamma, beta, eps=1e-5):
    """Eq. 3 written out as the public code does it (five passes, unbiased variances)."""
    out_in = (x - x.mean(dim=(2, 3), keepdim=True)) / torch.sqrt(x.var(dim=(2, 3), keepdim=True) + eps)
    out_ln = (x - x.mean(dim=(1, 2, 3), keepdim=True)) / torch.sqrt(x.var(dim=(1, 2, 3), keepdim=True) + eps)
    return gamma * (rho * out_in + (1 - rho) * out_ln) + beta


def test_one_affine_map_equals_the_literal_formula():
    torch.manual_seed(0)
    x = torch.randn(3, 5, 4, 6, dtype=torch.float64) * torch.rand(1, 5, 1, 1, dtype=torch.float64) * 3 + 2
    rho = torch.rand(1, 5, 1, 1, dtype=torch.float64)
    gamma, beta = torch.randn(3, 5, dtype=torch.float64), torch.randn(3, 5, dtype=torch.float64)
    norm = BiDirectionalNorm(5).double()
    norm.rho.data.copy_(rho)
    expected = literal_eq3(x, rho, gamma[:, :, None, None], beta[:, :, None, None])
    assert torch.allclose(norm(x, gamma, beta), expected, atol=1e-12)
    # float32 too, within rounding
    got32 = instance_layer_norm(x.float(), rho.float(), gamma.float()[:, :, None, None], beta.float()[:, :, None, None])
    assert torch.allclose(got32.double(), expected, atol=1e-4)


def test_rho_one_is_instance_norm_and_rho_zero_keeps_channel_contrasts():
    torch.manual_seed(0)
    x = torch.randn(2, 4, 8, 8, dtype=torch.float64) + torch.arange(4.0, dtype=torch.float64)[None, :, None, None]
    ones, zeros = torch.ones(2, 4, dtype=torch.float64), torch.zeros(2, 4, dtype=torch.float64)
    norm = BiDirectionalNorm(4).double()
    norm.rho.data.fill_(1.0)
    y = norm(x, ones, zeros)
    assert torch.allclose(y.mean(dim=(2, 3)), zeros, atol=1e-12)  # every channel centred: style removed
    norm.rho.data.fill_(0.0)
    y = norm(x, ones, zeros)
    means = y.mean(dim=(2, 3))
    assert means[:, 3].min() - means[:, 0].max() > 1.0  # channel offsets survive layer normalisation
    assert torch.allclose(y.mean(dim=(1, 2, 3)), torch.zeros(2, dtype=torch.float64), atol=1e-12)


def test_gamma_beta_are_per_image():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 4, 4)
    norm = BiDirectionalNorm(3)
    gamma, beta = torch.ones(2, 3), torch.zeros(2, 3)
    beta[1] = 5.0
    y = norm(x, gamma, beta)
    assert y[0].mean().abs() < 1e-5 and (y[1].mean() - 5).abs() < 1e-5
    # one vector for the whole batch broadcasts
    assert norm(x, gamma[:1], beta[:1]).shape == x.shape
    with pytest.raises(ValueError, match="gamma"):
        norm(x, torch.ones(3, 3), beta)


def test_iln_starts_as_layer_norm_with_identity_affine():
    torch.manual_seed(0)
    iln = InstanceLayerNorm(6)
    assert float(iln.rho.detach().max()) == 0.0 and float(iln.gamma.detach().min()) == 1.0
    x = torch.randn(2, 6, 5, 5) * 3 + 1
    expected = (x - x.mean(dim=(1, 2, 3), keepdim=True)) / torch.sqrt(x.var(dim=(1, 2, 3), keepdim=True) + 1e-5)
    assert torch.allclose(iln(x), expected, atol=1e-5)


def test_clip_rho_after_an_optimiser_step():
    torch.manual_seed(0)
    net = torch.nn.ModuleList([BiDirectionalNorm(4), InstanceLayerNorm(4)])
    x = torch.randn(2, 4, 6, 6)
    # push rho out of [0, 1]: a loss whose gradient w.r.t. rho is large
    loss = (net[0](x, torch.ones(2, 4), torch.zeros(2, 4)) * x).sum() - (net[1](x) * x).sum()
    loss.backward()
    torch.optim.SGD(net.parameters(), lr=10.0).step()
    rhos = torch.cat([m.rho.flatten() for m in net])
    assert ((rhos < 0) | (rhos > 1)).any()  # the step did leave the interval
    assert clip_rho_(net) == 2
    rhos = torch.cat([m.rho.flatten() for m in net])
    assert rhos.min() >= 0 and rhos.max() <= 1
    assert clip_rho_(torch.nn.Linear(2, 2)) == 0


def test_too_small_maps_fail_clearly():
    with pytest.raises(ValueError, match="2 spatial positions"):
        InstanceLayerNorm(3)(torch.randn(1, 3, 1, 1))
