"""The command line: record, reproduce, runs, plan, and its errors."""
import json
import sys
from pathlib import Path

import pytest

import enhancelib.paths as paths
from enhancelib.__main__ import main
from enhancelib.recipes import register_recipe

sys.path.insert(0, str(Path(__file__).parent / "train"))
from tiny_recipe import TinyRecipe  # noqa: E402

register_recipe("tiny", TinyRecipe)


def test_record_then_reproduce_gives_the_same_numbers(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(paths, "RUNS_DIR", tmp_path)
    args = ["record", "--chapter", "ch", "--name", "r", "--recipe", "tiny", "--preset", "smoke",
            "--preset-field", "max_steps=4", "--keep-weights"]
    assert main(args) == 0
    first = json.loads((tmp_path / "ch" / "r" / "metrics.json").read_text())
    assert main(["reproduce", str(tmp_path / "ch" / "r")]) == 0
    again = json.loads((tmp_path / "ch" / "r" / "metrics.json").read_text())
    assert again["test"] == first["test"] and again["steps"] == 4
    assert (tmp_path / "ch" / "r" / "generator.pt").is_file()
    assert main(["runs"]) == 0
    assert "tiny seed 0 smoke 4 steps" in capsys.readouterr().out


def test_runs_lists_the_recorded_runs_and_the_baselines(capsys):
    assert main(["runs"]) == 0     # the repository's own records, baselines included
    out = capsys.readouterr().out
    assert "benchmark/baselines: input cpu  PSNR" in out and "autocontrast" in out


def test_errors_are_short_and_name_the_fix(tmp_path, capsys):
    assert main(["record", "--chapter", "c", "--name", "n", "--recipe", "ueganx"]) == 2
    assert "Unknown recipe 'ueganx'" in capsys.readouterr().err
    assert main(["record", "--chapter", "c", "--name", "n", "--recipe", "tiny", "--preset", "fast"]) == 2
    assert "Unknown preset 'fast'" in capsys.readouterr().err
    assert main(["reproduce", str(tmp_path / "absent")]) == 2
    assert "not a recorded run" in capsys.readouterr().err


def test_plan_lists_every_chapter_run(capsys):
    assert main(["plan", "--chapter", "uegan"]) == 0
    out = capsys.readouterr().out
    assert "uegan/full-seed0" in out and "uegan/charbonnier-se-seed0" in out


@pytest.mark.parametrize("argv, message", [
    (["plan", "--chapter", "ueagn"], "no chapter 'ueagn'"),
    (["plan", "--chapter", "qagan", "--only", "full-seed0", "bf16-seed9", "--record"], "no run named bf16-seed9 in qagan"),
])
def test_plan_refuses_unknown_chapters_and_run_names_instead_of_doing_nothing(capsys, argv, message):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


@pytest.mark.parametrize("text, expected", [
    ("identity_init=true", ("identity_init", True)), ("identity_init=False", ("identity_init", False)),
    ("identity_weight=None", ("identity_weight", None)), ("n_critic=2", ("n_critic", 2)),
    ("scheme=cycle", ("scheme", "cycle")), ("lr=1e-4", ("lr", 1e-4)),
])
def test_command_line_options_accept_shell_and_python_spellings(text, expected):
    from enhancelib.__main__ import _option
    assert _option(text) == expected


def test_enhance_help_names_every_recorded_model(capsys):
    import enhancelib

    with pytest.raises(SystemExit):
        main(["enhance", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert all(name in text for name in enhancelib.PRETRAINED), text
