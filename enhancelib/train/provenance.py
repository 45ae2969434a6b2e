"""Where a recorded number came from: commit, preset, seed, steps, device, time, weights.

On CUDA a record also names the GPU, its memory, the CUDA and cuDNN versions PyTorch was built with and
the peak GPU memory of training (:func:`cuda_description`).
"""
from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import torch

from enhancelib import paths
from enhancelib.runtime import KEPT_LABEL, freed_memory_reused
from enhancelib.nn.precision import amp_format_name, cpu_has_native_bfloat16

if TYPE_CHECKING:  # pragma: no cover
    from enhancelib.train.spec import RunSpec

__all__ = ["cpu_description", "cpu_model", "cuda_description", "cuda_peak_bytes", "git_commit", "provenance"]

def git_commit() -> dict[str, Any]:
    """The checked-out commit and whether the work tree had uncommitted changes."""
    def run(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=paths.REPO_ROOT, capture_output=True, text=True,
                              timeout=20).stdout.strip()
    try:
        commit = run("rev-parse", "HEAD")
        dirty = bool(run("status", "--porcelain", "--untracked-files=no", "--", "enhancelib"))
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "", False
    return {"commit": commit or "unknown", "enhancelib_modified": dirty}


def cpu_model() -> str:
    """The processor's model name as the kernel reports it (``platform`` where /proc is missing)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_description() -> dict[str, Any]:
    """What decides a CPU's speed on these networks: model, vector instruction set, native bfloat16.

    A run trained on a CPU-seconds budget takes as many steps as the CPU
    allows, so two records made on different processors are comparable in
    budget but not in steps; this says which processor made each.  The
    vector set is the one PyTorch's kernels dispatch to (e.g. ``AVX2``,
    ``AVX512``); without native bfloat16, ``amp`` on the CPU is emulated and
    slow (:mod:`enhancelib.nn.precision`)."""
    capability = getattr(getattr(torch.backends, "cpu", None), "get_cpu_capability", lambda: "unknown")()
    return {"cpu_model": cpu_model(), "cpu_vector_isa": capability,
            "cpu_native_bfloat16": cpu_has_native_bfloat16()}


def cuda_peak_bytes(device: torch.device) -> int:
    """``torch.cuda.max_memory_allocated`` on a CUDA ``device`` (tensors only, not the allocator's cache);
    0 on any other device."""
    return int(torch.cuda.max_memory_allocated(device)) if device.type == "cuda" else 0


def cuda_description(device: torch.device, peak_bytes: int) -> dict[str, Any]:
    """The GPU a CUDA run trained on: name, total memory, CUDA and cuDNN versions, peak memory.

    ``peak_bytes`` is the largest :func:`cuda_peak_bytes` over the run's training (periodic
    evaluations included; the largest over every resumed part).  Empty on any other device, so that
    CPU records keep the keys they always had."""
    if device.type != "cuda":
        return {}
    mib = 2 ** 20
    return {
        "gpu_name": torch.cuda.get_device_name(device),
        "gpu_memory_mib": round(torch.cuda.get_device_properties(device).total_memory / mib),
        "gpu_peak_memory_mib": round(peak_bytes / mib, 1),
        "cuda_version": torch.version.cuda,
        "cudnn_version": torch.backends.cudnn.version(),
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
    }


def provenance(spec: RunSpec, *, steps: int, device: torch.device, wall_time: float, cpu_time: float,
               backbone: str | None, data: Mapping[str, Any], gpu_peak_bytes: int = 0) -> dict[str, Any]:
    """Everything needed to know how a run was obtained and to obtain it again (``gpu_peak_bytes``: see
    :func:`cuda_description`)."""
    preset = spec.resolved_preset()
    return {
        **git_commit(),
        "recipe": spec.recipe,
        "preset": preset.name,
        "seed": spec.seed,
        "steps": steps,
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or platform.machine(),
        "amp": bool(preset.amp),
        # the 16-bit format of the training step's forward passes (enhancelib.nn.precision)
        "amp_dtype": amp_format_name(preset.amp, device),
        "threads": torch.get_num_threads(),
        "allocator": KEPT_LABEL if freed_memory_reused() else "default",
        "cpu_count": os.cpu_count(),
        **cpu_description(),
        **cuda_description(device, gpu_peak_bytes),
        "train_wall_seconds": round(wall_time, 1),
        "train_cpu_seconds": round(cpu_time, 1),
        "backbone": backbone,
        "data": dict(data),
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "finished": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": "python -m enhancelib reproduce <this folder>",
    }
