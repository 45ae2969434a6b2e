"""`plan` on the gpu preset: the runs it lists, --dry-run's estimates, the queue of --devices, the gpu folders,
and the chapters' view of gpu records. No training: the queue runs a fake worker command."""
from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
import torch

import enhancelib.paths as paths
from enhancelib.__main__ import main
from enhancelib.config import ParameterError
from enhancelib.study import plan as planning
from enhancelib.study.experiments import EXPERIMENTS, experiment
from enhancelib.study.gpu_plan import format_hours


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """The repository's data folder moved to ``tmp_path``: no record anywhere, gpu or cpu."""
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path / "data")
    monkeypatch.setattr(paths, "RUNS_DIR", tmp_path / "data" / "runs")
    return tmp_path / "data"


def write_benchmark(data_dir: Path) -> None:
    """A synthetic gpu_plan.json measuring every recipe of the registry: 1e12 FLOP per step of 8 x 256^2."""
    rows = [{"recipe": recipe, "batch_size": 8, "train_size": 256, "flops_per_step": 1e12, "peak_mib": 1024.0}
            for recipe in sorted({item.recipe for item in EXPERIMENTS.values()})]
    folder = data_dir / "runs" / "benchmark" / "gpu-plan"
    folder.mkdir(parents=True)
    (folder / "gpu_plan.json").write_text(json.dumps({"gpus": {"Test GPU (100 TFLOP/s float16)": 1e14},
                                                      "utilisation": 0.25, "rows": rows, "commit": "abc"}))


def make_fivek_folders(root: Path) -> Path:
    for name in ("input", "expertC"):
        (root / name).mkdir(parents=True)
    return root


# ---------------------------------------------------------------- folders


def test_records_of_each_preset_and_data_source_live_side_by_side(data_dir):
    assert paths.runs_dir() == paths.RUNS_DIR == data_dir / "runs"
    assert paths.runs_dir("gpu") == data_dir / "runs-gpu"
    assert paths.runs_dir("gpu", "fivek") == data_dir / "runs-gpu-fivek"
    assert paths.runs_dir("cpu", "fivek") == data_dir / "runs-fivek"
    for bad in ("", "../x", "a/b"):
        with pytest.raises(ValueError, match="not a plain name"):
            paths.runs_dir(bad)


# ---------------------------------------------------------------- the runs a plan lists


def test_on_the_gpu_preset_the_longer_budget_and_bfloat16_runs_repeat_the_full_model():
    assert planning.repeated_run("uegan", "budget-3x-seed0", "gpu") == "uegan/full-seed0"
    assert planning.repeated_run("uegan", "budget-3x-seed2", "gpu") == "uegan/full-seed2"
    assert planning.repeated_run("qagan", "bf16-seed1", "gpu") == "qagan/full-seed1"
    assert planning.repeated_run("uegan", "full-seed0", "gpu") is None
    assert planning.repeated_run("uegan", "dense-eval-seed0", "gpu") is None   # its evaluations differ
    # on the cpu preset every registered run trains differently: the book's plan lists no repeats
    assert all(run.same_as is None for run in planning.plan_runs(sorted({c for c, _ in EXPERIMENTS}), "cpu"))


def test_a_plan_finds_gpu_records_in_the_gpu_folder_only(data_dir):
    item = experiment("uegan", "full-seed0")
    runs = {run.key: run for run in planning.plan_runs(["uegan"], "gpu")}
    assert runs["uegan/full-seed0"].status == "missing" and runs["uegan/budget-3x-seed0"].status == "repeats"
    fake_record(data_dir / "runs-gpu" / "uegan" / "full-seed0", item.spec("gpu").config())
    fake_record(data_dir / "runs" / "uegan" / "full-seed1", experiment("uegan", "full-seed1").spec("gpu").config())
    runs = {run.key: run for run in planning.plan_runs(["uegan"], "gpu")}
    assert runs["uegan/full-seed0"].recorded and not runs["uegan/full-seed0"].to_record
    assert runs["uegan/full-seed1"].to_record     # a gpu config in the cpu folder does not count
    assert runs["uegan/full-seed0"].spec.preset == "gpu"


def fake_record(folder: Path, config: dict) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "metrics.json").write_text(json.dumps({"test": {"psnr": 20.0}}))
    (folder / "provenance.json").write_text(json.dumps({"preset": "gpu"}))
    return folder


