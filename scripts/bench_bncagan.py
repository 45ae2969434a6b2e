"""Benchmark BNCAGAN on the CPU: parameters used, generator forward, one training step.

Prints, with ``torch.set_num_threads(2)``:

* parameter counts of the generator and the discriminator, and how many of
  them receive a gradient in a training step (the public generator declares
  10.85 M parameters and uses 2.92 M);
* the generator's forward time on one 3 x 512 x 512 image (public code on
  this kind of machine: 567 ms median);
* one full training step (discriminator and generator updates, VGG
  perceptual loss in both directions) at batch 4 of 128 x 128 crops through
  :class:`enhancelib.recipes.bncagan.BNCAGANRecipe` (public code: 1793 ms).

Each is also timed "as the public code organises it" (our modules, the
code's order of work: literal five-pass normalisations, upsampling before
the 1x1 convolutions, the two generator branches one after the other, five
discriminator passes, four VGG passes, non-fused Adam), so that one run
compares both under the same machine load.  Configurations are timed
round-robin; figures are medians (and minima) over ``--repeats`` rounds.

Our forward and step are also timed with ``amp=True``, which on the CPU is
bfloat16 autocast (:mod:`enhancelib.nn.precision`); it rounds, so those
lines are a different computation from the float32 ones.

Subnormal numbers: with the public initialisation (orthogonal, gain 0.02)
the generator's gamma/beta are ~1e-15 and the gradients inside the BNR
module fall below 1e-38, where x86 arithmetic is ~100x slower.  This script
therefore turns on flush-to-zero *before any parallel work*
(:func:`enhancelib.runtime.configure`; set later, it only reaches the calling
thread, not the OpenMP workers).  ``--keep-subnormals`` measures without it.

Usage::

    .venv/bin/python scripts/bench_bncagan.py [--repeats 5] [--vgg random|vgg16-offline] [--keep-subnormals]
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

if "--keep-subnormals" in sys.argv:
    torch.set_flush_denormal(False)  # before the OpenMP pool exists, so that no worker thread flushes

import torch.nn.functional as F  # noqa: E402

from enhancelib.config import resolve_preset  # noqa: E402
from enhancelib.models.bncagan import BNCAGANGenerator  # noqa: E402
from enhancelib.nn.adaptive_norm import clip_rho_  # noqa: E402
from enhancelib.nn.precision import add_bfloat16_argument, bfloat16_inference, time_bfloat16  # noqa: E402
from enhancelib.nn.vgg import load_vgg  # noqa: E402
from enhancelib.recipes.bncagan import BNCAGANRecipe  # noqa: E402
from enhancelib.runtime import add_reuse_argument, allocator_setting  # noqa: E402

PUBLIC_MS = {"forward": 567.0, "step": 1793.0}
PUBLIC_PARAMS = {"declared": 10_850_339, "used": 2_917_539}


# ---------------------------------------------------------------- the public code's order of work
def literal_norm(x: torch.Tensor, rho: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    """adaILN / ILN as the code writes them: IN and LN separately, then mixed."""
    out_in = (x - x.mean(dim=(2, 3), keepdim=True)) / torch.sqrt(x.var(dim=(2, 3), keepdim=True) + 1e-5)
    out_ln = (x - x.mean(dim=(1, 2, 3), keepdim=True)) / torch.sqrt(x.var(dim=(1, 2, 3), keepdim=True) + 1e-5)
    return (rho * out_in + (1 - rho) * out_ln) * gamma + beta


def decode_as_public_code(G: BNCAGANGenerator, x: torch.Tensor, skips: list[torch.Tensor], features: torch.Tensor,
                          gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    """BNR and decoder of one branch: literal norms, upsampling before each 1x1 conv."""
    block = G.bnr.block
    g, b = gamma[:, :, None, None], beta[:, :, None, None]
    h, branches = features, []
    for _ in range(G.bnr.repeats):
        r = torch.relu(literal_norm(block.conv1(h), block.norm1.rho, g, b))
        r = literal_norm(block.conv2(r), block.norm2.rho, g, b)
        h = h + r
        branches.append(r)
    y = G.bnr.fuse(torch.cat(branches, 1)) + features
    for reduce, decode, skip in zip(G.reduce, G.decoder, (skips[2], skips[1])):
        y = reduce(F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=True))
        conv, iln, act = decode
        y = act(literal_norm(conv(torch.cat([y, skip], 1)), iln.rho, iln.gamma, iln.beta))
    y = G.reduce[2](F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=True))
    first = skips[0]
    y = y * (first.mean(1, keepdim=True) + first.max(1, keepdim=True)[0])
    return torch.clamp(G.head(y) + x, -1, 1)


def forward_as_public_code(G: BNCAGANGenerator, x: torch.Tensor) -> torch.Tensor:
    """The code's test mode: the low image conditioned on its own low-domain gamma/beta."""
    skips = G._encode(x)
    own = G.aac["low"](skips[-1])
    return decode_as_public_code(G, x, skips, own.features, own.gamma, own.beta)


