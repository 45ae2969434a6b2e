"""The runs a ``plan`` command lists and records, and the queue that records them on several GPUs.

``python -m enhancelib plan`` walks the registry of runs the chapters show
(:mod:`enhancelib.study.experiments`) for one preset and one data source:

* each run's spec is :meth:`Experiment.spec` on that preset, with the data source's arguments;
* its folder is ``paths.runs_dir(preset, data) / <chapter> / <name>``: ``data/runs/`` for the
  ``cpu`` preset on the built-in benchmark (what the book shows), ``data/runs-gpu/`` for the ``gpu``
  preset, ``data/runs-gpu-fivek/`` for the ``gpu`` preset on MIT-Adobe FiveK;
* it is *recorded* when that folder holds a finished run of the same configuration;
* it *repeats* another run when, on this preset, it would train exactly as an earlier run of the
  registry does (same recipe, options, resolved preset, seed and data; only the preset fields it
  asks for differ).  On the ``gpu`` preset the runs at three times the cpu preset's CPU budget
  repeat their recipe's own seed (the ``gpu`` preset stops by step count), and the bfloat16 runs
  repeat the full model (every ``gpu`` run trains in float16 mixed precision): they are listed but
  never trained twice.

:func:`run_queue` records runs in worker processes, one per GPU: each worker is a ``plan --only
NAME --record`` command with ``CUDA_VISIBLE_DEVICES`` set to its device, started when its device
is free, with the next unrecorded run; its output goes to a log file.  Runs are independent (no
distributed training); an interrupted queue resumes where it stopped when run again, since
recorded runs are skipped and the engine resumes a run from its last checkpoint.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from enhancelib import paths
from enhancelib.config import ParameterError, resolve_preset
from enhancelib.study.experiments import EXPERIMENTS, Experiment, chapter_experiments
from enhancelib.train.runs import RecordedRun, _matches
from enhancelib.train.spec import RunSpec

__all__ = ["DATA_SOURCES", "Job", "PlannedRun", "data_spec", "plan_runs", "queue_jobs", "record_run", "repeated_run",
           "run_queue", "schedule_hours", "worker_command"]

DATA_SOURCES = ("benchmark", "fivek")
"""The data sources ``plan`` records on: the built-in photos and MIT-Adobe FiveK from disk."""


def data_spec(data: str = "benchmark", root: str | Path | None = None) -> dict[str, Any]:
    """A run's ``data`` for ``plan``: ``{"source": "benchmark"}``, or FiveK under ``root`` (an absolute path).

    Raises :class:`~enhancelib.config.ParameterError` naming the problem and the fix: an unknown
    source, FiveK without ``root`` or with a ``root`` that does not exist, a ``root`` for the benchmark.
    The FiveK folders themselves are checked by :func:`enhancelib.data.fivek.find_fivek_folders`.
    """
    if data not in DATA_SOURCES:
        raise ParameterError(f"Unknown data source {data!r}; plan records on 'benchmark' (the built-in photos) "
                             "or 'fivek' (MIT-Adobe FiveK on disk, with --root DIR).")
    if data == "benchmark":
        if root is not None:
            raise ParameterError("--root is for --data fivek only; the benchmark's photos are built in.")
        return {"source": "benchmark"}
    if root is None:
        raise ParameterError("--data fivek needs --root DIR, the folder that holds FiveK's input and expert-C folders.")
    folder = Path(root).expanduser()
    if not folder.is_dir():
        raise ParameterError(f"--root {root} does not exist or is not a folder; pass the folder that holds "
                             "FiveK's input and expert-C folders.")
    from enhancelib.data.fivek import find_fivek_folders

    try:   # fails now, naming the folders it looked for, rather than in the first run
        find_fivek_folders(folder)
    except ValueError as error:
        raise ParameterError(f"{error} (plan reads the folders by these names: rename or link yours)") from None
    return {"source": "fivek", "root": str(folder.resolve())}


def _spec(item: Experiment, preset: str, data: Mapping[str, Any]) -> RunSpec:
    return replace(item.spec(preset), data=dict(data))


def _training_key(spec: RunSpec) -> str:
    """What decides the training: the configuration without the preset fields asked for (their effect is
    in the resolved preset)."""
    config = spec.config()
    config.pop("preset_overrides", None)
    return json.dumps(config, sort_keys=True)


def repeated_run(chapter: str, name: str, preset: str, data: Mapping[str, Any] | None = None) -> str | None:
    """``"<chapter>/<name>"`` of the earlier registered run that ``chapter/name`` repeats on ``preset``, else None."""
    data = data or {"source": "benchmark"}
    key = _training_key(_spec(EXPERIMENTS[(chapter, name)], preset, data))
    for item in EXPERIMENTS.values():
        if (item.chapter, item.name) == (chapter, name):
            return None
        if _training_key(_spec(item, preset, data)) == key:
            return f"{item.chapter}/{item.name}"
    return None


@dataclass(frozen=True)
class PlannedRun:
    """One registered run on one preset and data source."""

    experiment: Experiment
    spec: RunSpec
    folder: Path
    recorded: bool
    same_as: str | None = None
    """The earlier run this one repeats on this preset (then it is never trained)."""

    @property
    def key(self) -> str:
        return f"{self.experiment.chapter}/{self.experiment.name}"

    @property
    def to_record(self) -> bool:
        return not self.recorded and self.same_as is None

    @property
    def status(self) -> str:
        return "repeats" if self.same_as else "recorded" if self.recorded else "missing"


def plan_runs(chapters: Sequence[str], preset: str = "cpu", data: Mapping[str, Any] | None = None,
              only: Sequence[str] | None = None) -> list[PlannedRun]:
    """Every registered run of ``chapters`` (in the registry's order; ``only`` these names) on ``preset``."""
    data = dict(data or {"source": "benchmark"})
    resolve_preset(preset)   # an unknown preset fails here, with the allowed names
    root = paths.runs_dir(preset, str(data["source"]))
    first: dict[str, str] = {}
    for item in EXPERIMENTS.values():
        first.setdefault(_training_key(_spec(item, preset, data)), f"{item.chapter}/{item.name}")
    planned = []
    for item in (e for chapter in chapters for e in chapter_experiments(chapter)):
        if only and item.name not in only:
            continue
        spec = _spec(item, preset, data)
        origin = first[_training_key(spec)]
        same_as = origin if origin != f"{item.chapter}/{item.name}" else None
        folder = root / item.chapter / item.name
        planned.append(PlannedRun(item, spec, folder, same_as is None and _matches(folder, spec), same_as))
    return planned


def record_run(run: PlannedRun, *, progress: bool = True,
               say: Callable[[str], None] = print) -> RecordedRun:
    """Train ``run`` into its folder (resuming an interrupted one); return the record.

    Without ``progress`` bars, each evaluation prints one line (what a queue's worker writes to its log)."""
    from enhancelib.train.engine import train

    def evaluated(step: int, row: Mapping[str, Any]) -> None:
        scores = ", ".join(f"{k} {v:.4g}" for k, v in row.items() if k.endswith(("psnr", "ssim")))
        say(f"{run.key} step {step}: {scores}")

    train(run.spec, run.folder, keep_weights=run.experiment.keep_weights, progress=progress,
          on_eval=None if progress else evaluated)
    return RecordedRun(run.folder)


def worker_command(run: PlannedRun, preset: str) -> list[str]:
    """The command a queue's worker runs: record this one run, without progress bars."""
    data = dict(run.spec.data)
    command = [sys.executable, "-m", "enhancelib", "plan", "--chapter", run.experiment.chapter,
               "--only", run.experiment.name, "--preset", preset, "--data", str(data["source"])]
    if "root" in data:
        command += ["--root", str(data["root"])]
    return command + ["--record", "--no-progress"]


@dataclass(frozen=True)
class Job:
    """One worker process of a queue: a run's name, its command and where its output goes."""

    key: str
    command: Sequence[str]
    log: Path
    train_log: Path | None = None
    """The run's ``train_log.jsonl``, read for the step the worker has reached."""
    total_steps: int | None = None


def queue_jobs(runs: Sequence[PlannedRun], preset: str) -> list[Job]:
    """One :class:`Job` per run: its :func:`worker_command`, its log ``<records>/plan-logs/<chapter>-<name>.log``."""
    return [Job(run.key, worker_command(run, preset),
                run.folder.parent.parent / "plan-logs" / f"{run.experiment.chapter}-{run.experiment.name}.log",
                run.folder / "train_log.jsonl", run.spec.resolved_preset().max_steps) for run in runs]


def _reached_step(job: Job) -> str:
    if job.train_log is None or not job.train_log.is_file():
        return "starting"
    try:
        lines = job.train_log.read_text().strip().splitlines()
        step = json.loads(lines[-1])["step"] if lines else 0
    except (OSError, ValueError, KeyError):
        return "running"
    return f"step {step:,}" + (f"/{job.total_steps:,}" if job.total_steps else "")


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def _tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(errors="replace").replace("\r", "\n")
    except OSError:
        return "(no log)"
    kept = [line for line in text.splitlines() if line.strip()][-lines:]
    return "\n".join(f"    {line}" for line in kept) or "    (empty log)"


POLL_SECONDS = 2.0
"""How often :func:`run_queue` looks at its workers."""


def run_queue(jobs: Sequence[Job], devices: Sequence[str], *, poll_seconds: float | None = None,
              status_every: float = 600.0, say: Callable[[str], None] = print) -> dict[str, int]:
    """Run ``jobs`` in order, one process per device at a time; return each job's exit status.

    A free device takes the next job; its process runs with ``CUDA_VISIBLE_DEVICES`` set to the
    device and its output (stdout and stderr) in ``job.log``.  A failed job is reported with the end
    of its log and the queue goes on.  Every ``status_every`` seconds one line says what each
    device is doing.  Ctrl-C stops the workers with one SIGINT each (each saves its checkpoint) and
    raises :class:`KeyboardInterrupt`; running the same command again resumes.  Workers run in
    sessions of their own, so a queue killed without Ctrl-C leaves them to finish their runs (a
    second queue started meanwhile finds those run folders locked and reports them as failed).
    """
    poll_seconds = POLL_SECONDS if poll_seconds is None else poll_seconds
    if not devices:
        raise ParameterError("run_queue needs at least one device.")
    if len(set(devices)) != len(devices):
        raise ParameterError(f"Devices {list(devices)} name one device twice; name each once.")
    pending = deque(jobs)
    total = len(pending)
    running: dict[str, tuple[Job, subprocess.Popen[bytes], float, Any]] = {}
    results: dict[str, int] = {}
    last_status = time.monotonic()
    try:
        while pending or running:
            for device in devices:
                if device in running or not pending:
                    continue
                job = pending.popleft()
                job.log.parent.mkdir(parents=True, exist_ok=True)
                log = job.log.open("ab")
                env = {**os.environ, "CUDA_VISIBLE_DEVICES": device, "PYTHONUNBUFFERED": "1"}
                # a session of its own: Ctrl-C reaches the queue only, which forwards one SIGINT to each worker
                process = subprocess.Popen(list(job.command), stdout=log, stderr=subprocess.STDOUT, env=env,
                                           start_new_session=True)
                running[device] = (job, process, time.monotonic(), log)
                say(f"[{total - len(pending)}/{total}] started {job.key} on GPU {device} (log: {job.log})")
            for device, (job, process, started, log) in list(running.items()):
                code = process.poll()
                if code is None:
                    continue
                log.close()
                del running[device]
                results[job.key] = code
                took = _duration(time.monotonic() - started)
                if code == 0:
                    say(f"[{len(results)}/{total} done] finished {job.key} on GPU {device} in {took}")
                else:
                    say(f"[{len(results)}/{total} done] FAILED {job.key} on GPU {device} after {took} "
                        f"(exit status {code}); the end of {job.log}:\n{_tail(job.log)}")
            if running and time.monotonic() - last_status >= status_every:
                last_status = time.monotonic()
                doing = "; ".join(f"GPU {d}: {job.key} {_reached_step(job)}" for d, (job, *_) in running.items())
                say(f"status: {doing}; {len(pending)} waiting, {len(results)} done")
            if pending or running:
                time.sleep(poll_seconds)
    except KeyboardInterrupt:
        say(f"interrupted: stopping {len(running)} worker(s); each saves its last checkpoint")
        for _, process, _, _ in running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for _, process, _, log in running.values():
            try:
                process.wait(timeout=300)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
        raise
    return results


def schedule_hours(hours: Sequence[float], devices: int) -> float:
    """The wall time of running jobs of these durations in this order, each on the first free of ``devices``."""
    free = [0.0] * max(1, devices)
    for length in hours:
        slot = free.index(min(free))
        free[slot] += length
    return max(free)
