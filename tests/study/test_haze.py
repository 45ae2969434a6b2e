"""Haze probes: the lift edit, the fidelity comparison's bookkeeping, and domain levels."""
from __future__ import annotations

import pytest
import torch

from enhancelib.metrics.tone import TONE_LEVELS
from enhancelib.nn.vgg import load_vgg
from enhancelib.study.haze import domain_levels, fidelity_blindness, hazed


def test_hazed_lifts_black_and_keeps_white():
    photo = torch.tensor([0.0, 0.5, 1.0]).view(3, 1, 1)
    assert torch.allclose(hazed(photo, 0.2).flatten(), torch.tensor([0.2, 0.6, 1.0]))


def test_fidelity_blindness_compares_each_haze_with_noise_of_the_same_pixel_error():
    torch.manual_seed(0)
    photos = [torch.rand(3, 32, 32) * 0.8 + 0.1 for _ in range(2)]
    frame = fidelity_blindness(photos, load_vgg("random", upto="relu5_1"), lifts=(0.1, 0.2))
    assert len(frame) == 4 and set(frame["lift"]) == {0.1, 0.2}
    # the noise is scaled to the haze's pixel error: equal up to clipping at 0 and 1
    assert frame["ratio_pixel"].between(0.9, 1.2).all()
    assert (frame.groupby("lift")["psnr"].mean().diff().dropna() < 0).all()   # a bigger lift is a bigger error
    assert frame["ratio_fidelity"].gt(0).all()


def test_domain_levels_reads_uint8_and_float_photos_alike():
    grey = torch.full((3, 8, 8), 0.5)
    table = domain_levels({"float": [grey], "uint8": [(grey * 255).round().to(torch.uint8)]})
    assert list(table.columns) == list(TONE_LEVELS)
    assert table.loc["float", "mean"] == pytest.approx(table.loc["uint8", "mean"], abs=1e-3)
