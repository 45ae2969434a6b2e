"""spatial_var_mean: the per-channel statistics shared by the normalisations."""
import pytest
import torch

from enhancelib.nn.statistics import spatial_var_mean

torch.set_num_threads(1)


@pytest.mark.parametrize("correction", [0, 1])
@pytest.mark.parametrize("shape", [(1, 1, 2, 1), (2, 3, 5, 7), (4, 16, 24, 24)])
def test_matches_torch_var_mean(shape, correction):
    torch.manual_seed(0)
    # channels with their own offset and scale, so that a wrong axis or divisor shows
    x = torch.randn(*shape, dtype=torch.float64) * torch.rand(1, shape[1], 1, 1, dtype=torch.float64) * 5 + 3
    var, mean = spatial_var_mean(x, correction)
    ref_var, ref_mean = torch.var_mean(x, dim=(2, 3), correction=correction, keepdim=True)
    assert var.shape == mean.shape == (shape[0], shape[1], 1, 1)
    assert torch.allclose(mean, ref_mean, atol=1e-12)
    assert torch.allclose(var, ref_var, atol=1e-12)


def test_channels_last_input_gives_the_same_numbers():
    x = torch.randn(2, 8, 6, 5) + 1
    var, mean = spatial_var_mean(x)
    var_cl, mean_cl = spatial_var_mean(x.contiguous(memory_format=torch.channels_last))
    assert torch.allclose(var, var_cl, atol=1e-6) and torch.allclose(mean, mean_cl, atol=1e-6)


def test_float32_with_a_large_offset_stays_accurate():
    # a one-pass E[x^2] - E[x]^2 would lose every digit here; two passes do not
    torch.manual_seed(1)
    x = torch.randn(1, 4, 32, 32) * 0.01 + 1000.0
    var, _ = spatial_var_mean(x)
    ref = torch.var(x.double(), dim=(2, 3), keepdim=True)
    assert torch.allclose(var.double(), ref, rtol=1e-3)


def test_gradients_match_torch_var_mean():
    torch.manual_seed(2)
    x = torch.randn(2, 3, 4, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: spatial_var_mean(t, 1), (x,))
    wv, wm = torch.randn(2, 3, 1, 1, dtype=torch.float64), torch.randn(2, 3, 1, 1, dtype=torch.float64)
    grads = []
    for fn in (lambda t: spatial_var_mean(t, 1), lambda t: torch.var_mean(t, dim=(2, 3), correction=1, keepdim=True)):
        var, mean = fn(x)
        grads.append(torch.autograd.grad((var * wv).sum() + (mean * wm).sum(), x)[0])
    assert torch.allclose(grads[0], grads[1], atol=1e-12)


def test_rejects_bad_shapes_with_a_clear_message():
    with pytest.raises(ValueError, match="N x C x H x W"):
        spatial_var_mean(torch.zeros(3, 4, 5))
    with pytest.raises(ValueError, match="larger image"):
        spatial_var_mean(torch.zeros(1, 2, 1, 1), correction=1)
