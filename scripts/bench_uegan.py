"""Benchmark UEGAN on the CPU: parameter counts, generator forward, one training step.

Prints, with ``torch.set_num_threads(2)``:

* parameter counts of the generator and the discriminator (public code:
  4.16 M and 4.63 M);
* the generator's forward time on one 3 x 512 x 512 image (public code on
  this kind of machine: 682 ms median);
* one full training step (discriminator and generator updates, VGG fidelity
  loss included) at batch 4 of 128 x 128 crops, through
  :class:`enhancelib.recipes.uegan.UEGANRecipe` (public code: 1289 ms median).

Both are also timed with ``amp=True``, which on the CPU is bfloat16 autocast
(:mod:`enhancelib.nn.precision`): on a CPU with native bfloat16 this is
what makes our step faster than the public code's figure; it rounds, so its
lines are a different computation from the float32 ones.

With ``--ablations`` it also times the same computations organised as the
public code organises them and adds our changes one at a time, so that each
line says what one change bought.  Configurations are timed round-robin
(A B C A B C ...) so that load from other processes spreads evenly over
them; the figures are medians (and minima) of the wall-clock time over
``--repeats`` rounds, and the median process CPU time (both threads; on an
idle machine the wall time is a little over half of it).  On a shared
machine the wall times are inflated: compare lines of one run only.

Usage::

    .venv/bin/python scripts/bench_uegan.py [--repeats 7] [--ablations] [--vgg random|vgg16-offline]
                                            [--reuse-freed-memory]

``--reuse-freed-memory`` makes glibc keep freed memory for reuse (see
:func:`enhancelib.runtime.reuse_freed_memory`); it changes the whole process,
so compare it with a separate run without the flag.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from enhancelib.runtime import configure  # noqa: E402

configure()  # passive OpenMP waiting and flush-to-zero, before torch is imported

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from enhancelib.config import resolve_preset  # noqa: E402
from enhancelib.models.uegan import UEGANGenerator  # noqa: E402
from enhancelib.nn.attention import GlobalAttention, channel_mean_std  # noqa: E402
from enhancelib.nn.precision import add_bfloat16_argument, bfloat16_inference, time_bfloat16  # noqa: E402
from enhancelib.nn.vgg import load_vgg  # noqa: E402
from enhancelib.recipes.uegan import UEGANRecipe  # noqa: E402
from enhancelib.runtime import add_reuse_argument, allocator_setting  # noqa: E402

PUBLIC_MS = {"forward": 682.0, "step": 1289.0}


# ---------------------------------------------------------------- the public code's order of work
def gam_as_public_code(gam: GlobalAttention, z: torch.Tensor) -> torch.Tensor:
    """The GAM computed in full: statistics, MLP, concatenation, fusion conv, instance norm."""
    rho = gam.mlp(torch.cat(channel_mean_std(z, gam.eps), dim=1))
    return F.instance_norm(gam.fuse(torch.cat([z, rho.expand_as(z)], dim=1)))


def forward_as_public_code(net: UEGANGenerator, x: torch.Tensor) -> torch.Tensor:
    """``net.forward_signed`` with the public code's order: upsample before the 1x1 conv, full GAMs."""
    skips = []
    h = x
    for stage in net.encoder:
        h = stage(h)
        skips.append(h)
    y = gam_as_public_code(net.bottleneck_attention, skips.pop())
    for reduce, attend, decode, skip in zip(net.reduce, net.skip_attention, net.decoder, reversed(skips)):
        y = reduce(F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=True))
        y = decode(torch.cat([y, gam_as_public_code(attend, skip)], dim=1))
    return torch.clamp(x + net.head(y * skips[0]), -1, 1)


