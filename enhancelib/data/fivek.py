"""MIT-Adobe FiveK on disk, split the way the unpaired papers split it.

FiveK is not shipped (its licence forbids redistribution and it is 50 GB);
if you have it, decode the raw inputs and expert C's retouches to image files
(JPEG, PNG or TIFF; not DNG) in two folders under one root, with the same file
name (the ending may differ) for the two versions of a photo::

    root/
      input/     a0001.tif a0002.tif ... a5000.tif     (input_dir)
      expertC/   a0001.tif a0002.tif ... a5000.tif     (target_dir)

Common folder names are recognised (``input``/``raw``/``original`` and
``expertC``/``expert_c``/``C``/``target``...); pass ``input_dir=`` and
``target_dir=`` for others.

The papers' protocol, with the photos sorted by name: the **first**
``n_low`` (2250) inputs are the low-quality training photos, the **next**
``n_high`` (2250) photos' expert-C versions are the high-quality training
photos (never paired with the low ones), and the **last** ``n_test`` (500)
(input, expert C) pairs are the test set. FiveK has no validation set in
the papers; ``n_val`` pairs taken just before the test block give one.
``paired=True`` also loads expert C's version of every low photo.
Unreadable files are skipped and reported in ``description["skipped"]``.
"""
from __future__ import annotations

from pathlib import Path

import torch

from enhancelib.config import ParameterError, Preset
from enhancelib.data.folders import _same_size, load_pairs, load_training_photos, match_pairs
from enhancelib.data.images import DEFAULT_MAX_PIXELS, ImageError, list_images
from enhancelib.data.sets import DataBundle, TrainSet

__all__ = ["INPUT_DIR_NAMES", "TARGET_DIR_NAMES", "find_fivek_folders", "fivek_split", "load_fivek"]

INPUT_DIR_NAMES = ("input", "Input", "inputs", "raw", "original", "InputAsShotZeroed")
TARGET_DIR_NAMES = ("expertC", "expert_c", "ExpertC", "expert-c", "Expert_C", "C", "c", "target", "gt")


def find_fivek_folders(root: str | Path, input_dir: str | None = None,
                       target_dir: str | None = None) -> tuple[Path, Path]:
    """The input and expert-C folders under ``root`` (given, or the first common name found)."""
    root = Path(root)
    if not root.is_dir():
        raise ImageError(f"FiveK root {root} is not a folder. Pass root= the folder that holds the "
                         "input and expert-C folders.")

    def pick(given: str | None, names: tuple[str, ...], what: str, argument: str) -> Path:
        if given is not None:
            folder = root / given
            if not folder.is_dir():
                raise ImageError(f"FiveK {what} folder {folder} does not exist. Check {argument}=.")
            return folder
        for name in names:
            if (root / name).is_dir():
                return root / name
        present = sorted(p.name for p in root.iterdir() if p.is_dir())
        raise ImageError(f"No FiveK {what} folder under {root} (looked for {list(names)}; found "
                         f"{present}). Pass {argument}= the folder's name.")

    return (pick(input_dir, INPUT_DIR_NAMES, "input", "input_dir"),
            pick(target_dir, TARGET_DIR_NAMES, "expert-C", "target_dir"))


def fivek_split(names: list[str], n_low: int = 2250, n_high: int = 2250, n_test: int = 500,
                n_val: int = 0) -> dict[str, list[str]]:
    """Sorted names -> ``train_low`` (first), ``train_high`` (next), ``val``, ``test`` (last)."""
    names = sorted(names)
    if min(n_low, n_high, n_test) < 1 or n_val < 0:
        raise ParameterError(f"Split sizes must be positive (n_val >= 0); got n_low={n_low}, "
                             f"n_high={n_high}, n_test={n_test}, n_val={n_val}.")
    needed = n_low + n_high + n_val + n_test
    if needed > len(names):
        raise ParameterError(
            f"The FiveK split needs {needed} photos (n_low={n_low} + n_high={n_high} + n_val={n_val} + "
            f"n_test={n_test}) but {len(names)} were found. Pass smaller sizes."
        )
    end = len(names)
    return {
        "train_low": names[:n_low],
        "train_high": names[n_low:n_low + n_high],
        "val": names[end - n_test - n_val:end - n_test],
        "test": names[end - n_test:],
    }


