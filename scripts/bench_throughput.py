"""Training throughput: steps per CPU-second of every recipe, under the settings the engine can choose.

The ``cpu`` preset's budget is process CPU time, so what counts for a run is
how many steps a CPU-second buys, not wall time. For each recipe (its
chapter's main run on the ``cpu`` preset: batch, crop, networks and losses
as recorded) and each setting below, a fresh Python process builds the
recipe with fixed seeds, takes ``--warmup`` steps, then times ``--steps``
steps with ``time.process_time``:

``today``         what the recorded runs use: 2 threads, glibc's default allocator
``reuse``         2 threads, freed memory kept for reuse (``runtime.configure(reuse_freed_memory=True)``)
``1-thread``      1 thread, freed memory kept (fewer CPU-seconds lost to synchronisation, more wall time)
``channels-last`` as ``reuse``, every network and batch in the channels-last memory layout
``compile``       as ``reuse``, the trained networks wrapped in ``torch.compile`` (inductor, C++ on the CPU);
                  only with ``--compile``: compiling takes minutes per process, not charged to the steps

The settings run interleaved (today, reuse, 1-thread, today, ...) for
``--rounds`` rounds, so that a load on the machine falls on all of them; the
table gives the median over rounds. Each process also saves the generator's
weights after its steps; the script reports the largest difference from
``today``'s (0 means bit-identical; a few 1e-7 is float reordering).

    .venv/bin/python scripts/bench_throughput.py [--recipes uegan,bncagan] [--steps 8] [--rounds 3] [--record]

``--record`` writes ``data/runs/benchmark/throughput/throughput.{json,txt}``
with the date, commit, processor and load averages. Run it on a quiet
machine: the absolute figures move with load, the ratios much less.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SETTINGS = {"today": {"threads": 2, "reuse": False}, "reuse": {"threads": 2, "reuse": True},
            "1-thread": {"threads": 1, "reuse": True}, "channels-last": {"threads": 2, "reuse": True},
            "compile": {"threads": 2, "reuse": True}}
RECIPES = {"uegan": ("uegan", "full-seed0"), "bncagan": ("bncagan", "full-seed0"), "qagan": ("qagan", "full-seed0"),
           "glenet_unpaired": ("glenet", "unpaired-seed0"), "glenet_paired": ("glenet", "paired-gen-len")}


def measure(recipe_key: str, setting: str, steps: int, warmup: int, weights_path: str) -> dict[str, Any]:
    """In this process: build the recipe, take warm-up steps, time ``steps`` steps; save the generator."""
    from enhancelib.runtime import configure

    configure(reuse_freed_memory=SETTINGS[setting]["reuse"])
    import torch

    from enhancelib.config import resolve_preset
    from enhancelib.data import load_data
    from enhancelib.nn.vgg import load_vgg
    from enhancelib.study.experiments import experiment

    torch.set_num_threads(int(SETTINGS[setting]["threads"]))
    chapter, run = RECIPES[recipe_key]
    spec = experiment(chapter, run).spec("cpu")
    cls = spec.recipe_class()
    preset = resolve_preset(spec.resolved_preset(), {"device": "cpu", "amp": False})
    backbone = load_vgg(spec.backbone) if cls.uses_backbone else None
    torch.manual_seed(0)
    recipe = cls(preset, torch.device("cpu"), spec.options, backbone)
    data = load_data("benchmark", preset, paired=cls.needs_pairs)
    sampler = torch.Generator().manual_seed(0)
    batches = [data.train.sample(preset.batch_size, sampler) for _ in range(warmup + steps)]
    networks = {name: net for name, net in vars(recipe).items()
                if isinstance(net, torch.nn.Module) and any(p.requires_grad for p in net.parameters())}
    if setting == "channels-last":
        for net in vars(recipe).values():
            if isinstance(net, torch.nn.Module):
                net.to(memory_format=torch.channels_last)
        batches = [{k: v.contiguous(memory_format=torch.channels_last) for k, v in b.items()} for b in batches]
    if setting == "compile":
        for name, net in networks.items():
            setattr(recipe, name, torch.compile(net))
    recipe.train(True)
    for step in range(warmup):
        recipe.train_step(batches[step], step)
    start = time.process_time()
    wall = time.perf_counter()
    for step in range(warmup, warmup + steps):
        recipe.train_step(batches[step], step)
    cpu = (time.process_time() - start) / steps
    wall = (time.perf_counter() - wall) / steps
    state = recipe.generator().state_dict()   # a compiled network's keys carry "_orig_mod."
    torch.save({k.replace("_orig_mod.", ""): v.detach().clone() for k, v in state.items()}, weights_path)
    return {"cpu_seconds_per_step": cpu, "wall_seconds_per_step": wall, "steps_per_cpu_second": 1.0 / cpu}


def child(recipe_key: str, setting: str, args: argparse.Namespace, weights_path: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", recipe_key, setting, "--steps", str(args.steps),
               "--warmup", str(args.warmup), "--weights", weights_path]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"{recipe_key} / {setting} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def largest_difference(a_path: str, b_path: str) -> float:
    import torch

    a, b = torch.load(a_path, weights_only=True), torch.load(b_path, weights_only=True)
    return max(float((a[k].float() - b[k].float()).abs().max()) if a[k].numel() else 0.0 for k in a)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipes", default=",".join(RECIPES), help=f"comma-separated, from {', '.join(RECIPES)}")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--compile", action="store_true", help="also time torch.compile (minutes per process)")
    parser.add_argument("--child", nargs=2, metavar=("RECIPE", "SETTING"), help=argparse.SUPPRESS)
    parser.add_argument("--weights", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*args.child, args.steps, args.warmup, args.weights)))
        return 0

    keys = [k.strip() for k in args.recipes.split(",")]
    unknown = [k for k in keys if k not in RECIPES]
    if unknown:
        parser.error(f"unknown recipe(s) {unknown}; choose from {list(RECIPES)}")
    load_before = os.getloadavg()
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for key in keys:
            chosen = [s for s in SETTINGS if s != "compile" or args.compile]
            per_setting: dict[str, list[dict[str, Any]]] = {s: [] for s in chosen}
            for round_ in range(args.rounds):
                for setting in chosen:
                    if setting == "compile" and round_ > 0:
                        continue   # one compiled process per recipe: its compile time dwarfs the steps
                    weights = str(Path(tmp) / f"{key}-{setting}.pt")
                    per_setting[setting].append(child(key, setting, args, weights))
                    print(f"{key:16} round {round_ + 1} {setting:13} "
                          f"{per_setting[setting][-1]['cpu_seconds_per_step']:.3f} CPU-s/step", flush=True)
            today = statistics.median(r["steps_per_cpu_second"] for r in per_setting["today"])
            results[key] = {}
            for setting, rows in per_setting.items():
                rate = statistics.median(r["steps_per_cpu_second"] for r in rows)
                results[key][setting] = {
                    "steps_per_cpu_second": round(rate, 4), "speedup": round(rate / today, 3),
                    "wall_seconds_per_step": round(statistics.median(r["wall_seconds_per_step"] for r in rows), 3),
                    "max_weight_difference": largest_difference(str(Path(tmp) / f"{key}-today.pt"),
                                                                str(Path(tmp) / f"{key}-{setting}.pt")),
                }
    lines = [f"{'recipe':16} {'setting':13} {'steps/CPU-s':>11} {'x today':>8} {'wall s/step':>11} {'max |dw|':>9}"]
    for key, settings in results.items():
        for setting, row in settings.items():
            lines.append(f"{key:16} {setting:13} {row['steps_per_cpu_second']:11.3f} {row['speedup']:8.2f} "
                         f"{row['wall_seconds_per_step']:11.2f} {row['max_weight_difference']:9.1e}")
    table = "\n".join(lines)
    print(table)
    if args.record:
        from enhancelib.paths import RUNS_DIR
        from enhancelib.train.provenance import git_commit

        folder = RUNS_DIR / "benchmark" / "throughput"
        folder.mkdir(parents=True, exist_ok=True)
        record = {**git_commit(), "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "processor": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(),
                  "load_before": load_before, "load_after": os.getloadavg(), "steps": args.steps,
                  "warmup": args.warmup, "rounds": args.rounds, "results": results,
                  "command": "python scripts/bench_throughput.py --record"}
        (folder / "throughput.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
        (folder / "throughput.txt").write_text(table + "\n")
        print(f"recorded {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