def step_as_public_code(recipe: UEGANRecipe, batch: dict[str, torch.Tensor], ours: set[str]) -> None:
    """One training step organised as the public trainer, with the changes named in ``ours`` applied.

    ``ours`` may hold ``"model"`` (our generator forward), ``"one_g_pass"`` (G on [low, high]
    together), ``"one_d_pass"`` (D on [real, pool, low] together) and ``"frozen_d"`` (no D
    weight gradients and no autograd for the real scores in the generator step).
    """
    G, D, o = recipe.G, recipe.D, recipe.options
    forward = G.forward_signed if "model" in ours else (lambda x: forward_as_public_code(G, x))
    low01 = batch["low"]
    x_l, x_h = batch["low"] * 2 - 1, batch["high"] * 2 - 1
    n = x_l.shape[0]
    if "one_g_pass" in ours:
        both = forward(torch.cat([x_l, x_h]))
        fake, idt = both[:n], both[n:]
    else:
        fake = forward(x_l)
    pool = recipe.pool.query(fake)
    D.requires_grad_(True)
    if "one_d_pass" in ours:
        scores = [s.split(n) for s in D(torch.cat([x_h, pool, x_l]))]
        real, fk, lo = ([s[i] for s in scores] for i in range(3))
    else:
        real, fk, lo = D(x_h), D(pool), D(x_l)
    recipe.optimise("discriminator", recipe.d_loss(real, fk, lo))
    if "frozen_d" in ours:
        D.requires_grad_(False)
        with torch.no_grad():
            real = D(x_h)
    else:
        real = D(x_h)
    g_loss = o.quality_weight * recipe.g_quality(real, D(fake))
    g_loss = g_loss + o.fidelity_weight * recipe.fidelity((fake + 1) / 2, low01)
    if "one_g_pass" not in ours:
        idt = forward(x_h)
    g_loss = g_loss + o.identity_weight * recipe.identity(idt, x_h)
    recipe.optimise("generator", g_loss)
    D.requires_grad_(True)


# ------------------------------------------------------------------------------------ timing
Timings = dict[str, tuple[list[float], list[float]]]


def round_robin(configs: dict[str, Callable[[], object]], repeats: int, warmup: int = 1) -> Timings:
    """Time each configuration ``repeats`` times, interleaved: (wall ms, process CPU ms) lists."""
    for fn in configs.values():
        for _ in range(warmup):
            fn()
    times: Timings = {name: ([], []) for name in configs}
    for _ in range(repeats):
        for name, fn in configs.items():
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            times[name][0].append((time.perf_counter() - wall) * 1000)
            times[name][1].append((time.process_time() - cpu) * 1000)
    return times


def report(title: str, times: Timings, reference: float | None) -> None:
    """Wall-clock median and minimum, and the median process CPU time (all threads)."""
    print(f"\n{title}")
    first = None
    for name, (wall, cpu) in times.items():
        med = statistics.median(wall)
        first = first or med
        ref = f"  ({med / reference:4.2f} x public {reference:.0f} ms)" if reference else ""
        print(f"  {name:<66s} wall median {med:7.1f} ms  min {min(wall):7.1f}  CPU {statistics.median(cpu):7.1f} ms"
              f"  [{med / first:4.2f} x line 1]{ref}")


class ContiguousUEGANRecipe(UEGANRecipe):
    """The recipe with networks and batches in the default (channels-first) layout."""

    memory_format = torch.contiguous_format


def make_recipe(vgg: str, cls: type[UEGANRecipe] = UEGANRecipe, channels_last_vgg: bool = False,
                amp: bool = False) -> UEGANRecipe:
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        backbone = load_vgg(vgg)
    if channels_last_vgg:
        backbone.to(memory_format=torch.channels_last)
    preset = resolve_preset("cpu", {"batch_size": 4, "train_size": 128, "amp": amp})
    recipe = cls(preset, torch.device("cpu"), {}, backbone)
    recipe.train(True)
    return recipe


