"""Training in mixed precision: the recorded provenance, and the experiments that switch it on."""
import json
import sys
from pathlib import Path

from enhancelib.nn import precision
from enhancelib.recipes import register_recipe
from enhancelib.study.experiments import experiment
from enhancelib.train import RunSpec, engine, train

sys.path.insert(0, str(Path(__file__).parent))
from tiny_recipe import TinyRecipe  # noqa: E402

register_recipe("tiny", TinyRecipe)


def test_provenance_records_the_training_precision_and_bfloat16_keeps_freed_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_native_bfloat16", lambda: True)
    calls = []
    monkeypatch.setattr(engine, "reuse_freed_memory", lambda: calls.append(True) or True)
    spec = RunSpec(recipe="tiny", preset="smoke", preset_overrides={"amp": True, "max_steps": 2})
    run = train(spec, tmp_path / "run", progress=False)
    prov = json.loads((run / "provenance.json").read_text())
    assert prov["amp"] is True and prov["amp_dtype"] == "bfloat16"
    assert calls == [True]
    run = train(RunSpec(recipe="tiny", preset="smoke", preset_overrides={"max_steps": 2}), tmp_path / "b",
                progress=False)
    prov = json.loads((run / "provenance.json").read_text())
    assert prov["amp"] is False and prov["amp_dtype"] is None
    assert calls == [True], "a float32 run leaves the allocator alone"


def test_bfloat16_experiments_switch_amp_on_every_preset():
    item = experiment("uegan", "bf16-seed1")
    for preset in ("smoke", "cpu", "gpu"):
        assert item.spec(preset).resolved_preset().amp is True
    assert experiment("uegan", "full-seed1").spec("cpu").resolved_preset().amp is False
