"""Per-channel spatial statistics on the CPU: torch.var_mean against enhancelib's two-pass form.

Prints, with ``torch.set_num_threads(2)``, for the feature-map shapes where
the book's models take these statistics (BNCAGAN's normalisations at
inference on 512 x 512 and in a ``cpu``-preset training step, QAGAN's AdaIN
at relu4_1 of a 384 x 512 image, UEGAN's bottleneck attention), the median
time of

* ``torch.var_mean(x, dim=(2, 3), keepdim=True)`` and
  :func:`enhancelib.nn.statistics.spatial_var_mean`, forward only;
* the same with the backward pass of a weighted sum of both outputs.

Configurations are timed round-robin over ``--repeats`` rounds, so that
load from other processes spreads evenly; compare lines of one run.

Usage::

    .venv/bin/python scripts/bench_statistics.py [--repeats 61]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from enhancelib.runtime import configure  # noqa: E402

configure()  # passive OpenMP waiting and flush-to-zero, before torch is imported

import torch  # noqa: E402

from enhancelib.nn.statistics import spatial_var_mean  # noqa: E402

SHAPES: dict[str, tuple[int, int, int, int]] = {
    "BNCAGAN BNR, 512x512 inference": (1, 256, 64, 64),
    "BNCAGAN decoder ILN, 512x512 inference": (1, 64, 256, 256),
    "BNCAGAN BNR, cpu-preset step (4 x 96px)": (4, 256, 24, 24),
    "QAGAN AdaIN relu4_1, 384x512": (1, 512, 48, 64),
    "UEGAN bottleneck GAM, 512x512": (1, 256, 32, 32),
}


def time_round_robin(configs: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in configs}
    for fn in configs.values():  # warm-up
        fn()
    for _ in range(repeats):
        for name, fn in configs.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=61)
    args = parser.parse_args()
    torch.set_num_threads(2)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, medians of {args.repeats} (ms)")
    print(f"{'where':42s} {'shape':>18s}  {'var_mean':>9s} {'two-pass':>9s} {'ratio':>6s}   "
          f"{'fwd+bwd: var_mean':>17s} {'two-pass':>9s} {'ratio':>6s}")
    for where, shape in SHAPES.items():
        torch.manual_seed(0)
        x = torch.randn(*shape) * 2 + 1
        xg = x.clone().requires_grad_()
        w = torch.randn(shape[0], shape[1], 1, 1)

        def library(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return torch.var_mean(t, dim=(2, 3), correction=1, keepdim=True)

        def ours(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return spatial_var_mean(t, correction=1)

        def with_backward(fn: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]) -> Callable[[], object]:
            def run() -> object:
                var, mean = fn(xg)
                return torch.autograd.grad((var * w).sum() + (mean * w).sum(), xg)
            return run

        with torch.inference_mode():
            fwd = time_round_robin({"lib": lambda: library(x), "ours": lambda: ours(x)}, args.repeats)
        both = time_round_robin({"lib": with_backward(library), "ours": with_backward(ours)}, args.repeats)
        print(f"{where:42s} {str(shape):>18s}  {fwd['lib']:9.2f} {fwd['ours']:9.2f} {fwd['lib'] / fwd['ours']:5.1f}x   "
              f"{both['lib']:17.2f} {both['ours']:9.2f} {both['lib'] / both['ours']:5.1f}x")
    print("\nratio = torch.var_mean time / two-pass time (above 1: the two-pass form is faster)")


if __name__ == "__main__":
    main()
