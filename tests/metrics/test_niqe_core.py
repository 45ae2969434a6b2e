"""The pieces of NIQE: gray conversion, window, MSCN, AGGD fit, MVG distance."""
import numpy as np
import pytest
from scipy.special import gamma

from enhancelib.metrics.niqe_core import (aggd_fit, block_features, gaussian_window, mscn, mvg_distance,
                                          niqe_features, rgb2gray_matlab)
from enhancelib.metrics.noref import NIQE_PARAMS_PATH


def test_rgb2gray_is_matlabs_rounded_weighted_sum():
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [200, 200, 200]]], np.uint8)
    # MATLAB: rgb2gray(uint8([255 0 0])) = 76, [0 255 0] -> 150, [0 0 255] -> 29
    np.testing.assert_array_equal(rgb2gray_matlab(rgb), [[76, 150, 29, 200]])


def test_window_is_fspecial_gaussian_as_in_the_official_file():
    w = gaussian_window()
    assert w.shape == (7, 7) and w.sum() == pytest.approx(1.0)
    with np.load(NIQE_PARAMS_PATH) as data:
        np.testing.assert_allclose(w, data["gaussian_window"], atol=1e-15)


def test_mscn_is_zero_on_flat_areas_and_normalised_elsewhere():
    rng = np.random.default_rng(0)
    img = np.full((30, 30), 255.0)
    img[:, 15:] = rng.uniform(0, 255, (30, 15))
    coefficients = mscn(img, gaussian_window())
    assert np.all(coefficients[:, :8] == 0.0)  # exact zeros, not rounding noise
    assert 0.3 < coefficients[:, 20:].std() < 3


def test_aggd_fit_recovers_gaussian_and_laplacian_shapes():
    rng = np.random.default_rng(0)
    samples = np.stack([rng.normal(0, 1, 200_000), rng.laplace(0, 1, 200_000)])
    alpha, beta_l, beta_r = aggd_fit(samples)
    assert alpha[0] == pytest.approx(2.0, abs=0.05)
    assert alpha[1] == pytest.approx(1.0, abs=0.05)
    # symmetric distributions: equal scales; for the Gaussian beta = sqrt(2) sigma
    assert beta_l[0] == pytest.approx(beta_r[0], rel=0.02) and beta_l[0] == pytest.approx(np.sqrt(2), rel=0.02)


def test_aggd_fit_sees_asymmetry():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, 100_000)
    skewed = np.where(x < 0, 0.5 * x, 2.0 * x)[None]
    alpha, beta_l, beta_r = aggd_fit(skewed)
    assert beta_r[0] / beta_l[0] == pytest.approx(4.0, rel=0.05)
    features = block_features(skewed.reshape(1, 100, 1000))
    assert features.shape == (1, 18)
    # the pairwise-product means (eta) follow eq. 8 from their own AGGD parameters
    a, eta, bl, br = features[0, 2:6]
    assert eta == pytest.approx((br - bl) * gamma(2 / a) / gamma(1 / a))


def test_features_have_two_scales_of_eighteen():
    img = np.random.default_rng(2).uniform(0, 255, (192, 288))
    assert niqe_features(img).shape == (6, 36)


def test_mvg_distance_is_zero_at_the_model_mean_and_handles_nan_rows():
    rng = np.random.default_rng(3)
    mu, cov = rng.normal(size=36), np.eye(36)
    features = mu + rng.normal(0, 1e-9, (10, 36))
    assert mvg_distance(features, mu, cov) == pytest.approx(0.0, abs=1e-6)
    shifted = features + 2.0
    features_with_nan = np.vstack([shifted, np.full((1, 36), np.nan)])
    assert mvg_distance(features_with_nan, mu, cov) == pytest.approx(mvg_distance(shifted, mu, cov))
    assert np.isnan(mvg_distance(np.full((3, 36), np.nan), mu, cov))
