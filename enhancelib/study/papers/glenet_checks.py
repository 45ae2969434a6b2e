"""GleNet's checks that need no training: the identity start, stage-1 updates, the moving average, and measurements
on untrained networks (the starts, resolution, the gradients of the two cycle losses, the look-up's cost)."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["IdentityStart", "identity_start", "StageOneUpdates", "stage1_generator_updates", "gpu_stage1_updates",
           "initial_share", "warm_up_reaches", "StartScores", "untrained_starts", "ResolutionCheck",
           "resolution_check", "cycle_gradient_table", "LookupCost", "lookup_cost"]


@dataclass(frozen=True)
class IdentityStart:
    """Where ``identity_init=True`` starts GEN's curves: ``w_k = (k + 1/2) / 256``, the identity is ``k / 255``."""

    curves: Tensor
    """The starting curves, 3 x 256 (equal for every photo: the curve head starts at zero)."""
    max_deviation: float
    """max_k |w_k - k / 255| in [0, 1] units."""
    largest_at: tuple[int, ...]
    """The levels k where the deviation is largest."""
    quantised_identity: bool
    """round(255 w_k) == k for every k: on 8-bit values the start is the identity exactly."""


def identity_start() -> IdentityStart:
    """The curves of an untrained ``GEN(identity_init=True)``, measured against the identity."""
    from enhancelib.models.glenet import GEN

    torch.manual_seed(0)
    with torch.no_grad():
        curves = GEN(identity_init=True).eval().curves(torch.rand(1, 3, 64, 64))[0].double()
    identity = torch.arange(256, dtype=torch.float64) / 255
    deviation = (curves - identity).abs()
    largest = deviation.max()
    at = tuple(int(k) for k in torch.nonzero(torch.isclose(deviation[0], largest, rtol=0, atol=1e-7)).flatten())
    quantised = bool(torch.equal(torch.floor(curves * 255 + 0.5), identity.expand_as(curves) * 255))
    return IdentityStart(curves.float(), float(largest), at, quantised)


@dataclass(frozen=True)
class StageOneUpdates:
    """How many times G_e is updated in stage 1 when each critic mini-batch counts as one of the paper's."""

    steps: int
    """Mini-batches of the whole run (one critic update each)."""
    stage1_steps: int
    """Mini-batches of stage 1."""
    n_critic: int
    generator_updates: int
    """Generator updates in stage 1 (steps 0, n_critic, 2 n_critic, ... before stage 2)."""


def stage1_generator_updates(steps: int, stage1_fraction: float, n_critic: int) -> StageOneUpdates:
    """Stage 1 as the engine runs it on a preset that stops by step count.

    Step ``s`` (counted from 0) is in stage 1 while its progress ``s / steps`` is below ``stage1_fraction``, and
    updates the generators when ``s % n_critic == 0``.
    """
    stage1 = [s for s in range(steps) if s / steps < stage1_fraction]
    return StageOneUpdates(steps, len(stage1), n_critic, sum(1 for s in stage1 if s % n_critic == 0))


def gpu_stage1_updates() -> StageOneUpdates:
    """:func:`stage1_generator_updates` for the unpaired recipe on the ``gpu`` preset (the paper's step count)."""
    from enhancelib.recipes.glenet_unpaired import GleNetUnpairedOptions, GleNetUnpairedRecipe

    options = GleNetUnpairedOptions()
    steps = int(GleNetUnpairedRecipe.paper_overrides["gpu"]["max_steps"])
    return stage1_generator_updates(steps, options.stage1_fraction, options.n_critic)


def initial_share(n_steps: int, decay: float, warm_up: bool) -> float:
    """The weight the moving average still gives the initial weights after ``n_steps`` updates.

    Plain: ``decay ** n``; with the engine's warm-up ``d_t = min(decay, (1 + t) / (10 + t))``: ``prod_t d_t``.
    """
    t = np.arange(n_steps)
    d = np.minimum(decay, (1 + t) / (10 + t)) if warm_up else np.full(n_steps, decay)
    return float(np.exp(np.log(d).sum()))


def warm_up_reaches(decay: float) -> int:
    """The first step t at which the warm-up ``(1 + t) / (10 + t)`` reaches ``decay``."""
    return int(math.ceil((10 * decay - 1) / (1 - decay) - 1e-9))


@dataclass(frozen=True)
class StartScores:
    """Untrained GEN on a few test pairs: mean PSNR and the curves' jaggedness, public start and identity start."""

    photos: int
    psnr: Mapping[str, float]
    """"public start", "identity start" and "input": mean PSNR against the targets (dB)."""
    jaggedness: Mapping[str, float]
    """Mean |w[k+1] - 2 w[k] + w[k-1]| of the first photo's curves (0 for a straight line)."""


