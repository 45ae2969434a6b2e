"""Tone levels and haze, on images whose levels are known by construction."""
from __future__ import annotations

import pytest
import torch

from enhancelib.metrics.tone import TONE_LEVELS, haze, tone_levels


def test_a_grey_ramp_has_the_levels_of_its_values():
    ramp = torch.linspace(0, 1, 256).view(1, 1, 256).expand(3, 4, 256)
    levels = tone_levels(ramp)
    assert list(levels) == list(TONE_LEVELS)
    assert levels["black"] == pytest.approx(0.01, abs=0.005)
    assert levels["white"] == pytest.approx(0.99, abs=0.005)
    assert levels["mean"] == pytest.approx(0.5, abs=1e-3)
    assert levels["contrast"] == pytest.approx(1 / 12 ** 0.5, abs=5e-3)
    assert levels["saturation"] == pytest.approx(0.0)


def test_saturation_is_the_mean_spread_between_channels():
    image = torch.zeros(3, 2, 2)
    image[0] = 1.0  # pure red everywhere: max - min = 1
    assert tone_levels(image)["saturation"] == pytest.approx(1.0)


def test_lifting_black_and_flattening_raises_haze():
    photo = torch.rand(3, 32, 32)
    milky = 0.2 + 0.6 * photo
    assert haze(tone_levels(photo), tone_levels(photo)) == 0
    assert haze(tone_levels(milky), tone_levels(photo)) > 0.1
    assert haze(tone_levels(photo), tone_levels(milky)) < -0.1


def test_wrong_shape_is_a_clear_error():
    with pytest.raises(ValueError, match="3 x H x W"):
        tone_levels(torch.zeros(1, 3, 4, 4))
