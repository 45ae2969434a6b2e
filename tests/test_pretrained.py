"""``enhancelib.pretrained``: every name loads with one call and is the model its record scored.

The record of a main model keeps its generator in half precision
(``generator.pt``) beside the per-photo test scores the training run computed
in float32. Enhancing a few test photos with the loaded model must give those
scores again, up to the rounding of the stored weights: a wrong file, wrong
options, or a preparation step (GleNet's batch-norm calibration) that the
saved weights lack would move them by far more.
"""
from __future__ import annotations

import pandas as pd
import pytest

import enhancelib
from enhancelib.config import ParameterError, resolve_preset
from enhancelib.data.benchmark import degraded_pair, read_degradation, read_split
from enhancelib.metrics import psnr, ssim
from enhancelib.paths import RUNS_DIR
from enhancelib.study.experiments import EXPERIMENTS

PHOTOS = 3
"""Test photos enhanced per model (the first ones by name)."""
EVAL_LONG_SIDE = resolve_preset("cpu").eval_long_side
"""The cpu preset's evaluation size, at which the records were scored."""
PSNR_TOLERANCE = 0.05
"""dB: what storing the weights in half precision may move a photo's PSNR."""


def _test_photos() -> list[str]:
    split = read_split()
    return sorted(name for name, part in split.items() if part == "test")[:PHOTOS]


@pytest.mark.parametrize("name", sorted(enhancelib.PRETRAINED))
def test_pretrained_model_scores_what_its_record_says(name: str) -> None:
    chapter, run_name = enhancelib.PRETRAINED[name].split("/")
    assert EXPERIMENTS[(chapter, run_name)].keep_weights, f"{name}: its experiment does not keep weights"
    enhancer = enhancelib.pretrained(name)
    recorded = pd.read_csv(RUNS_DIR / chapter / run_name / "per_image_test.csv").set_index("name")
    params = read_degradation()
    for photo in _test_photos():
        low, clean = degraded_pair(photo, EVAL_LONG_SIDE, params[photo])
        out, clean = enhancer(low[None].float() / 255)[0], clean.float() / 255
        assert out.shape == low.shape and 0.0 <= float(out.min()) and float(out.max()) <= 1.0
        score = psnr(out, clean)
        assert score == pytest.approx(recorded.loc[photo, "psnr"], abs=PSNR_TOLERANCE), (name, photo)
        assert ssim(out, clean) == pytest.approx(recorded.loc[photo, "ssim"], abs=0.002), (name, photo)


def test_unknown_name_names_the_choices_and_the_closest() -> None:
    with pytest.raises(ParameterError, match=r"Did you mean 'uegan'\?"):
        enhancelib.pretrained("uegann")
    with pytest.raises(ParameterError, match="available"):
        enhancelib.pretrained("no-such-model")


def test_a_missing_record_says_how_to_train_it(monkeypatch) -> None:
    monkeypatch.setitem(enhancelib.PRETRAINED, "ghost", "uegan/never-recorded")
    with pytest.raises(FileNotFoundError, match="reproduce"):
        enhancelib.pretrained("ghost")
