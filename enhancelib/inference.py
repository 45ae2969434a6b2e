"""Enhancing real photos at full resolution with a trained model.

A model is given by name (a chapter's recorded main model, see
:data:`enhancelib.PRETRAINED`), by a run folder (``config.json`` +
``generator.pt``) or by a ``generator.pt`` file, which records its recipe and
options. Photos keep their full resolution: curve models (GleNet's GEN) are
resolution-free by construction; fully convolutional generators run on the
whole image when it is at most ``tile`` pixels on its long side, and
otherwise on overlapping tiles blended with linear ramps, so memory stays
bounded whatever the photo's size. (UEGAN's and BNCAGAN's global attention
then sees each tile's statistics rather than the whole photo's; the overlap
and the blending hide the seams.)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
from torch import Tensor

__all__ = ["load_enhancer", "enhance_tensor", "plan_outputs", "EnhanceReport"]


def load_enhancer(model: str, device: str = "cpu") -> Any:
    """An :class:`enhancelib.train.runs.Enhancer` from a name, a run folder or a generator.pt file."""
    from enhancelib import PRETRAINED, pretrained
    from enhancelib.config import ParameterError
    from enhancelib.train.checkpoint import CheckpointError, load_checkpoint
    from enhancelib.train.runs import Enhancer, RecordedRun

    if model in PRETRAINED:
        return pretrained(model, device)
    path = Path(model)
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"{path} is not a run folder (no config.json).")
        return RecordedRun(path).enhancer(device)
    if path.is_file():
        state = load_checkpoint(path)
        if not {"state_dict", "recipe", "options"} <= set(state):
            raise CheckpointError(
                f"{path} is not a generator file of this project (it lacks the recipe and options it was "
                "trained with). Pass a run folder or a generator.pt written by enhancelib."
            )
        return Enhancer.from_state(state, device, source=path)
    raise ParameterError(
        f"Unknown model {model!r}: give one of {sorted(PRETRAINED)}, a run folder, or a generator.pt file."
    )


def _ramp(length: int, overlap: int, first: bool, last: bool) -> Tensor:
    weight = torch.ones(length)
    if overlap > 0:
        ramp = torch.linspace(0, 1, overlap + 2)[1:-1]
        if not first:
            weight[:overlap] = ramp
        if not last:
            weight[-overlap:] = ramp.flip(0)
    return weight


def _starts(size: int, tile: int, overlap: int) -> list[int]:
    if size <= tile:
        return [0]
    step = tile - overlap
    starts = list(range(0, size - tile, step)) + [size - tile]
    return sorted(set(starts))


def enhance_tensor(enhance: Callable[[Tensor], Tensor], image: Tensor, tile: int = 1024,
                   overlap: int = 64) -> Tensor:
    """Enhance a 3 x H x W image in [0, 1], in blended tiles when it is larger than ``tile``."""
    _, height, width = image.shape
    if max(height, width) <= tile:
        return enhance(image[None])[0]
    overlap = min(overlap, tile // 4)
    out = torch.zeros_like(image)
    total = torch.zeros(1, height, width)
    ys, xs = _starts(height, tile, overlap), _starts(width, tile, overlap)
    for y in ys:
        for x in xs:
            patch = image[:, y:y + tile, x:x + tile]
            result = enhance(patch[None])[0]
            h, w = patch.shape[1:]
            weight = (_ramp(h, overlap, y == ys[0], y == ys[-1])[:, None]
                      * _ramp(w, overlap, x == xs[0], x == xs[-1])[None, :])
            out[:, y:y + h, x:x + w] += result * weight
            total[:, y:y + h, x:x + w] += weight
    return out / total


@dataclass
class EnhanceReport:
    written: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def plan_outputs(inputs: list[Path], out_dir: Path, suffix: str = ".png") -> tuple[list[tuple[Path, Path]], list[tuple[Path, str]]]:
    """Map every input file (folders expanded) to its output path; refuse overwriting inputs.

    Returns the (input, output) pairs and the skipped non-image files.
    """
    from enhancelib.data.images import list_images

    out_dir = out_dir.resolve()
    pairs: list[tuple[Path, Path]] = []
    skipped: list[tuple[Path, str]] = []
    for item in inputs:
        if item.is_dir():
            root = item.resolve()
            if out_dir == root or root in out_dir.parents:
                raise ValueError(
                    f"The output folder {out_dir} is inside the input folder {root}: a later run would "
                    "enhance its own outputs. Choose an output folder outside the inputs."
                )
            files, bad = list_images(item)
            skipped += bad
            pairs += [(f, out_dir / f.resolve().relative_to(root).with_suffix(suffix)) for f in files]
        elif item.is_file():
            pairs.append((item, out_dir / (item.stem + suffix)))
        else:
            raise FileNotFoundError(f"Input {item} does not exist.")
    inputs_resolved = {p.resolve() for p, _ in pairs}
    for _, target in pairs:
        if target.resolve() in inputs_resolved:
            raise ValueError(f"Writing {target} would overwrite an input; choose another output folder.")
    seen: set[Path] = set()
    for _, target in pairs:
        if target in seen:
            raise ValueError(f"Two inputs would both be written to {target}; enhance them into separate folders.")
        seen.add(target)
    return pairs, skipped
