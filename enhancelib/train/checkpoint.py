"""Checkpoints written atomically and read with ``weights_only=True``.

A checkpoint is written to ``<path>.tmp``, flushed to disk and then renamed
over ``<path>``: a run killed mid-write leaves the previous checkpoint intact.
Reading uses ``torch.load(..., weights_only=True)``, so a checkpoint can hold
tensors, numbers, strings, lists and dicts but never executes code.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

import torch

from enhancelib.nn.state import mismatch_details

__all__ = ["ArchitectureMismatch", "CheckpointError", "save_checkpoint", "load_checkpoint", "check_compatible",
           "save_half_weights"]


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be read or does not belong to the run asking for it."""


class ArchitectureMismatch(CheckpointError):
    """Weights that do not fit the network built for them; ``details`` lists the first differences."""

    def __init__(self, message: str, details: str) -> None:
        super().__init__(message)
        self.details = details


def save_checkpoint(path: str | Path, state: Mapping[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically (temporary file + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        torch.save(dict(state), handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a checkpoint safely; a clear :class:`CheckpointError` if it cannot be."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"No checkpoint at {path}.")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # unpickling errors come in many types
        raise CheckpointError(
            f"Cannot read checkpoint {path}: {error}. It may be truncated or not a "
            "checkpoint of this project; delete it to start the run afresh."
        ) from error


def check_compatible(state_dict: Mapping[str, torch.Tensor], model: torch.nn.Module, what: str) -> None:
    """Raise a readable error when ``state_dict`` does not fit ``model``.

    Lists the first missing, unexpected and mis-shaped entries instead of the
    long PyTorch message, and says what usually causes it.
    """
    details = mismatch_details(state_dict, model)
    if details:
        raise ArchitectureMismatch(
            f"{what} does not match the model architecture ({details}). "
            "It was probably written by another recipe or with other options: load it "
            "with the recipe and options recorded next to it (config.json).",
            details,
        )


def save_half_weights(path: str | Path, network: torch.nn.Module, recipe: str, options: Mapping[str, Any]) -> None:
    """A network's weights for a record: float32 tensors stored as float16, with the recipe that built it."""
    weights = {k: (v.half() if v.dtype == torch.float32 else v) for k, v in network.state_dict().items()}
    save_checkpoint(path, {"state_dict": weights, "recipe": recipe, "options": dict(options)})
