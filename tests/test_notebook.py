"""Display helpers of enhancelib.notebook."""
import math
import pytest

import enhancelib.train.provenance as provenance
from enhancelib.notebook import recorded_benchmark


@pytest.mark.parametrize("record, script", [("bench_uegan", "bench_uegan"),
                                              ("bench_glenet.reused-memory", "bench_glenet")])
def test_recorded_benchmark_shows_the_file_or_the_command(tmp_path, monkeypatch, record, script):
    monkeypatch.setattr(provenance, "REPO_ROOT", tmp_path)
    missing = recorded_benchmark(record)
    assert "not recorded yet" in missing and f"record_benchmarks.py {script}`" in missing
    assert f"scripts/{script}.py" in missing
    speed = tmp_path / "data" / "runs" / "benchmark" / "speed"
    speed.mkdir(parents=True)
    (speed / f"{record}.txt").write_text("# header\nG forward 512: 470 ms\n")
    shown = recorded_benchmark(record)
    assert "G forward 512: 470 ms" in shown and f"data/runs/benchmark/speed/{record}.txt" in shown
    assert shown.count("```") == 2


def speed_folder(tmp_path, monkeypatch):
    """An empty data/runs/benchmark/speed under a stand-in repository root."""
    monkeypatch.setattr(provenance, "REPO_ROOT", tmp_path)
    speed = tmp_path / "data" / "runs" / "benchmark" / "speed"
    speed.mkdir(parents=True)
    return speed


def test_benchmark_medians_and_allocator_comparison(tmp_path, monkeypatch):
    from enhancelib.notebook import allocator_comparison, benchmark_medians

    speed = speed_folder(tmp_path, monkeypatch)
    assert benchmark_medians("bench_x") == {}
    (speed / "bench_x.txt").write_text(
        "# header 12 ms\ntorch 2 threads\n"
        "  public code's order, torch.no_grad      wall median  1000.0 ms  min  990.0  CPU 1800.0 ms\n"
        "  ours (inference_mode)                   median    800.5 ms  min    700.0 ms\n"
        "    LEN           377.1 ms   (114 ms)\n")
    (speed / "bench_x.reused-memory.txt").write_text(
        "  public code's order, torch.no_grad      wall median   600.0 ms\n"
        "  ours (inference_mode)                   median    450.0 ms\n")
    medians = benchmark_medians("bench_x")
    assert medians == {"public code's order, torch.no_grad": 1000.0, "ours (inference_mode)": 800.5, "LEN": 377.1}
    table = allocator_comparison("bench_x", {"forward": ("public code's order", "ours")}, {"forward": 682.0})
    row = table.loc["forward"]
    assert row["ours, default allocator (ms)"] == 800.5 and row["public organisation, freed memory kept (ms)"] == 600.0
    assert row["ours / public organisation, kept"] == 0.75 and row["ours kept / public's own figure"] == 0.66
    from enhancelib.notebook import benchmark_lookup
    found = benchmark_lookup("bench_x", {"ours": "ours (", "public": "public code's", "absent": "bfloat16"})
    assert found["ours"] == 800.5 and found["public"] == 1000.0 and math.isnan(found["absent"])
    assert math.isnan(benchmark_lookup("bench_missing", {"ours": "ours"})["ours"])


def test_public_code_comparison_reads_one_papers_lines(tmp_path, monkeypatch):
    from enhancelib.notebook import public_code_comparison

    speed = speed_folder(tmp_path, monkeypatch)
    assert public_code_comparison("UEGAN", {"forward": 682.0})["ours / public code"].isna().all()
    (speed / "bench_public_code.txt").write_text(
        "  UEGAN public code, forward (models.Generator)   wall median  1000.0 ms  min 990.0\n"
        "  UEGAN ours, forward (UEGANGenerator)            wall median   800.0 ms  min 790.0\n"
        "  UEGAN public code, step (loop body)             wall median  2000.0 ms\n"
        "  UEGAN ours, step (train_step)                   wall median  1500.0 ms\n"
        "  BNCAGAN public code, forward (models.Generator) wall median  3000.0 ms\n"
        "  BNCAGAN ours, forward (BNCAGANGenerator)        wall median   600.0 ms\n")
    uegan = public_code_comparison("UEGAN", {"forward": 500.0, "step": 1000.0})
    assert uegan.loc["forward", "ours / public code"] == 0.8 and uegan.loc["step", "ours / public code"] == 0.75
    assert uegan.loc["forward", "public code here / its own figure"] == 2.0
    bncagan = public_code_comparison("BNCAGAN", {"forward": 567.0})
    assert bncagan.loc["forward", "ours / public code"] == 0.2 and math.isnan(bncagan.loc["step", "ours / public code"])


def _decorated_helper():
    return 1


def test_show_source_unwraps_decorated_functions():
    import inspect

    import torch

    from enhancelib.nn.adaptive_norm import clip_rho_
    from enhancelib.notebook import show_source

    shown = show_source(clip_rho_).data
    line = inspect.getsourcelines(inspect.unwrap(clip_rho_))[1]
    assert shown.startswith(f"`enhancelib/nn/adaptive_norm.py`, line {line}:")
    assert "def clip_rho_" in shown and "_contextlib" not in shown
    wrapped = torch.no_grad()(_decorated_helper)
    local = show_source(wrapped).data
    assert local.startswith("`test_notebook.py`, line ") and "def _decorated_helper" in local


def test_provenance_table_names_the_processor_and_the_missing_runs():
    from types import SimpleNamespace

    from enhancelib.experiments import experiment
    from enhancelib.notebook import processor_of, provenance_table

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
