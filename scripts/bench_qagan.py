"""Print QAGAN's costs: attention memory per QAM level, forward times at test size, training step time.

Usage: ``.venv/bin/python scripts/bench_qagan.py [--repeats 5] [--threads 2]``

Figures are medians over ``--repeats`` runs on the CPU.  The VGG-19
architecture is timed with random weights (same cost as the real ones); the
offline VGG-16 with its real weights.  The training step is also timed with
``amp=True`` (bfloat16 autocast on the CPU, :mod:`enhancelib.nn.precision`).
Nothing is asserted.
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

from enhancelib.config import resolve_preset  # noqa: E402
from enhancelib.models.qagan import QAGAN  # noqa: E402
from enhancelib.nn.precision import add_bfloat16_argument, time_bfloat16  # noqa: E402
from enhancelib.nn.vgg import BackboneUnavailable, load_vgg  # noqa: E402
from enhancelib.recipes.qagan import QAGANRecipe  # noqa: E402
from enhancelib.runtime import add_reuse_argument, allocator_setting  # noqa: E402


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    add_reuse_argument(parser)
    add_bfloat16_argument(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, {allocator_setting(args.reuse_freed_memory)}")
    bf16 = time_bfloat16(args.emulated_bfloat16)
    torch.manual_seed(0)

    print("Attention matrix per image (float32), S = positions of the feature map:")
    for h, w in ((384, 512), (512, 512)):
        for layer, stride in (("relu5_1", 16), ("relu4_1", 8)):
            s = (h // stride) * (w // stride)
            print(f"  {h}x{w} {layer}: S = {h // stride}x{w // stride} = {s:5d}, S^2 floats = {s * s * 4 / 2**20:7.1f} MiB")

    backbones = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        backbones["vgg19 architecture (random weights)"] = load_vgg("random")
    try:
        backbones["vgg16-offline"] = load_vgg("vgg16-offline")
    except BackboneUnavailable as error:
        print(f"(offline VGG-16 unavailable: {error})")

    low = torch.rand(1, 3, 384, 512)
    for name, encoder in backbones.items():
        model = QAGAN(encoder).eval()
        with torch.no_grad():
            for p in model.enhancer.decoder.head.parameters():
                p.normal_(0, 0.01)  # not the identity-at-init shortcut (same cost anyway)
        n_enc = sum(p.numel() for p in encoder.parameters())
        n_gh = sum(p.numel() for p in model.enhancer.decoder.parameters())
        n_gl = sum(p.numel() for p in model.g_low.parameters())
        print(f"\n{name}: E {n_enc / 1e6:.2f} M params (frozen), G_H {n_gh / 1e6:.2f} M, G_L {n_gl / 1e6:.2f} M")
        with torch.inference_mode():
            t_enc = median_ms(lambda: model.encode(low), args.repeats)
            t_enh = median_ms(lambda: model.enhance(low), args.repeats)
            print(f"  {args.threads} threads, 1x3x384x512: E alone {t_enc:.0f} ms, enhancer E+G_H {t_enh:.0f} ms")
            if name == "vgg16-offline":
                ref = torch.rand(1, 3, 384, 512)
                t_deg = median_ms(lambda: model.degrade(low, ref), args.repeats)
                model.g_low.qam4.chunk_size = 512
                t_chunk = median_ms(lambda: model.degrade(low, ref), args.repeats)
                print(f"  degrader E+G_L (with both QAMs, reference 384x512): {t_deg:.0f} ms; "
                      f"relu4_1 attention in chunks of 512 queries: {t_chunk:.0f} ms")

    if "vgg16-offline" in backbones:
        preset = resolve_preset("cpu")
        size, n = preset.train_size, preset.batch_size
        batch = {"low": torch.rand(n, 3, size, size), "high": torch.rand(n, 3, size, size)}
        print(f"\nTraining step on the cpu preset (batch {n}, {size}x{size}), vgg16-offline:")
        for width, amp in ((1.0, False), (0.5, False), *(((1.0, True),) if bf16 else ())):
            amp_preset = resolve_preset("cpu", {"amp": amp})
            recipe = QAGANRecipe(amp_preset, torch.device("cpu"), {"decoder_width": width}, backbones["vgg16-offline"])
            t_step = median_ms(lambda: recipe.train_step(batch, 0), args.repeats)
            label = f"decoder_width={width}, " + ("amp=True (bfloat16 autocast)" if amp else "float32")
            print(f"  {label:<50s}  {t_step:6.0f} ms per step")


if __name__ == "__main__":
    main()
