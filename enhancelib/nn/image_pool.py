"""A pool of past generated images for the discriminator (Shrivastava et al. 2017).

Training the discriminator on a history of fakes rather than only on the
latest ones keeps it from chasing the generator's last move.  UEGAN's public
code (paper 001) keeps 50 past fakes: each new fake is stored while the pool
is filling; once it is full, with probability 1/2 the new fake replaces a
random stored one and the *stored* one is returned, otherwise the new fake
is returned unchanged.  The generator's own loss always uses the current fake.

Random draws use torch's global generator, so the engine's seeding makes a
run repeatable; :meth:`ImagePool.state_dict` lets a checkpoint resume it.
"""
from __future__ import annotations

from typing import Any, Mapping

import torch
from torch import Tensor

__all__ = ["ImagePool"]


class ImagePool:
    """History buffer of ``size`` past fakes (``size=0``: a pass-through)."""

    def __init__(self, size: int = 50) -> None:
        if size < 0:
            raise ValueError(f"ImagePool size must be >= 0, got {size}")
        self.size = size
        self.images: list[Tensor] = []

    def __len__(self) -> int:
        return len(self.images)

    @torch.no_grad()
    def query(self, fakes: Tensor) -> Tensor:
        """Return a batch of the same shape mixing the new ``fakes`` and stored past ones (detached)."""
        fakes = fakes.detach()
        if self.size == 0:
            return fakes
        if self.images and fakes.shape[1:] != self.images[0].shape:
            # crops of another size (e.g. a new preset after resume): start a new history
            self.images = []
        out = []
        for image in fakes:
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif torch.rand(()).item() > 0.5:
                index = int(torch.randint(self.size, ()).item())
                out.append(self.images[index])
                self.images[index] = image.clone()
            else:
                out.append(image)
        return torch.stack(out)

    def state_dict(self) -> dict[str, Any]:
        return {"size": self.size, "images": torch.stack(self.images).cpu() if self.images else None}

    def load_state_dict(self, state: Mapping[str, Any], device: torch.device | None = None) -> None:
        self.size = int(state["size"])
        images = state.get("images")
        self.images = [] if images is None else list(images.to(device) if device is not None else images)
