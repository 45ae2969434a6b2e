"""Evaluation of a run's generator on paired images, and sample outputs."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import torch
from torch import Tensor, nn

__all__ = ["enhancer_fn", "evaluate_run", "save_samples", "save_preview", "NIQE_MIN_SIDE"]

NIQE_MIN_SIDE = 96


def enhancer_fn(recipe: Any, generator: nn.Module, device: torch.device) -> Callable[[Tensor], Tensor]:
    """Wrap ``recipe.enhance`` with ``generator`` as a function on CPU tensors in [0, 1]."""
    def enhance(x: Tensor) -> Tensor:
        with torch.inference_mode():
            return recipe.enhance(x.to(device), generator).float().cpu()
    return enhance


def evaluate_run(recipe: Any, generator: nn.Module, pairs: Sequence[Any], device: torch.device,
                 metrics: Sequence[str] = ("psnr", "ssim"), per_image_path: Path | None = None,
                 progress: bool = False) -> dict[str, float]:
    """Mean metrics of the enhanced ``pairs``; per-image rows written to ``per_image_path``."""
    from enhancelib.metrics import evaluate_pairs

    if not pairs:
        return {}
    smallest = min(min(p.input.shape[-2:]) for p in pairs)
    if "niqe" in metrics and smallest < NIQE_MIN_SIDE:
        # NIQE needs 96-pixel blocks; the smoke preset's thumbnails are smaller.
        metrics = tuple(m for m in metrics if m != "niqe")
    was_training = generator.training
    generator.eval()
    try:
        frame = evaluate_pairs(enhancer_fn(recipe, generator, device), pairs, metrics=tuple(metrics),
                               progress=progress)
    finally:
        generator.train(was_training)
    if per_image_path is not None:
        frame.to_csv(per_image_path, index=False, float_format="%.5f")
    return {m: round(float(frame[m].mean()), 4) for m in metrics}


def save_samples(recipe: Any, generator: nn.Module, pairs: Sequence[Any], device: torch.device,
                 folder: Path, long_side: int = 384) -> list[Path]:
    """Write ``input | output | target`` strips as small JPEGs (kept in the record)."""
    from PIL import Image

    from enhancelib.data.images import to_uint8

    folder.mkdir(parents=True, exist_ok=True)
    enhance = enhancer_fn(recipe, generator, device)
    written = []
    for pair in pairs:
        output = enhance(pair.input[None])[0]
        strip = torch.cat([pair.input, output, pair.target], dim=2)
        image = Image.fromarray(to_uint8(strip))
        scale = long_side / max(image.size[1], image.size[0] / 3)
        if scale < 1:
            image = image.resize((round(image.size[0] * scale), round(image.size[1] * scale)), Image.LANCZOS)
        path = folder / f"{pair.name}.jpg"
        image.save(path, quality=85)
        written.append(path)
    return written


def save_preview(recipe: Any, generator: nn.Module, images: Sequence[Tensor], device: torch.device,
                 path: Path, height: int = 160) -> Path:
    """One JPEG: a row per image, ``input | output``, to watch a run while it trains."""
    from PIL import Image

    from enhancelib.data.images import to_uint8

    enhance = enhancer_fn(recipe, generator, device)
    rows = []
    for image in images:
        strip = Image.fromarray(to_uint8(torch.cat([image, enhance(image[None])[0]], dim=2)))
        rows.append(strip.resize((max(1, round(strip.width * height / strip.height)), height), Image.LANCZOS))
    canvas = Image.new("RGB", (max(r.width for r in rows), height * len(rows)), "white")
    for i, row in enumerate(rows):
        canvas.paste(row, (0, i * height))
    path.parent.mkdir(parents=True, exist_ok=True)
    canvas.save(path, quality=85)
    return path
