"""Weights read into a network: what does not fit, and the float32 copy of stored half-precision weights.

Training (:mod:`enhancelib.train.checkpoint`) and inference
(:mod:`enhancelib.inference`) both load saved weights into a freshly built
network; both describe a mismatch the same way.
"""
from __future__ import annotations

from typing import Mapping

import torch
from torch import Tensor

__all__ = ["float_state", "mismatch_details"]


def float_state(state_dict: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """``state_dict`` with every floating-point tensor as float32 (records keep weights in half precision)."""
    return {k: v.float() if v.is_floating_point() else v for k, v in state_dict.items()}


def mismatch_details(state_dict: Mapping[str, Tensor], model: torch.nn.Module) -> str:
    """The first missing, unexpected and mis-shaped entries of ``state_dict`` for ``model``; ``""`` if it fits."""
    own = model.state_dict()
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    shapes = [
        f"{k}: checkpoint {tuple(state_dict[k].shape)} vs model {tuple(own[k].shape)}"
        for k in own
        if k in state_dict and tuple(state_dict[k].shape) != tuple(own[k].shape)
    ]
    parts = []
    if missing:
        parts.append(f"missing {missing[:3]}{' ...' if len(missing) > 3 else ''}")
    if unexpected:
        parts.append(f"unexpected {unexpected[:3]}{' ...' if len(unexpected) > 3 else ''}")
    if shapes:
        parts.append(f"shape mismatch {shapes[:3]}")
    return "; ".join(parts)
