"""The containers the training engine consumes: paired evaluation sets and the
unpaired training set.

Photos are kept in memory as ``uint8`` ``3 x H x W`` tensors (a quarter of
the memory of float32, and an honest 8-bit image like a real file; float
photos are quantised by :func:`enhancelib.data.conversion.quantise`); they
become float ``[0, 1]`` tensors when indexed or sampled.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence, overload

import torch

from enhancelib.data.conversion import quantise
from enhancelib.data.transforms import Augmentation, apply_augmentation, draw_augmentation

__all__ = ["PairedImage", "PairedSet", "TrainSet", "TrainPlan", "DataBundle"]


def _as_float(image: torch.Tensor) -> torch.Tensor:
    return image.float().div(255.0) if image.dtype == torch.uint8 else image.float()


@dataclass(frozen=True)
class PairedImage:
    """One evaluation pair: a low-quality input and its reference target."""

    name: str
    input: torch.Tensor
    """3 x H x W float in [0, 1]."""
    target: torch.Tensor
    """3 x H x W float in [0, 1], same size as ``input``."""


class PairedSet(Sequence[PairedImage]):
    """A list of evaluation pairs: ``len(s)``, ``s[i]``, ``for pair in s``."""

    def __init__(self, names: Sequence[str], inputs: Sequence[torch.Tensor],
                 targets: Sequence[torch.Tensor]) -> None:
        if not (len(names) == len(inputs) == len(targets)):
            raise ValueError(
                f"PairedSet needs as many names, inputs and targets; got {len(names)}, "
                f"{len(inputs)} and {len(targets)}."
            )
        for name, low, high in zip(names, inputs, targets):
            if low.ndim != 3 or low.shape[0] != 3 or low.shape != high.shape:
                raise ValueError(
                    f"Pair {name!r}: input {tuple(low.shape)} and target {tuple(high.shape)} must be "
                    "3 x H x W of the same size. Resize one of the two files to match the other."
                )
        self.names = list(names)
        self._inputs = [quantise(t) for t in inputs]
        self._targets = [quantise(t) for t in targets]

    def __len__(self) -> int:
        return len(self.names)

    @overload
    def __getitem__(self, index: int) -> PairedImage: ...
    @overload
    def __getitem__(self, index: slice) -> list[PairedImage]: ...

    def __getitem__(self, index: int | slice) -> PairedImage | list[PairedImage]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(f"PairedSet index {index} out of range for {len(self)} pairs")
        return PairedImage(self.names[index], _as_float(self._inputs[index]), _as_float(self._targets[index]))

    def __iter__(self) -> Iterator[PairedImage]:
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        return f"PairedSet({len(self)} pairs)"


@dataclass(frozen=True)
class TrainPlan:
    """The random choices behind one batch (which photos, which crops)."""

    low_indices: list[int]
    low_augmentations: list[Augmentation]
    high_indices: list[int]
    high_augmentations: list[Augmentation]


class TrainSet:
    """Unpaired training photos: a low-quality pool and a high-quality pool.

    :meth:`sample` draws ``"low"`` and ``"high"`` crops independently (with
    replacement) from the two pools; built with ``low_target`` (the clean
    version of every low photo), it also returns ``"low_target"``, cropped and
    oriented exactly like ``"low"``. All randomness comes from the
    ``torch.Generator`` passed in, so saving its state makes training resumable.
    """

    def __init__(self, low: Sequence[torch.Tensor], high: Sequence[torch.Tensor], *, crop: int,
                 train_size: int, low_target: Sequence[torch.Tensor] | None = None,
                 low_names: Sequence[str] | None = None, high_names: Sequence[str] | None = None) -> None:
        if not low or not high:
            raise ValueError(
                f"A training set needs low- and high-quality photos; got {len(low)} low and "
                f"{len(high)} high. Add photos to the empty side."
            )
        if low_target is not None:
            if len(low_target) != len(low):
                raise ValueError(f"low_target has {len(low_target)} photos for {len(low)} low photos.")
            for i, (a, b) in enumerate(zip(low, low_target)):
                if a.shape != b.shape:
                    raise ValueError(f"low photo {i} is {tuple(a.shape)} but its target is {tuple(b.shape)}.")
        if crop < 1 or train_size < 1:
            raise ValueError(f"crop and train_size must be positive; got {crop} and {train_size}.")
        self.low = [quantise(t) for t in low]
        self.high = [quantise(t) for t in high]
        self.low_target = None if low_target is None else [quantise(t) for t in low_target]
        self.crop = crop
        self.train_size = train_size
        self.low_names = list(low_names) if low_names is not None else [f"low_{i}" for i in range(len(low))]
        self.high_names = list(high_names) if high_names is not None else [f"high_{i}" for i in range(len(high))]

    @property
    def low_count(self) -> int:
        return len(self.low)

    @property
    def high_count(self) -> int:
        return len(self.high)

    @property
    def paired(self) -> bool:
        return self.low_target is not None

    def draw_plan(self, batch_size: int, generator: torch.Generator) -> TrainPlan:
        """Draw photo indices, then crops and orientations, in a fixed order."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
        low_idx = torch.randint(self.low_count, (batch_size,), generator=generator).tolist()
        high_idx = torch.randint(self.high_count, (batch_size,), generator=generator).tolist()
        low_aug = [draw_augmentation(self.low[i].shape[-2], self.low[i].shape[-1], self.crop, generator)
                   for i in low_idx]
        high_aug = [draw_augmentation(self.high[i].shape[-2], self.high[i].shape[-1], self.crop, generator)
                    for i in high_idx]
        return TrainPlan(low_idx, low_aug, high_idx, high_aug)

    def render(self, plan: TrainPlan) -> dict[str, torch.Tensor]:
        """Cut and stack the crops a plan describes."""
        size = self.train_size
        batch = {
            "low": torch.stack([apply_augmentation(self.low[i], a, size)
                                for i, a in zip(plan.low_indices, plan.low_augmentations)]),
            "high": torch.stack([apply_augmentation(self.high[i], a, size)
                                 for i, a in zip(plan.high_indices, plan.high_augmentations)]),
        }
        if self.low_target is not None:
            batch["low_target"] = torch.stack([apply_augmentation(self.low_target[i], a, size)
                                               for i, a in zip(plan.low_indices, plan.low_augmentations)])
        return batch

    def sample(self, batch_size: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
        """A batch: ``"low"``, ``"high"`` (and ``"low_target"`` when paired), each
        ``B x 3 x train_size x train_size`` float in [0, 1]."""
        return self.render(self.draw_plan(batch_size, generator))

    def __repr__(self) -> str:
        kind = "paired" if self.paired else "unpaired"
        return (f"TrainSet({self.low_count} low, {self.high_count} high, {kind}, "
                f"crop {self.crop} -> {self.train_size})")


@dataclass
class DataBundle:
    """What :func:`enhancelib.data.load_data` returns."""

    train: TrainSet
    val: PairedSet | None
    test: PairedSet | None
    source: str
    """``"benchmark"``, ``"fivek"`` or ``"folders"``."""
    description: dict[str, Any] = field(default_factory=dict)
    """Counts, sizes, skipped files...: recorded in each run's provenance."""