def untrained_starts(pairs: Sequence[tuple[Tensor, Tensor]]) -> StartScores:
    """Score untrained GENs (seed 0) with the public start and with ``identity_init=True``.

    Batch statistics of the photo (train mode): what a calibrated network sees.
    """
    from enhancelib.metrics import psnr
    from enhancelib.models.glenet import GEN

    scores: dict[str, float] = {}
    jagged: dict[str, float] = {}
    for label, identity in (("public start", False), ("identity start", True)):
        torch.manual_seed(0)
        net = GEN(identity_init=identity).train()
        with torch.no_grad():
            scores[label] = float(np.mean([psnr(net(low[None])[0].clamp(0, 1), high) for low, high in pairs]))
            curves = net.curves(pairs[0][0][None])
        jagged[label] = float(curves.diff(n=2, dim=-1).abs().mean())
    scores["input"] = float(np.mean([psnr(low, high) for low, high in pairs]))
    return StartScores(len(pairs), scores, jagged)


@dataclass(frozen=True)
class ResolutionCheck:
    """GEN's curves at two resolutions of one photo, and the cost of a 256 x 256 round trip to the target."""

    sides: tuple[int, int]
    curve_difference: float
    """Largest |difference| between the curves an untrained GEN predicts at the two sides."""
    round_trip_psnr: float
    """Mean PSNR of target -> 256 x 256 -> back, against the target."""
    photos: int


def resolution_check(pair_at: Callable[[str, int], tuple[Tensor, Tensor]], photo: str, sides: tuple[int, int],
                     photos: Sequence[str], eval_side: int) -> ResolutionCheck:
    """Measure both halves of GEN's resolution argument (``pair_at(name, long_side)`` gives input and target)."""
    from enhancelib.metrics import psnr
    from enhancelib.models.glenet import GEN

    torch.manual_seed(0)
    gen = GEN().eval()
    with torch.no_grad():
        small, large = (gen.curves(pair_at(photo, s)[0][None]) for s in sides)
    trips = []
    for name in photos:
        high = pair_at(name, eval_side)[1]
        thumb = F.interpolate(high[None], size=(256, 256), mode="bilinear", align_corners=False, antialias=True)
        back = F.interpolate(thumb, size=high.shape[-2:], mode="bilinear", align_corners=False)[0].clamp(0, 1)
        trips.append(psnr(back, high))
    return ResolutionCheck(sides, float((small - large).abs().max()), float(np.mean(trips)), len(trips))


def _norm(grads: Sequence[Tensor | None]) -> float:
    return float(sum(float((g ** 2).sum()) for g in grads if g is not None)) ** 0.5


def cycle_gradient_table(seed: int = 0, size: int = 32) -> pd.DataFrame:
    """The gradient norm each cycle loss sends to G_e and to G_d (random weights, one batch), by look-up mode."""
    from enhancelib.losses.color import CycleConsistencyLoss, CyclicColorLoss
    from enhancelib.models.glenet import GEN

    rows = []
    for mode in ("nearest", "linear"):
        torch.manual_seed(seed)
        g_e, g_d = GEN(64, curve_mode=mode), GEN(64, curve_mode=mode)
        low, high = torch.rand(4, 3, size, size), torch.rand(4, 3, size, size)
        params_e, params_d = list(g_e.parameters()), list(g_d.parameters())
        losses = {"CycleGAN: ||G_d(G_e(I_LQ)) - I_LQ||": CycleConsistencyLoss()(g_d(g_e(low)), low),
                  "cyclic colour: ||G_e(sg[G_d(I_HQ)]) - I_HQ||": CyclicColorLoss()(g_e, g_d(high), high)}
        for label, loss in losses.items():
            grads = torch.autograd.grad(loss, params_e + params_d, allow_unused=True, retain_graph=True)
            rows.append({"look-up": mode, "loss": label, "|grad| to G_e": _norm(grads[:len(params_e)]),
                         "|grad| to G_d": _norm(grads[len(params_e):])})
    return pd.DataFrame(rows).set_index(["look-up", "loss"])


@dataclass(frozen=True)
class LookupCost:
    """The look-up of eq. 1 on a camera-size photo, three ways, from the recorded benchmark ``bench_glenet``."""

    width: int
    height: int
    seconds: Mapping[str, float]
    """"chunked gather (ours)", "plain torch.gather" and "one-hot eq. (1)": seconds."""

    @property
    def image_bytes(self) -> int:
        """float32, 3 channels."""
        return self.width * self.height * 3 * 4

    @property
    def one_hot_bytes(self) -> int:
        """The one-hot tensor eq. 1 would build: 256 entries per value."""
        return self.image_bytes * 256


_LOOKUP_LABELS = ("chunked gather (ours)", "plain torch.gather", "one-hot eq. (1)")


def lookup_cost(record: str) -> LookupCost | None:
    """Read the look-up timings from a recorded ``bench_glenet`` output (None when absent or incomplete)."""
    size = re.search(r"GEN on a (\d+) x (\d+) image", record)
    found = dict(re.findall(r"^ +(chunked gather \(ours\)|plain torch\.gather|one-hot eq\. \(1\)): +([\d.]+) s",
                            record, re.M))
    if size is None or any(label not in found for label in _LOOKUP_LABELS):
        return None
    return LookupCost(int(size[1]), int(size[2]), {label: float(found[label]) for label in _LOOKUP_LABELS})
