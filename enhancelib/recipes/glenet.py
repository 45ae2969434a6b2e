"""Paired training recipes of GleNet (paper 002) and of its pixel-wise baseline (Fig. 5).

``glenet_paired`` (Sec. 3.2 "Paired learning", Sec. 4.1)
    GEN & LEN trained together on eq. 3,
    ``L_p = ||I~ - I_HQ||_1 + lambda_p sum_{k=2,4,6} ||phi_k(I~) - phi_k(I_HQ)||_1``,
    ``lambda_p = 0.04``; ``use_len=False`` trains GEN alone (Table 3's GEN row).
``pixelwise_paired``
    Fig. 5's encoder-decoder baseline trained the same way.

The two-stage unpaired scheme is in :mod:`enhancelib.recipes.glenet_unpaired`;
its options extend :class:`GleNetPairedOptions`; it shares eq. 3 and batch-norm calibration.

Decisions where the paper is silent or ambiguous (both schemes):

* phi_k, "the k-th VGG-16 layer", k = 2, 4, 6: the ReLU outputs of the 2nd,
  4th and 6th convolutions (relu1_2, relu2_2, relu3_2), the layers of the
  public code's ``build_vgg16``; distance: mean absolute error per layer
  (:class:`~enhancelib.nn.vgg.VGGConvTaps`).
* Adam with its default betas (the paper names Adam and lr 1e-4 only); the
  public code's L2 regulariser (5e-5 * sum w^2 on every kernel of GEN and LEN)
  becomes an L2 weight decay of 1e-4 on those kernels (``kernel_l2``).
* Learning rate: constant for paired learning (paper).
* ``identity_init`` (default False, the public behaviour) starts GEN's
  curves exactly at the identity instead of near 0.5 (see :class:`GEN`).
* Batch-norm statistics are re-estimated before every evaluation and before
  the weights are saved (``calibrate_bn``, default True): GEN and LEN learn on
  crops resized to ``train_size``, but are evaluated on whole photos, whose
  feature statistics differ; with the running averages of training the
  cpu-preset test PSNR falls below the input's.
  The statistics are averaged over whole low-quality *training* photos, one
  photo per forward pass (see :mod:`enhancelib.recipes.calibration`).  The
  paper does not discuss it; its public code has no training loop.
* Augmentation (random flips and 90-degree rotations) is done by the data
  pipeline, not here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Iterable, Mapping, Sequence, cast

import torch
from torch import Tensor, nn

from enhancelib.config import ParameterError
from enhancelib.losses.color import ColorLoss
from enhancelib.losses.perceptual import PerceptualLoss
from enhancelib.models.glenet import GEN, LEN, GleNet, PixelwiseBaseline
from enhancelib.nn.curves import CURVE_MODES
from enhancelib.nn.enhancer import EnhancerNetwork
from enhancelib.nn.vgg import VGGConvTaps
from enhancelib.recipes.base import Batch, Recipe, RecipeOptions, option
from enhancelib.recipes.calibration import calibrate_batch_norm

__all__ = ["GleNetBase", "GleNetOptions", "GleNetPairedOptions", "GleNetPairedRecipe", "PixelwisePairedRecipe",
           "adam_with_kernel_l2", "glenet_generator", "pixelwise_generator"]


@dataclass(frozen=True)
class GleNetOptions(RecipeOptions):
    """Options every GleNet recipe has (the pixel-wise baseline's are exactly these)."""

    perceptual_weight: float = option(0.04, ge=0)
    """lambda_p of eq. 3: 0.04 (paper, Secs. 4.1 and 4.2); above 0 it needs a VGG backbone."""
    lr: float = option(1e-4, gt=0)
    """Adam learning rate: 1e-4 (paper, Secs. 4.1 and 4.2)."""
    kernel_l2: float = option(5e-5, ge=0)
    """L2 penalty kernel_l2 * sum w^2 on every convolution and dense kernel: 5e-5 (public code)."""
    net_size: int = option(256, ge=32, multiple_of=16)
    """Side of the thumbnail GEN (and the critics) see: 256 (paper, Sec. 3.1, and public code)."""
    calibrate_bn: bool = option(True)
    """Re-estimate batch-norm statistics on whole training photos before evaluating and saving (ours: chapter 02's
    decision; the paper is silent)."""


@dataclass(frozen=True)
class GleNetPairedOptions(GleNetOptions):
    """GleNet's paired options: eq. 3's weight, GEN alone or GEN & LEN, how GEN's curves start and apply."""

    use_len: bool = option(True)
    """Train LEN beside GEN (paper, eq. 2); False trains GEN alone (Table 3's GEN row)."""
    curve_mode: str = option("nearest", choices=CURVE_MODES)
    """How GEN's curves are applied: a table look-up at round(255 x) (paper, eq. 1, and public code);
    "linear" interpolates between entries (ours)."""
    identity_init: bool = option(False)
    """False: GEN's curves start near 0.5, as the public code's; True starts them at the identity (ours;
    the cpu-preset runs set it)."""


def glenet_generator(options: GleNetPairedOptions, backbone: str = "auto") -> GleNet:
    """GEN & LEN (GEN alone with ``use_len=False``) from the paired or unpaired recipe's options.

    The registry's builder for both GleNet schemes (``backbone`` is unused); the unpaired scheme's degrader and
    critics are training's alone.
    """
    gen = GEN(options.net_size, curve_mode=options.curve_mode, identity_init=options.identity_init)
    return GleNet(gen, LEN() if options.use_len else None)


def pixelwise_generator(options: GleNetOptions, backbone: str = "auto") -> PixelwiseBaseline:
    """Fig. 5's pixel-wise baseline from its recipe's options (the registry's builder; ``backbone`` is unused)."""
    return PixelwiseBaseline(options.net_size)


def adam_with_kernel_l2(modules: Iterable[nn.Module], lr: float, kernel_l2: float) -> torch.optim.Adam:
    """Adam; conv / linear kernels get the gradient of ``kernel_l2 * sum w^2`` (weight decay 2 * kernel_l2)."""
    kernels: list[nn.Parameter] = []
    others: list[nn.Parameter] = []
    for module in modules:
        for m in module.modules():
            for name, p in m.named_parameters(recurse=False):
                is_kernel = name == "weight" and isinstance(m, (nn.Conv2d, nn.Linear))
                (kernels if is_kernel else others).append(p)
    return torch.optim.Adam([{"params": kernels, "weight_decay": 2 * kernel_l2},
                             {"params": others, "weight_decay": 0.0}], lr=lr)


class GleNetBase(Recipe):
    """Eq. 3 and batch-norm calibration shared by the GleNet recipes."""

    options: GleNetOptions

    def prepare_for_evaluation(self, generator: EnhancerNetwork, photos: Sequence[Tensor]) -> EnhancerNetwork:
        if not self.options.calibrate_bn or not photos:
            return generator
        return calibrate_batch_norm(generator, photos)

    def _build_eq3(self, needed: bool) -> None:
        self.color = ColorLoss()
        self.perceptual: PerceptualLoss | None = None
        if needed and self.options.perceptual_weight > 0:
            if self.backbone is None:
                raise ParameterError(
                    f"{self.name}'s perceptual loss needs a VGG backbone: pass backbone=load_vgg() "
                    "(or set perceptual_weight=0)."
                )
            self.perceptual = PerceptualLoss(VGGConvTaps(self.backbone), list(VGGConvTaps.CONVS), distance="l1")

    def _eq3(self, output: Tensor, target: Tensor, logs: dict[str, float], prefix: str) -> Tensor:
        # L_p = ||I~ - I_HQ||_1 + lambda_p * sum_{k=2,4,6} ||phi_k(I~) - phi_k(I_HQ)||_1   (eq. 3)
        color = self.color(output, target)
        loss = color
        logs[f"{prefix}_color"] = float(color.detach())
        if self.perceptual is not None:
            perceptual = self.perceptual(output.float(), target.float())
            loss = loss + self.options.perceptual_weight * perceptual
            logs[f"{prefix}_perceptual"] = float(perceptual.detach())
        return loss

    def _images(self, batch: Batch, key: str) -> Tensor:
        if key not in batch:
            raise ValueError(f"{self.name} batches need a {key!r} tensor (B x 3 x H x W in [0, 1]); got {sorted(batch)}")
        x = batch[key].to(self.device, non_blocking=True)
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(f"{self.name}: batch[{key!r}] must be B x 3 x H x W, got {tuple(x.shape)}")
        return x


class GleNetPairedRecipe(GleNetBase):
    """GEN & LEN (or GEN alone) trained on pairs with eq. 3 (Sec. 4.1: Adam 1e-4, batch 16, 25,000 steps)."""

    name: ClassVar[str] = "glenet_paired"
    needs_pairs: ClassVar[bool] = True
    options_type: ClassVar[type[RecipeOptions]] = GleNetPairedOptions
    lr_decay_start: ClassVar[float | None] = None
    paper_overrides: ClassVar[Mapping[str, Mapping[str, Any]]] = {"gpu": {"batch_size": 16, "max_steps": 25_000}}

    def make_network(self) -> EnhancerNetwork:
        return glenet_generator(cast(GleNetPairedOptions, self.options))

    def build(self) -> None:
        self.net = self.make_network()
        self.networks = {"enhancer": self.net}
        self.optimizers = {"enhancer": adam_with_kernel_l2([self.net], self.options.lr, self.options.kernel_l2)}
        self._build_eq3(needed=True)

    def generator(self) -> EnhancerNetwork:
        return self.net

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        low, target = self._images(batch, "low"), self._images(batch, "low_target")
        logs: dict[str, float] = {}
        with self.autocast():
            loss = self._eq3(self.net(low), target, logs, "g")
        self.optimise("enhancer", loss)
        logs["g_loss"] = float(loss.detach())
        return logs


class PixelwisePairedRecipe(GleNetPairedRecipe):
    """Fig. 5's pixel-wise encoder-decoder baseline, trained like GEN on pairs."""

    name: ClassVar[str] = "pixelwise_paired"
    options_type: ClassVar[type[RecipeOptions]] = GleNetOptions

    def make_network(self) -> EnhancerNetwork:
        return pixelwise_generator(self.options)
