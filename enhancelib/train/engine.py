"""The one training engine every paper's recipe plugs into.

``train(spec, run_dir)`` resolves the preset, picks the device, seeds every
random source, loads the data and the VGG backbone, builds the recipe and then
loops: sample a batch, ``recipe.train_step``, check the losses are finite,
update the generator's moving average, log, evaluate, checkpoint.  What is
evaluated and saved is ``recipe.prepare_for_evaluation`` of the averaged
generator (batch-norm statistics re-estimated on whole training photos for
the recipes that need it).  Stopping
(Ctrl-C, a killed process, a lost session) loses at most ``checkpoint_every``
steps: calling ``train`` again with the same spec and folder resumes.

Budgets.  The ``cpu`` preset stops after a fixed amount of *process CPU time*
spent in training steps (evaluation excluded), so every method gets the same
computation whatever else the machine is doing; ``smoke`` and ``gpu`` stop
after ``max_steps``.  Learning rates follow the recipe's schedule as a
function of the run's progress (the larger of step and budget fractions).
"""
from __future__ import annotations

import copy
import json
import math
import random
import time
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

import numpy as np
import torch
from tqdm.auto import tqdm

from enhancelib.config import Preset
from enhancelib.nn.enhancer import EnhancerNetwork
from enhancelib.recipes.calibration import CALIBRATION_PHOTOS
from enhancelib.runtime import configure, reuse_freed_memory
from enhancelib.train.checkpoint import CheckpointError, load_checkpoint, save_checkpoint, save_half_weights
from enhancelib.train.lock import run_lock
from enhancelib.train.logs import JsonLog
from enhancelib.train.provenance import cuda_peak_bytes, provenance
from enhancelib.train.random_state import capture_random_states, restore_random_states
from enhancelib.train.spec import RunSpec, pick_device

__all__ = ["TrainingDiverged", "train", "lr_factor", "seed_everything"]

STALE_LOSS_STEPS = 20
"""A loss not reported for this many steps (or one log interval, if longer) drops out of the log."""


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite."""


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; return the generator that drives data sampling."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def lr_factor(progress: float, decay_start: float | None) -> float:
    """Constant learning rate, then linear decay to zero from ``decay_start``.

    lr(p) = lr_0                                  for p < p_0
    lr(p) = lr_0 * (1 - p) / (1 - p_0)            for p >= p_0
    """
    if decay_start is None or progress < decay_start:
        return 1.0
    return max(0.0, (1.0 - progress) / (1.0 - decay_start))


class _EMA:
    """Exponential moving average of a network's parameters and buffers."""

    def __init__(self, net: EnhancerNetwork, decay: float) -> None:
        self.decay = decay
        self.shadow = copy.deepcopy(net).eval().requires_grad_(False)

    def decay_at(self, step: int) -> float:
        """d_t = min(d, (1 + t) / (10 + t)): a short run is not dominated by its initial weights."""
        return min(self.decay, (1.0 + step) / (10.0 + step))

    @torch.no_grad()
    def update(self, net: EnhancerNetwork, step: int) -> None:
        decay = self.decay_at(step)
        for avg, live in zip(self.shadow.state_dict().values(), net.state_dict().values()):
            if avg.dtype.is_floating_point:
                # theta_ema <- d_t * theta_ema + (1 - d_t) * theta
                avg.lerp_(live.detach(), 1.0 - decay)
            else:
                avg.copy_(live)


_Item = TypeVar("_Item")


def _progress(step: int, cpu_time: float, preset: Preset) -> float:
    fractions = [step / preset.max_steps]
    if preset.budget_cpu_seconds:
        fractions.append(cpu_time / preset.budget_cpu_seconds)
    return min(1.0, max(fractions))


def _finished(step: int, cpu_time: float, preset: Preset) -> bool:
    return _progress(step, cpu_time, preset) >= 1.0


def _subset(pairs: Iterable[_Item] | None, count: int | None) -> list[_Item]:
    items = list(pairs) if pairs is not None else []
    return items if count is None else items[:count]


def train(
    spec: RunSpec,
    run_dir: str | Path,
    *,
    keep_weights: bool = True,
    progress: bool = True,
    resume: bool = True,
    on_eval: Callable[[int, dict[str, float]], None] | None = None,
    interrupt_after: int | None = None,
    previews: bool = False,
) -> Path:
    """Train (or resume) the run ``spec`` in ``run_dir``; return ``run_dir``.

    The run folder is locked for the whole call (:mod:`enhancelib.train.lock`):
    a second writer fails at once, naming this one.
    ``interrupt_after`` simulates a stop after that many steps of this call (for tests).
    ``previews`` writes ``previews/step-NNNNNN.jpg`` (input | output) at every evaluation.
    """
    configure()  # the process's speed settings (enhancelib.runtime), as every recorded run had them
    with run_lock(run_dir):
        return _train_locked(spec, run_dir, keep_weights=keep_weights, progress=progress, resume=resume,
                             on_eval=on_eval, interrupt_after=interrupt_after, previews=previews)


