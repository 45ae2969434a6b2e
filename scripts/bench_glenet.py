"""Benchmark GleNet's inference on the CPU (2 threads); prints figures.

(a) GEN on a 12-megapixel image (4000 x 3000), end to end: bilinear resize to
    256 x 256, the network, the three curves applied at full resolution.
    Time (median over repeats) and extra peak memory, measured in a fresh
    subprocess as the growth of the resident set's high-water mark
    (``ru_maxrss`` after the run minus the resident set before it), beside the look-up alone done three ways:
    our chunked gather, a plain (unchunked) ``torch.gather``, and the
    one-hot formulation of eq. (1), timed on a crop and extrapolated
    linearly in the pixel count (its one-hot tensor is 256 x the image).
(b) GEN, LEN and GEN & LEN forward on 512 x 512, in float32 and under
    bfloat16 autocast, beside the public TensorFlow code's figures measured
    on this kind of machine.

Random weights (speed does not depend on them).  The machine may be shared:
the load average is printed before and after; compare figures measured at
similar load only.

    python scripts/bench_glenet.py [--repeats 5] [--threads 2] [--reuse-freed-memory]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PUBLIC_MS = {"GEN": 15.0, "LEN": 114.0, "GEN & LEN": 120.0}  # TensorFlow, 512 x 512 (reference notes)
WIDTH, HEIGHT = 4000, 3000


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def maxrss_mb() -> float:
    """High-water mark of the resident set (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """Current resident set, from /proc (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def child_12mp(repeats: int, threads: int) -> dict[str, float]:
    """Runs in a fresh interpreter: peak memory of one 12 MP enhancement, then timings."""
    import gc

    import torch
    import torch.nn.functional as F

    from enhancelib.models.glenet import GEN
    from enhancelib.nn.curves import apply_curves, apply_curves_one_hot

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    gen = GEN().eval()
    image = torch.rand(1, 3, HEIGHT, WIDTH)
    with torch.no_grad():
        gen(torch.rand(1, 3, 64, 64))  # warm-up on a small image (kernels, thread pool)
        gc.collect()
        # peak during the run minus the resident set just before it (an earlier, higher
        # high-water mark would only make this an over-estimate)
        before = rss_mb()
        start = time.perf_counter()
        out = gen(image)
        first = time.perf_counter() - start
        peak_extra = maxrss_mb() - before
        output_mb = out.numel() * out.element_size() / 2**20
        del out

        result = {"first_run_s": first, "extra_peak_mb": peak_extra, "output_mb": output_mb}
        result["end_to_end_s"] = median_seconds(lambda: gen(image), repeats)
        small = F.interpolate(image, size=(256, 256), mode="bilinear", align_corners=False)
        result["resize_s"] = median_seconds(
            lambda: F.interpolate(image, size=(256, 256), mode="bilinear", align_corners=False), repeats)
        result["network_s"] = median_seconds(lambda: gen.curves(small), repeats)
        curves = gen.curves(small)
        result["lookup_s"] = median_seconds(lambda: apply_curves(image, curves), repeats)
        result["lookup_linear_s"] = median_seconds(lambda: apply_curves(image, curves, "linear"), repeats)

        def plain_gather() -> torch.Tensor:
            index = (image * 255).round().long().view(1, 3, -1)
            return torch.gather(curves, 2, index).view_as(image)

        assert torch.equal(plain_gather(), apply_curves(image, curves))
        result["plain_gather_s"] = median_seconds(plain_gather, max(3, repeats // 2))
        crop = image[..., :256, :256].contiguous()
        assert torch.equal(apply_curves_one_hot(crop, curves), apply_curves(crop, curves))
        one_hot_crop = median_seconds(lambda: apply_curves_one_hot(crop, curves), 3)
        result["one_hot_crop_pixels"] = crop.shape[-1] * crop.shape[-2]
        result["one_hot_crop_s"] = one_hot_crop
        result["one_hot_12mp_s"] = one_hot_crop * (WIDTH * HEIGHT) / result["one_hot_crop_pixels"]
    return result


def bench_512(repeats: int, threads: int, bf16: bool = True) -> dict[str, float]:
    import torch

    from enhancelib.models.glenet import GEN, LEN, GleNet
    from enhancelib.nn.precision import bfloat16_inference

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    gen, local = GEN().eval(), LEN(zero_init=False).eval()
    both = GleNet(gen, local).eval()
    x = torch.rand(1, 3, 512, 512)
    with torch.no_grad():
        g = gen(x)
        for net, inp in ((gen, x), (local, g), (both, x)):
            net(inp)  # warm-up
        result = {
            "GEN": median_seconds(lambda: gen(x), repeats) * 1000,
            "LEN": median_seconds(lambda: local(g), repeats) * 1000,
            "GEN & LEN": median_seconds(lambda: both(x), repeats) * 1000,
        }
    if not bf16:
        return result
    with bfloat16_inference():
        for net, inp in ((gen, x), (local, g), (both, x)):
            net(inp)  # warm-up
        result.update({
            "GEN, bfloat16": median_seconds(lambda: gen(x), repeats) * 1000,
            "LEN, bfloat16": median_seconds(lambda: local(g), repeats) * 1000,
            "GEN & LEN, bfloat16": median_seconds(lambda: both(x), repeats) * 1000,
        })
    return result


def main() -> None:
    from enhancelib.runtime import add_reuse_argument, allocator_setting, configure

    configure()  # passive OpenMP waiting and flush-to-zero, before torch is imported
    from enhancelib.nn.precision import add_bfloat16_argument, time_bfloat16

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    add_reuse_argument(parser)
    add_bfloat16_argument(parser)
    parser.add_argument("--child-12mp", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    malloc = allocator_setting(args.reuse_freed_memory)
    if args.child_12mp:
        print(json.dumps(child_12mp(args.repeats, args.threads)))
        return

    print(f"load average before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores, {args.threads} threads, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')} (PASSIVE avoids spin-waiting on a busy machine), "
          f"{malloc}")
    proc = subprocess.run(
        [sys.executable, __file__, "--child-12mp", "--repeats", str(args.repeats), "--threads", str(args.threads),
         *(["--reuse-freed-memory"] if args.reuse_freed_memory else [])],
        capture_output=True, text=True, check=True,
    )
    a = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\n(a) GEN on a {WIDTH} x {HEIGHT} image (12 MP), medians of {args.repeats}")
    print(f"  end to end (resize + network + curves at full resolution): {a['end_to_end_s']:.3f} s "
          f"(target < 0.5 s; first run {a['first_run_s']:.3f} s)")
    print(f"    resize to 256 x 256:      {a['resize_s'] * 1000:8.1f} ms")
    print(f"    network at 256 x 256:     {a['network_s'] * 1000:8.1f} ms")
    print(f"    curve look-up (chunked):  {a['lookup_s'] * 1000:8.1f} ms   (linear interpolation: "
          f"{a['lookup_linear_s'] * 1000:.1f} ms)")
    print(f"  extra peak memory (ru_maxrss after minus RSS before, fresh process): {a['extra_peak_mb']:.0f} MB "
          f"(target < 1024 MB); the output image alone is {a['output_mb']:.0f} MB (memory the process had "
          "freed before may be reused)")
    print("  the look-up alone, three ways:")
    print(f"    chunked gather (ours):    {a['lookup_s']:8.3f} s")
    print(f"    plain torch.gather:       {a['plain_gather_s']:8.3f} s   (full-size int64 index)")
    print(f"    one-hot eq. (1):          {a['one_hot_12mp_s']:8.1f} s   (extrapolated linearly from "
          f"{a['one_hot_crop_s']:.3f} s on a {a['one_hot_crop_pixels']} pixel crop)")
    print(f"    one-hot / chunked gather: {a['one_hot_12mp_s'] / a['lookup_s']:8.0f} x;  "
          f"one-hot / plain gather: {a['one_hot_12mp_s'] / a['plain_gather_s']:.0f} x")

    b = bench_512(args.repeats * 2, args.threads, bf16=time_bfloat16(args.emulated_bfloat16))
    print(f"\n(b) forward on 1 x 3 x 512 x 512, medians of {args.repeats * 2} (public TensorFlow code in brackets)")
    for name, ms in b.items():
        public = PUBLIC_MS[name.removesuffix(", bfloat16")]
        print(f"    {name:20s} {ms:8.1f} ms   ({public:.0f} ms)")
    print("    (bfloat16: autocast on the CPU, enhancelib.nn.precision; it rounds, so its outputs are not float32's)")
    print(f"\nload average after: {os.getloadavg()[0]:.2f} (1 min); figures from a shared machine are upper bounds")


if __name__ == "__main__":
    main()
