"""The flat render: its equations on hand-made pixels, its parameters, and the committed test-set file."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from enhancelib.data.degrade_flat import (FLAT_SEED, FlatRenderParams, flat_render, make_flat_params, read_flat_params,
                                          sample_flat_params, write_flat_params)


def test_identity_parameters_change_nothing():
    image = torch.rand(3, 8, 12)
    assert torch.allclose(flat_render(image, FlatRenderParams()), image, atol=1e-6)


def test_levels_map_black_and_white_where_the_parameters_say():
    black = torch.zeros(3, 4, 4)
    white = torch.ones(3, 4, 4)
    params = FlatRenderParams(black=0.1, white=0.8)
    assert torch.allclose(flat_render(black, params), torch.full_like(black, 0.1))
    assert torch.allclose(flat_render(white, params), torch.full_like(white, 0.8))


def test_exposure_power_acts_on_luma_and_keeps_channel_ratios():
    pixel = torch.tensor([0.4, 0.2, 0.1]).view(3, 1, 1)
    out = flat_render(pixel, FlatRenderParams(exposure_power=2.0))
    luma = 0.299 * 0.4 + 0.587 * 0.2 + 0.114 * 0.1
    # x <- x Y^(p-1): every channel scaled by the same factor Y
    assert torch.allclose(out, pixel * luma, atol=1e-6)


def test_saturation_pulls_channels_towards_their_maximum():
    pixel = torch.tensor([0.8, 0.4, 0.2]).view(3, 1, 1)
    out = flat_render(pixel, FlatRenderParams(saturation=0.5)).flatten()
    assert torch.allclose(out, torch.tensor([0.8, 0.6, 0.5]), atol=1e-6)


def test_vignetting_follows_the_cos4_law_in_the_corners():
    image = torch.ones(3, 200, 200) * 0.5
    out = flat_render(image, FlatRenderParams(half_field_degrees=30.0))
    centre = out[0, 99:101, 99:101].mean()
    corner = out[0, 0, 0]
    assert centre == pytest.approx(0.5, abs=1e-3)
    # the corner pixel's centre lies just inside the corner: rho = 0.995
    expected = 0.5 * math.cos(math.atan(0.995 * math.tan(math.radians(30.0)))) ** 4
    assert corner.item() == pytest.approx(expected, abs=1e-4)


def test_shadow_tint_fades_to_nothing_at_white():
    params = FlatRenderParams(tint_red=0.05)
    assert flat_render(torch.ones(3, 2, 2), params)[0].max() == pytest.approx(1.0)
    assert flat_render(torch.zeros(3, 2, 2), params)[0].max() == pytest.approx(0.05)


def test_parameters_are_reproducible_and_round_trip_through_csv(tmp_path):
    names = ["a.jpg", "b.jpg", "c.jpg"]
    first, second = make_flat_params(names), make_flat_params(names)
    assert first == second
    assert make_flat_params(names[:1])["a.jpg"] == first["a.jpg"]  # adding photos changes no one else's
    write_flat_params(tmp_path / "flat.csv", first)
    assert read_flat_params(tmp_path / "flat.csv") == first


def test_sampled_parameters_stay_in_their_documented_ranges():
    rng = np.random.default_rng(FLAT_SEED)
    for _ in range(200):
        p = sample_flat_params(rng)
        assert 0.7 - 1e-4 <= p.exposure_power <= 1.6 + 1e-4
        assert 0.04 - 1e-4 <= p.black <= 0.16 + 1e-4 and 0.72 - 1e-4 <= p.white <= 0.95 + 1e-4
        assert 0.55 - 1e-4 <= p.saturation <= 0.9 + 1e-4
        assert math.hypot(p.tint_red, p.tint_green, p.tint_blue) <= 0.06 * math.sqrt(1.5) + 1e-3


def test_bad_input_and_unknown_parameters_are_clear_errors():
    with pytest.raises(ValueError, match="3 x H x W"):
        flat_render(torch.zeros(4, 4), FlatRenderParams())
    with pytest.raises(ValueError, match="Unknown flat-render parameter"):
        FlatRenderParams.from_dict({"blackness": 1})
