import pytest
import torch

from enhancelib.study.tone_errors import explain_failure, tone_statistics


def test_tone_statistics_of_flat_images():
    grey = torch.full((3, 4, 4), 0.5)
    stats = tone_statistics(grey)
    assert stats["brightness"] == pytest.approx(0.5) and stats["saturation"] == pytest.approx(0.0)
    red = torch.zeros(3, 4, 4)
    red[0] = 1.0
    assert tone_statistics(red)["saturation"] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        tone_statistics(torch.zeros(4, 4))


def test_explain_failure_names_brightness_and_cast():
    target = torch.full((3, 8, 8), 0.5)
    assert "over-brightened" in explain_failure(torch.full((3, 8, 8), 0.8), target, torch.full((3, 8, 8), 0.3))
    assert "under-brightened" in explain_failure(torch.full((3, 8, 8), 0.35), target, torch.full((3, 8, 8), 0.3))
    bluish_input = target.clone()
    bluish_input[2] += 0.2
    text = explain_failure(bluish_input.clone(), target, bluish_input)
    assert "an excess of blue" in text and "left from the input" in text
    reddish = target.clone()
    reddish[0] -= 0.2
    assert "a lack of red" in explain_failure(reddish, target)
    assert "local" in explain_failure(target + 0.001, target)
