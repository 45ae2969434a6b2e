"""Does the weight average used for evaluation make the haze? The averaged and the live generator of one run.

The engine evaluates and saves an exponential moving average of the generator's
weights (``Preset.ema_decay``, warmed up as ``min(d, (1 + t) / (10 + t))``),
not the weights of its last step. An average of weights is not an average of
outputs: if it blurred the generator's tone curve towards the middle, it could
lift blacks by itself. A finished run's ``checkpoint.pt`` holds both, so the
question is answered without training: score both generators on the three
test sets and compare their haze photo by photo with the book's rule.

    python scripts/probe_ema.py uegan/quality-0.05-budget-3x-seed0

writes ``ema_probe.csv`` (per image, set and generator) and ``ema_probe.json``
(provenance) into the run folder, which keeps them when ``checkpoint.pt`` is
left out of the record.
"""
from __future__ import annotations

import json
import platform
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import torch

from enhancelib.data.test_sets import load_test_sets
from enhancelib.inference import Enhancer, load_run_enhancer
from enhancelib.metrics.scoring import score_on_test_sets
from enhancelib.metrics.tone import haze
from enhancelib.study.judging import ALPHA, difference_table
from enhancelib.study.statistics import judge_difference, judge_family

__all__ = ["PROBE_FILE", "live_generator_state", "live_enhancer", "ema_probe", "ema_differences"]

PROBE_FILE = "ema_probe.csv"


def live_generator_state(checkpoint: Mapping[str, object]) -> dict[str, torch.Tensor]:
    """The generator's last-step weights in a training checkpoint: the network whose keys are the average's."""
    average = checkpoint.get("ema")
    recipe = checkpoint.get("recipe")
    if not isinstance(average, Mapping) or not average:
        raise ValueError("the checkpoint holds no averaged generator (its run trained with ema_decay = 0).")
    networks = recipe.get("networks") if isinstance(recipe, Mapping) else None
    if not isinstance(networks, Mapping):
        raise ValueError("the checkpoint holds no recipe networks; is it a training checkpoint of this project?")
    matches = [state for state in networks.values() if isinstance(state, Mapping) and set(state) == set(average)]
    if len(matches) != 1:
        raise ValueError(f"expected one network with the averaged generator's keys, found {len(matches)}.")
    return dict(matches[0])


def live_enhancer(run_dir: str | Path, checkpoint: Mapping[str, object] | None = None) -> Enhancer:
    """The enhancer of a finished run with its generator's last-step weights instead of their average
    (``checkpoint``: the run's ``checkpoint.pt`` when already loaded)."""
    run_dir = Path(run_dir)
    if checkpoint is None:
        checkpoint = _load_checkpoint(run_dir)
    averaged = load_run_enhancer(run_dir)
    live = live_generator_state(checkpoint)
    network = averaged.network
    network.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in live.items()})
    return Enhancer(network, averaged.recipe, averaged.options, "cpu", run_dir)


def _load_checkpoint(run_dir: Path) -> Mapping[str, object]:
    path = run_dir / "checkpoint.pt"
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} has no checkpoint.pt; the probe needs the run's training checkpoint "
                                f"(retrain it with: python -m enhancelib reproduce {run_dir}).")
    return torch.load(path, map_location="cpu", weights_only=True)


def ema_probe(run_dir: str | Path, recompute: bool = False, progress: bool = True) -> pd.DataFrame:
    """Per-image scores on the three test sets of the run's averaged (``average``) and last-step (``live``)
    generators, column ``generator``; cached in the run folder."""
    run_dir = Path(run_dir)
    cached = run_dir / PROBE_FILE
    if cached.is_file() and not recompute:
        return pd.read_csv(cached)
    started = time.perf_counter()
    checkpoint = _load_checkpoint(run_dir)
    sets = load_test_sets()
    frames = [score_on_test_sets(load_run_enhancer(run_dir), sets, progress, "average").assign(generator="average"),
              score_on_test_sets(live_enhancer(run_dir, checkpoint), sets, progress, "live").assign(generator="live")]
    frame = pd.concat(frames, ignore_index=True)
    frame.to_csv(cached, index=False, float_format="%.5f")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False).stdout.strip()
    (run_dir / "ema_probe.json").write_text(json.dumps({
        "command": f"python scripts/probe_ema.py {run_dir.parent.name}/{run_dir.name}", "commit": commit,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "processor": platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(), "wall_seconds": round(time.perf_counter() - started, 1),
        "step": int(checkpoint["step"]),  # type: ignore[call-overload]
    }, indent=2, sort_keys=True) + "\n")
    return frame


def ema_differences(frame: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """The live generator against the averaged one (``live - average``), judged by the book's rule as one family:
    PSNR on the test split and the flat render, haze on both (lower is better), SSIM on the identity set.

    ``frame`` is :func:`ema_probe`'s; ``targets`` the targets' tone levels by photo name (column ``name``,
    :func:`enhancelib.study.test_sets.target_levels`).
    """
    levels = targets.set_index("name")
    scored = frame.copy()
    scored["haze"] = [haze(row, levels.loc[row["name"]]) for _, row in scored.iterrows()]
    alone = {}
    for set_name, metric in (("test", "psnr"), ("flat", "psnr"), ("test", "haze"), ("flat", "haze"),
                             ("identity", "ssim")):
        part = scored[scored["set"] == set_name]
        live, average = (part[part["generator"] == g] for g in ("live", "average"))
        alone[f"{set_name} {metric}: live - average"] = judge_difference(live, average, metric, confidence=1 - ALPHA)
    # the five comparisons are one family: their p-values are Holm-adjusted together
    table = difference_table(dict(zip(alone, judge_family(list(alone.values())))), unit="")
    deltas = [column for column in table.columns if str(column).startswith("Δ ")]
    table.insert(0, "Δ (live - average)", table[deltas].bfill(axis=1).iloc[:, 0])
    return table.drop(columns=deltas)