def _train_locked(
    spec: RunSpec,
    run_dir: str | Path,
    *,
    keep_weights: bool,
    progress: bool,
    resume: bool,
    on_eval: Callable[[int, dict[str, float]], None] | None,
    interrupt_after: int | None,
    previews: bool,
) -> Path:
    """:func:`train`'s body, run while the folder's lock is held."""
    from enhancelib.data import load_data
    from enhancelib.nn.vgg import load_vgg
    from enhancelib.train.evaluation import evaluate_run, save_preview, save_samples, score_benchmark_test_sets

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    config = spec.config()
    preset = spec.resolved_preset()
    device = pick_device(preset.device)
    if preset.num_threads:
        torch.set_num_threads(preset.num_threads)
    sampler = seed_everything(spec.seed)

    recipe_cls = spec.recipe_class()
    backbone = load_vgg(spec.backbone) if recipe_cls.uses_backbone else None
    if backbone is not None:
        backbone = backbone.to(device)
    data_args = dict(spec.data)
    data = load_data(data_args.pop("source", "benchmark"), preset, paired=recipe_cls.needs_pairs, **data_args)
    recipe = recipe_cls(preset, device, spec.options, backbone)
    if recipe.amp_dtype is torch.bfloat16:
        # bfloat16 autocast allocates a cast copy of every convolution's input and weight in every
        # step; with glibc's default thresholds each is fresh, page-faulted memory, which eats most of
        # the gain. Keeping freed memory changes no number (enhancelib.runtime) and is recorded.
        reuse_freed_memory()
    ema = _EMA(recipe.generator(), preset.ema_decay) if preset.ema_decay > 0 else None
    for opt in recipe.optimizers.values():
        for group in opt.param_groups:
            group.setdefault("initial_lr", group["lr"])

    step, cpu_time, wall_time = 0, 0.0, 0.0
    gpu_peak = 0  # peak CUDA memory of the parts of this run trained before (0 off CUDA)
    ckpt_path = run_dir / "checkpoint.pt"
    train_log = JsonLog(run_dir / "train_log.jsonl")
    eval_log = JsonLog(run_dir / "eval_log.jsonl")
    if resume and ckpt_path.exists():
        state = load_checkpoint(ckpt_path)
        if state.get("config") != config:
            raise CheckpointError(
                f"The checkpoint in {run_dir} belongs to another configuration "
                "(recipe, options, preset, seed or data differ). Use another folder, "
                "or delete the checkpoint to start afresh."
            )
        recipe.load_state_dict(state["recipe"])
        if ema is not None:
            ema.shadow.load_state_dict(state["ema"])
        sampler.set_state(state["sampler"])
        if "random_states" in state:
            restore_random_states(state["random_states"])
        else:  # checkpoints written before every generator was saved
            torch.set_rng_state(state["torch_rng"])
        step, cpu_time, wall_time = state["step"], state["cpu_time"], state["wall_time"]
        gpu_peak = int(state.get("gpu_peak_bytes", 0))
    else:
        for stale in (train_log.path, eval_log.path):
            stale.unlink(missing_ok=True)
    train_log.truncate_after(step)
    eval_log.truncate_after(step)

    def checkpoint(complete: bool = False) -> None:
        save_checkpoint(ckpt_path, {
            "config": config, "recipe": recipe.state_dict(),
            "ema": ema.shadow.state_dict() if ema is not None else {},
            "sampler": sampler.get_state(), "random_states": capture_random_states(),
            "step": step, "cpu_time": cpu_time, "wall_time": wall_time, "complete": complete,
            "gpu_peak_bytes": max(gpu_peak, cuda_peak_bytes(device)),
        })

    calibration_photos = list(data.train.low[:CALIBRATION_PHOTOS])

    def evaluated_generator() -> EnhancerNetwork:
        trained = ema.shadow if ema is not None else recipe.generator()
        return recipe.prepare_for_evaluation(trained, calibration_photos)

    def periodic_eval() -> None:
        row: dict[str, Any] = {"step": step, "cpu_time": round(cpu_time, 2)}
        generator = evaluated_generator()
        for split in ("val", "test"):
            pairs = _subset(getattr(data, split), preset.eval_images)
            if pairs:
                # the test outputs' tone levels too: does a haze grow or shrink as training goes on?
                summary = evaluate_run(recipe, generator, pairs, device, metrics=("psnr", "ssim"),
                                       tone=split == "test")
                row.update({f"{split}_{k}": v for k, v in summary.items()})
        eval_log.append(row)
        if previews:
            shown = [p.input for p in _subset(data.test, 3)] or [t.float() / 255 for t in data.train.low[:3]]
            save_preview(recipe, generator, shown, device, run_dir / "previews" / f"step-{step:06d}.jpg")
        if on_eval is not None:
            on_eval(step, row)

    bar_total = preset.max_steps if not preset.budget_cpu_seconds else 1000
    bar = tqdm(total=bar_total, initial=0,
               disable=not progress, desc=f"{spec.recipe} seed {spec.seed}",
               unit="step" if not preset.budget_cpu_seconds else "‰ budget", dynamic_ncols=True)
    bar.n = int(_progress(step, cpu_time, preset) * bar_total)
    steps_this_call = 0
    latest: dict[str, tuple[float, int]] = {}
    recipe.train(True)
    try:
        while not _finished(step, cpu_time, preset):
            frac = _progress(step, cpu_time, preset)
            recipe.progress = frac
            factor = lr_factor(frac, recipe_cls.lr_decay_start)
            for opt in recipe.optimizers.values():
                for group in opt.param_groups:
                    group["lr"] = group["initial_lr"] * factor
            c0, w0 = time.process_time(), time.perf_counter()
            batch = {k: v.to(device, non_blocking=True) for k, v in data.train.sample(preset.batch_size, sampler).items()}
            losses = recipe.train_step(batch, step)
            recipe.after_step(step)
            bad = {k: v for k, v in losses.items() if not math.isfinite(float(v))}
            if bad:
                raise TrainingDiverged(
                    f"Loss {', '.join(f'{k}={v}' for k, v in bad.items())} at step {step} of "
                    f"{spec.recipe} (seed {spec.seed}). Lower the learning rate or the adversarial "
                    f"weight, or disable AMP; the last good checkpoint is {ckpt_path} (step "
                    f"{(step // preset.checkpoint_every) * preset.checkpoint_every})."
                )
            if ema is not None:
                ema.update(recipe.generator(), step)
            step += 1
            steps_this_call += 1
            cpu_time += time.process_time() - c0
            wall_time += time.perf_counter() - w0
            # Recipes that update some networks only every n steps (WGAN critics) return
            # those losses only then; the log shows each loss's most recent value, as long
            # as it is recent (a loss of a finished stage is not repeated in later rows).
            latest.update({k: (float(v), step) for k, v in losses.items()})
            if step % preset.log_every == 0 or step == 1:
                recent = {k: v for k, (v, seen) in latest.items() if step - seen < max(preset.log_every, STALE_LOSS_STEPS)}
                train_log.append({"step": step, "lr_factor": round(factor, 5), "cpu_time": round(cpu_time, 2),
                                  **recent})
                bar.set_postfix({k: f"{float(v):.3g}" for k, v in list(losses.items())[:4]})
            bar.n = int(_progress(step, cpu_time, preset) * bar_total)
            bar.refresh()
            if step % preset.eval_every == 0:
                recipe.train(False)
                periodic_eval()
                recipe.train(True)
            if step % preset.checkpoint_every == 0:
                checkpoint()
            if interrupt_after is not None and steps_this_call >= interrupt_after:
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        checkpoint()
        bar.close()
        raise
    bar.close()
    recipe.train(False)
    if eval_log.last_step() != step:
        periodic_eval()
    gpu_peak = max(gpu_peak, cuda_peak_bytes(device))  # training's peak, before the final evaluation
    checkpoint(complete=True)

    # ---- the record: final metrics on the whole test split, samples, weights, provenance
    generator = evaluated_generator()
    final = evaluate_run(recipe, generator, _subset(data.test, None), device,
                         metrics=("psnr", "ssim", "niqe"), per_image_path=run_dir / "per_image_test.csv",
                         progress=progress)
    val = evaluate_run(recipe, generator, _subset(data.val, None), device, metrics=("psnr", "ssim"))
    save_samples(recipe, generator, _subset(data.test, 4), device, run_dir / "samples")
    if keep_weights:
        save_half_weights(run_dir / "generator.pt", generator, spec.recipe, config["options"])
        for name in (n for n in recipe_cls.kept_networks if n in recipe.networks):   # e.g. no degrader in wgan_only
            save_half_weights(run_dir / f"{name}.pt", recipe.networks[name], spec.recipe, config["options"])
    metrics = {"test": final, "val": val, "steps": step, "parameters": recipe.parameters_count()}
    if data.source == "benchmark":
        # the flat render and the identity set (enhancelib.data.test_sets): what the test split cannot show
        metrics["test_sets"] = score_benchmark_test_sets(recipe, generator, _subset(data.test, None), device,
                                                         preset.eval_long_side, run_dir / "test_sets.csv")
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    (run_dir / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    record = provenance(spec, steps=step, device=device, wall_time=wall_time, cpu_time=cpu_time,
                        backbone=backbone.source if backbone is not None else None,
                        data=data.description, gpu_peak_bytes=gpu_peak)
    (run_dir / "provenance.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return run_dir
