"""Your own photos: two folders of unpaired low- and high-quality photos.

``load_folders(preset, low="my/dull", high="my/good")`` trains on every image
found (recursively) in the two folders; ``test_input=`` and ``test_target=``
add evaluation pairs, matched by file name without its ending
(``a.jpg`` <-> ``a.png``). Rules, so that nothing surprising happens silently:

* a folder that does not exist or holds no image is an error;
* files that are not images, or cannot be read, are **skipped** and listed
  in ``bundle.description["skipped"]`` as ``"path: reason"`` strings for the
  caller to print;
* training photos are shrunk to ``preset.load_long_side`` (never enlarged);
  a photo whose short side is then smaller than ``preset.crop`` is
  **upscaled** (bilinear) until it equals ``crop`` if that takes at most a
  factor of 2, and **skipped** with a report otherwise (a larger enlargement
  would teach the networks blur);
* test pairs must match one to one: names present in only one of the two
  folders are an error listing them; the two images of a pair must have the
  same aspect ratio (within 2%), the target is resized to the input's size;
* there is no validation set (``bundle.val`` is None) and no clean version
  of the low photos, so ``paired=True`` is refused.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch

from enhancelib.config import ParameterError, Preset
from enhancelib.data.conversion import quantise
from enhancelib.data.images import DEFAULT_MAX_PIXELS, ImageError, list_images, load_rgb, resize_long_side, to_tensor
from enhancelib.data.sets import DataBundle, PairedSet, TrainSet

__all__ = ["MAX_UPSCALE", "load_folders", "match_pairs", "load_training_photos", "load_pairs"]

MAX_UPSCALE = 2.0
"""Largest enlargement accepted to bring a small photo's short side up to the crop."""

Skipped = list[str]


def _describe(path: Path, reason: str) -> str:
    return f"{path}: {reason}"


def _fit_for_training(image: torch.Tensor, long_side: int, crop: int) -> tuple[torch.Tensor | None, str]:
    """Shrink to ``long_side``; enlarge a small photo up to ``crop`` (at most x2) or refuse it."""
    image = resize_long_side(image, long_side)
    height, width = image.shape[-2:]
    short = min(height, width)
    if short >= crop:
        return image, ""
    factor = crop / short
    if factor > MAX_UPSCALE:
        return None, (f"too small: {width} x {height} after loading, the {crop}-pixel crop would need "
                      f"an enlargement of x{factor:.1f} (at most x{MAX_UPSCALE:g}); use a larger photo")
    return resize_long_side(image, round(max(height, width) * factor), upscale=True), ""


def load_training_photos(paths: Sequence[Path], long_side: int, crop: int,
                         max_pixels: int | None = DEFAULT_MAX_PIXELS) -> tuple[list[str], list[torch.Tensor], Skipped]:
    """Read photos for training (uint8 tensors), skipping and reporting bad ones."""
    names: list[str] = []
    images: list[torch.Tensor] = []
    skipped: Skipped = []
    for path in paths:
        try:
            image = to_tensor(load_rgb(path, max_pixels=max_pixels))
        except ImageError as err:
            skipped.append(_describe(path, f"unreadable ({err})"))
            continue
        fitted, reason = _fit_for_training(image, long_side, crop)
        if fitted is None:
            skipped.append(_describe(path, reason))
            continue
        names.append(path.name)
        images.append(quantise(fitted))
    return names, images, skipped


def match_pairs(inputs: Sequence[Path], targets: Sequence[Path], input_label: str = "input",
                target_label: str = "target") -> list[tuple[str, Path, Path]]:
    """Match two lists of files by name without its ending; ``(stem, input, target)`` sorted.

    Raises :class:`ImageError` naming the files found on one side only, or
    names that occur twice on one side (``a.jpg`` and ``a.png``).
    """
    def by_stem(paths: Sequence[Path], label: str) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for path in paths:
            if path.stem in found:
                raise ImageError(f"Two {label} files share the name {path.stem!r}: {found[path.stem]} and "
                                 f"{path}. Pairs are matched by name, so keep only one.")
            found[path.stem] = path
        return found

    left, right = by_stem(inputs, input_label), by_stem(targets, target_label)
    only_left, only_right = sorted(set(left) - set(right)), sorted(set(right) - set(left))
    if only_left or only_right:
        raise ImageError(
            f"The {input_label} and {target_label} files do not match by name: {len(only_left)} "
            f"{input_label} file(s) have no {target_label} (e.g. {only_left[:5]}) and {len(only_right)} "
            f"{target_label} file(s) have no {input_label} (e.g. {only_right[:5]}). Pairs are matched by "
            "file name without its ending; rename or remove the unmatched files."
        )
    return [(stem, left[stem], right[stem]) for stem in sorted(left)]


