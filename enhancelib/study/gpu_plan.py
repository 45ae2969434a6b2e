"""Estimated GPU time of the ``gpu`` preset's runs, from the recorded benchmark of a training step.

``python scripts/bench_gpu_plan.py --record`` measures, on the CPU, one training step of each
chapter's main recipe at its paper's batch and crop and writes
``data/runs/benchmark/gpu-plan/gpu_plan.json``::

    {"gpus": {"NVIDIA A100 (312 TFLOP/s float16)": 312e12, ...},   # dense float16 peak, FLOP/s
     "utilisation": 0.25,                                          # assumed fraction of that peak
     "rows": [{"recipe": "uegan", "batch_size": 10, "train_size": 256, "max_steps": ...,
               "flops_per_step": ..., "peak_mib": ...}, ...],
     "commit": "...", ...}

A run's time is then

    time = steps x FLOPs per step / (throughput x utilisation)

with the run's own number of steps, and its recipe's FLOPs per step scaled by the pixels of its
batch (``batch_size x train_size^2``) where the run's batch or crop differs from the measured one.
Only training steps are counted (not evaluation, data loading or checkpoints): it is arithmetic on a
measured FLOP count and an assumed utilisation, not a measurement on a GPU.  The peak memory is the
measured step's in float32 on the CPU, an upper estimate of what the step needs in float16 on a GPU.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from enhancelib import paths

__all__ = ["Estimate", "GpuPlan", "GpuPlanError", "StepCost", "fits_in", "format_hours", "gpu_plan_path",
           "memory_and_time_rows", "read_gpu_plan"]

RECORD_COMMAND = "python scripts/bench_gpu_plan.py --record"
"""The command that writes the benchmark this module reads."""


class GpuPlanError(ValueError):
    """The GPU plan benchmark cannot be read or does not name what was asked for."""


def gpu_plan_path() -> Path:
    """Where ``scripts/bench_gpu_plan.py --record`` writes its benchmark (read at call time)."""
    return paths.RUNS_DIR / "benchmark" / "gpu-plan" / "gpu_plan.json"


@dataclass(frozen=True)
class StepCost:
    """One recipe's measured training step on the ``gpu`` preset."""

    recipe: str
    batch_size: int
    train_size: int
    flops_per_step: float
    peak_mib: float


@dataclass(frozen=True)
class Estimate:
    """A run's estimated time on one GPU."""

    hours: float
    peak_mib: float
    """The measured step's peak memory (float32 on the CPU: an upper estimate)."""
    scaled: bool
    """True when the run's batch or crop differs from the measured step's, and its FLOPs were scaled."""


@dataclass(frozen=True)
class GpuPlan:
    """The benchmark read from ``gpu_plan.json``."""

    gpus: Mapping[str, float]
    """GPU name -> dense float16 throughput in FLOP/s."""
    utilisation: float
    costs: Mapping[str, StepCost]
    """Recipe name -> its measured step."""
    commit: str
    path: Path

    def pick_gpu(self, wanted: str | None = None) -> str:
        """The GPU whose name contains ``wanted`` (case-insensitive); the first listed when ``None``."""
        names = list(self.gpus)
        if wanted is None:
            return names[0]
        found = [name for name in names if wanted.lower() in name.lower()]
        if len(found) != 1:
            problem = "names no GPU" if not found else f"matches {len(found)} GPUs"
            raise GpuPlanError(f"{wanted!r} {problem} of {self.path.name}; choose one of: {'; '.join(names)}.")
        return found[0]

    def estimate(self, recipe: str, steps: int, batch_size: int, train_size: int, gpu: str) -> Estimate | None:
        """``steps`` of ``recipe`` at ``batch_size x train_size^2`` on ``gpu``; None for a recipe not measured."""
        cost = self.costs.get(recipe)
        if cost is None:
            return None
        pixels = batch_size * train_size ** 2
        measured = cost.batch_size * cost.train_size ** 2
        flops = cost.flops_per_step * pixels / measured
        seconds = steps * flops / (self.gpus[gpu] * self.utilisation)
        return Estimate(hours=seconds / 3600, peak_mib=cost.peak_mib, scaled=pixels != measured)


def read_gpu_plan(path: str | Path | None = None) -> GpuPlan:
    """Read the benchmark (default: :func:`gpu_plan_path`).

    Raises :class:`FileNotFoundError` when it is absent and :class:`GpuPlanError` when it is not the
    benchmark's JSON, each naming the command that writes it."""
    path = Path(path) if path is not None else gpu_plan_path()
    if not path.is_file():
        raise FileNotFoundError(f"{path} is absent; record it with: {RECORD_COMMAND}")
    try:
        raw: dict[str, Any] = json.loads(path.read_text())
        gpus = {str(name): float(flops) for name, flops in raw["gpus"].items()}
        utilisation = float(raw["utilisation"])
        costs = {}
        for row in raw["rows"]:
            cost = StepCost(recipe=str(row["recipe"]), batch_size=int(row["batch_size"]),
                            train_size=int(row["train_size"]), flops_per_step=float(row["flops_per_step"]),
                            peak_mib=float(row["peak_mib"]))
            costs[cost.recipe] = cost
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as error:
        raise GpuPlanError(f"{path} is not a GPU plan benchmark ({type(error).__name__}: {error}); "
                           f"record it again with: {RECORD_COMMAND}") from None
    if not gpus or not 0 < utilisation <= 1 or any(v <= 0 for v in gpus.values()):
        raise GpuPlanError(f"{path} names no GPU or an impossible throughput or utilisation ({utilisation}); "
                           f"record it again with: {RECORD_COMMAND}")
    return GpuPlan(gpus=gpus, utilisation=utilisation, costs=costs, commit=str(raw.get("commit", "unknown")),
                   path=path)


def format_hours(hours: float) -> str:
    """``"45 min"``, ``"3.2 h"``, ``"120 h"``: a duration at the precision an estimate deserves."""
    if hours < 1:
        return f"{max(1, round(hours * 60))} min"
    return f"{hours:.1f} h" if hours < 10 else f"{hours:,.0f} h"


def fits_in(peak_mib: float, context_gib: float = 0.5, sizes: tuple[int, ...] = (8, 12, 16, 24, 40, 80)) -> int:
    """The smallest common GPU memory size (GB) that holds a step's float32 peak plus the CUDA context."""
    need = peak_mib / 1024 + context_gib
    return next((size for size in sizes if need <= size), sizes[-1])


def memory_and_time_rows(path: str | Path | None = None) -> list[dict[str, str]]:
    """The reproduce page's table: per model, batch and size, steps, FLOPs, peak memory, the GPU it fits
    and the estimated hours of its paper's schedule on each GPU of the benchmark record."""
    raw = json.loads(Path(path or gpu_plan_path()).read_text())
    rows = []
    for row in raw["rows"]:
        entry = {"model": row["recipe"], "batch x size": f"{row['batch_size']} x {row['train_size']}",
                 "steps": f"{row['max_steps']:,}", "TFLOP per step": f"{row['flops_per_step'] / 1e12:.2f}",
                 "peak memory (GiB, float32)": f"{row['peak_mib'] / 1024:.1f}",
                 "fits a GPU with": f"{fits_in(row['peak_mib'])} GB"}
        for name, flops in raw["gpus"].items():
            # time = steps x FLOPs per step / (throughput x utilisation)
            hours = row["max_steps"] * row["flops_per_step"] / (flops * raw["utilisation"]) / 3600
            entry[f"hours on {name.split(' (')[0]}"] = f"{hours:.1f}"
        rows.append(entry)
    return rows
