"""Classical baselines: shapes, range, and the defining property of each."""
import numpy as np
import pytest
import torch

from enhancelib.data.conversion import LUMA_601
from enhancelib.models.classical import (BASELINES, autocontrast, clahe, gray_world, gray_world_auto_gamma,
                                         histogram_equalisation)

torch.set_num_threads(1)


def _low_contrast(n=2, h=32, w=40, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 3, h, w, generator=gen)
    # squeeze into a dim, narrow band with a colour cast
    return 0.2 + 0.3 * x * torch.tensor([1.0, 0.8, 0.5]).view(1, 3, 1, 1)


def _luma(x):
    return torch.einsum("nchw,c->nhw", x.double(), torch.tensor(LUMA_601, dtype=torch.float64))


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_shape_dtype_range_and_batch_independence(name):
    fn = BASELINES[name]
    x = _low_contrast()
    y = fn(x)
    assert y.shape == x.shape and y.dtype == x.dtype and y.device == x.device
    assert y.min() >= 0 and y.max() <= 1
    assert not torch.allclose(y, x, atol=1e-3)  # it does something
    torch.testing.assert_close(fn(x[1:]), y[1:])  # statistics are per image


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_bad_input_is_a_clear_error(name):
    fn = BASELINES[name]
    with pytest.raises(ValueError, match="N x 3 x H x W"):
        fn(torch.rand(3, 8, 8))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fn(torch.rand(1, 3, 8, 8) * 255)
    with pytest.raises(TypeError, match="float"):
        fn(torch.zeros(1, 3, 8, 8, dtype=torch.uint8))


def test_autocontrast_stretches_every_channel_to_the_full_range():
    y = autocontrast(_low_contrast())
    flat = y.flatten(2)
    torch.testing.assert_close(flat.amin(2), torch.zeros(2, 3))
    torch.testing.assert_close(flat.amax(2), torch.ones(2, 3))
    # linear per channel: the ordering of pixel values is kept
    x = _low_contrast()
    assert torch.equal(x[0, 0].flatten().argsort(), y[0, 0].flatten().argsort())


def test_autocontrast_cutoff_clips_outliers():
    x = _low_contrast(n=1)
    x[0, :, 0, 0] = 1.0  # a single bright outlier
    plain, robust = autocontrast(x), autocontrast(x, cutoff=1.0)
    assert robust[0, :, 1:].mean() > plain[0, :, 1:].mean() + 0.05


def test_histogram_equalisation_flattens_the_luminance_histogram_and_keeps_chroma():
    x = _low_contrast(n=1, h=64, w=64)
    y = histogram_equalisation(x)
    def flatness(img):  # largest deviation of the luminance CDF from the uniform one
        values = np.sort(_luma(img).flatten().numpy())
        return np.abs(np.linspace(0, 1, values.size) - values).max()
    assert flatness(x) > 0.2 and flatness(y) < 0.05
    # chroma: every channel moved by the same amount wherever nothing was clipped
    inside = ((y > 0) & (y < 1)).all(dim=1)
    shift = (y - x)[0][:, inside[0]]
    torch.testing.assert_close(shift[0], shift[1], atol=1e-6, rtol=0)
    torch.testing.assert_close(shift[0], shift[2], atol=1e-6, rtol=0)


def test_clahe_raises_local_contrast():
    x = _low_contrast(n=1, h=64, w=64)
    y = clahe(x)
    assert _luma(y).std() > 1.5 * _luma(x).std()


def test_gray_world_equalises_channel_means():
    x = _low_contrast()
    y = gray_world(x)
    means = y.flatten(2).mean(2)
    assert (x.flatten(2).mean(2).std(1) > 0.02).all()  # the input has a cast
    torch.testing.assert_close(means, means.mean(1, keepdim=True).expand(-1, 3), atol=1e-6, rtol=0)


def test_auto_gamma_maps_the_mean_luminance_to_one_half():
    x = _low_contrast()
    y = gray_world_auto_gamma(x)
    balanced = gray_world(x).double()
    m = _luma(balanced).flatten(1).mean(1)
    g = torch.log(torch.tensor(0.5, dtype=torch.float64)) / torch.log(m)
    torch.testing.assert_close(y.double(), balanced ** g.view(-1, 1, 1, 1), atol=1e-6, rtol=0)
    # the output's mean luminance lands near (not exactly at) 0.5
    assert ((_luma(y).flatten(1).mean(1) - 0.5).abs() < 0.05).all()
