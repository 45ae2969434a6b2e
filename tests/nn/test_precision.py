"""Mixed precision: float16 on CUDA, bfloat16 on the CPU, float32 when off."""
import pytest
import torch

from enhancelib.nn import precision
from enhancelib.nn.precision import autocast_dtype


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
