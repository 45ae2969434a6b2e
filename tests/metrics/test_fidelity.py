"""PSNR and SSIM: correct definitions, the public scripts' quirks, input handling."""
import math

import numpy as np
import pytest
import torch

from enhancelib.metrics.fidelity import PUBLIC_CROP_BORDER, mean_over_images, psnr, ssim

torch.set_num_threads(1)


def _image(h=48, w=40, seed=0):
    rng = np.random.default_rng(seed)
    # smooth random image: structure for SSIM, values away from 0 and 255
    base = rng.uniform(60, 190, size=(h // 8 + 2, w // 8 + 2, 3))
    big = np.kron(base, np.ones((8, 8, 1)))[:h, :w]
    return np.clip(big + rng.normal(0, 5, size=big.shape), 0, 255).round().astype(np.uint8)


def test_identical_images_give_inf_psnr_and_ssim_one():
    a = _image()
    assert psnr(a, a) == math.inf
    assert ssim(a, a) == pytest.approx(1.0, abs=1e-12)
    assert psnr(a, a, quirks="public") == math.inf
    assert ssim(a, a, quirks="public") == pytest.approx(1.0, abs=1e-12)


def test_constant_offset_of_one_level_is_48_13_db():
    a = np.full((16, 16, 3), 100, np.uint8)
    # MSE = 1  =>  PSNR = 10 log10(255^2) = 48.1308 dB
    assert psnr(a, a + 1) == pytest.approx(20 * math.log10(255), abs=1e-9)
    assert psnr(a, a + 1) == pytest.approx(48.1308, abs=1e-4)


def test_hand_computed_psnr_with_error_in_one_channel():
    a = np.full((10, 10, 3), 50, np.uint8)
    b = a.copy()
    b[..., 0] += 6  # squared error 36 in one of three channels: MSE = 12
    assert psnr(b, a) == pytest.approx(10 * math.log10(255**2 / 12), abs=1e-9)


def test_tensor_and_uint8_inputs_agree():
    a, b = _image(seed=1), _image(seed=2)
    ta = torch.from_numpy(a).permute(2, 0, 1).float() / 255
    tb = torch.from_numpy(b).permute(2, 0, 1).float() / 255
    assert psnr(ta, tb) == psnr(a, b)
    assert ssim(ta, tb) == ssim(a, b)
    assert ssim(ta.unsqueeze(0), b, quirks="public") == ssim(a, b, quirks="public")


def test_float_tensors_are_quantised_like_a_saved_image():
    a = _image()
    t = torch.from_numpy(a).permute(2, 0, 1).double() / 255
    # sub-level perturbations round away; values beyond [0, 1] are clipped as saving clips them
    assert psnr(t + 0.4 / 255, a) == math.inf
    assert psnr(t - 0.4 / 255, a) == math.inf
    assert psnr(torch.full((3, 8, 8), 1.3), np.full((8, 8, 3), 255, np.uint8)) == math.inf


def test_ssim_drops_with_noise_and_default_uses_gaussian_window():
    a = _image(64, 64)
    rng = np.random.default_rng(3)
    noisy = np.clip(a + rng.normal(0, 20, a.shape), 0, 255).astype(np.uint8)
    s = ssim(noisy, a)
    assert 0 < s < 0.9
    from skimage.metrics import structural_similarity
    uniform = structural_similarity(a.astype(float), noisy.astype(float), data_range=255, channel_axis=-1,
                                    use_sample_covariance=False)
    assert s != pytest.approx(uniform, abs=1e-4)  # the default is not the 7x7 uniform window


def test_public_quirks_ignore_the_border_frame():
    a = _image(48, 48)
    b = a.copy()
    c = PUBLIC_CROP_BORDER
    b[:c] = 0  # damage only the top frame of 4 rows
    assert psnr(b, a) < 30
    assert psnr(b, a, quirks="public") == math.inf
    assert ssim(b, a) < 0.99
    assert ssim(b, a, quirks="public") == pytest.approx(1.0)


def test_public_quirks_include_damage_one_pixel_inside_the_frame():
    a = _image(48, 48)
    b = a.copy()
    b[PUBLIC_CROP_BORDER] = 0
    assert psnr(b, a, quirks="public") < 40
    assert ssim(b, a, quirks="public") < 0.99


def test_public_mean_divides_by_n_minus_one():
    values = [20.0, 22.0, 24.0]
    assert mean_over_images(values) == pytest.approx(22.0)
    assert mean_over_images(values, quirks="public") == pytest.approx(33.0)
    # the quirk inflates every positive mean
    assert mean_over_images(values, quirks="public") > mean_over_images(values)
    with pytest.raises(ValueError, match="at least 2"):
        mean_over_images([1.0], quirks="public")
    with pytest.raises(ValueError, match="non-empty"):
        mean_over_images([])


def test_shape_and_dtype_errors_are_clear():
    a = _image(32, 32)
    with pytest.raises(ValueError, match="differ in size"):
        psnr(a, _image(32, 40))
    with pytest.raises(TypeError, match="uint8"):
        psnr(a.astype(np.float32), a)
    with pytest.raises(ValueError, match="H x W x 3"):
        ssim(a[..., 0].copy(), a[..., 0].copy())
    with pytest.raises(ValueError, match="3 x H x W"):
        psnr(torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8))
    with pytest.raises(TypeError, match="float"):
        psnr(torch.zeros(3, 8, 8, dtype=torch.uint8), a[:8, :8])
    with pytest.raises(ValueError, match="NaN"):
        psnr(torch.full((3, 8, 8), float("nan")), a[:8, :8])
    with pytest.raises(ValueError, match="too small"):
        ssim(a[:10, :10], a[:10, :10])
    with pytest.raises(ValueError, match="quirks"):
        psnr(a, a, quirks="matlab")
