"""scripts/bench_cost.py: its core measurement on tiny sizes, in this process."""
import pytest

from tests.script_loader import load_script


@pytest.fixture(scope="module")
def bench():
    return load_script("bench_cost")


def test_every_method_is_listed(bench):
    keys = set(bench.methods())
    assert {"uegan", "uegan_charbonnier_se", "qagan", "glenet", "glenet_paired", "bncagan", "clahe"} <= keys


def test_quick_inference_measurements_of_a_classical_operator(bench):
    for task in ("512", "12mp"):
        result = bench.measure("autocontrast", task, quick=True, repeats=1, repeats_12mp=1, threads=1)
        assert result[f"ms_{task}"] > 0
        assert f"peak_mib_{task}" in result


def test_quick_training_step_and_parameter_count(bench):
    result = bench.measure("glenet_paired", "step", quick=True, repeats=1, threads=1)
    assert result["ms_step"] > 0
    assert 0 < result["params_inference"] <= result["params_generator"]


def test_classical_operators_have_no_training_step(bench):
    with pytest.raises(ValueError, match="nothing to train"):
        bench.measure("clahe", "step", quick=True)
