"""Every random state a training step can read, as a checkpoint-safe dictionary.

A run that resumes must draw the same random numbers as one that never
stopped. Four generators can be read during training: the torch CPU
generator (image pool, dropout-like draws on the CPU), each CUDA device's
generator (the gradient penalty's interpolation weights on a GPU), NumPy's
global generator and Python's ``random``. The batch sampler has its own
``torch.Generator`` and is saved beside these by the engine.

Checkpoints are read with ``weights_only=True``, which accepts tensors,
numbers, strings, lists, tuples and dicts only, so NumPy's state (an array
inside a tuple) is stored as a tensor and Python's as a list of integers.
"""
from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch

__all__ = ["capture_random_states", "restore_random_states"]


def capture_random_states() -> dict[str, Any]:
    """The state of torch (CPU and every CUDA device), NumPy and Python's ``random``."""
    kind, keys, position, has_gauss, cached = np.random.get_state(legacy=True)
    version, internal, gauss_next = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {"kind": str(kind), "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
                  "position": int(position), "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
        "python": {"version": int(version), "internal": [int(v) for v in internal],
                   "gauss_next": gauss_next},
    }


def restore_random_states(state: dict[str, Any]) -> None:
    """Set every generator back to ``state`` (from :func:`capture_random_states`).

    A checkpoint written on a GPU machine resumes on one with as many devices;
    CUDA states are skipped where CUDA is absent (the run then cannot be
    bit-exact, which only matters for the gpu preset).
    """
    torch.set_rng_state(state["torch"])
    if state.get("cuda") and torch.cuda.is_available():
        if len(state["cuda"]) != torch.cuda.device_count():
            raise ValueError(f"The checkpoint holds {len(state['cuda'])} CUDA generator states but this machine "
                             f"has {torch.cuda.device_count()} devices; resume on a machine like the first.")
        torch.cuda.set_rng_state_all(state["cuda"])
    numpy_state = state["numpy"]
    np.random.set_state((numpy_state["kind"], numpy_state["keys"].numpy().astype(np.uint32),
                         numpy_state["position"], numpy_state["has_gauss"], numpy_state["cached_gaussian"]))
    python_state = state["python"]
    random.setstate((python_state["version"], tuple(python_state["internal"]), python_state["gauss_next"]))
