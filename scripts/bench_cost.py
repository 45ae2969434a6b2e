"""Cost of every method of the book on the CPU: parameters, inference time and memory, training step.

For each learned method's generator (UEGAN, UEGAN + Charbonnier + SE,
QAGAN, GleNet unpaired and paired, BNCAGAN; the networks and options of
each chapter's seed-0 run on the ``cpu`` preset) and each classical
baseline, with ``--threads`` threads (default 2):

* parameters used at inference: those that receive a gradient when the
  output of the inference path is back-propagated (frozen encoders
  included), beside all the generator's parameters;
* the inference path (``recipe.enhance``, padding included) on one
  1 x 3 x 512 x 512 image: median time over ``--repeats`` and extra peak
  resident memory;
* a 12-megapixel photo (4000 x 3000) through
  :func:`enhancelib.inference.enhance_tensor`, as ``python -m enhancelib
  enhance`` runs it (blended 1024-pixel tiles for convolutional generators,
  GleNet's curves at full resolution): median time over ``--repeats-12mp``
  and extra peak resident memory;
* one training step of the recipe at the ``cpu`` preset (batch 4 of crops at
  the preset's train size, VGG losses included): the mean step time over a
  cycle of steps (GleNet's unpaired recipe updates its generator every
  5th step; its stage 2 is not timed), median over ``--repeats`` cycles.

Every measurement runs in a fresh Python process so that each memory peak
is its own (:func:`enhancelib.viz.attention.peak_memory_mib`: the growth of
the resident set's high-water mark over the resident set before the call).
Networks have random weights: time and memory do not depend on them.  The
machine may be shared: the load average is recorded before and after; a
figure measured under load is an upper bound.

Usage::

    .venv/bin/python scripts/bench_cost.py [--repeats 5] [--repeats-12mp 2] [--threads 2]
                                           [--methods uegan,qagan] [--record] [--quick]

``--record`` writes ``data/runs/comparison/cost/cost.csv`` and
``provenance.json`` (read by the comparison chapter).  ``--quick`` uses tiny
sizes, the ``smoke`` preset's batches and one repeat: a check that the
script runs, not a measurement.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from enhancelib.runtime import configure  # noqa: E402

configure()  # passive OpenMP waiting and flush-to-zero, before torch is imported

import torch  # noqa: E402

from enhancelib.study.compare import COST_CSV, LEARNED_METHODS, Method  # noqa: E402

FULL = {"side": 512, "photo": (3000, 4000), "tile": None, "preset": "cpu"}
QUICK = {"side": 64, "photo": (150, 200), "tile": 128, "preset": "smoke"}
CLASSICAL_TASKS = ("512", "12mp")
LEARNED_TASKS = ("512", "12mp", "step")


def methods() -> dict[str, Method | None]:
    """Every timed method by key: learned ones with their runs, classical ones (None)."""
    from enhancelib.models.classical import BASELINES

    return {**{m.key: m for m in LEARNED_METHODS}, **{name: None for name in BASELINES}}


# ------------------------------------------------------------------------- building blocks
def build_recipe(method: Method, preset_name: str) -> Any:
    """The recipe of the method's seed-0 run, networks freshly initialised, on the CPU."""
    from enhancelib.config import resolve_preset
    from enhancelib.nn.vgg import load_vgg
    from enhancelib.study.experiments import experiment

    spec = experiment(method.chapter, method.runs[0]).spec(preset_name)
    cls = spec.recipe_class()
    preset = resolve_preset(spec.resolved_preset(), {"device": "cpu", "amp": False})
    backbone = load_vgg(spec.backbone) if cls.uses_backbone else None
    torch.manual_seed(0)
    return cls(preset, torch.device("cpu"), spec.options, backbone)


