"""Which layers of a trained network still carry weight.

A layer whose weights have all shrunk to (almost) zero passes nothing on:
whatever it feeds sees a constant.  Small initial weights (the public codes'
orthogonal initialisation with gain 0.02) combined with Adam's coupled weight
decay can do this to the deepest layers of a U-Net within a few hundred steps,
because once the loss gradient of a weight is far below ``decay * weight``,
Adam's normalised step moves that weight towards zero by about one learning
rate per step.

* :func:`weight_magnitudes`: one row per parameter tensor, with its largest
  and mean absolute value;
* :func:`silent_modules`: the modules all of whose parameters are below a
  tolerance.
"""
from __future__ import annotations

import pandas as pd
from torch import nn

__all__ = ["weight_magnitudes", "silent_modules"]


def weight_magnitudes(module: nn.Module) -> pd.DataFrame:
    """Rows ``parameter``, ``module``, ``shape``, ``max |w|``, ``mean |w|`` for every floating-point parameter."""
    rows = []
    for name, value in module.named_parameters():
        if not value.is_floating_point():
            continue
        magnitude = value.detach().float().abs()
        rows.append({"parameter": name, "module": name.rpartition(".")[0],
                     "shape": "x".join(str(s) for s in value.shape),
                     "max |w|": float(magnitude.max()) if magnitude.numel() else 0.0,
                     "mean |w|": float(magnitude.mean()) if magnitude.numel() else 0.0})
    if not rows:
        raise ValueError(f"{type(module).__name__} has no floating-point parameters")
    return pd.DataFrame(rows).set_index("parameter")


def silent_modules(module: nn.Module, tolerance: float = 1e-6) -> list[str]:
    """Names of the modules whose own parameters (weight, bias, ...) all have ``|w| <= tolerance``.

    Such a module outputs a constant (zero, for a convolution with no bias
    left) whatever its input, so every layer after it that reads only its
    output is cut off from the image.
    """
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    table = weight_magnitudes(module)
    largest = table.groupby("module", sort=False)["max |w|"].max()
    return [str(name) for name, value in largest.items() if value <= tolerance]

