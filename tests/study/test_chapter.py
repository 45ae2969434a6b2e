"""Display helpers of enhancelib.study.chapter."""


def _decorated_helper():
    return 1


def test_show_source_unwraps_decorated_functions():
    import inspect

    import torch

    from enhancelib.nn.adaptive_norm import clip_rho_
    from enhancelib.study.chapter import show_source

    shown = show_source(clip_rho_).data
    line = inspect.getsourcelines(inspect.unwrap(clip_rho_))[1]
    assert shown.startswith(f"`enhancelib/nn/adaptive_norm.py`, line {line}:")
    assert "def clip_rho_" in shown and "_contextlib" not in shown
    wrapped = torch.no_grad()(_decorated_helper)
    local = show_source(wrapped).data
    assert local.startswith("`test_chapter.py`, line ") and "def _decorated_helper" in local


def test_provenance_table_names_the_processor_and_the_missing_runs():
    from types import SimpleNamespace

    from enhancelib.study.chapter import processor_of, provenance_table
    from enhancelib.study.experiments import experiment

    prov = {"seed": 1, "steps": 300, "train_cpu_seconds": 1800.0, "backbone": "vgg16-offline", "preset": "cpu",
            "commit": "0123456789abcdef", "cpu_model": "AMD EPYC", "cpu_vector_isa": "AVX2"}
    new = SimpleNamespace(provenance=prov, has_weights=True)
    old = SimpleNamespace(provenance={k: v for k, v in prov.items() if not k.startswith("cpu_")}
                          | {"amp_dtype": "bfloat16"}, has_weights=False)
    names = ["full-seed0", "full-seed1", "no-qam-seed0"]
    table = provenance_table({"full-seed0": new, "full-seed1": old, "no-qam-seed0": None},
                             {n: experiment("qagan", n) for n in names}, "not recorded yet")
    assert list(table.index) == names
    assert table.loc["full-seed0", "processor"] == "AMD EPYC, AVX2" == processor_of(prov)
    assert table.loc["full-seed1", "processor"] == "not recorded"
    assert table.loc["full-seed0", "CPU s / step"] == "6.00" and table.loc["full-seed0", "steps"] == "300"
    assert table.loc["full-seed1", "precision"] == "bfloat16" and table.loc["full-seed0", "precision"] == "float32"
    assert table.loc["full-seed0", "weights kept"] == "yes" and table.loc["full-seed1", "weights kept"] == "no"
    assert table.loc["no-qam-seed0", "status"] == "not recorded yet" and table.loc["no-qam-seed0", "steps"] == ""
    assert table.loc["no-qam-seed0", "options"] == {"use_qam": False}
    assert table.loc["full-seed0", "options"] == "defaults"


def test_runs_at_a_multiple_of_the_cpu_budget_are_not_trained_on_step_count_presets(capsys):
    from enhancelib.config import resolve_preset
    from enhancelib.study.chapter import ChapterParameters, chapter_run

    params = ChapterParameters({"preset": "gpu", "train_missing": True}, resolve_preset("gpu"))
    assert chapter_run("qagan", "budget-3x-seed0", params) is None
    assert "does not apply" in capsys.readouterr().out


def test_an_absent_longer_run_is_explained_by_the_preset():
    from enhancelib.config import resolve_preset
    from enhancelib.study.chapter import ChapterParameters, absent_run_note

    gpu = ChapterParameters({"preset": "gpu"}, resolve_preset("gpu"))
    cpu = ChapterParameters({"preset": "cpu"}, resolve_preset("cpu"))
    what = "the run at three times the budget"
    assert absent_run_note("qagan", "budget-3x-seed0", gpu, "not recorded yet", what, "90 CPU-minutes") == (
        "The run at three times the budget applies to the cpu preset only: the gpu preset stops by step count, "
        "where it would repeat the recipe's own run.")
    note = absent_run_note("qagan", "budget-3x-seed0", cpu, "not recorded yet", what, "90 CPU-minutes")
    assert note.startswith("The run at three times the budget is not recorded yet: `python -m enhancelib plan "
                           "--chapter qagan --only budget-3x-seed0 --record`") and note.endswith("(90 CPU-minutes).")
    # a run at the preset's own budget is offered for recording on every preset
    assert "is not recorded yet" in absent_run_note("qagan", "full-seed0", gpu, "not recorded yet", "seed 0", "30 CPU-minutes")


class _Shell:
    def __init__(self, cells):
        self.user_ns = {"In": cells}


def test_chapter_setup_reads_the_defaults_from_the_chapters_own_parameters_cell(monkeypatch):
    import IPython
    import pytest

    from enhancelib.config import ParameterError
    from enhancelib.study.chapter import chapter_setup

    own = '# Parameters of this chapter\npreset = "cpu"   # comment\nn_sliders = 3\nphoto = "a.jpg"\n'
    injected = '# Parameters\npreset = "smoke"\nn_sliders = 1\n'
    monkeypatch.delenv("ENHANCELIB_PRESET", raising=False)
    monkeypatch.setattr(IPython, "get_ipython", lambda: _Shell(["import x", own, injected]))
    params = chapter_setup({"preset": "smoke", "n_sliders": 1, "photo": "a.jpg"})
    assert params.preset.name == "smoke" and params.n_sliders == 1 and params.photo == "a.jpg"
    monkeypatch.setattr(IPython, "get_ipython", lambda: _Shell([own, '# Parameters\nslides = 2\n']))
    with pytest.raises(ParameterError, match="slides"):
        chapter_setup({"preset": "cpu", "slides": 2})
    # without history (nbval): the plain values bound when the setup cell runs are the parameters
    monkeypatch.setattr(IPython, "get_ipython", lambda: _Shell(["x = 1"]))
    params = chapter_setup({"preset": "smoke", "photo": "b.jpg", "np": IPython, "_hidden": 3})
    assert params.values == {"preset": "smoke", "photo": "b.jpg"}
    with pytest.raises(ParameterError, match="Parameters of this chapter"):
        chapter_setup({"photo": "b.jpg"})