def make_batch() -> dict[str, torch.Tensor]:
    return {k: torch.rand(4, 3, 128, 128) for k in ("low", "high")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--ablations", action="store_true", help="time the public code's organisation and each change")
    parser.add_argument("--vgg", default="random", choices=("random", "vgg16-offline"),
                        help="fidelity backbone (the public figure used a random-weight VGG-19)")
    add_reuse_argument(parser)
    add_bfloat16_argument(parser)
    args = parser.parse_args()
    torch.set_num_threads(2)
    malloc = allocator_setting(args.reuse_freed_memory)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, VGG {args.vgg}, {args.repeats} repeats, {malloc}")
    bf16 = time_bfloat16(args.emulated_bfloat16)

    recipe = make_recipe(args.vgg)
    counts = recipe.parameters_count()
    print(f"parameters: generator {counts['generator'] / 1e6:.3f} M ({counts['generator']:,}; public 4.16 M), "
          f"discriminator {counts['discriminator'] / 1e6:.3f} M ({counts['discriminator']:,}; public 4.63 M)")

    # --------------------------------------------------------------------------- forward
    G = UEGANGenerator().eval()
    x = torch.rand(1, 3, 512, 512)
    G_cl = UEGANGenerator().eval().to(memory_format=torch.channels_last)
    x_cl = x.contiguous(memory_format=torch.channels_last)
    G_zeros = UEGANGenerator(padding_mode="zeros").eval()

    def under(mode: Callable[[], object], fn: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            with mode():  # type: ignore[operator]
                return fn()
        return run

    forward_configs: dict[str, Callable[[], object]] = {}
    if args.ablations:
        forward_configs["public code's order, torch.no_grad"] = under(torch.no_grad, lambda: forward_as_public_code(G, x * 2 - 1))
        forward_configs["public code's order, torch.inference_mode"] = under(torch.inference_mode, lambda: forward_as_public_code(G, x * 2 - 1))
    forward_configs["ours (inference_mode, 1x1 conv before upsampling, GAM = IN(conv))"] = under(torch.inference_mode, lambda: G(x))
    if args.ablations:
        forward_configs["ours + channels_last"] = under(torch.inference_mode, lambda: G_cl(x_cl))
        forward_configs["ours + zero padding (NOT the public model)"] = under(torch.inference_mode, lambda: G_zeros(x))
    if bf16:
        forward_configs["ours, bfloat16 autocast (rounds: NOT float32's output)"] = under(bfloat16_inference, lambda: G(x))
    report("generator forward, 1 x 3 x 512 x 512", round_robin(forward_configs, args.repeats), PUBLIC_MS["forward"])

    # ------------------------------------------------------------------------------ step
    batch = make_batch()
    step_configs: dict[str, Callable[[], object]] = {}
    if args.ablations:
        public = make_recipe(args.vgg, ContiguousUEGANRecipe)
        for name, net in public.networks.items():  # the public code's (non-fused) Adam
            opt = public.optimizers[name]
            public.optimizers[name] = torch.optim.Adam(net.parameters(), lr=opt.param_groups[0]["lr"],
                                                       betas=UEGANRecipe.betas, weight_decay=UEGANRecipe.weight_decay)
        stages = [
            ("public code's organisation", set()),
            ("+ our generator forward (1x1 before upsample, GAM = IN(conv))", {"model"}),
            ("+ one generator pass on [low, high]", {"model", "one_g_pass"}),
            ("+ one discriminator pass on [real, pool, low]", {"model", "one_g_pass", "one_d_pass"}),
            ("+ frozen D and no-grad real scores in the G step", {"model", "one_g_pass", "one_d_pass", "frozen_d"}),
        ]
        for name, ours in stages:
            step_configs[name] = (lambda ours=ours: step_as_public_code(public, batch, ours))
        contiguous = make_recipe(args.vgg, ContiguousUEGANRecipe)
        step_configs["+ fused Adam"] = lambda: contiguous.train_step(batch, 0)
    label = "UEGANRecipe.train_step" + (" (+ channels-last G, D, batches)" if args.ablations else "")
    step_configs[label] = lambda: recipe.train_step(batch, 0)
    if args.ablations:
        recipe_cl = make_recipe(args.vgg, channels_last_vgg=True)
        step_configs["+ channels-last VGG backbone (the engine's object)"] = lambda: recipe_cl.train_step(batch, 0)
    if bf16:
        recipe_bf16 = make_recipe(args.vgg, amp=True)
        step_configs["UEGANRecipe.train_step, amp=True (bfloat16 autocast)"] = lambda: recipe_bf16.train_step(batch, 0)
    report("training step (D + G, VGG fidelity), batch 4 x 3 x 128 x 128",
           round_robin(step_configs, args.repeats), PUBLIC_MS["step"])
    print("\nThe machine is shared: other processes inflate these figures; compare lines of one run.")


if __name__ == "__main__":
    main()