def load_fivek(preset: Preset, paired: bool = False, *, root: str | Path, input_dir: str | None = None,
               target_dir: str | None = None, n_low: int = 2250, n_high: int = 2250, n_test: int = 500,
               n_val: int = 0, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> DataBundle:
    """FiveK at the preset's sizes (see the module docstring)."""
    inputs_dir, targets_dir = find_fivek_folders(root, input_dir, target_dir)
    inputs, skipped_inputs = list_images(inputs_dir)
    targets, skipped_targets = list_images(targets_dir)
    skipped = [f"{p}: {r}" for p, r in skipped_inputs + skipped_targets]
    pairs = {stem: (a, b) for stem, a, b in match_pairs(inputs, targets, "FiveK input", "expert-C")}
    parts = fivek_split(list(pairs), n_low, n_high, n_test, n_val)

    low_paths = [pairs[s][0] for s in parts["train_low"]]
    low_names, low, bad = load_training_photos(low_paths, preset.load_long_side, preset.crop, max_pixels)
    skipped += bad
    high_names, high, bad = load_training_photos([pairs[s][1] for s in parts["train_high"]],
                                                 preset.load_long_side, preset.crop, max_pixels)
    skipped += bad
    low_target = None
    if paired:
        low, low_names, low_target, bad = _with_targets(low, low_names, low_paths, pairs, preset, max_pixels)
        skipped += bad
    if not low or not high:
        raise ImageError(f"No usable FiveK training photo ({len(low)} low, {len(high)} high); "
                         f"skipped: {skipped[:5]}")
    train = TrainSet(low, high, crop=preset.crop, train_size=preset.train_size, low_target=low_target,
                     low_names=low_names, high_names=high_names)
    test, bad = load_pairs([(s, *pairs[s]) for s in parts["test"]], preset.eval_long_side, max_pixels)
    skipped += bad
    val = None
    if parts["val"]:
        val, bad = load_pairs([(s, *pairs[s]) for s in parts["val"]], preset.eval_long_side, max_pixels)
        skipped += bad
    description = {
        "source": "fivek",
        "root": str(root), "input_dir": inputs_dir.name, "target_dir": targets_dir.name,
        "found_pairs": len(pairs),
        "split": {"n_low": n_low, "n_high": n_high, "n_val": n_val, "n_test": n_test},
        "counts": {"train_low": train.low_count, "train_high": train.high_count,
                   "val": 0 if val is None else len(val), "test": len(test)},
        "load_long_side": preset.load_long_side, "eval_long_side": preset.eval_long_side,
        "crop": preset.crop, "train_size": preset.train_size, "paired": paired,
        "skipped": skipped,
    }
    return DataBundle(train, val, test, "fivek", description)


def _with_targets(low: list[torch.Tensor], low_names: list[str], low_paths: list[Path],
                  pairs: dict[str, tuple[Path, Path]], preset: Preset, max_pixels: int | None,
                  ) -> tuple[list[torch.Tensor], list[str], list[torch.Tensor], list[str]]:
    """Expert C's version of each loaded low photo, at the same size (pairs that fail are dropped)."""
    by_name = {p.name: p.stem for p in low_paths}
    kept_low: list[torch.Tensor] = []
    kept_names: list[str] = []
    targets: list[torch.Tensor] = []
    skipped: list[str] = []
    for name, image in zip(low_names, low):
        target_path = pairs[by_name[name]][1]
        _, loaded, bad = load_training_photos([target_path], preset.load_long_side, preset.crop, max_pixels)
        skipped += bad
        matched = _same_size(image.float() / 255, loaded[0].float() / 255) if loaded else None
        if matched is None:
            if loaded:
                skipped.append(f"{target_path}: pair dropped, aspect ratio differs from its input")
            continue
        kept_low.append(image)
        kept_names.append(name)
        targets.append(matched)
    return kept_low, kept_names, targets, skipped
