"""Evaluation of a run's generator on paired images, and sample outputs."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import torch
from torch import Tensor

if TYPE_CHECKING:  # pragma: no cover
    from enhancelib.data.sets import PairedImage
    from enhancelib.metrics.evaluate import ImagePair
    from enhancelib.nn.enhancer import EnhancerNetwork
    from enhancelib.recipes.base import Recipe

__all__ = ["enhancer_fn", "evaluate_run", "score_benchmark_test_sets", "save_samples", "save_preview",
           "NIQE_MIN_SIDE"]

NIQE_MIN_SIDE = 96


def enhancer_fn(recipe: Recipe, generator: EnhancerNetwork, device: torch.device) -> Callable[[Tensor], Tensor]:
    """Wrap ``recipe.enhance`` with ``generator`` as a function on CPU tensors in [0, 1]."""
    def enhance(x: Tensor) -> Tensor:
        with torch.inference_mode():
            return recipe.enhance(x.to(device), generator).float().cpu()
    return enhance


def evaluate_run(recipe: Recipe, generator: EnhancerNetwork, pairs: Sequence[PairedImage], device: torch.device,
                 metrics: Sequence[str] = ("psnr", "ssim"), per_image_path: Path | None = None,
                 progress: bool = False, tone: bool = False) -> dict[str, float]:
    """Mean metrics of the enhanced ``pairs``; per-image rows written to ``per_image_path``.

    With ``tone``, also the outputs' mean tone levels (``black``, ``white``, ``contrast``, ``mean``,
    ``saturation``) and ``haze`` against the targets (:mod:`enhancelib.metrics.tone`), from the
    same forward passes.
    """
    from enhancelib.metrics import evaluate_pairs
    from enhancelib.metrics.tone import TONE_LEVELS, haze, tone_levels

    if not pairs:
        return {}
    smallest = min(min(p.input.shape[-2:]) for p in pairs)
    if "niqe" in metrics and smallest < NIQE_MIN_SIDE:
        # NIQE needs 96-pixel blocks; the smoke preset's thumbnails are smaller.
        metrics = tuple(m for m in metrics if m != "niqe")
    was_training = generator.training
    generator.eval()
    enhance = enhancer_fn(recipe, generator, device)
    levels: list[dict[str, float]] = []

    def enhance_and_measure(x: Tensor) -> Tensor:
        out = enhance(x)
        if tone:
            levels.append(tone_levels(out[0]))
        return out

    try:
        frame = evaluate_pairs(enhance_and_measure, pairs, metrics=tuple(metrics), progress=progress)
    finally:
        generator.train(was_training)
    if per_image_path is not None:
        frame.to_csv(per_image_path, index=False, float_format="%.5f")
    summary = {m: round(float(frame[m].mean()), 4) for m in metrics}
    if tone:
        targets = [tone_levels(p.target) for p in pairs]
        for level in TONE_LEVELS:
            summary[level] = round(sum(lv[level] for lv in levels) / len(levels), 4)
        summary["haze"] = round(sum(haze(o, t) for o, t in zip(levels, targets)) / len(levels), 4)
    return summary


def score_benchmark_test_sets(recipe: Recipe, generator: EnhancerNetwork, test: Sequence[ImagePair], device: torch.device,
                              eval_long_side: int, path: Path) -> dict[str, dict[str, float]]:
    """Score a benchmark run on its test split, the flat render and the identity set; write the rows to ``path``.

    Returns each set's mean PSNR, SSIM, edit size and tone levels (for ``metrics.json``).
    """
    from enhancelib.data.test_sets import load_test_sets
    from enhancelib.metrics.scoring import score_on_test_sets

    was_training = generator.training
    generator.eval()
    try:
        sets = {"test": list(test), **load_test_sets(eval_long_side, ("flat", "identity"))}
        frame = score_on_test_sets(enhancer_fn(recipe, generator, device), sets, progress=False)
    finally:
        generator.train(was_training)
    frame.to_csv(path, index=False, float_format="%.5f")
    means = frame.drop(columns="name").groupby("set", sort=False).mean()
    return {str(name): {str(k): round(float(v), 4) for k, v in row.items()} for name, row in means.iterrows()}


def save_samples(recipe: Recipe, generator: EnhancerNetwork, pairs: Sequence[PairedImage], device: torch.device,
                 folder: Path, long_side: int = 384) -> list[Path]:
    """Write ``input | output | target`` strips as small JPEGs (kept in the record)."""
    from PIL import Image

    from enhancelib.data.conversion import to_uint8

    folder.mkdir(parents=True, exist_ok=True)
    enhance = enhancer_fn(recipe, generator, device)
    written = []
    for pair in pairs:
        output = enhance(pair.input[None])[0]
        strip = torch.cat([pair.input, output, pair.target], dim=2)
        image = Image.fromarray(to_uint8(strip))
        scale = long_side / max(image.size[1], image.size[0] / 3)
        if scale < 1:
            image = image.resize((round(image.size[0] * scale), round(image.size[1] * scale)), Image.Resampling.LANCZOS)
        path = folder / f"{pair.name}.jpg"
        image.save(path, quality=85)
        written.append(path)
    return written


def save_preview(recipe: Recipe, generator: EnhancerNetwork, images: Sequence[Tensor], device: torch.device,
                 path: Path, height: int = 160) -> Path:
    """One JPEG: a row per image, ``input | output``, to watch a run while it trains."""
    from PIL import Image

    from enhancelib.data.conversion import to_uint8

    enhance = enhancer_fn(recipe, generator, device)
    rows = []
    for image in images:
        strip = Image.fromarray(to_uint8(torch.cat([image, enhance(image[None])[0]], dim=2)))
        rows.append(strip.resize((max(1, round(strip.width * height / strip.height)), height), Image.Resampling.LANCZOS))
    canvas = Image.new("RGB", (max(r.width for r in rows), height * len(rows)), "white")
    for i, row in enumerate(rows):
        canvas.paste(row, (0, i * height))
    path.parent.mkdir(parents=True, exist_ok=True)
    canvas.save(path, quality=85)
    return path
