"""Data for training and evaluating the enhancers.

One entry point, :func:`load_data`, gives the training engine a
:class:`DataBundle` whatever the source:

``"benchmark"``
    the built-in benchmark: the photos in ``data/photos`` split like
    MIT-Adobe FiveK, the low-quality side made by :mod:`.degrade`
    (see :mod:`.benchmark`). Takes no keyword arguments.
``"fivek"``
    MIT-Adobe FiveK on disk (see :func:`.fivek.load_fivek` for the keyword
    arguments: ``root``, ``input_dir``, ``target_dir``, split sizes...).
``"folders"``
    your own photos: ``low=`` and ``high=`` folders of unpaired photos, and
    optionally ``test_input=`` / ``test_target=`` folders of pairs matched
    by file name (see :func:`.folders.load_folders`).

Images are float tensors ``3 x H x W`` in [0, 1]; training batches are
``B x 3 x train_size x train_size``.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

from enhancelib.config import ParameterError, Preset, resolve_preset
from enhancelib.data.degrade import DegradationParams, degrade, degrade_steps, sample_params
from enhancelib.data.conversion import to_uint8
from enhancelib.data.images import ImageError, list_images, load_rgb, resize_long_side, to_tensor
from enhancelib.data.sets import DataBundle, PairedImage, PairedSet, TrainSet

__all__ = [
    "DataBundle",
    "DegradationParams",
    "ImageError",
    "PairedImage",
    "PairedSet",
    "SOURCES",
    "TrainSet",
    "degrade",
    "degrade_steps",
    "list_images",
    "load_data",
    "load_rgb",
    "resize_long_side",
    "sample_params",
    "to_tensor",
    "to_uint8",
]


def _benchmark(preset: Preset, paired: bool) -> DataBundle:
    from enhancelib.data.benchmark import load_benchmark
    return load_benchmark(preset, paired)


def _fivek(preset: Preset, paired: bool, **kwargs: Any) -> DataBundle:
    from enhancelib.data.fivek import load_fivek
    return load_fivek(preset, paired, **kwargs)


def _folders(preset: Preset, paired: bool, **kwargs: Any) -> DataBundle:
    from enhancelib.data.folders import load_folders
    return load_folders(preset, paired, **kwargs)


def _keyword_names(name: str) -> list[str]:
    """The keyword arguments a source takes (read from its loader's signature)."""
    if name == "benchmark":
        return []
    module = __import__(f"enhancelib.data.{name}", fromlist=["_"])
    loader = getattr(module, f"load_{name}")
    return [p for p in inspect.signature(loader).parameters if p not in ("preset", "paired")]


SOURCES: dict[str, Callable[..., DataBundle]] = {
    "benchmark": _benchmark,
    "fivek": _fivek,
    "folders": _folders,
}
"""The data sources :func:`load_data` knows."""


def load_data(source: str = "benchmark", preset: Preset | str = "cpu", *, paired: bool = False,
              **kwargs: Any) -> DataBundle:
    """Load training, validation and test data from ``source`` at ``preset``'s sizes.

    ``paired=True`` (only for paired upper-bound recipes) adds the clean
    version of every low-quality training photo (``"low_target"`` in batches);
    the ``folders`` source has none and refuses it. An unknown source or
    keyword argument fails with the list of allowed ones.
    """
    if source not in SOURCES:
        raise ParameterError(f"Unknown data source {source!r}; choose one of {sorted(SOURCES)}.")
    allowed = _keyword_names(source)
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        listed = allowed if allowed else "none"
        raise ParameterError(
            f"Data source {source!r} takes no argument(s) {unknown}; its keyword arguments are: {listed}."
        )
    resolved = resolve_preset(preset)
    return SOURCES[source](resolved, paired, **kwargs)
