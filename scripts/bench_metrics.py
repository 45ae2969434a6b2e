"""NIQE of a few photos, and how long each metric takes on one 512 x 512 image.

Prints, single-threaded:

* NIQE (official pristine model, MATLAB rgb2gray) of the first ``--photos``
  photographs in ``data/photos`` at their stored size, and of the same photos
  blurred (Gaussian, radius 3) and noised (Gaussian, sigma 20 levels);
* the median time of ``niqe``, ``psnr``, ``ssim`` (both conventions) on a
  512 x 512 crop over ``--repeats`` runs.

Usage::

    .venv/bin/python scripts/bench_metrics.py [--photos 6] [--repeats 7]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from enhancelib.runtime import configure  # noqa: E402

configure()  # passive OpenMP waiting and flush-to-zero, before torch is imported

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageFilter  # noqa: E402

from enhancelib.metrics import niqe, psnr, ssim  # noqa: E402


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(1)
    photos = sorted((REPO / "data" / "photos").glob("*.jpg"))
    if not photos:
        sys.exit("no photos in data/photos")
    rng = np.random.default_rng(0)
    print(f"{'photo':45s} {'size':>9s} {'NIQE':>6s} {'blurred':>8s} {'noised':>7s}")
    step = max(1, len(photos) // args.photos)
    for path in photos[::step][: args.photos]:
        img = Image.open(path).convert("RGB")
        arr = np.asarray(img)
        blurred = np.asarray(img.filter(ImageFilter.GaussianBlur(3)))
        noised = np.clip(arr + rng.normal(0, 20, arr.shape), 0, 255).round().astype(np.uint8)
        print(f"{path.name:45s} {arr.shape[1]:4d}x{arr.shape[0]:<4d} {niqe(arr):6.3f} {niqe(blurred):8.3f} "
              f"{niqe(noised):7.3f}")

    big = np.asarray(Image.open(photos[0]).convert("RGB").resize((768, 768)))[:512, :512].copy()
    other = np.clip(big.astype(int) + 3, 0, 255).astype(np.uint8)
    niqe(big)  # warm-up (loads and verifies the parameters)
    print(f"\nmedian seconds on one 512x512 image, 1 thread, {args.repeats} runs:")
    for label, fn in [("niqe", lambda: niqe(big)), ("psnr", lambda: psnr(big, other)),
                      ("ssim", lambda: ssim(big, other)), ("ssim public", lambda: ssim(big, other, quirks="public"))]:
        print(f"  {label:12s} {_median_seconds(fn, args.repeats):.4f}")


if __name__ == "__main__":
    main()
