"""Chapter 00's tables: what each photo needs, the operators' gains by need, the verdicts by the one rule."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from enhancelib.data.sets import PairedSet
from enhancelib.study.papers import benchmark


def _pair_set() -> PairedSet:
    dark = torch.full((3, 8, 8), 0.25)
    bright = torch.full((3, 8, 8), 0.5)
    # a photo that needs one stop of brightening, one that needs none, one that needs darkening
    return PairedSet(["up", "same", "down"], [dark, bright, bright], [bright, bright, dark])


def test_photo_needs_are_stops_from_input_to_target():
    needs = benchmark.photo_needs(_pair_set())
    assert needs.loc["up", "needed change (stops)"] == pytest.approx(1.0, abs=1e-6)
    assert needs.loc["same", "needed change (stops)"] == pytest.approx(0.0, abs=1e-6)
    assert needs.loc["down", "needed change (stops)"] == pytest.approx(-1.0, abs=1e-6)
    assert list(needs["needs brightening"]) == [True, False, False]
    assert benchmark.need_counts(needs) == {"need brightening": 1, "need no brightening": 2}


def _scores(method: str, psnr: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"method": method, "name": ["up", "same", "down"], "psnr": psnr, "ssim": [0.8, 0.8, 0.8]})


def test_baseline_table_splits_the_gain_by_need():
    per_image = pd.concat([_scores("input", [10.0, 20.0, 30.0]), _scores("autocontrast", [13.0, 19.0, 27.0])])
    table = benchmark.baseline_table(per_image, benchmark.photo_needs(_pair_set()))
    assert table.loc["autocontrast", "PSNR"] == pytest.approx(59 / 3)
    assert table.loc["autocontrast", "Δ PSNR, needs brightening (1)"] == pytest.approx(3.0)
    assert table.loc["autocontrast", "Δ PSNR, needs none (2)"] == pytest.approx(-2.0)
    assert table.loc["input", "Δ PSNR, needs none (2)"] == 0.0
    assert "NIQE" not in table   # not scored: the column is left out, not shown empty


def test_operator_verdicts_are_one_family_per_metric():
    rng = np.random.default_rng(1)
    names = [f"p{i}" for i in range(30)]
    base = rng.normal(18, 2, 30)
    rows = [pd.DataFrame({"method": "input", "name": names, "psnr": base, "ssim": base / 25})]
    for method, shift in (("autocontrast", 1.5), ("clahe", 0.0), ("histogram_equalisation", -2.0),
                          ("gray_world_auto_gamma", 0.1)):
        noisy = base + shift + rng.normal(0, 0.5, 30)
        rows.append(pd.DataFrame({"method": method, "name": names, "psnr": noisy, "ssim": noisy / 25}))
    verdicts = benchmark.operator_verdicts(pd.concat(rows))
    psnr = verdicts.loc["PSNR"]
    assert psnr.loc["autocontrast - input", "verdict"] == "autocontrast better"
    assert psnr.loc["histogram_equalisation - input", "verdict"] == "input better"
    assert psnr.loc["clahe - input", "verdict"] == "no difference shown"
    assert set(verdicts.index.get_level_values(0)) == {"PSNR", "SSIM"}


def test_the_committed_split_and_licences_add_up():
    counts = benchmark.split_counts()
    photos = benchmark.manifest()
    assert sum(counts.values()) == len(photos) and counts["test"] > 0
    table = benchmark.licence_counts(photos)
    assert table.loc["licence", "photos"].sum() == table.loc["source", "photos"].sum() == len(photos)
