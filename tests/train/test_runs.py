"""Recorded runs: load_or_train, weights loading, architecture mismatch."""
import sys
from pathlib import Path

import pytest
import torch

import enhancelib.paths as paths
import enhancelib.train.runs as runs
from enhancelib.inference import load_run_enhancer
from enhancelib.recipes import register_recipe
from enhancelib.train import CheckpointError, RunSpec, load_or_train, train

sys.path.insert(0, str(Path(__file__).parent))
from tiny_recipe import TinyRecipe, tiny_generator  # noqa: E402

register_recipe("tiny", TinyRecipe, generator=tiny_generator)
FIELDS = {"max_steps": 4, "checkpoint_every": 2, "eval_every": 2}


def test_load_or_train_uses_the_record_when_configs_match(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "RUNS_DIR", tmp_path / "recorded")
    monkeypatch.setenv("ENHANCELIB_RUNS", str(tmp_path / "local"))
    spec = RunSpec(recipe="tiny", preset="smoke", preset_overrides=FIELDS)
    train(spec, tmp_path / "recorded" / "ch" / "main", progress=False)
    stamp = (tmp_path / "recorded" / "ch" / "main" / "metrics.json").stat().st_mtime_ns
    run = load_or_train(spec, "ch", "main", progress=False)
    assert run.path == tmp_path / "recorded" / "ch" / "main"
    assert (run.path / "metrics.json").stat().st_mtime_ns == stamp  # not retrained
    other = load_or_train(RunSpec(recipe="tiny", preset="smoke", seed=5, preset_overrides=FIELDS), "ch", "main",
                          progress=False)
    assert other.path.parent == tmp_path / "local" / "ch" and other.metrics["steps"] == 4


def test_recorded_weights_enhance_and_mismatch_is_clear(tmp_path):
    spec = RunSpec(recipe="tiny", preset="smoke", preset_overrides=FIELDS)
    path = train(spec, tmp_path / "run", progress=False)
    enhancer = load_run_enhancer(runs.load_run(path).path)
    out = enhancer(torch.rand(1, 3, 20, 30))
    assert out.shape == (1, 3, 20, 30) and 0 <= out.min() and out.max() <= 1
    # the same weights read by a recipe of another width fail with a readable message
    (path / "config.json").write_text((path / "config.json").read_text().replace('"width": 3', '"width": 5'))
    with pytest.raises(CheckpointError, match="does not match the model architecture"):
        runs.RecordedRun(path).recipe()


def test_a_record_made_before_an_option_existed_matches_that_option_at_its_default():
    spec = RunSpec(recipe="tiny", preset="smoke", preset_overrides=FIELDS)
    recorded = spec.config()
    del recorded["options"]["stage_until"]          # as if the option was added after the record
    assert runs.same_config(recorded, spec)
    changed = RunSpec(recipe="tiny", preset="smoke", preset_overrides=FIELDS, options={"stage_until": 3})
    assert not runs.same_config(recorded, changed)  # a non-default value is a different run
    recorded["options"]["width"] = 4                 # any other difference still counts
    assert not runs.same_config(recorded, spec)
