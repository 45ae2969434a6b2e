"""One writer per run folder: the lock names its holder, a killed holder's lock is taken over."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import enhancelib.train.engine as engine
from enhancelib.__main__ import main
from enhancelib.recipes import register_recipe
from enhancelib.train import RunSpec, train
from enhancelib.train.lock import LOCK_NAME, RunLockedError, run_lock
from enhancelib.train.runs import reproduce

sys.path.insert(0, str(Path(__file__).parent))
import lock_runner  # noqa: E402,F401  (registers tiny_slow)
from tiny_recipe import TinyRecipe  # noqa: E402

register_recipe("tiny", TinyRecipe)

RUNNER = Path(__file__).parent / "lock_runner.py"
LOCK_MODULE = Path(engine.__file__).parent / "lock.py"
HOLD = """
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("lock", sys.argv[1])
lock = sys.modules["lock"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock)
with lock.run_lock(sys.argv[2]):
    print("held", flush=True)
    time.sleep(120)
"""
"""A child process that holds a folder's lock (the lock module alone: no torch to import)."""


@pytest.fixture
def holder(tmp_path):
    """Start a process holding ``tmp_path / 'run'``'s lock; yields it, kills it at the end."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(LOCK_MODULE), str(tmp_path / "run")],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    yield process
    process.kill()
    process.wait()


def recorded_holder(folder: Path) -> dict:
    return json.loads((folder / LOCK_NAME).read_text())


def test_the_lock_file_names_its_holder_and_goes_away_after_the_block(tmp_path):
    with run_lock(tmp_path / "run") as me:
        fields = recorded_holder(tmp_path / "run")
        assert fields["pid"] == os.getpid() == me.pid and fields["host"] == socket.gethostname()
        assert fields["started"] == me.started and "T" in fields["started"]
        with run_lock(tmp_path / "run"):   # the same process may nest
            pass
        assert (tmp_path / "run" / LOCK_NAME).is_file()
    assert not (tmp_path / "run" / LOCK_NAME).exists()
    for stop in (RuntimeError("boom"), KeyboardInterrupt()):
        with pytest.raises(type(stop)):
            with run_lock(tmp_path / "run"):
                raise stop
        assert not (tmp_path / "run" / LOCK_NAME).exists()


def test_a_live_writer_is_named_and_a_second_one_refused(tmp_path, holder):
    started = recorded_holder(tmp_path / "run")["started"]
    with pytest.raises(RunLockedError) as error:
        with run_lock(tmp_path / "run"):
            pass
    message = str(error.value)
    assert f"process {holder.pid} on {socket.gethostname()}, started {started}" in message
    assert f"kill {holder.pid}" in message and "another folder" in message
    with pytest.raises(RunLockedError):   # training refuses before writing anything
        train(RunSpec(recipe="tiny", preset="smoke"), tmp_path / "run", progress=False)
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [LOCK_NAME]


def test_reproduce_deletes_nothing_while_another_process_writes(tmp_path, holder):
    run = tmp_path / "run"
    for name in ("config.json", "metrics.json", "train_log.jsonl"):
        (run / name).write_text(json.dumps(RunSpec(recipe="tiny", preset="smoke").config()))
    with pytest.raises(RunLockedError, match=f"process {holder.pid}"):
        reproduce(run, progress=False)
    assert sorted(p.name for p in run.iterdir()) == sorted(["config.json", "metrics.json", "train_log.jsonl",
                                                            LOCK_NAME])


def test_the_lock_of_a_killed_writer_is_taken_over(tmp_path, holder, capsys):
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (tmp_path / "run" / LOCK_NAME).is_file()   # left behind
    with run_lock(tmp_path / "run") as me:
        assert recorded_holder(tmp_path / "run")["pid"] == me.pid == os.getpid()
    err = capsys.readouterr().err
    assert f"taking over the lock {tmp_path / 'run' / LOCK_NAME} left by process {holder.pid}" in err
    assert "no longer running" in err


def test_a_lock_file_of_a_dead_process_is_taken_over(tmp_path, capsys):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(gone.stdout)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / LOCK_NAME).write_text(json.dumps(
        {"pid": pid, "host": socket.gethostname(), "started": "2024-01-01T00:00:00+00:00", "command": "train"}))
    with run_lock(tmp_path / "run"):
        pass
    assert f"left by process {pid} on {socket.gethostname()}" in capsys.readouterr().err


def test_a_lock_held_on_another_host_is_not_taken_over(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / LOCK_NAME).write_text(json.dumps(
        {"pid": 4242, "host": "another-machine", "started": "2024-01-01T00:00:00+00:00"}))
    with pytest.raises(RunLockedError, match=r"process 4242 on another-machine.*cannot be checked.*delete"):
        with run_lock(tmp_path / "run"):
            pass
    assert (tmp_path / "run" / LOCK_NAME).is_file()


def _photo_folders(root: Path) -> None:
    rng = np.random.default_rng(0)
    for side, scale in (("low", 0.5), ("high", 1.0)):
        (root / side).mkdir()
        for i in range(3):
            Image.fromarray((rng.random((40, 50, 3)) * 255 * scale).astype(np.uint8)).save(root / side / f"{i}.png")


def _wait_for(path: Path, process: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, f"the first writer ended early ({process.returncode})"
        assert time.monotonic() < deadline, f"no {path} after {seconds} s"
        time.sleep(0.2)


def test_two_train_commands_one_folder_then_kill_and_resume(tmp_path, monkeypatch, capsys):
    _photo_folders(tmp_path)
    run = tmp_path / "run"
    args = ["train", "--recipe", "tiny_slow", "--low", str(tmp_path / "low"), "--high", str(tmp_path / "high"),
            "--preset", "smoke", "--out", str(run), "--preset-field", "max_steps=80",
            "--preset-field", "eval_every=40"]
    # the writers run this checkout's code, slowed down so that the second starts while the first trains
    code = os.pathsep.join(filter(None, [str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH")]))
    slow = {**os.environ, "PYTHONPATH": code, "TINY_STEP_SECONDS": "0.5"}
    with open(tmp_path / "first.log", "w") as log:
        first = subprocess.Popen([sys.executable, str(RUNNER), *args], env=slow, stdout=log, stderr=log)
    try:
        _wait_for(run / "checkpoint.pt", first)
        second = subprocess.run([sys.executable, str(RUNNER), *args], env=slow, capture_output=True, text=True,
                                timeout=300)
        assert first.poll() is None, "the first writer must still be training"
        assert second.returncode == 2, second.stderr
        started = recorded_holder(run)["started"]
        assert f"process {first.pid} on {socket.gethostname()}, started {started}" in second.stderr
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert (run / LOCK_NAME).is_file()
    resumed_from = []
    real_load = engine.load_checkpoint
    monkeypatch.setattr(engine, "load_checkpoint", lambda path, *a, **k: resumed_from.append(path) or real_load(path))
    assert main(args) == 0
    assert resumed_from == [run / "checkpoint.pt"]
    assert f"left by process {first.pid}" in capsys.readouterr().err
    steps = [json.loads(line)["step"] for line in (run / "train_log.jsonl").read_text().splitlines()]
    assert steps == list(range(1, 81))
    assert not (run / LOCK_NAME).exists() and (run / "generator.pt").is_file()
