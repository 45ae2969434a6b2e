"""The table of recorded runs: names, options, and the cpu-only options."""
import pytest

from enhancelib.study.experiments import EXPERIMENTS, chapter_experiments, experiment


def test_every_experiment_resolves_its_options():
    for item in EXPERIMENTS.values():
        for preset in ("smoke", "cpu", "gpu"):
            item.spec(preset).resolved_options()   # raises on an unknown option


def test_cpu_options_apply_on_cpu_and_smoke_but_not_on_gpu():
    item = experiment("glenet", "unpaired-seed0")
    assert item.cpu_options, "the unpaired GleNet runs carry cpu-only options"
    gpu = item.spec("gpu").resolved_options()
    cpu = item.spec("cpu").resolved_options()
    assert gpu["net_size"] == 256 and cpu["net_size"] == 128
    assert item.spec("smoke").options == item.spec("cpu").options
    assert gpu["stage1_fraction"] == pytest.approx(5_000 / 30_000)


def test_main_models_have_at_least_three_seeds_and_keep_weights_of_seed_zero_only():
    expected = {("uegan", "full"): 5, ("qagan", "full"): 3, ("bncagan", "full"): 5, ("glenet", "unpaired"): 3}
    for (chapter, name), count in expected.items():
        seeds = [e for e in chapter_experiments(chapter) if e.name.startswith(f"{name}-seed")]
        assert [e.seed for e in seeds] == list(range(count))
        assert [e.keep_weights for e in seeds] == [True] + [False] * (count - 1)


def test_unknown_experiment_names_the_known_ones():
    with pytest.raises(KeyError, match="full-seed0"):
        experiment("uegan", "ful-seed0")


def test_budget_scale_multiplies_the_cpu_budget_only():
    item = experiment("qagan", "budget-3x-seed0")
    base = experiment("qagan", "full-seed0")
    assert item.spec("cpu").resolved_preset().budget_cpu_seconds == pytest.approx(
        3 * base.spec("cpu").resolved_preset().budget_cpu_seconds)
    # presets that stop by step count are left alone, so the gpu run is the paper's
    assert item.spec("gpu").resolved_preset() == base.spec("gpu").resolved_preset()
    assert item.spec("smoke").resolved_preset() == base.spec("smoke").resolved_preset()
    assert item.spec("cpu").resolved_options() == base.spec("cpu").resolved_options()
    # a scale of one changes nothing, so the records of the other runs keep their digests
    assert base.spec("cpu").preset_overrides == {}


def test_every_recorded_run_reads_back_and_matches_its_entry():
    # the recipes' options are checked when a config is read: every recorded config.json must still pass,
    # describe itself, and match the table's entry (else `plan` would call the run missing and retrain it)
    import json

    from enhancelib.paths import RUNS_DIR
    from enhancelib.train.runs import _matches, same_config
    from enhancelib.train.spec import RunSpec

    configs = [p for p in sorted(RUNS_DIR.rglob("config.json")) if "recipe" in json.loads(p.read_text())]
    assert configs, "the repository ships recorded runs"
    for path in configs:
        config = json.loads(path.read_text())
        assert same_config(config, RunSpec.from_config(config)), path
    for item in EXPERIMENTS.values():
        folder = RUNS_DIR / item.chapter / item.name
        if (folder / "metrics.json").is_file():
            assert _matches(folder, item.spec("cpu")), f"{folder} does not match its entry in the table"