def _same_size(low: torch.Tensor, high: torch.Tensor) -> torch.Tensor | None:
    """``high`` resized to ``low``'s size when the aspect ratios agree within 2%, else None."""
    (h1, w1), (h2, w2) = low.shape[-2:], high.shape[-2:]
    if (h1, w1) == (h2, w2):
        return high
    if abs((w1 / h1) / (w2 / h2) - 1) > 0.02:
        return None
    resized = torch.nn.functional.interpolate(high.unsqueeze(0), size=(h1, w1), mode="bilinear",
                                              align_corners=False, antialias=h2 > h1)
    return resized.squeeze(0).clamp_(0.0, 1.0)


def load_pairs(pairs: Sequence[tuple[str, Path, Path]], long_side: int,
               max_pixels: int | None = DEFAULT_MAX_PIXELS) -> tuple[PairedSet, Skipped]:
    """Read matched (name, input, target) files at ``long_side``; bad pairs are skipped and reported."""
    names: list[str] = []
    inputs: list[torch.Tensor] = []
    targets: list[torch.Tensor] = []
    skipped: Skipped = []
    for name, input_path, target_path in pairs:
        try:
            low = resize_long_side(to_tensor(load_rgb(input_path, max_pixels=max_pixels)), long_side)
            high = resize_long_side(to_tensor(load_rgb(target_path, max_pixels=max_pixels)), long_side)
        except ImageError as err:
            skipped.append(_describe(input_path, f"pair skipped, unreadable ({err})"))
            continue
        matched = _same_size(low, high)
        if matched is None:
            skipped.append(_describe(input_path, f"pair skipped: input {tuple(low.shape[-2:])} and target "
                                                 f"{tuple(high.shape[-2:])} have different aspect ratios"))
            continue
        names.append(name)
        inputs.append(quantise(low))
        targets.append(quantise(matched))
    return PairedSet(names, inputs, targets), skipped


def load_folders(preset: Preset, paired: bool = False, *, low: str | Path, high: str | Path,
                 test_input: str | Path | None = None, test_target: str | Path | None = None,
                 max_pixels: int | None = DEFAULT_MAX_PIXELS) -> DataBundle:
    """Unpaired training photos from two folders, optional test pairs (module docstring)."""
    if paired:
        raise ParameterError(
            "The 'folders' source has no clean version of the low-quality photos, so paired recipes "
            "cannot train on it. Use source='benchmark' or 'fivek', or an unpaired recipe."
        )
    if (test_input is None) != (test_target is None):
        raise ParameterError("Give both test_input= and test_target= (folders of pairs), or neither.")
    skipped: Skipped = []
    side: dict[str, tuple[list[str], list[torch.Tensor]]] = {}
    for label, folder in (("low", low), ("high", high)):
        paths, not_images = list_images(folder)
        skipped += [_describe(p, reason) for p, reason in not_images]
        names, images, bad = load_training_photos(paths, preset.load_long_side, preset.crop, max_pixels)
        skipped += bad
        if not images:
            raise ImageError(f"No usable photo in the {label} folder {folder}; skipped: {bad[:5]}")
        side[label] = (names, images)
    train = TrainSet(side["low"][1], side["high"][1], crop=preset.crop, train_size=preset.train_size,
                     low_names=side["low"][0], high_names=side["high"][0])
    test = None
    if test_input is not None and test_target is not None:
        inputs, skipped_inputs = list_images(test_input)
        targets, skipped_targets = list_images(test_target)
        skipped += [_describe(p, r) for p, r in skipped_inputs + skipped_targets]
        test, bad = load_pairs(match_pairs(inputs, targets, "test input", "test target"),
                               preset.eval_long_side, max_pixels)
        skipped += bad
        if len(test) == 0:
            raise ImageError(f"No usable test pair in {test_input} and {test_target}; skipped: {bad[:5]}")
    description = {
        "source": "folders",
        "low": str(low), "high": str(high),
        "test_input": None if test_input is None else str(test_input),
        "test_target": None if test_target is None else str(test_target),
        "counts": {"train_low": train.low_count, "train_high": train.high_count,
                   "val": 0, "test": 0 if test is None else len(test)},
        "load_long_side": preset.load_long_side, "eval_long_side": preset.eval_long_side,
        "crop": preset.crop, "train_size": preset.train_size, "paired": False,
        "skipped": skipped,
    }
    return DataBundle(train, None, test, "folders", description)