def step_as_public_code(recipe: BNCAGANRecipe, batch: dict[str, torch.Tensor]) -> None:
    """One training step organised as the public trainer (same losses and updates)."""
    G, D, o = recipe.G, recipe.D, recipe.options
    low01, high01 = batch["low"], batch["high"]
    x_l, x_h = low01 * 2 - 1, high01 * 2 - 1
    # the code's training forward: each branch on its own, conditioned on the other's gamma/beta
    skips_l, skips_h = G._encode(x_l), G._encode(x_h)
    out_l, out_h = G.aac["low"](skips_l[-1]), G.aac["high"](skips_h[-1])
    fake = decode_as_public_code(G, x_l, skips_l, out_l.features, out_h.gamma, out_h.beta)
    idt = decode_as_public_code(G, x_h, skips_h, out_h.features, out_l.gamma, out_l.beta)
    pool = recipe.pool.query(fake)
    real = D(x_h)
    d_loss = recipe.d_loss(real, D(pool)) + recipe.d_loss(real, D(x_l))
    recipe.optimise("discriminator", d_loss)
    g_loss = o.adv_weight * recipe.g_adversarial(D(x_h), D(fake))
    g_loss = g_loss + o.perceptual_weight * (recipe.perceptual((fake + 1) / 2, low01)
                                                + recipe.perceptual((idt + 1) / 2, high01))
    g_loss = g_loss + o.identity_weight * (recipe.identity(fake, x_h) + recipe.identity(idt, x_l))
    g_loss = g_loss + o.cla_weight * recipe.classification(out_h.logits, out_l.logits)
    recipe.optimise("generator", g_loss)
    clip_rho_(G)


# ------------------------------------------------------------------------------------ timing
def round_robin(configs: dict[str, Callable[[], object]], repeats: int, warmup: int = 1) -> dict[str, list[float]]:
    """Time each configuration ``repeats`` times, interleaved; returns milliseconds."""
    for fn in configs.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in configs}
    for _ in range(repeats):
        for name, fn in configs.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) * 1000)
    return times


def report(title: str, times: dict[str, list[float]], reference: float) -> None:
    print(f"\n{title}")
    for name, ms in times.items():
        med = statistics.median(ms)
        print(f"  {name:<44s} median {med:8.1f} ms  min {min(ms):8.1f} ms  "
              f"({med / reference:5.2f} x the public code's {reference:.0f} ms)")


def make_recipe(vgg: str, public_adam: bool = False, amp: bool = False) -> BNCAGANRecipe:
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        backbone = load_vgg(vgg)
    preset = resolve_preset("cpu", {"batch_size": 4, "train_size": 128, "amp": amp})
    recipe = BNCAGANRecipe(preset, torch.device("cpu"), {}, backbone)
    if public_adam:  # the public code's (non-fused) Adam
        for name, net in recipe.networks.items():
            lr = recipe.optimizers[name].param_groups[0]["lr"]
            recipe.optimizers[name] = torch.optim.Adam(net.parameters(), lr=lr, betas=recipe.betas,
                                                       weight_decay=recipe.weight_decay)
    recipe.train(True)
    return recipe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--vgg", default="random", choices=("random", "vgg16-offline"),
                        help="perceptual backbone (timing only; the public figure used a VGG-19)")
    parser.add_argument("--keep-subnormals", action="store_true", help="do not flush subnormal numbers to zero")
    add_reuse_argument(parser)
    add_bfloat16_argument(parser)
    args = parser.parse_args()
    torch.set_num_threads(2)
    malloc = allocator_setting(args.reuse_freed_memory)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, VGG {args.vgg}, {args.repeats} repeats, "
          f"subnormals {'kept' if args.keep_subnormals else 'flushed to zero'}, {malloc}")
    bf16 = time_bfloat16(args.emulated_bfloat16)

    recipe = make_recipe(args.vgg)
    batch = {k: torch.rand(4, 3, 128, 128) for k in ("low", "high")}
    recipe.train_step(batch, 0)  # after a step, .grad is set on every parameter that was used
    for name, net in recipe.networks.items():
        total = sum(p.numel() for p in net.parameters())
        used = sum(p.numel() for p in net.parameters() if p.grad is not None)
        print(f"{name}: {total:,} parameters, {used:,} receive gradients")
    print(f"public generator: {PUBLIC_PARAMS['declared']:,} declared, {PUBLIC_PARAMS['used']:,} used in training")

    # --------------------------------------------------------------------------- forward
    G = recipe.G.eval()
    x = torch.rand(1, 3, 512, 512)

    def ours() -> object:
        with torch.inference_mode():
            return G(x)

    def public() -> object:
        with torch.no_grad():
            return forward_as_public_code(G, x * 2 - 1)

    def ours_bf16() -> object:
        with bfloat16_inference():
            return G(x)

    forward_configs: dict[str, Callable[[], object]] = {"public code's order (no_grad)": public, "ours (inference_mode)": ours}
    if bf16:
        forward_configs["ours, bfloat16 autocast (rounds)"] = ours_bf16
    report("generator forward, 1 x 3 x 512 x 512", round_robin(forward_configs, args.repeats), PUBLIC_MS["forward"])

    # ------------------------------------------------------------------------------ step
    recipe.train(True)
    public_recipe = make_recipe(args.vgg, public_adam=True)
    step_configs: dict[str, Callable[[], object]] = {
        "public code's organisation": lambda: step_as_public_code(public_recipe, batch),
        "BNCAGANRecipe.train_step": lambda: recipe.train_step(batch, 1),
    }
    if bf16:
        recipe_bf16 = make_recipe(args.vgg, amp=True)
        step_configs["train_step, amp=True (bfloat16 autocast)"] = lambda: recipe_bf16.train_step(batch, 1)
    report("training step (D + G, VGG perceptual both ways), batch 4 x 3 x 128 x 128",
           round_robin(step_configs, args.repeats), PUBLIC_MS["step"])
    print("\nThe machine is shared: other processes inflate these figures; compare lines of one run.")


if __name__ == "__main__":
    main()
