"""The built-in benchmark: the shipped photos split the way MIT-Adobe FiveK is.

The unpaired enhancement papers train on FiveK with 2250 raw inputs as the
low-quality domain, 2250 *other* photos retouched by expert C as the
high-quality domain, and test on 500 (input, expert C) pairs. Our photos
have no raw versions, so the low-quality domain is made with
:mod:`enhancelib.data.degrade`. The 184 photos in ``data/photos`` are split
once (seeded, stratified by source package so that every part mixes them)
into four disjoint parts:

==============  =====  =========================================================
part            count  used as
==============  =====  =========================================================
``train_low``      72  degraded only: the low-quality training domain
``train_high``     72  clean only: the high-quality domain (never paired with low)
``val``            10  pairs (degraded photo, photo) for choosing checkpoints
``test``           30  pairs (degraded photo, photo) for the reported numbers
==============  =====  =========================================================

``data/benchmark/splits.csv`` (file, part) and ``data/benchmark/degradation.csv``
(file and every :class:`~enhancelib.data.degrade.DegradationParams` field, for
all photos; only ``train_low``, ``val`` and ``test`` use theirs) are written
by ``scripts/make_benchmark.py`` and committed. At load time photos are
read, resized (training parts to ``preset.load_long_side``, val/test to
``preset.eval_long_side``; never enlarged), degraded with the recorded
parameters and kept in memory (cached for the life of the process).
"""
from __future__ import annotations

import csv
import hashlib
import zlib
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import torch

from enhancelib.config import Preset
from enhancelib.data.conversion import quantise
from enhancelib.data.degrade import DegradationParams, degrade, sample_params
from enhancelib.data.images import load_rgb, resize_long_side, to_tensor
from enhancelib.data.sets import DataBundle, PairedSet, TrainSet
from enhancelib.paths import DATA_DIR

__all__ = [
    "BENCHMARK_DIR",
    "PHOTOS_DIR",
    "PARTS",
    "PART_SIZES",
    "SPLIT_SEED",
    "DEGRADATION_SEED",
    "read_manifest",
    "make_split",
    "make_degradation",
    "write_split",
    "write_degradation",
    "read_split",
    "read_degradation",
    "load_benchmark",
    "clean_photo",
    "degraded_pair",
    "degradation_of",
]

PHOTOS_DIR = DATA_DIR / "photos"
BENCHMARK_DIR = DATA_DIR / "benchmark"
SPLITS_CSV = BENCHMARK_DIR / "splits.csv"
DEGRADATION_CSV = BENCHMARK_DIR / "degradation.csv"

PARTS = ("train_low", "train_high", "val", "test")
PART_SIZES: Mapping[str, int] = {"train_low": 72, "train_high": 72, "val": 10, "test": 30}
SPLIT_SEED = 20240501
DEGRADATION_SEED = 5000


# ------------------------------------------------------------ the split
def read_manifest(photos_dir: Path = PHOTOS_DIR) -> list[dict[str, str]]:
    """Rows of ``manifest.csv`` (file, source_package, licence, author, ...)."""
    path = Path(photos_dir) / "manifest.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the photos' manifest ships with the repository.")
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def make_split(manifest: Sequence[Mapping[str, str]], seed: int = SPLIT_SEED,
               sizes: Mapping[str, int] = PART_SIZES) -> dict[str, str]:
    """Map each file to a part, stratified by ``source_package``.

    Within each package the files are shuffled and spread evenly over [0, 1)
    (rank + random offset) / count; sorting all files by that position
    interleaves the packages, so cutting the sequence into consecutive parts
    (test, val, train_low, train_high) gives each part close to its
    proportional share of every package. Deterministic for a given seed.
    """
    files = [row["file"] for row in manifest]
    if len(set(files)) != len(files):
        raise ValueError("The manifest lists some file twice.")
    if sum(sizes.values()) != len(files):
        raise ValueError(f"Part sizes {dict(sizes)} add up to {sum(sizes.values())}, not to the "
                         f"{len(files)} photos of the manifest.")
    rng = np.random.default_rng(seed)
    by_package: dict[str, list[str]] = defaultdict(list)
    for row in manifest:
        by_package[row["source_package"]].append(row["file"])
    keyed: list[tuple[float, float, str]] = []
    for package in sorted(by_package):
        members = sorted(by_package[package])
        order = rng.permutation(len(members))
        offset = rng.uniform()
        for rank, index in enumerate(order):
            keyed.append(((rank + offset) / len(members), rng.uniform(), members[index]))
    sequence = [name for _, _, name in sorted(keyed)]
    split: dict[str, str] = {}
    start = 0
    for part in ("test", "val", "train_low", "train_high"):
        for name in sequence[start:start + sizes[part]]:
            split[name] = part
        start += sizes[part]
    return dict(sorted(split.items()))


