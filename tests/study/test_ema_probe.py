"""The averaged and the live generator of a finished run, scored side by side."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch

from enhancelib.data.sets import PairedImage
from enhancelib.recipes import register_recipe
from enhancelib.study import ema_probe as probe
from enhancelib.train import RunSpec, train

sys.path.insert(0, str(Path(__file__).parents[1] / "train"))
from tiny_recipe import TinyRecipe, tiny_generator  # noqa: E402

register_recipe("tiny", TinyRecipe, generator=tiny_generator)


@pytest.fixture(scope="module")
def averaged_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    train(RunSpec(recipe="tiny", preset="smoke", preset_overrides={"max_steps": 3, "ema_decay": 0.5}), folder,
          progress=False)
    return folder


def test_live_state_is_the_recipe_network_whose_keys_are_the_averages(averaged_run):
    checkpoint = torch.load(averaged_run / "checkpoint.pt", weights_only=True)
    live = probe.live_generator_state(checkpoint)
    assert set(live) == set(checkpoint["ema"])
    assert any(not torch.equal(live[k], checkpoint["ema"][k]) for k in live)   # three steps moved the average apart
    with pytest.raises(ValueError, match="no averaged generator"):
        probe.live_generator_state({**checkpoint, "ema": {}})


def test_live_enhancer_differs_from_the_averaged_one(averaged_run):
    from enhancelib.inference import load_run_enhancer

    x = torch.rand(1, 3, 16, 16)
    assert not torch.allclose(probe.live_enhancer(averaged_run)(x), load_run_enhancer(averaged_run)(x))
    with pytest.raises(FileNotFoundError, match="no checkpoint.pt"):
        probe.live_enhancer(averaged_run.parent)


def test_probe_scores_both_generators_and_caches_them(averaged_run, monkeypatch):
    photos = [PairedImage(f"p{k}", torch.rand(3, 16, 16), torch.rand(3, 16, 16)) for k in range(2)]
    monkeypatch.setattr(probe, "load_test_sets", lambda: {"test": photos, "identity": photos})
    frame = probe.ema_probe(averaged_run, progress=False)
    assert sorted(frame["generator"].unique()) == ["average", "live"] and len(frame) == 8
    assert (averaged_run / probe.PROBE_FILE).is_file()
    provenance = json.loads((averaged_run / "ema_probe.json").read_text())
    assert provenance["step"] == 3 and "commit" in provenance
    pd.testing.assert_frame_equal(probe.ema_probe(averaged_run), frame, check_dtype=False, atol=1e-4)


def test_ema_differences_judge_live_against_average_as_one_family():
    rows = []
    for set_name in ("test", "flat", "identity"):
        for k in range(6):
            for generator, shift in (("average", 0.0), ("live", 1.0 + 0.1 * k)):
                rows.append({"set": set_name, "name": f"p{k}", "generator": generator, "psnr": 20 + shift,
                             "ssim": 0.9 - 0.001 * shift, "black": 0.10 + 0.01 * shift, "contrast": 0.2})
    targets = pd.DataFrame({"name": [f"p{k}" for k in range(6)], "black": 0.1, "contrast": 0.2})
    table = probe.ema_differences(pd.DataFrame(rows), targets)
    assert list(table.index) == ["test psnr: live - average", "flat psnr: live - average", "test haze: live - average",
                                 "flat haze: live - average", "identity ssim: live - average"]
    assert table.columns[0] == "Δ (live - average)" and not any(c.startswith("Δ ") for c in table.columns[1:])
    assert table.loc["flat psnr: live - average", "Δ (live - average)"] == pytest.approx(1.25)
    assert table.loc["flat haze: live - average", "Δ (live - average)"] == pytest.approx(0.0125)
    assert table.loc["test psnr: live - average", "verdict"] == "test psnr: live better"
    assert table.loc["flat haze: live - average", "verdict"] == "average better"       # less haze is better
    assert table.loc["identity ssim: live - average", "verdict"] == "average better"
