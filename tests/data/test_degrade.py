"""The degradation model: seeded, resolution-independent, and each operation does what it says."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from enhancelib.data.benchmark import PHOTOS_DIR
from enhancelib.data.conversion import LUMA_709
from enhancelib.data.degrade import (
    DegradationParams,
    apply_exposure,
    degrade,
    degrade_steps,
    linear_to_srgb,
    sample_params,
    srgb_to_linear,
)
from enhancelib.data.images import load_rgb, resize_long_side, to_tensor

torch.set_num_threads(1)
NEUTRAL = DegradationParams()


@pytest.fixture(scope="module")
def photo() -> torch.Tensor:
    return resize_long_side(to_tensor(load_rgb(PHOTOS_DIR / "gcompris_erase_alpaca.jpg")), 192)


def grey(value: float, height: int = 20, width: int = 30) -> torch.Tensor:
    return torch.full((3, height, width), value, dtype=torch.float64)


def test_neutral_parameters_change_nothing(photo: torch.Tensor) -> None:
    assert torch.allclose(degrade(photo, NEUTRAL), photo, atol=1e-5)


def test_same_seed_same_params_same_image(photo: torch.Tensor) -> None:
    first = sample_params(np.random.default_rng(7))
    assert first == sample_params(np.random.default_rng(7))
    assert first != sample_params(np.random.default_rng(8))
    assert torch.equal(degrade(photo, first), degrade(photo, first))
    assert not torch.allclose(degrade(photo, first), photo, atol=0.02)


def test_numpy_in_numpy_out_matches_tensor_path(photo: torch.Tensor) -> None:
    params = sample_params(np.random.default_rng(1))
    array = photo.permute(1, 2, 0).numpy().astype(np.float32)
    result = degrade(array, params)
    assert isinstance(result, np.ndarray) and result.shape == array.shape and result.dtype == np.float32
    np.testing.assert_allclose(result, degrade(photo, params).permute(1, 2, 0).numpy(), atol=1e-6)
    batch = degrade(photo[None].repeat(2, 1, 1, 1), params)
    assert batch.shape == (2, *photo.shape) and torch.allclose(batch[1], degrade(photo, params))
    with pytest.raises(ValueError, match="to_tensor"):
        degrade((array * 255).astype(np.uint8), params)


def test_resolution_independent(photo: torch.Tensor) -> None:
    params = dataclasses.replace(sample_params(np.random.default_rng(3)), vignetting=0.5, gradient_stops=1.2,
                                 gradient_angle=30.0)
    small_then_degraded = degrade(resize_long_side(photo, 64), params)
    degraded_then_small = resize_long_side(degrade(photo, params), 64)
    error = (small_then_degraded - degraded_then_small).abs().mean().item()
    assert error < 0.01
    # the spatial terms are strong enough that getting their geometry wrong would show
    no_spatial = dataclasses.replace(params, vignetting=0.0, gradient_stops=0.0)
    assert (degrade(resize_long_side(photo, 64), no_spatial) - degraded_then_small).abs().mean().item() > 5 * error


def test_a_region_is_degraded_as_part_of_the_full_photo(photo: torch.Tensor) -> None:
    params = dataclasses.replace(sample_params(np.random.default_rng(4)), vignetting=0.4, gradient_stops=1.0)
    height, width = photo.shape[-2:]
    top, left, side = 10, 30, 60
    crop = photo[:, top:top + side, left:left + side]
    region = (top / height, left / width, (top + side) / height, (left + side) / width)
    expected = degrade(photo, params)[:, top:top + side, left:left + side]
    assert torch.allclose(degrade(crop, params, region=region), expected, atol=1e-5)
    assert not torch.allclose(degrade(crop, params), expected, atol=1e-2)


def test_minus_one_stop_halves_the_shadows_and_keeps_white() -> None:
    x = torch.linspace(0.0, 1.0, 41, dtype=torch.float64).view(1, 1, 41).expand(3, 4, 41)
    lin = srgb_to_linear(x)
    under = apply_exposure(lin, -1.0)
    # m_k(l) = k l / (1 + (k - 1) l) with k = 1/2: slope 1/2 at black, 1 -> 1
    assert torch.allclose(under, 0.5 * lin / (1 - 0.5 * lin))
    dark = lin[..., 1:4]
    assert torch.allclose(under[..., 1:4] / dark, torch.full_like(dark, 0.5), atol=0.01)
    assert under[..., -1].eq(1).all() and (under[..., 1:-1] < lin[..., 1:-1]).all()
    out = degrade(x, DegradationParams(exposure_stops=-1.0))
    assert torch.allclose(srgb_to_linear(out), under, atol=1e-6)
    brighter = degrade(x * 0.4, DegradationParams(exposure_stops=1.0))
    assert torch.allclose(srgb_to_linear(brighter), 2 * srgb_to_linear(x * 0.4), atol=1e-6)


def test_over_exposure_clips_highlights() -> None:
    out = degrade(grey(0.9), DegradationParams(exposure_stops=2.0))
    assert torch.allclose(out, torch.ones_like(out))


def test_saturation_reduces_chroma_and_keeps_luma(photo: torch.Tensor) -> None:
    out = degrade(photo, DegradationParams(saturation=0.5))
    chroma_before = (photo.amax(0) - photo.amin(0)).mean().item()
    chroma_after = (out.amax(0) - out.amin(0)).mean().item()
    assert chroma_after == pytest.approx(0.5 * chroma_before, rel=0.02)
    weights = torch.tensor(LUMA_709).view(3, 1, 1)
    assert torch.allclose((out * weights).sum(0), (photo * weights).sum(0), atol=1e-3)


def test_white_balance_casts_grey_keeps_white_and_luminance() -> None:
    params = DegradationParams(wb_red=1.2, wb_green=1.0, wb_blue=0.8)
    out = srgb_to_linear(degrade(grey(0.5), params))
    lin = srgb_to_linear(grey(0.5))
    assert torch.allclose(out[0], 1.2 * lin[0] / (1 + 0.2 * lin[0]))
    assert torch.allclose(out[2], 0.8 * lin[2] / (1 - 0.2 * lin[2]))
    assert (out[0] > lin[0]).all() and (out[2] < lin[2]).all()
    white = degrade(grey(1.0), params)
    assert torch.allclose(white, torch.ones_like(white))
    for seed in range(20):
        p = sample_params(np.random.default_rng(seed))
        luminance = np.dot(LUMA_709, [p.wb_red, p.wb_green, p.wb_blue])
        assert luminance == pytest.approx(1.0, abs=2e-4)


def test_vignetting_darkens_the_corners_by_its_strength() -> None:
    out = srgb_to_linear(degrade(grey(0.6, 41, 61), DegradationParams(vignetting=0.4)))
    lin = srgb_to_linear(grey(0.6))[0, 0, 0].item()
    assert out[0, 20, 30].item() == pytest.approx(lin, rel=1e-3)          # centre untouched
    assert out[0, 0, 0].item() == pytest.approx(0.6 * lin, rel=0.05)      # corners lose 40%


def test_light_gradient_spans_its_stops_along_its_direction() -> None:
    params = DegradationParams(gradient_stops=1.0, gradient_angle=0.0)  # brighter to the right
    out = srgb_to_linear(degrade(grey(0.3, 10, 200), params))
    ratio = (out[1, :, -1] / out[1, :, 0]).mean().item()
    assert ratio == pytest.approx(2.0, rel=0.02)
    down = srgb_to_linear(degrade(grey(0.3, 200, 10), dataclasses.replace(params, gradient_angle=90.0)))
    assert (down[1, -1] / down[1, 0]).mean().item() == pytest.approx(2.0, rel=0.02)


def test_tone_curve_flattens_mid_tones_and_keeps_black_and_white() -> None:
    ramp = torch.linspace(0, 1, 101, dtype=torch.float64).view(1, 1, 101).expand(3, 2, 101)
    flat = degrade(ramp, DegradationParams(contrast=0.6))
    assert flat.min().item() == pytest.approx(0.0, abs=1e-9) and flat.max().item() == pytest.approx(1.0)
    slope_mid = (flat[0, 0, 51] - flat[0, 0, 49]).item() / 0.02
    assert slope_mid == pytest.approx(0.6, rel=0.01)
    assert (flat[0, 0, 1:] >= flat[0, 0, :-1]).all()  # still monotonic
    bent = degrade(ramp, DegradationParams(gamma=1.5))
    assert torch.allclose(bent, ramp ** 1.5, atol=1e-6)


def test_degrade_steps_end_where_degrade_ends(photo: torch.Tensor) -> None:
    params = sample_params(np.random.default_rng(5))
    steps = degrade_steps(photo, params)
    assert [name for name, _ in steps] == ["original", "white balance", "exposure", "vignetting",
                                          "light gradient", "gamma", "tone curve", "saturation"]
    assert steps[0][1] is photo
    assert torch.allclose(steps[-1][1], degrade(photo, params), atol=1e-6)
    assert all(0 <= img.min() and img.max() <= 1 for _, img in steps)


def test_sampled_parameters_vary_realistically() -> None:
    draws = [sample_params(np.random.default_rng(seed)) for seed in range(300)]
    exposure = np.array([p.exposure_stops for p in draws])
    assert 0.5 < np.mean(exposure < 0) < 0.85          # mostly under-, sometimes over-exposed
    assert exposure.min() < -1 and exposure.max() > 0.5
    warm = np.mean([p.wb_red > p.wb_blue for p in draws])
    assert 0.3 < warm < 0.7                              # casts in both directions
    for p in draws[:20]:
        for value in p.to_dict().values():
            assert round(value, 4) == value             # a CSV record reproduces them exactly
        assert DegradationParams.from_dict(p.to_dict()) == p
    with pytest.raises(ValueError, match="Unknown degradation parameter"):
        DegradationParams.from_dict({"brightness": 1.0})


def test_transfer_functions_invert_each_other() -> None:
    x = torch.linspace(0, 1, 101, dtype=torch.float64)
    assert torch.allclose(linear_to_srgb(srgb_to_linear(x)), x, atol=1e-9)
