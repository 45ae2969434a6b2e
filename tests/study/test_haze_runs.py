"""The haze read from sample strips: panel splitting, per-run rows, pools and the judged candidates."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from enhancelib.metrics.tone import tone_levels
from enhancelib.study import haze_runs
from enhancelib.study.haze_runs import haze_differences, pool_sample_haze, run_sample_haze, strip_levels, variant_haze


def _panel(black: float, white: float, size: int = 24) -> np.ndarray:
    """A horizontal ramp from ``black`` to ``white`` (a grey photo with known levels)."""
    ramp = np.linspace(black, white, size)[None, :, None].repeat(size, 0).repeat(3, 2)
    return (ramp * 255).round().astype(np.uint8)


def _write_strip(path, output_black: float) -> None:
    strip = np.concatenate([_panel(0.0, 0.6), _panel(output_black, 1.0), _panel(0.0, 1.0)], axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(strip).save(path, format="PNG")    # PNG data under a .jpg name: lossless, levels known exactly


def _record(root, chapter, run, lifts):
    folder = root / chapter / run
    for k, lift in enumerate(lifts):
        _write_strip(folder / "samples" / f"photo{k}.jpg", lift)
    (folder / "config.json").write_text(json.dumps({}))


def test_strip_levels_reads_each_panel_apart(tmp_path):
    _write_strip(tmp_path / "s.jpg", 0.2)
    levels = strip_levels(tmp_path / "s.jpg")
    import torch

    expected = tone_levels(torch.from_numpy(_panel(0.2, 1.0)).permute(2, 0, 1).float() / 255)
    assert levels["output"] == pytest.approx(expected)
    assert levels["input"]["white"] < 0.62 and levels["target"]["black"] < 0.02


def test_strip_levels_refuses_an_image_that_is_not_a_strip(tmp_path):
    Image.new("RGB", (50, 20)).save(tmp_path / "odd.png")
    with pytest.raises(ValueError, match="not a sample strip"):
        strip_levels(tmp_path / "odd.png")


def test_run_sample_haze_is_lifted_black_plus_lost_contrast(tmp_path):
    _record(tmp_path, "uegan", "full-seed0", [0.0, 0.3])
    rows = run_sample_haze(tmp_path / "uegan" / "full-seed0")
    assert list(rows["name"]) == ["photo0.jpg", "photo1.jpg"]
    assert rows.loc[0, "haze"] == pytest.approx(0.0, abs=1e-9)            # output == target
    assert rows.loc[1, "haze"] == pytest.approx(rows.loc[1, "black_lift"] + rows.loc[1, "contrast_loss"])
    assert rows.loc[1, "black_lift"] > 0.25 and rows.loc[1, "contrast_loss"] > 0
    assert (rows["haze_input"] > 0).all()                                  # the dim input has lost contrast
    with pytest.raises(FileNotFoundError, match="no sample strips"):
        run_sample_haze(tmp_path / "nothing")


def test_pools_and_candidates_use_the_registered_seed_pools(tmp_path, monkeypatch):
    names = ["full-seed0", "full-seed1", "quiet-seed0", "quiet-seed1"]
    monkeypatch.setattr("enhancelib.study.judging.seed_pool",
                        lambda chapter, name: [n for n in names if n.startswith(name + "-")])
    monkeypatch.setattr(haze_runs, "seed_pool", lambda chapter, name: [n for n in names if n.startswith(name + "-")])
    lifts = {"full-seed0": [0.20, 0.30, 0.25], "full-seed1": [0.22, 0.28, 0.30],
             "quiet-seed0": [0.00, 0.05, 0.02], "quiet-seed1": [0.01, 0.04, 0.03]}
    for run, values in lifts.items():
        _record(tmp_path, "uegan", run, values)
    pool = pool_sample_haze("uegan", ["full-seed0", "full-seed1", "missing-seed9"], tmp_path)
    assert sorted(pool["run"].unique()) == ["full-seed0", "full-seed1"] and len(pool) == 6
    per_run = variant_haze("uegan", ["quiet", "full"], tmp_path)
    assert list(per_run["experiment"]) == ["quiet", "quiet", "full", "full"]
    by_hand = run_sample_haze(tmp_path / "uegan" / "full-seed1")["haze"].mean()
    assert per_run.set_index("run").loc["full-seed1", "haze"] == pytest.approx(by_hand)
    table = haze_differences({"quiet - full": ("uegan", ("quiet",), ("full",))}, tmp_path)
    row = table.loc["quiet - full"]
    assert row["runs A"] == 2 and row["runs B"] == 2 and row["photos"] == 3
    assert table["runs A"].dtype.kind == "i"
    assert row["Δ haze"] == pytest.approx(row["haze A"] - row["haze B"])
    assert row["verdict"] == "quiet better"                                # less haze is better


def test_grouped_run_haze_keeps_the_groups_order_and_skips_what_is_not_recorded(tmp_path, monkeypatch):
    names = {"uegan": ["full-seed0", "long-seed0"], "qagan": ["full-seed0"]}
    monkeypatch.setattr(haze_runs, "seed_pool", lambda chapter, name: [n for n in names[chapter] if n.startswith(name)])
    _record(tmp_path, "uegan", "long-seed0", [0.0, 0.1])
    _record(tmp_path, "uegan", "full-seed0", [0.3, 0.2])
    _record(tmp_path, "qagan", "full-seed0", [0.1, 0.1])
    groups = {"long": ("uegan", ("long",)), "none": ("uegan", ("ghost",)), "1x": ("uegan", ("full",)),
              "qagan": ("qagan", ("full",))}
    frame = haze_runs.grouped_run_haze(groups, tmp_path)
    assert list(frame["group"]) == ["long", "1x", "qagan"]
    assert list(frame["chapter"]) == ["uegan", "uegan", "qagan"]
    assert frame.loc[0, "haze"] < frame.loc[1, "haze"]
