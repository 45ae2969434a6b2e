"""MATLAB-style antialiased bicubic downscaling, checked against PIL's independent resampler."""
import numpy as np
import pytest
from PIL import Image

from enhancelib.metrics.matlab_resize import imresize_matlab, resize_weights


def _pil_half(img: np.ndarray) -> np.ndarray:
    h, w = img.shape
    pil = Image.fromarray(img.astype(np.float32), mode="F")
    return np.asarray(pil.resize((w // 2, h // 2), Image.Resampling.BICUBIC), dtype=np.float64)


def test_interior_matches_pil_bicubic_with_the_same_kernel():
    img = np.random.default_rng(0).uniform(0, 255, (40, 60))
    ours, pil = imresize_matlab(img, 0.5), _pil_half(img)
    assert ours.shape == (20, 30)
    # PIL truncates the kernel at the border instead of mirroring: compare the interior only
    np.testing.assert_allclose(ours[3:-3, 3:-3], pil[3:-3, 3:-3], atol=1e-3)
    assert np.abs(ours - pil).max() > 1.0  # ...and the borders really differ


def test_borders_are_mirror_symmetric():
    img = np.random.default_rng(1).uniform(0, 255, (24, 32))
    pad = 8  # even, so the output grid of the padded image lines up with ours
    padded = np.pad(img, pad, mode="symmetric")  # MATLAB's aux = [1:n, n:-1:1]
    expected = _pil_half(padded)[pad // 2:-pad // 2, pad // 2:-pad // 2]
    np.testing.assert_allclose(imresize_matlab(img, 0.5), expected, atol=1e-3)


def test_weights_are_normalised_and_constants_survive():
    w = resize_weights(17, 0.5)
    assert w.shape == (9, 17)  # ceil(17 / 2)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    np.testing.assert_allclose(imresize_matlab(np.full((10, 14), 37.5), 0.5), 37.5)


def test_only_downscaling_of_2d_arrays():
    with pytest.raises(ValueError, match="downscales"):
        imresize_matlab(np.zeros((8, 8)), 2.0)
    with pytest.raises(ValueError, match="2-D"):
        imresize_matlab(np.zeros((8, 8, 3)), 0.5)