def make_degradation(files: Sequence[str], seed: int = DEGRADATION_SEED) -> dict[str, DegradationParams]:
    """One parameter set per file, from a generator seeded by (seed, CRC-32 of the name):
    adding or removing photos leaves the others' parameters unchanged."""
    return {name: sample_params(np.random.default_rng([seed, zlib.crc32(name.encode())]))
            for name in sorted(files)}


def write_split(path: Path, split: Mapping[str, str]) -> None:
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file", "part"])
        for name in sorted(split):
            writer.writerow([name, split[name]])


def write_degradation(path: Path, params: Mapping[str, DegradationParams]) -> None:
    fields = DegradationParams.field_names()
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file", *fields])
        for name in sorted(params):
            values = params[name].to_dict()
            writer.writerow([name, *(f"{values[f]:.4f}" for f in fields)])


def _missing_benchmark_file(path: Path) -> FileNotFoundError:
    return FileNotFoundError(f"{path} is missing. Regenerate it with `python scripts/make_benchmark.py`.")


def read_split(path: Path = SPLITS_CSV) -> dict[str, str]:
    """``{file: part}`` from ``splits.csv``."""
    if not Path(path).is_file():
        raise _missing_benchmark_file(Path(path))
    with Path(path).open(newline="", encoding="utf-8") as handle:
        split = {row["file"]: row["part"] for row in csv.DictReader(handle)}
    unknown = set(split.values()) - set(PARTS)
    if unknown:
        raise ValueError(f"{path}: unknown part(s) {sorted(unknown)}; parts are {list(PARTS)}.")
    return split


def read_degradation(path: Path = DEGRADATION_CSV) -> dict[str, DegradationParams]:
    """``{file: DegradationParams}`` from ``degradation.csv``."""
    if not Path(path).is_file():
        raise _missing_benchmark_file(Path(path))
    with Path(path).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {row.pop("file"): DegradationParams.from_dict(row) for row in rows}


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ------------------------------------------------------------- loading
def _resized(name: str, long_side: int) -> torch.Tensor:
    return resize_long_side(to_tensor(load_rgb(PHOTOS_DIR / name)), long_side)


@lru_cache(maxsize=None)
def clean_photo(name: str, long_side: int) -> torch.Tensor:
    """A photo at ``long_side`` as uint8 ``3 x H x W`` (cached)."""
    return quantise(_resized(name, long_side))


@lru_cache(maxsize=None)
def degraded_pair(name: str, long_side: int, params: DegradationParams) -> tuple[torch.Tensor, torch.Tensor]:
    """(degraded, clean) uint8 ``3 x H x W`` at ``long_side`` (cached)."""
    clean = _resized(name, long_side)
    return quantise(degrade(clean, params)), quantise(clean)


def load_benchmark(preset: Preset, paired: bool = False) -> DataBundle:
    """The built-in benchmark at the preset's sizes (see the module docstring)."""
    split = read_split()
    params = read_degradation()
    on_disk = {row["file"] for row in read_manifest()}
    missing = sorted(set(split) - on_disk)
    if missing:
        raise FileNotFoundError(
            f"splits.csv names photos that are not in data/photos: {missing[:5]}. "
            "Restore data/photos from the repository or regenerate with scripts/make_benchmark.py."
        )
    parts: dict[str, list[str]] = {part: sorted(n for n, p in split.items() if p == part) for part in PARTS}
    no_params = sorted(n for n in parts["train_low"] + parts["val"] + parts["test"] if n not in params)
    if no_params:
        raise ValueError(f"degradation.csv has no parameters for {no_params[:5]}; "
                         "regenerate with scripts/make_benchmark.py.")

    low_pairs = [degraded_pair(n, preset.load_long_side, params[n]) for n in parts["train_low"]]
    train = TrainSet(
        [low for low, _ in low_pairs],
        [clean_photo(n, preset.load_long_side) for n in parts["train_high"]],
        crop=preset.crop, train_size=preset.train_size,
        low_target=[clean for _, clean in low_pairs] if paired else None,
        low_names=parts["train_low"], high_names=parts["train_high"],
    )

    def paired_set(names: list[str]) -> PairedSet:
        pairs = [degraded_pair(n, preset.eval_long_side, params[n]) for n in names]
        return PairedSet(names, [low for low, _ in pairs], [clean for _, clean in pairs])

    description = {
        "source": "benchmark",
        "photos": "data/photos",
        "counts": {part: len(names) for part, names in parts.items()},
        "load_long_side": preset.load_long_side,
        "eval_long_side": preset.eval_long_side,
        "crop": preset.crop,
        "train_size": preset.train_size,
        "paired": paired,
        "splits_sha256": _sha256(SPLITS_CSV),
        "degradation_sha256": _sha256(DEGRADATION_CSV),
        "skipped": [],
    }
    return DataBundle(train, paired_set(parts["val"]), paired_set(parts["test"]), "benchmark", description)


def degradation_of(name: str) -> DegradationParams:
    """The recorded parameters of one photo (from ``degradation.csv``)."""
    params = read_degradation()
    if name not in params:
        raise KeyError(f"No degradation parameters recorded for {name!r}.")
    return params[name]
