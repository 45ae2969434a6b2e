"""Recorded speed benchmarks read by enhancelib.study.speed_records."""
import math

import pytest

import enhancelib.paths as paths
from enhancelib.study.speed_records import describe_public_code_comparison, public_code_comparison, recorded_benchmark


@pytest.mark.parametrize("record, script", [("bench_uegan", "bench_uegan"),
                                              ("bench_glenet.reused-memory", "bench_glenet")])
def test_recorded_benchmark_shows_the_file_or_the_command(tmp_path, monkeypatch, record, script):
    monkeypatch.setattr(paths, "REPO_ROOT", tmp_path)
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
    monkeypatch.setattr(paths, "REPO_ROOT", tmp_path)
    speed = tmp_path / "data" / "runs" / "benchmark" / "speed"
    speed.mkdir(parents=True)
    return speed


def test_benchmark_medians_and_allocator_comparison(tmp_path, monkeypatch):
    from enhancelib.study.speed_records import allocator_comparison, benchmark_medians

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
    from enhancelib.study.speed_records import benchmark_lookup
    found = benchmark_lookup("bench_x", {"ours": "ours (", "public": "public code's", "absent": "bfloat16"})
    assert found["ours"] == 800.5 and found["public"] == 1000.0 and math.isnan(found["absent"])
    assert math.isnan(benchmark_lookup("bench_missing", {"ours": "ours"})["ours"])


def test_public_code_comparison_reads_one_papers_lines(tmp_path, monkeypatch):
    from enhancelib.study.speed_records import public_code_comparison

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


def test_public_code_comparison_in_words(tmp_path, monkeypatch):
    speed = speed_folder(tmp_path, monkeypatch)
    published = {"forward": 500.0, "step": 1000.0}
    assert "has not been timed here yet" in describe_public_code_comparison(
        public_code_comparison("UEGAN", published), published)
    (speed / "bench_public_code.txt").write_text(
        "  UEGAN public code, forward (models.Generator)   wall median  1000.0 ms\n"
        "  UEGAN ours, forward (UEGANGenerator)            wall median   800.0 ms\n"
        "  UEGAN public code, step (loop body)             wall median  2000.0 ms\n"
        "  UEGAN ours, step (train_step)                   wall median  2100.0 ms\n")
    text = describe_public_code_comparison(public_code_comparison("UEGAN", published), published)
    assert "forward pass takes 0.80 x" in text and "training step 1.05 x" in text
    assert "ours is slower on the step" in text and "(500 and 1000 ms)" in text
    assert "came from a faster machine" in text


def test_throughput_table_reads_the_record_row_by_row(tmp_path):
    import json

    from enhancelib.study.speed_records import throughput_table

    record = {"results": {"uegan": {"reuse": {"steps_per_cpu_second": 0.55, "speedup": 1.1, "wall_seconds_per_step": 0.9,
                                              "max_weight_difference": 0.0},
                                    "today": {"steps_per_cpu_second": 0.5, "speedup": 1.0, "wall_seconds_per_step": 1.0,
                                              "max_weight_difference": 0.0}}}}
    (tmp_path / "t.json").write_text(json.dumps(record))
    table = throughput_table(tmp_path / "t.json")
    assert list(table.index) == [("uegan", "today"), ("uegan", "reuse")]      # today first, whatever the file's order
    assert table.loc[("uegan", "reuse"), "x today"] == 1.1 and table.loc[("uegan", "reuse"), "wall s per step"] == 0.9
    with pytest.raises(FileNotFoundError, match="bench_throughput.py --record"):
        throughput_table(tmp_path / "none.json")
    recorded = throughput_table()                   # the record in the repository: every recipe, today's row = 1
    assert (recorded.xs("today", level="setting")["x today"] == 1).all()


def test_bf16_row_or_the_sentence_that_says_how_to_record_it():
    import math

    import pandas as pd

    from enhancelib.study.speed_records import bf16_kept_or_missing

    recorded = pd.DataFrame({"step bfloat16 (ms)": [900.0, 800.0]}, index=["default allocator", "freed memory kept"])
    kept, missing = bf16_kept_or_missing(recorded, "bench_x")
    assert missing is None and kept["step bfloat16 (ms)"] == 800.0
    absent = recorded.assign(**{"step bfloat16 (ms)": [math.nan, math.nan]})
    _, missing = bf16_kept_or_missing(absent, "bench_x")
    assert missing is not None and "python scripts/record_benchmarks.py bench_x" in missing
