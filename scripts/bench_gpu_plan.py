"""Memory and FLOPs of one training step of each recipe at the papers' batch and crop, measured on the CPU.

No GPU is needed. For each chapter's main recipe on the ``gpu`` preset (its
paper's batch size and training crop, full-size networks, float32), a fresh
Python process builds the recipe on the CPU, feeds one batch of random
images of the paper's size and runs two training steps:

* **FLOPs per step**: counted by :class:`torch.utils.flop_counter.FlopCounterMode`
  during the second step (forward and backward of every network, VGG losses
  included; convolutions and matrix products only, which dominate).
* **Peak memory**: the growth of the process's peak resident memory over
  its peak before the recipe was built (weights, optimiser states,
  activations and gradients of a step). Float32 on the CPU: with the
  ``gpu`` preset's float16 autocast, activations take about half, so this is
  an upper estimate of the GPU memory a step needs, before the CUDA
  context (about 0.5 GB) and the allocator's caching.

From these the script estimates the time of each paper's schedule on a
GPU: steps x FLOPs per step / (the GPU's dense float16 tensor throughput x
an assumed utilisation, ``--utilisation``, default 0.1: networks of 32-512
channels at these sizes keep a GPU's tensor cores far from busy, and data
loading and optimiser steps add to the time; a conservative guess, to be
replaced by a measurement on a GPU). Evaluation and data loading are not
counted. It is an estimate from arithmetic, not a measurement on a GPU.

    .venv/bin/python scripts/bench_gpu_plan.py [--recipes uegan,qagan] [--record] [--quick]

``--record`` writes ``data/runs/benchmark/gpu-plan/gpu_plan.{json,txt}``
(read by the reproduce page). ``--quick`` uses the smoke preset's sizes: a
check that the script runs, not a measurement.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

RECIPES = {"uegan": ("uegan", "full-seed0"), "glenet_unpaired": ("glenet", "unpaired-seed0"),
           "glenet_paired": ("glenet", "paired-gen-len"), "qagan": ("qagan", "full-seed0"),
           "bncagan": ("bncagan", "full-seed0")}
GPUS = {"NVIDIA A100 (312 TFLOP/s float16)": 312e12, "NVIDIA H100 SXM (989 TFLOP/s float16)": 989e12,
        "NVIDIA RTX 4090 (165 TFLOP/s float16)": 165e12}
"""Dense float16 tensor-core throughput from the makers' data sheets (without sparsity)."""


class _WholeProgram:
    """Stands in for FlopCounterMode's module tracker, whose hooks fail inside ``torch.autograd.grad``
    (GleNet's gradient penalty): every FLOP is counted once, under "Global"."""

    parents = {"Global"}

    def __enter__(self) -> "_WholeProgram":
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def measure(key: str, quick: bool) -> dict[str, Any]:
    """In this process: one recipe at the gpu preset's sizes on the CPU; FLOPs and peak memory of a step."""
    from enhancelib.runtime import configure

    configure()
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from enhancelib.config import resolve_preset
    from enhancelib.nn.vgg import load_vgg
    from enhancelib.study.experiments import experiment

    torch.set_num_threads(2)
    chapter, run = RECIPES[key]
    spec = experiment(chapter, run).spec("smoke" if quick else "gpu")
    cls = spec.recipe_class()
    preset = resolve_preset(spec.resolved_preset(), {"device": "cpu", "amp": False})
    backbone = load_vgg(spec.backbone) if cls.uses_backbone else None
    before = _peak_mib()
    torch.manual_seed(0)
    recipe = cls(preset, torch.device("cpu"), spec.options, backbone)
    size, batch_size = preset.train_size, preset.batch_size
    batch = {k: torch.rand(batch_size, 3, size, size) for k in ("low", "high")}
    if cls.needs_pairs:
        batch["low_target"] = torch.rand(batch_size, 3, size, size)
    recipe.train(True)
    recipe.train_step(batch, 0)
    counter = FlopCounterMode(display=False)
    counter.mod_tracker = _WholeProgram()  # type: ignore[assignment]
    start = time.process_time()
    with counter:
        recipe.train_step(batch, 1)
    seconds = time.process_time() - start
    parameters = sum(p.numel() for net in recipe.networks.values() for p in net.parameters())
    return {"recipe": key, "batch_size": batch_size, "train_size": size, "crop": preset.crop,
            "max_steps": preset.max_steps, "flops_per_step": int(counter.get_total_flops()),
            "peak_mib": round(_peak_mib() - before, 1), "cpu_seconds_per_step": round(seconds, 2),
            "parameters": int(parameters), "backbone": getattr(backbone, "source", None)}


def child(key: str, quick: bool) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", key] + (["--quick"] if quick else [])
    proc = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"{key} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def gpu_hours(row: dict[str, Any], peak_flops: float, utilisation: float) -> float:
    # time = steps * FLOPs per step / (peak * utilisation)
    return row["max_steps"] * row["flops_per_step"] / (peak_flops * utilisation) / 3600


def table(rows: list[dict[str, Any]], utilisation: float) -> str:
    gpu_names = list(GPUS)
    header = (f"{'recipe':16} {'batch x size':>12} {'steps':>7} {'GFLOP/step':>10} {'peak GiB':>8} "
              + " ".join(f"{'h on ' + name.split(' (')[0].replace('NVIDIA ', ''):>12}" for name in gpu_names))
    lines = [header]
    for row in rows:
        hours = [gpu_hours(row, GPUS[name], utilisation) for name in gpu_names]
        lines.append(f"{row['recipe']:16} {str(row['batch_size']) + ' x ' + str(row['train_size']):>12} "
                     f"{row['max_steps']:>7} {row['flops_per_step'] / 1e9:>10.0f} {row['peak_mib'] / 1024:>8.1f} "
                     + " ".join(f"{h:>12.1f}" for h in hours))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipes", default=",".join(RECIPES), help=f"comma-separated, from {', '.join(RECIPES)}")
    parser.add_argument("--utilisation", type=float, default=0.1,
                        help="assumed fraction of the GPU's float16 peak a step reaches (default 0.1)")
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--quick", action="store_true", help="smoke sizes: checks the script, measures nothing")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.quick)))
        return 0
    keys = [k.strip() for k in args.recipes.split(",")]
    unknown = [k for k in keys if k not in RECIPES]
    if unknown:
        parser.error(f"unknown recipe(s) {unknown}; choose from {list(RECIPES)}")
    if not 0 < args.utilisation <= 1:
        parser.error("--utilisation must lie in (0, 1]")
    rows = []
    for key in keys:
        rows.append(child(key, args.quick))
        print(f"measured {key}: {rows[-1]['flops_per_step'] / 1e9:.0f} GFLOP, {rows[-1]['peak_mib']:.0f} MiB",
              flush=True)
    text = table(rows, args.utilisation)
    print(text)
    if args.record and not args.quick:
        from enhancelib.paths import RUNS_DIR
        from enhancelib.train.provenance import git_commit

        folder = RUNS_DIR / "benchmark" / "gpu-plan"
        folder.mkdir(parents=True, exist_ok=True)
        record = {**git_commit(), "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "processor": platform.processor() or platform.machine(), "load": os.getloadavg(),
                  "utilisation": args.utilisation, "gpus": GPUS, "rows": rows,
                  "command": "python scripts/bench_gpu_plan.py --record"}
        (folder / "gpu_plan.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
        (folder / "gpu_plan.txt").write_text(text + "\n")
        print(f"recorded {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
