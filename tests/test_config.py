import pytest

from enhancelib.config import PRESETS, ParameterError, resolve_preset, validate_parameters


def test_presets_exist_and_budgets():
    assert set(PRESETS) == {"smoke", "cpu", "gpu"}
    assert PRESETS["cpu"].budget_cpu_seconds == 1800
    assert PRESETS["gpu"].device == "cuda" and PRESETS["gpu"].amp


def test_unknown_preset_names_the_allowed_ones():
    with pytest.raises(ParameterError, match=r"Unknown preset 'cpuu'.*\['cpu', 'gpu', 'smoke'\].*Did you mean 'cpu'"):
        resolve_preset("cpuu")


def test_overrides_paper_then_user():
    preset = resolve_preset("gpu", {"batch_size": 3}, {"gpu": {"batch_size": 10, "crop": 400}})
    assert preset.batch_size == 3 and preset.crop == 400
    with pytest.raises(ParameterError, match="Unknown preset field 'batchsize'"):
        resolve_preset("cpu", {"batchsize": 3})


def test_validate_parameters():
    defaults = {"preset": "cpu", "seed": 0, "use_recorded": True, "lr": 1e-4}
    assert validate_parameters({"seed": 3, "lr": 1}, defaults)["seed"] == 3
    with pytest.raises(ParameterError, match="Unknown parameter 'sed'.*Did you mean 'seed'"):
        validate_parameters({"sed": 1}, defaults)
    with pytest.raises(ParameterError, match="should be int"):
        validate_parameters({"seed": "one"}, defaults)
    with pytest.raises(ParameterError, match="Unknown preset"):
        validate_parameters({"preset": "fast"}, defaults)
