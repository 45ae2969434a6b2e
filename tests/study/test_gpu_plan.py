"""Estimated GPU time from the step benchmark (enhancelib.study.gpu_plan), on a small synthetic benchmark."""
from __future__ import annotations

import copy
import json

import pytest

import enhancelib.paths as paths
from enhancelib.study.gpu_plan import GpuPlanError, format_hours, gpu_plan_path, read_gpu_plan

BENCHMARK = {
    "commit": "0123456789abcdef", "utilisation": 0.5,
    "gpus": {"Fast GPU (100 TFLOP/s float16)": 1e14, "Slow GPU (50 TFLOP/s float16)": 5e13},
    "rows": [{"recipe": "uegan", "batch_size": 10, "train_size": 256, "crop": 512, "max_steps": 3600,
              "flops_per_step": 5e13, "peak_mib": 2048.0, "cpu_seconds_per_step": 1.0}],
}


def write(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_time_is_steps_times_flops_over_throughput_times_utilisation(tmp_path):
    plan = read_gpu_plan(write(tmp_path / "gpu_plan.json", BENCHMARK))
    fast, slow = list(BENCHMARK["gpus"])
    assert plan.pick_gpu() == fast and plan.pick_gpu("slow") == slow and plan.commit == "0123456789abcdef"
    # 3600 steps x 5e13 FLOP / (1e14 FLOP/s x 0.5) = 3600 s
    estimate = plan.estimate("uegan", 3600, 10, 256, fast)
    assert estimate.hours == pytest.approx(1.0) and estimate.peak_mib == 2048.0 and not estimate.scaled
    assert plan.estimate("uegan", 3600, 10, 256, slow).hours == pytest.approx(2.0)
    # half the pixels per batch (batch 5, or a 181-pixel side) -> about half the FLOPs; said as scaled
    half = plan.estimate("uegan", 3600, 5, 256, fast)
    assert half.hours == pytest.approx(0.5) and half.scaled
    assert plan.estimate("qagan", 3600, 10, 256, fast) is None   # not measured


def test_gpu_names_are_chosen_by_part_of_their_name(tmp_path):
    plan = read_gpu_plan(write(tmp_path / "gpu_plan.json", BENCHMARK))
    with pytest.raises(GpuPlanError, match="'GPU' matches 2 GPUs.*choose one of: Fast GPU"):
        plan.pick_gpu("GPU")
    with pytest.raises(GpuPlanError, match="'A100' names no GPU"):
        plan.pick_gpu("A100")


def test_an_absent_or_broken_benchmark_names_the_command_that_records_it(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "RUNS_DIR", tmp_path / "runs")
    assert gpu_plan_path() == tmp_path / "runs" / "benchmark" / "gpu-plan" / "gpu_plan.json"
    with pytest.raises(FileNotFoundError, match=r"absent; record it with: python scripts/bench_gpu_plan.py --record"):
        read_gpu_plan()
    write(gpu_plan_path(), '{"gpus": {"G": 1e14}, "rows": [')
    with pytest.raises(GpuPlanError, match="not a GPU plan benchmark.*record it again with"):
        read_gpu_plan()
    write(gpu_plan_path(), {**BENCHMARK, "utilisation": 0})
    with pytest.raises(GpuPlanError, match="impossible throughput or utilisation"):
        read_gpu_plan()
    without_peak = copy.deepcopy(BENCHMARK)
    del without_peak["rows"][0]["peak_mib"]
    write(gpu_plan_path(), without_peak)
    with pytest.raises(GpuPlanError, match="KeyError"):
        read_gpu_plan()


@pytest.mark.parametrize("hours, text", [(0.001, "1 min"), (0.75, "45 min"), (3.24, "3.2 h"), (1234.4, "1,234 h")])
def test_durations_read_at_an_estimate_s_precision(hours, text):
    assert format_hours(hours) == text


def test_memory_and_time_rows_fit_and_estimate_each_model(tmp_path):
    import json

    from enhancelib.study.gpu_plan import fits_in, memory_and_time_rows

    record = {"utilisation": 0.5, "gpus": {"Fast GPU (100 TFLOP/s float16)": 100e12},
              "rows": [{"recipe": "uegan", "batch_size": 10, "train_size": 256, "max_steps": 3600,
                        "flops_per_step": 10**14, "peak_mib": 7.8 * 1024}]}
    path = tmp_path / "gpu_plan.json"
    path.write_text(json.dumps(record))
    (row,) = memory_and_time_rows(path)
    # 3600 steps x 1e14 FLOP / (1e14 FLOP/s x 0.5) = 7200 s = 2 h
    assert row["hours on Fast GPU"] == "2.0" and row["fits a GPU with"] == "12 GB"
    assert fits_in(7.4 * 1024) == 8 and fits_in(100 * 1024) == 80
