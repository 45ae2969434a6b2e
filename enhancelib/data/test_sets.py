"""The benchmark's three test sets, all made from the same 30 test photos.

==============  ==============================================  ===============================
set             input                                           what a good enhancer does
==============  ==============================================  ===============================
``test``        the photo degraded by the training family       restores the photo
                (:mod:`enhancelib.data.degrade`)
``flat``        the photo degraded by the flat render           restores the photo, although
                (:mod:`enhancelib.data.degrade_flat`), a        no training photo looked like
                family no method trains on                      this
``identity``    the photo itself                                changes it little
==============  ==============================================  ===============================

The target is always the photo. ``test`` is the split every chapter reports;
``flat`` asks whether a method learned to enhance or only to undo one
degradation; ``identity`` asks what a method does to a photo that needs
nothing, which is what a reader's good photos get.
"""
from __future__ import annotations

from functools import lru_cache

import torch

from enhancelib.data.benchmark import BENCHMARK_DIR, clean_photo, degraded_pair, read_degradation, read_split
from enhancelib.data.conversion import quantise
from enhancelib.data.degrade_flat import FlatRenderParams, flat_render, read_flat_params
from enhancelib.data.images import load_rgb, resize_long_side, to_tensor
from enhancelib.data.sets import PairedSet

__all__ = ["TEST_SETS", "FLAT_CSV", "flat_pair", "load_test_sets"]

TEST_SETS = ("test", "flat", "identity")
"""Names of the three test sets, in the order tables show them."""

FLAT_CSV = BENCHMARK_DIR / "degradation_flat.csv"
"""Flat-render parameters of the test photos (written by ``scripts/make_benchmark.py``)."""


@lru_cache(maxsize=None)
def flat_pair(name: str, long_side: int, params: FlatRenderParams) -> tuple[torch.Tensor, torch.Tensor]:
    """(flat-rendered, clean) uint8 ``3 x H x W`` at ``long_side`` (cached)."""
    from enhancelib.data.benchmark import PHOTOS_DIR

    clean = resize_long_side(to_tensor(load_rgb(PHOTOS_DIR / name)), long_side)
    return quantise(flat_render(clean, params)), quantise(clean)


def load_test_sets(long_side: int = 512, names: tuple[str, ...] = TEST_SETS) -> dict[str, PairedSet]:
    """The benchmark's test sets ``names`` (default: all three) at ``long_side`` (default: the cpu preset's)."""
    unknown = [n for n in names if n not in TEST_SETS]
    if unknown:
        raise ValueError(f"Unknown test set(s) {unknown}; the benchmark has {list(TEST_SETS)}.")
    split = read_split()
    photos = sorted(n for n, part in split.items() if part == "test")
    sets: dict[str, PairedSet] = {}
    if "test" in names:
        params = read_degradation()
        pairs = [degraded_pair(n, long_side, params[n]) for n in photos]
        sets["test"] = PairedSet(photos, [low for low, _ in pairs], [clean for _, clean in pairs])
    if "flat" in names:
        flat = read_flat_params(FLAT_CSV)
        missing = [n for n in photos if n not in flat]
        if missing:
            raise ValueError(f"{FLAT_CSV.name} has no parameters for {missing[:3]}; "
                             "regenerate it with `python scripts/make_benchmark.py`.")
        pairs = [flat_pair(n, long_side, flat[n]) for n in photos]
        sets["flat"] = PairedSet(photos, [low for low, _ in pairs], [clean for _, clean in pairs])
    if "identity" in names:
        clean = [clean_photo(n, long_side) for n in photos]
        sets["identity"] = PairedSet(photos, clean, clean)
    return {n: sets[n] for n in names}