def test_data_sources_are_checked_with_the_fix_named(tmp_path):
    assert planning.data_spec() == {"source": "benchmark"}
    with pytest.raises(ParameterError, match="Unknown data source 'fivk'"):
        planning.data_spec("fivk")
    with pytest.raises(ParameterError, match="--data fivek needs --root DIR"):
        planning.data_spec("fivek")
    with pytest.raises(ParameterError, match="does not exist or is not a folder"):
        planning.data_spec("fivek", tmp_path / "absent")
    with pytest.raises(ParameterError, match="--root is for --data fivek only"):
        planning.data_spec("benchmark", tmp_path)
    with pytest.raises(ParameterError, match="No FiveK input folder"):
        planning.data_spec("fivek", tmp_path)
    root = make_fivek_folders(tmp_path / "FiveK")
    assert planning.data_spec("fivek", root) == {"source": "fivek", "root": str(root.resolve())}


def test_a_worker_records_one_run_with_the_same_data(tmp_path):
    root = make_fivek_folders(tmp_path / "fivek")
    run = planning.plan_runs(["glenet"], "gpu", planning.data_spec("fivek", root), ["unpaired-seed1"])[0]
    command = planning.worker_command(run, "gpu")
    assert command[:3] == [sys.executable, "-m", "enhancelib"]
    assert command[3:] == ["plan", "--chapter", "glenet", "--only", "unpaired-seed1", "--preset", "gpu", "--data",
                           "fivek", "--root", str(root.resolve()), "--record", "--no-progress"]
    job = planning.queue_jobs([run], "gpu")[0]
    assert job.log == paths.DATA_DIR / "runs-gpu-fivek" / "plan-logs" / "glenet-unpaired-seed1.log"
    assert job.total_steps == run.spec.resolved_preset().max_steps


# ---------------------------------------------------------------- the queue

FAKE_WORKER = textwrap.dedent("""
    import os, sys, time
    key, out = sys.argv[1], sys.argv[2]
    start = time.monotonic()
    time.sleep(0.3)
    print("working on", key)
    with open(out, "a") as f:
        f.write(f"{key} {os.environ['CUDA_VISIBLE_DEVICES']} {start} {time.monotonic()}\\n")
    sys.exit(3 if key.endswith("fails") else 0)
""")


def fake_jobs(tmp_path: Path, keys: list[str]) -> list[planning.Job]:
    out = tmp_path / "ran.txt"
    return [planning.Job(key, [sys.executable, "-c", FAKE_WORKER, key, str(out)], tmp_path / "logs" / f"{key}.log")
            for key in keys]


def test_the_queue_gives_each_device_the_next_run_one_at_a_time(tmp_path):
    keys = [f"ch/run{i}" for i in range(5)] + ["ch/fails"]
    said: list[str] = []
    results = planning.run_queue(fake_jobs(tmp_path, [k.replace("/", "-") for k in keys]), ["0", "1"],
                                 poll_seconds=0.02, say=said.append)
    rows = [line.split() for line in (tmp_path / "ran.txt").read_text().splitlines()]
    assert sorted(r[0] for r in rows) == sorted(k.replace("/", "-") for k in keys)    # each run exactly once
    assert {r[1] for r in rows} == {"0", "1"}                                          # both devices worked
    for device in ("0", "1"):                                                          # one run at a time each
        spans = sorted((float(r[2]), float(r[3])) for r in rows if r[1] == device)
        assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:]))
    assert results == {**{k.replace("/", "-"): 0 for k in keys[:-1]}, "ch-fails": 3}
    assert sum("started" in line for line in said) == 6 and sum("finished" in line for line in said) == 5
    failure = next(line for line in said if "FAILED" in line)
    assert "ch-fails" in failure and "exit status 3" in failure and "working on ch-fails" in failure
    assert "working on ch-run0" in (tmp_path / "logs" / "ch-run0.log").read_text()


def test_the_queue_refuses_no_device_or_one_device_twice(tmp_path):
    with pytest.raises(ParameterError, match="at least one device"):
        planning.run_queue(fake_jobs(tmp_path, ["a"]), [])
    with pytest.raises(ParameterError, match="twice"):
        planning.run_queue(fake_jobs(tmp_path, ["a"]), ["0", "0"])


def test_schedule_hours_follow_the_queue_order():
    assert planning.schedule_hours([3, 1, 1, 1], 2) == 3
    assert planning.schedule_hours([1, 1, 1, 1], 1) == 4
    assert planning.schedule_hours([], 4) == 0


