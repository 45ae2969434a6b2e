"""What an enhanced photo got wrong globally: brightness, saturation and colour balance.

The comparison chapter explains each method's worst photos in words, and the
adaptivity analysis measures how much brightening a photo needs; both read
the same three global statistics of an image, computed here once:

* :func:`tone_statistics`: mean luma (Rec. 601 weights), mean saturation and
  the mean of each colour channel;
* :func:`explain_failure`: a sentence comparing an output's statistics with
  its target's (and, given the input, whether the method moved the wrong way
  or not far enough).  What these global statistics cannot see, it calls a
  local error.
"""
from __future__ import annotations

import numpy as np
import torch

from enhancelib.data.conversion import LUMA_601

__all__ = ["tone_statistics", "explain_failure"]

_LUMA = torch.tensor(LUMA_601)


def tone_statistics(image: torch.Tensor) -> dict[str, float]:
    """Mean luma, mean saturation ((max - min) / max over channels) and mean R, G, B of a 3 x H x W image."""
    if image.dim() != 3 or image.shape[0] != 3:
        raise ValueError(f"tone_statistics expects a 3 x H x W image in [0, 1], got shape {tuple(image.shape)}")
    x = image.float().clamp(0, 1)
    top, bottom = x.max(0).values, x.min(0).values
    saturation = torch.where(top > 1e-6, (top - bottom) / top.clamp_min(1e-6), torch.zeros_like(top))
    means = x.mean(dim=(1, 2))
    return {"brightness": float((means * _LUMA).sum()), "saturation": float(saturation.mean()),
            "red": float(means[0]), "green": float(means[1]), "blue": float(means[2])}


def explain_failure(output: torch.Tensor, target: torch.Tensor, input: torch.Tensor | None = None,
                    tolerance: float = 0.03) -> str:
    """A sentence on how ``output`` departs from ``target`` in brightness, saturation and colour balance.

    Differences below ``tolerance`` (on a [0, 1] scale) are not mentioned.
    With the ``input``, it also says whether the method moved the wrong way
    or not far enough.
    """
    out, tgt = tone_statistics(output), tone_statistics(target)
    src = tone_statistics(input) if input is not None else None
    parts = []
    d_bright = out["brightness"] - tgt["brightness"]
    if abs(d_bright) > tolerance:
        word = "brighter" if d_bright > 0 else "darker"
        detail = ""
        if src is not None:
            moved = out["brightness"] - src["brightness"]
            needed = tgt["brightness"] - src["brightness"]
            if abs(moved) <= tolerance / 2:
                detail = ", brightness left almost as in the input"
            elif np.sign(moved) != np.sign(needed):
                detail = ", brightness moved away from the target"
            elif abs(moved) > abs(needed):
                detail = " (over-" + ("brightened" if moved > 0 else "darkened") + ")"
            else:
                detail = " (under-" + ("brightened" if moved > 0 else "darkened") + ")"
        parts.append(f"{abs(d_bright):.2f} {word} than the target{detail}")
    d_sat = out["saturation"] - tgt["saturation"]
    if abs(d_sat) > tolerance:
        parts.append(f"{'more' if d_sat > 0 else 'less'} saturated by {abs(d_sat):.2f}")
    cast = {c: (out[c] - out["brightness"]) - (tgt[c] - tgt["brightness"]) for c in ("red", "green", "blue")}
    worst = max(cast, key=lambda c: abs(cast[c]))
    if abs(cast[worst]) > tolerance:
        kept = ""
        if src is not None:
            src_cast = (src[worst] - src["brightness"]) - (tgt[worst] - tgt["brightness"])
            if abs(src_cast) > tolerance and np.sign(src_cast) == np.sign(cast[worst]):
                kept = ", left from the input" if abs(cast[worst]) >= 0.5 * abs(src_cast) else ", partly corrected"
        parts.append(f"{'an excess' if cast[worst] > 0 else 'a lack'} of {worst} of {abs(cast[worst]):.2f}{kept}")
    if not parts:
        return "brightness, saturation and colour balance within tolerance of the target: the error is local"
    return "; ".join(parts)