def enhancer(key: str, preset_name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """``N x 3 x H x W -> N x 3 x H x W`` in [0, 1], the method's inference path."""
    from enhancelib.inference import Enhancer
    from enhancelib.models.classical import BASELINES

    method = methods()[key]
    if method is None:
        return BASELINES[key]
    recipe = build_recipe(method, preset_name)
    return Enhancer(recipe.generator(), recipe.name, recipe.options)


def used_parameters(recipe: Any, side: int = 64) -> tuple[int, int]:
    """(parameters that receive a gradient from the inference output, all generator parameters)."""
    net = recipe.generator()
    params = list(net.parameters())
    flags = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad_(True)
        p.grad = None
    net.eval()
    recipe.enhance(torch.rand(1, 3, side, side)).sum().backward()
    used = sum(p.numel() for p in params if p.grad is not None)
    for p, flag in zip(params, flags):
        p.requires_grad_(flag)
        p.grad = None
    return used, sum(p.numel() for p in params)


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def peak_process_mib() -> float:
    """High-water mark of this process's resident set (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------- one task
def measure(key: str, task: str, *, quick: bool = False, repeats: int = 5, repeats_12mp: int = 2,
            threads: int = 2) -> dict[str, Any]:
    """One measurement of one method, in this process (the script runs each in a fresh one)."""
    from enhancelib.inference import enhance_tensor
    from enhancelib.viz.attention import peak_memory_mib

    sizes = QUICK if quick else FULL
    torch.set_num_threads(threads)
    if task in ("512", "12mp"):
        enhance = enhancer(key, sizes["preset"])
        with torch.inference_mode():
            enhance(torch.rand(1, 3, 64, 64))  # warm-up: kernels, thread pool
        if task == "512":
            x = torch.rand(1, 3, sizes["side"], sizes["side"])
            run: Callable[[], object] = lambda: enhance(x)  # noqa: E731
            count = repeats
        else:
            height, width = sizes["photo"]
            photo = torch.rand(3, height, width)
            tile = sizes["tile"] or 1024  # the enhance command's default
            if methods()[key] is None:  # classical operators work on the whole photo
                tile = max(height, width)
            run = lambda: enhance_tensor(enhance, photo, tile=tile)  # noqa: E731
            count = repeats_12mp
        gc.collect()
        with torch.inference_mode():
            peak, _ = peak_memory_mib(run)
            ms = median_ms(run, count)
        return {f"ms_{task}": ms, f"peak_mib_{task}": peak, f"process_peak_mib_{task}": peak_process_mib()}
    if task == "step":
        method = methods()[key]
        if method is None:
            raise ValueError(f"{key} is a classical operator: nothing to train")
        recipe = build_recipe(method, sizes["preset"])
        used, declared = used_parameters(recipe)
        preset = recipe.preset
        batch = {k: torch.rand(preset.batch_size, 3, preset.train_size, preset.train_size) for k in ("low", "high")}
        if recipe.needs_pairs:
            batch["low_target"] = torch.rand_like(batch["low"])
        cycle = int(getattr(recipe.options, "n_critic", 1))
        recipe.train(True)
        step = 0

        def run_cycle() -> None:
            nonlocal step
            for _ in range(cycle):
                recipe.train_step(batch, step)
                step += 1

        run_cycle()  # warm-up
        ms = median_ms(run_cycle, repeats) / cycle
        backbone = getattr(recipe.backbone, "source", None) if recipe.backbone is not None else None
        return {"params_inference": used, "params_generator": declared, "ms_step": ms,
                "step_batch": f"{preset.batch_size} x {preset.train_size}px", "steps_per_cycle": cycle,
                "backbone": backbone or "none"}
    raise ValueError(f"unknown task {task!r}")


# ------------------------------------------------------------------------------ driver
def child(key: str, task: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its JSON result (or the error)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", key, task, "--repeats", str(args.repeats),
               "--repeats-12mp", str(args.repeats_12mp), "--threads", str(args.threads)]
    if args.quick:
        command.append("--quick")
    proc = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {f"error_{task}": last[:200]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def collect(args: argparse.Namespace, keys: list[str]) -> list[dict[str, Any]]:
    rows = []
    for key in keys:
        method = methods()[key]
        row: dict[str, Any] = {"method": key, "label": method.label if method else key,
                               "role": method.role if method else "classical",
                               "params_inference": 0 if method is None else None,
                               "params_generator": 0 if method is None else None}
        for task in (LEARNED_TASKS if method else CLASSICAL_TASKS):
            row.update(child(key, task, args))
        rows.append(row)
        print(f"  {key}: done", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the 512 px forward and training step")
    parser.add_argument("--repeats-12mp", type=int, default=2, help="repeats of the 12-megapixel enhancement")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--methods", default="", help="comma-separated keys (default: all)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repeat: checks that it runs")
    parser.add_argument("--record", action="store_true", help=f"write {COST_CSV.relative_to(REPO)} + provenance")
    parser.add_argument("--out", type=Path, default=COST_CSV.parent, help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "TASK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.repeats = args.repeats_12mp = 1
    if args.child:
        print(json.dumps(measure(*args.child, quick=args.quick, repeats=args.repeats,
                                 repeats_12mp=args.repeats_12mp, threads=args.threads)))
        return

    import pandas as pd

    from enhancelib.train.provenance import cpu_description, git_commit

    known = list(methods())
    keys = [k for k in args.methods.split(",") if k] or known
    unknown = sorted(set(keys) - set(known))
    if unknown:
        parser.error(f"unknown method(s) {unknown}; choose from {known}")
    load_before = os.getloadavg()
    sizes = QUICK if args.quick else FULL
    print(f"torch {torch.__version__}, {args.threads} threads, {cpu_description()}, load average {load_before[0]:.2f}"
          f"{' (QUICK: tiny sizes, not a measurement)' if args.quick else ''}", flush=True)
    started = time.time()
    table = pd.DataFrame(collect(args, keys))
    load_after = os.getloadavg()
    shown = [c for c in ("method", "params_inference", "params_generator", "ms_512", "peak_mib_512", "ms_12mp",
                         "peak_mib_12mp", "ms_step") if c in table]
    print(table[shown].to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    errors = [c for c in table if c.startswith("error_")]
    if errors:
        print("errors:\n" + table[["method", *errors]].dropna(how="all", subset=errors).to_string(index=False))
    print(f"load average after: {load_after[0]:.2f}; figures from a loaded machine are upper bounds")
    if args.record:
        args.out.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out / "cost.csv", index=False, float_format="%.4g")
        provenance = {
            **git_commit(), "torch": torch.__version__, "threads": args.threads, **cpu_description(),
            "cores": os.cpu_count(), "load_average_before": list(load_before), "load_average_after": list(load_after),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "wall_seconds": round(time.time() - started, 1), "quick": args.quick,
            "command": "python scripts/bench_cost.py " + " ".join(sys.argv[1:]),
            "sizes": {"forward_side": sizes["side"], "photo_height_width": list(sizes["photo"]),
                      "tile": sizes["tile"] or 1024, "training_preset": sizes["preset"]},
            "repeats": {"512_and_step": args.repeats, "12mp": args.repeats_12mp},
            "weights": "random initialisation (time and memory do not depend on the weights)",
            "memory": "extra peak resident set during the call, in MiB, measured in a fresh process",
        }
        (args.out / "provenance.json").write_text(json.dumps(provenance, indent=2) + "\n")
        print(f"wrote {args.out / 'cost.csv'} and provenance.json")


if __name__ == "__main__":
    main()
