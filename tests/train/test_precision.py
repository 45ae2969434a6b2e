"""Mixed precision: float16 on CUDA, bfloat16 on the CPU, float32 when off."""
import json
import sys
from pathlib import Path

import pytest
import torch

from enhancelib.config import resolve_preset
from enhancelib.recipes import register_recipe
from enhancelib.study.experiments import experiment
from enhancelib.train import RunSpec, train
from enhancelib.train import engine, precision
from enhancelib.train.precision import autocast_dtype

sys.path.insert(0, str(Path(__file__).parent))
from tiny_recipe import TinyRecipe  # noqa: E402

register_recipe("tiny", TinyRecipe)


def test_the_format_follows_the_device(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_native_bfloat16", lambda: True)
    assert autocast_dtype(False, torch.device("cpu")) is None
    assert autocast_dtype(False, torch.device("cuda")) is None
    assert autocast_dtype(True, torch.device("cuda")) is torch.float16
    assert autocast_dtype(True, torch.device("cpu")) is torch.bfloat16


def test_a_cpu_without_native_bfloat16_gets_a_warning_naming_the_fix(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_native_bfloat16", lambda: False)
    with pytest.warns(UserWarning, match="amp=False"):
        autocast_dtype(True, torch.device("cpu"))


def test_recipe_autocast_runs_convolutions_in_bfloat16_without_loss_scaling(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_native_bfloat16", lambda: True)
    conv = torch.nn.Conv2d(3, 4, 3)
    x = torch.rand(1, 3, 8, 8)
    on = TinyRecipe(resolve_preset("smoke", {"amp": True}), torch.device("cpu"))
    off = TinyRecipe(resolve_preset("smoke"), torch.device("cpu"))
    with on.autocast():
        assert conv(x).dtype is torch.bfloat16
    with off.autocast():
        assert conv(x).dtype is torch.float32
    assert on.amp_dtype is torch.bfloat16 and not on.scaler.is_enabled()
    assert off.amp_dtype is None and not off.scaler.is_enabled()


def test_provenance_records_the_training_precision_and_bfloat16_keeps_freed_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_native_bfloat16", lambda: True)
    calls = []
    monkeypatch.setattr(engine, "reuse_freed_memory", lambda: calls.append(True) or True)
    spec = RunSpec(recipe="tiny", preset="smoke", preset_overrides={"amp": True, "max_steps": 2})
    run = train(spec, tmp_path / "run", progress=False)
    prov = json.loads((run / "provenance.json").read_text())
    assert prov["amp"] is True and prov["amp_dtype"] == "bfloat16"
    assert calls == [True]
    run = train(RunSpec(recipe="tiny", preset="smoke", preset_overrides={"max_steps": 2}), tmp_path / "b", progress=False)
    prov = json.loads((run / "provenance.json").read_text())
    assert prov["amp"] is False and prov["amp_dtype"] is None
    assert calls == [True], "a float32 run leaves the allocator alone"


def test_bfloat16_experiments_switch_amp_on_every_preset():
    item = experiment("uegan", "bf16-seed1")
    for preset in ("smoke", "cpu", "gpu"):
        assert item.spec(preset).resolved_preset().amp is True
    assert experiment("uegan", "full-seed1").spec("cpu").resolved_preset().amp is False


def test_benchmarks_skip_emulated_bfloat16_unless_asked(monkeypatch, capsys):
    import argparse

    monkeypatch.setattr(precision, "cpu_has_native_bfloat16", lambda: False)
    assert precision.time_bfloat16() is False
    assert "skipped" in capsys.readouterr().out
    assert precision.time_bfloat16(emulated_requested=True) is True
    assert "emulation" in capsys.readouterr().out
    monkeypatch.setattr(precision, "cpu_has_native_bfloat16", lambda: True)
    assert precision.time_bfloat16() is True
    parser = argparse.ArgumentParser()
    precision.add_bfloat16_argument(parser)
    assert parser.parse_args(["--emulated-bfloat16"]).emulated_bfloat16
    assert not parser.parse_args([]).emulated_bfloat16
