"""Write the built-in benchmark's split and degradation parameters.

    python scripts/make_benchmark.py            # (re)write data/benchmark/*.csv
    python scripts/make_benchmark.py --check    # fail if the committed files differ

Deterministic: two runs write identical files. Then it prints how the parts
mix the source packages, and the PSNR of the degraded test inputs against
their targets at the ``cpu`` preset's evaluation size (long side 512), to
compare with MIT-Adobe FiveK (raw input vs expert C: 17.2-17.4 dB).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from enhancelib.config import resolve_preset  # noqa: E402
from enhancelib.data import benchmark  # noqa: E402
from enhancelib.data import degrade_flat, test_sets  # noqa: E402
from enhancelib.data.conversion import to_uint8  # noqa: E402
from enhancelib.paths import REPO_ROOT  # noqa: E402


def psnr_uint8(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two uint8 images (peak 255)."""
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / mse)) if mse > 0 else float("inf")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    parser.add_argument("--no-psnr", action="store_true", help="skip the PSNR measurement")
    args = parser.parse_args()

    manifest = benchmark.read_manifest()
    split = benchmark.make_split(manifest)
    params = benchmark.make_degradation([row["file"] for row in manifest])
    flat = degrade_flat.make_flat_params(sorted(n for n, part in split.items() if part == "test"))

    with tempfile.TemporaryDirectory() as tmp:
        fresh = {name: Path(tmp) / name for name in ("splits.csv", "degradation.csv", "degradation_flat.csv")}
        benchmark.write_split(fresh["splits.csv"], split)
        benchmark.write_degradation(fresh["degradation.csv"], params)
        degrade_flat.write_flat_params(fresh["degradation_flat.csv"], flat)
        committed = {"splits.csv": benchmark.SPLITS_CSV, "degradation.csv": benchmark.DEGRADATION_CSV,
                     "degradation_flat.csv": test_sets.FLAT_CSV}
        for name, path in committed.items():
            same = path.is_file() and path.read_bytes() == fresh[name].read_bytes()
            if args.check:
                print(f"{path.relative_to(REPO_ROOT)}: {'up to date' if same else 'DIFFERS'}")
                if not same:
                    return 1
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(fresh[name].read_bytes())
                print(f"wrote {path.relative_to(REPO_ROOT)} ({'unchanged' if same else 'changed'})")

    package_of = {row["file"]: row["source_package"].split()[0] for row in manifest}
    print("\nphotos per part and source package:")
    for part in benchmark.PARTS:
        mix = Counter(package_of[name] for name, p in split.items() if p == part)
        print(f"  {part:<11} {sum(mix.values()):>3}  " + ", ".join(f"{k} {v}" for k, v in sorted(mix.items())))
    exposures = np.array([p.exposure_stops for p in params.values()])
    print(f"\nexposure error: {np.mean(exposures < 0):.0%} under-exposed, {np.mean(exposures > 0):.0%} over-exposed")

    if not args.no_psnr:
        preset = resolve_preset("cpu")
        data = benchmark.load_benchmark(preset)
        for part, pairs in (("val", data.val), ("test", data.test)):
            assert pairs is not None
            values = np.array([psnr_uint8(to_uint8(p.input), to_uint8(p.target)) for p in pairs])
            print(f"{part} input vs target PSNR at long side {preset.eval_long_side}: mean {values.mean():.2f} dB, "
                  f"min {values.min():.2f}, max {values.max():.2f} ({len(values)} pairs)")
        flat_set = test_sets.load_test_sets(preset.eval_long_side, ("flat",))["flat"]
        values = np.array([psnr_uint8(to_uint8(p.input), to_uint8(p.target)) for p in flat_set])
        print(f"flat-render test inputs vs target PSNR: mean {values.mean():.2f} dB, "
              f"min {values.min():.2f}, max {values.max():.2f} ({len(values)} pairs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
