"""Haze probes: the lift edit, the fidelity comparison's bookkeeping, and domain levels."""
from __future__ import annotations

import pandas as pd
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


def test_crop_levels_measure_what_training_draws():
    from enhancelib.config import resolve_preset
    from enhancelib.data import load_data
    from enhancelib.study.haze import crop_levels

    train = load_data("benchmark", resolve_preset("smoke")).train
    crops = crop_levels(train, batches=3)
    assert list(crops.index) == ["low", "high"] and list(crops.columns) == list(TONE_LEVELS)
    assert crops.equals(crop_levels(train, batches=3))                    # a fixed seed draws the same crops
    whole = domain_levels({"low": train.low, "high": train.high})
    # a crop holds part of a photo's range: its 1st percentile cannot sit below the darkest photos' blacks
    assert (crops["black"] >= whole["black"].min() - 0.05).all()
    assert crops.loc["high", "mean"] > crops.loc["low", "mean"]        # the high-quality domain is the brighter


def test_domain_gap_is_high_minus_low_at_each_scale():
    from enhancelib.study.haze import domain_gap

    whole = pd.DataFrame({"black": [0.07, 0.13], "contrast": [0.15, 0.19]}, index=["low", "high"])
    crops = pd.DataFrame({"black": [0.10, 0.16], "contrast": [0.14, 0.18]}, index=["low", "high"])
    gap = domain_gap(whole, crops)
    assert list(gap.index) == ["whole photos", "training crops"]
    assert gap.loc["whole photos", "black, gap"] == pytest.approx(0.06)
    assert gap.loc["training crops", "contrast, gap"] == pytest.approx(0.04)
    assert gap.loc["training crops", "black, low"] == pytest.approx(0.10)