def test_plan_devices_splits_the_missing_runs_over_worker_processes(data_dir, tmp_path, monkeypatch, capsys):
    out = tmp_path / "ran.txt"
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(planning, "POLL_SECONDS", 0.02)
    monkeypatch.setattr(planning, "worker_command",
                        lambda run, preset: [sys.executable, "-c", FAKE_WORKER, run.key.replace("/", "-"), str(out)])
    fake_record(data_dir / "runs-gpu" / "uegan" / "full-seed1", experiment("uegan", "full-seed1").spec("gpu").config())
    argv = ["plan", "--chapter", "uegan", "--only", "full-seed0", "full-seed1", "full-seed2", "no-identity-seed0",
            "bf16-seed0", "--preset", "gpu", "--record", "--devices", "0,1"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    ran = sorted(line.split()[0] for line in out.read_text().splitlines())
    assert ran == ["uegan-full-seed0", "uegan-full-seed2", "uegan-no-identity-seed0"]   # recorded and repeats skipped
    assert "recording 3 runs on 2 GPU(s): 0, 1" in printed and "3 of 3 runs recorded" in printed
    assert "repeats   uegan/bf16-seed0" in printed and "(on the gpu preset the same run as uegan/full-seed0)" in printed
    assert (data_dir / "runs-gpu" / "plan-logs" / "uegan-full-seed0.log").is_file()
    # more devices than GPUs: one error line before any worker starts
    out.unlink()
    assert main(argv[:-1] + ["0,1,2"]) == 2
    assert "torch sees 2 here (asked for 0,1,2)" in capsys.readouterr().err and not out.exists()


# ---------------------------------------------------------------- the command line


def test_dry_run_lists_every_registered_run_with_its_estimated_gpu_time(data_dir, capsys):
    write_benchmark(data_dir)
    assert main(["plan", "--chapter", "all", "--preset", "gpu", "--dry-run", "--devices", "0,1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"gpu preset, benchmark data: records in {data_dir / 'runs-gpu'}/<chapter>/<name>"
    assert lines[1].startswith("estimated time on one Test GPU (100 TFLOP/s float16) at 25% of its float16 peak")
    listed = {line[13:].split()[0]: line for line in lines[2:-1]}   # status (12 columns), run, ...
    assert set(listed) == {f"{c}/{n}" for c, n in EXPERIMENTS}          # every registered run, once
    for key, line in listed.items():
        if line.startswith("would record"):
            spec = EXPERIMENTS[tuple(key.split("/"))].spec("gpu")
            preset = spec.resolved_preset()
            hours = preset.max_steps * 1e12 * preset.batch_size * preset.train_size ** 2 / (8 * 256 ** 2) / 25e12 / 3600
            assert f"{preset.max_steps:,} steps" in line and "~" in line and "peak <=  1.0 GiB" in line, line
            assert f"~{format_hours(hours):>7}" in line, line
        else:
            assert line.startswith("repeats") and "not trained twice" in line, line
    assert lines[-1].endswith("on 2 of them; nothing recorded (--dry-run)") and "to record, ~" in lines[-1]
    assert not (data_dir / "runs-gpu").exists()   # nothing recorded


def test_dry_run_without_the_benchmark_says_so_and_lists_steps_only(data_dir, capsys):
    assert main(["plan", "--chapter", "qagan", "--preset", "gpu", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "no GPU time estimate: " in out and "gpu_plan.json is absent; record it with: python scripts/" in out
    assert "would record qagan/full-seed0" in out and "28,050 steps of 12 x 128 px" in out and "~" not in out


def test_a_dry_run_on_fivek_names_its_folder(data_dir, tmp_path, capsys):
    root = make_fivek_folders(tmp_path / "fivek")
    assert main(["plan", "--chapter", "uegan", "--only", "full-seed0", "--preset", "gpu", "--data", "fivek",
                 "--root", str(root), "--dry-run"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"gpu preset, fivek data at {root.resolve()}: records in ")
    assert first.endswith("runs-gpu-fivek/<chapter>/<name>")


@pytest.mark.parametrize("argv, message", [
    (["--chapter", "ueagn"], "no chapter 'ueagn'"),
    (["--preset", "gpux"], "Unknown preset 'gpux'"),
    (["--data", "fivk"], "Unknown data source 'fivk'"),
    (["--data", "fivek"], "--data fivek needs --root DIR"),
    (["--data", "fivek", "--root", "/no/such/folder"], "--root /no/such/folder does not exist"),
    (["--devices", "0,a", "--preset", "gpu"], "--devices takes distinct GPU numbers"),
    (["--devices", "0", "--record"], "--devices runs one worker per CUDA GPU, but the cpu preset"),
    (["--preset", "gpu", "--dry-run", "--assume-gpu", "B200"], "'B200' names no GPU"),
])
def test_plan_errors_are_one_line_and_exit_2(data_dir, capsys, argv, message):
    write_benchmark(data_dir)
    assert main(["plan", *argv]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and len(captured.err.strip().splitlines()) == 1, captured.err


def test_recording_on_the_gpu_preset_without_cuda_stops_with_one_line(data_dir, monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    assert main(["plan", "--chapter", "uegan", "--only", "full-seed0", "--preset", "gpu", "--record"]) == 2
    assert "torch sees 0 here; `--dry-run` lists what would be recorded" in capsys.readouterr().err
    assert not (data_dir / "runs-gpu" / "uegan").exists()


def test_the_books_plan_prints_what_it_always_printed(capsys):
    """The cpu preset's listing, line for line as before gpu records existed."""
    from enhancelib.paths import RUNS_DIR
    from enhancelib.train.runs import _matches

    assert main(["plan", "--chapter", "uegan"]) == 0
    expected = [f"{'recorded' if _matches(RUNS_DIR / 'uegan' / e.name, e.spec('cpu')) else 'missing ':9} "
                f"uegan/{e.name:28} {e.label}" for e in EXPERIMENTS.values() if e.chapter == "uegan"]
    assert capsys.readouterr().out.splitlines() == expected


def test_plan_help_explains_the_gpu_command(capsys):
    with pytest.raises(SystemExit):
        main(["plan", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for phrase in ("--chapter all --preset gpu --record", "--devices 0,1,2,3", "--data fivek --root DIR",
                   "data/runs-gpu/", "data/runs-gpu-fivek/", "--dry-run", "run the same command again",
                   "python scripts/bench_gpu_plan.py --record", "peak GPU memory"):
        assert phrase in text, phrase


# ---------------------------------------------------------------- the chapters' view


def test_chapters_read_a_gpu_record_when_present_and_say_how_to_add_it_when_not(data_dir):
    from enhancelib.config import resolve_preset
    from enhancelib.study.chapter import ChapterParameters, chapter_run, gpu_record, gpu_record_note

    assert gpu_record("uegan", "full-seed0") is None
    assert gpu_record_note("uegan", "full-seed0") == (
        "uegan/full-seed0 has no gpu record yet; on a CUDA GPU, `python -m enhancelib plan --chapter uegan --only "
        "full-seed0 --preset gpu --record` records it (every chapter's runs: `python -m enhancelib plan --chapter all "
        "--preset gpu --record`).")
    assert "--data fivek --root FIVEK_DIR" in gpu_record_note("uegan", "full-seed0", "fivek")
    folder = fake_record(data_dir / "runs-gpu" / "uegan" / "full-seed0",
                         experiment("uegan", "full-seed0").spec("gpu").config())
    found = gpu_record("uegan", "full-seed0")
    assert found is not None and found.path == folder and found.metrics["test"]["psnr"] == 20.0
    assert gpu_record("uegan", "full-seed0", "fivek") is None
    # the gpu preset's chapter run is the gpu record, not a new training
    params = ChapterParameters({"preset": "gpu"}, resolve_preset("gpu"))
    assert chapter_run("uegan", "full-seed0", params).path == folder
    # a FiveK record matches whatever folder FiveK was read from
    fivek = dict(experiment("uegan", "full-seed1").spec("gpu").config(), data={"source": "fivek", "root": "/x"})
    fake_record(data_dir / "runs-gpu-fivek" / "uegan" / "full-seed1", fivek)
    assert gpu_record("uegan", "full-seed1", "fivek") is not None and gpu_record("uegan", "full-seed1") is None
    # a record of another configuration does not count, and the note says what to do
    fake_record(data_dir / "runs-gpu" / "uegan" / "full-seed2", experiment("uegan", "full-seed1").spec("gpu").config())
    assert gpu_record("uegan", "full-seed2") is None
    assert "holds a gpu record of another configuration; delete the folder" in gpu_record_note("uegan", "full-seed2")
    (data_dir / "runs-gpu" / "uegan" / "full-seed3").mkdir()
    (data_dir / "runs-gpu" / "uegan" / "full-seed3" / "checkpoint.pt").write_bytes(b"")
    assert "is being recorded on the gpu preset (or was cut off)" in gpu_record_note("uegan", "full-seed3")
    # runs that repeat another on the gpu preset name it
    assert gpu_record_note("uegan", "bf16-seed0") == (
        "uegan/bf16-seed0 has no gpu record of its own: on the gpu preset it would train exactly as uegan/full-seed0, "
        "so `plan --preset gpu` records uegan/full-seed0 only.")


def test_an_absent_gpu_run_names_the_gpu_command(data_dir, capsys):
    from enhancelib.config import resolve_preset
    from enhancelib.study.chapter import ChapterParameters, chapter_run

    params = ChapterParameters({"preset": "gpu"}, resolve_preset("gpu"))
    assert chapter_run("uegan", "full-seed0", params) is None
    assert "plan --chapter uegan --only full-seed0 --preset gpu --record" in capsys.readouterr().out
