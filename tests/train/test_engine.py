"""The training engine: records, resume after interruption, NaN stop, mismatches."""
import json
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch

from enhancelib.recipes import register_recipe
from enhancelib.train import CheckpointError, RunSpec, TrainingDiverged, load_checkpoint, train
from enhancelib.train.engine import lr_factor

sys.path.insert(0, str(Path(__file__).parent))
from tiny_recipe import TinyRecipe  # noqa: E402

register_recipe("tiny", TinyRecipe)
FIELDS = {"max_steps": 6, "checkpoint_every": 2, "eval_every": 3, "log_every": 1}


def spec(seed=0, **options):
    return RunSpec(recipe="tiny", preset="smoke", seed=seed, options=options, preset_overrides=FIELDS)


def generator_state(run_dir):
    return load_checkpoint(run_dir / "checkpoint.pt")["recipe"]["networks"]["generator"]


def test_lr_schedule_constant_then_linear():
    assert lr_factor(0.2, 0.5) == 1.0
    assert lr_factor(0.75, 0.5) == pytest.approx(0.5)
    assert lr_factor(1.0, 0.5) == 0.0
    assert lr_factor(0.9, None) == 1.0


def test_a_run_leaves_a_complete_record(tmp_path):
    run = train(spec(), tmp_path / "run", progress=False)
    for name in ("config.json", "provenance.json", "metrics.json", "train_log.jsonl", "eval_log.jsonl",
                 "per_image_test.csv", "generator.pt", "checkpoint.pt"):
        assert (run / name).is_file(), name
    prov = json.loads((run / "provenance.json").read_text())
    for key in ("commit", "preset", "seed", "steps", "device", "train_wall_seconds", "backbone", "torch",
                "cpu_model", "cpu_vector_isa"):
        assert key in prov
    assert isinstance(prov["cpu_native_bfloat16"], bool) and prov["cpu_model"]
    assert prov["steps"] == 6 and prov["preset"] == "smoke"
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["test"]["psnr"] > 0 and 0 < metrics["test"]["ssim"] <= 1
    assert len(list((run / "samples").glob("*.jpg"))) >= 1
    steps = [json.loads(line)["step"] for line in (run / "train_log.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5, 6]
    # a benchmark run is also scored on the flat render and the identity set, and every evaluation
    # records the test outputs' tone levels
    assert set(metrics["test_sets"]) == {"test", "flat", "identity"}
    assert metrics["test_sets"]["test"]["psnr"] == pytest.approx(metrics["test"]["psnr"], abs=1e-3)
    scores = pd.read_csv(run / "test_sets.csv")
    assert scores.groupby("set").size().to_dict() == {"test": 30, "flat": 30, "identity": 30}
    evaluations = [json.loads(line) for line in (run / "eval_log.jsonl").read_text().splitlines()]
    assert all({"test_black", "test_contrast", "test_haze"} <= set(row) for row in evaluations)


def test_interrupted_run_resumes_to_the_same_weights(tmp_path):
    whole = train(spec(), tmp_path / "whole", progress=False, keep_weights=False)
    with pytest.raises(KeyboardInterrupt):
        train(spec(), tmp_path / "cut", progress=False, keep_weights=False, interrupt_after=3)
    assert load_checkpoint(tmp_path / "cut" / "checkpoint.pt")["step"] == 3
    train(spec(), tmp_path / "cut", progress=False, keep_weights=False)
    a, b = generator_state(whole), generator_state(tmp_path / "cut")
    assert all(torch.equal(a[k], b[k]) for k in a)
    def log(d):
        return [json.loads(x) for x in (d / "train_log.jsonl").read_text().splitlines()]

    assert [r["step"] for r in log(tmp_path / "cut")] == [1, 2, 3, 4, 5, 6]
    # the random draws of resumed steps equal the uninterrupted run's, from torch, NumPy and Python alike
    for draw in ("noise", "numpy_noise", "python_noise"):
        assert [r[draw] for r in log(whole)] == [r[draw] for r in log(tmp_path / "cut")]
    assert set(load_checkpoint(tmp_path / "cut" / "checkpoint.pt")["random_states"]) == {"torch", "cuda", "numpy",
                                                                                          "python"}


def test_log_repeats_sparse_losses_but_drops_a_finished_stage(tmp_path, monkeypatch):
    import enhancelib.train.engine as engine
    monkeypatch.setattr(engine, "STALE_LOSS_STEPS", 2)
    run = train(spec(stage_until=2), tmp_path / "run", progress=False, keep_weights=False)
    rows = [json.loads(x) for x in (run / "train_log.jsonl").read_text().splitlines()]
    assert all("every_other" in r for r in rows)
    assert [r["step"] for r in rows if "first_stage" in r] == [1, 2, 3]


def test_nan_stops_with_a_clear_message(tmp_path):
    with pytest.raises(TrainingDiverged, match=r"l1=nan at step 2 .*Lower the learning rate"):
        train(spec(explode_at=2), tmp_path / "nan", progress=False)


def test_checkpoint_of_another_configuration_is_refused(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        train(spec(seed=1), tmp_path / "run", progress=False, interrupt_after=2)
    with pytest.raises(CheckpointError, match="another configuration"):
        train(spec(seed=0), tmp_path / "run", progress=False)


def test_unknown_option_is_refused():
    from enhancelib.config import ParameterError
    with pytest.raises(ParameterError, match="no option"):
        spec(learning_rate=1).config()


def test_ema_warms_up_then_uses_its_decay():
    from torch import nn

    from enhancelib.train.engine import _EMA
    ema = _EMA(nn.Linear(1, 1), 0.999)
    assert ema.decay_at(0) == pytest.approx(0.1)
    assert ema.decay_at(90) == pytest.approx(0.91)
    assert ema.decay_at(100_000) == 0.999
    net = nn.Linear(1, 1)
    with torch.no_grad():
        net.weight.fill_(5.0)
    for step in range(50):
        ema.update(net, step)
    # after 50 updates the average is close to the live weights, not to the initial ones
    assert abs(ema.shadow.weight.item() - 5.0) < 0.5


class _RecipeWithHelper(TinyRecipe):
    name = "tiny_helper"
    kept_networks = ("helper",)

    def build(self) -> None:
        super().build()
        self.networks["helper"] = torch.nn.Conv2d(3, 1, 1)   # stands in for e.g. GleNet's degrader


register_recipe("tiny_helper", _RecipeWithHelper)


def test_main_records_keep_the_recipes_extra_networks(tmp_path):
    from enhancelib.train.runs import RecordedRun

    run_spec = RunSpec(recipe="tiny_helper", preset="smoke", seed=0, preset_overrides=FIELDS)
    run = RecordedRun(train(run_spec, tmp_path / "run", progress=False, keep_weights=True))
    assert (run.path / "helper.pt").is_file()
    last = load_checkpoint(run.path / "checkpoint.pt")["recipe"]["networks"]["helper"]
    kept = run.network_state("helper")
    assert torch.allclose(kept["weight"], last["weight"], atol=1e-3)        # half precision
    (run.path / "helper.pt").unlink()                                          # falls back to the checkpoint
    assert torch.equal(run.network_state("helper")["weight"], last["weight"])
    with pytest.raises(KeyError, match="no network 'degrader'"):
        run.network_state("degrader")
    (run.path / "checkpoint.pt").unlink()
    with pytest.raises(FileNotFoundError, match="reproduce"):
        run.network_state("helper")
