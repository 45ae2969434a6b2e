"""Re-estimating batch-norm statistics on whole photos before evaluation ("precise BN").

A batch-normalised generator trained on small crops keeps running means and
variances of *crop* features; at test time it sees whole photos at another
scale, and its eval-mode output can drift far from what training optimised
(GleNet: a test PSNR below the input's, although the same weights with each
photo's own statistics enhance it).  The cure is
to recompute the statistics, with the trained weights fixed, on the kind of
input evaluation will see: every batch-norm layer forgets its running
statistics, switches to a cumulative average (``momentum=None``) and the
network runs forward, without gradients, over whole training photos.  The
weights are untouched; only the buffers change.  The photos are training
photos (low-quality inputs only), never the validation or test split.
"""
from __future__ import annotations

import copy
from typing import Any, Iterable, Mapping, Protocol, TypeVar

import torch
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm

from enhancelib.config import Preset

__all__ = ["CALIBRATION_PHOTOS", "RunData", "batch_norm_layers", "calibrate_batch_norm", "training_photos"]

_Module = TypeVar("_Module", bound=nn.Module)

CALIBRATION_PHOTOS = 64
"""How many whole training photos the engine passes to ``Recipe.prepare_for_evaluation``."""


def batch_norm_layers(model: nn.Module) -> list[_BatchNorm]:
    """The batch-norm layers of ``model`` that track running statistics."""
    return [m for m in model.modules() if isinstance(m, _BatchNorm) and m.track_running_stats]


@torch.no_grad()
def calibrate_batch_norm(model: _Module, images: Iterable[Tensor]) -> _Module:
    """Return a copy of ``model`` whose batch-norm statistics are averaged over ``images``.

    ``images`` are ``3 x H x W`` (or ``1 x 3 x H x W``) tensors, uint8 or float in
    [0, 1]; each is passed on its own, so they may differ in size.  Other
    layers run in eval mode; ``model`` itself is not changed.
    A model without batch norm is returned as is.
    """
    layers = batch_norm_layers(model)
    if not layers:
        return model
    calibrated = copy.deepcopy(model).eval()
    layers = batch_norm_layers(calibrated)
    for bn in layers:
        bn.reset_running_stats()
        # momentum=None: running stats become the plain average over all calibration batches
        bn.momentum = None
        bn.train(True)
    device = next(calibrated.parameters()).device
    seen = 0
    for image in images:
        x = image if image.dim() == 4 else image[None]
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(f"calibrate_batch_norm expects 3 x H x W images, got {tuple(image.shape)}")
        x = x.to(device)
        x = x.float() / 255 if x.dtype == torch.uint8 else x.float()
        calibrated(x)
        seen += 1
    if seen == 0:
        raise ValueError("calibrate_batch_norm needs at least one image")
    for bn in layers:
        bn.train(False)
    return calibrated


class RunData(Protocol):
    """What :func:`training_photos` reads of a run: its data source and resolved preset
    (a :class:`~enhancelib.train.spec.RunSpec` has both)."""

    @property
    def data(self) -> Mapping[str, Any]: ...

    def resolved_preset(self) -> Preset: ...


def training_photos(spec: RunData, pool: str = "low", count: int = CALIBRATION_PHOTOS) -> list[Tensor]:
    """The first ``count`` whole training photos of ``pool`` ("low" or "high") of a run's data.

    The engine calibrates with the "low" pool; a network that sees clean photos
    (GleNet's degrader G_d) is calibrated with the "high" pool.
    """
    from enhancelib.data import load_data

    if pool not in ("low", "high"):
        raise ValueError(f"pool must be 'low' or 'high', got {pool!r}")
    args = dict(spec.data)
    data = load_data(args.pop("source", "benchmark"), spec.resolved_preset(), **args)
    return list(getattr(data.train, pool)[:count])
