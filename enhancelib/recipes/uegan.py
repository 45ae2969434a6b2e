"""Training recipe of UEGAN (paper 001) and of the reproduction report's variants (paper 003).

One step, as in the public code (``trainer.py``):

1. the generator enhances the low-quality batch, ``x_g = G(x_l)`` (and the
   high-quality batch for the identity loss, ``G(x_h)``);
2. discriminator step on eq. 5: real high-quality photos against a pool of
   50 past fakes and, as a second fake, the raw low-quality inputs
   (``use_input_as_fake``);
3. generator step on eq. 9,
   ``quality_weight * L_qua (eq. 6) + fidelity_weight * L_fid (eq. 7)
   + identity_weight * L_idt (eq. 8)``, with the current fake.

Loss details (public code): the quality loss is RaHinge per discriminator
scale, halved, summed over five scales; the fidelity loss is the MSE between
instance-normalised VGG relu1_1..relu5_1 features of ``G(x_l)`` and ``x_l``,
layer weights 1/64, 1/64, 1/32, 1/32, 1; the identity loss is a 3-scale L1
between ``G(x_h)`` and ``x_h`` computed in [-1, 1] (twice the [0, 1] value).

Choices where paper and code disagree (we follow the code unless stated):

* ``quality_weight`` 0.1 (code) — the paper's text says 0.05 (Sec. IV-B);
  pass ``quality_weight=0.05`` for the paper's value.
* Adam, lr 1e-4 (G) and 4e-4 (D; the paper gives one rate, 1e-4), betas
  (0.5, 0.999), weight decay 1e-4 (code; not in the paper); constant, then
  linear decay to 0 over the second half (paper; the engine applies it).
* Orthogonal initialisation, gain 0.02 (code).  With it the generator
  starts as the identity to ~1e-8 (its residual is that small).  Each
  encoder stage then shrinks its input about fifty-fold; in our cpu-preset
  runs of the generators with GAMs, the deepest encoder stages and their
  GAMs ended with no weight left (Adam's coupled weight decay wins where the
  loss gradient is tiny; chapter 01 measures it).  Option
  ``generator_init_gain=None`` uses PyTorch's default initialisation for the
  generator instead (the discriminator keeps gain 0.02).
* Paper schedule on the ``gpu`` preset: 150 epochs of the 2,250 FiveK
  training images at batch 10 (drop_last: 225 steps per epoch), i.e.
  ``max_steps = 33,750``, decay after step 16,875.  The code's defaults
  (100 epochs, decay after 50) would give 22,500.
* Ablations: Table III "without identity loss" is ``identity_weight=0``;
  Table IV generator variants and report 003's SE block are options of
  :class:`~enhancelib.models.uegan.UEGANGenerator` (see its docstring for
  what "pixel-level MM" means here); report 003's Charbonnier identity loss
  is ``identity_distance="charbonnier"``.
* ``gam_form="paper"`` (not an experiment of the papers) builds the GAM as
  eqs. 2-4 print it: in the code's form its global branch is cancelled by
  an instance normalisation (see :mod:`enhancelib.nn.attention`).

Speed (same losses and updates as the code, fewer passes): the generator
runs once on ``[x_l, x_h]`` (it has no batch statistics); the discriminator
step scores ``[x_h, pool fakes, x_l]`` in one batched pass; in the generator
step the discriminator's weights are frozen (no weight gradients are
computed) and the real photos are scored without autograd; Adam is the
fused implementation (one kernel per update); networks and batches are
kept channels-last.  The public code
runs the discriminator five times per step and so makes five spectral-norm
power iterations; we make three.  On two CPU threads (batch 4 of 128 x 128,
``scripts/bench_uegan.py --ablations``) these changes and the generator's
cheaper order of work take a step to 0.75 x the time of the same
computation organised as the public code; the step is then bound by
convolutions (about 270 GFLOP, of which the VGG fidelity loss ~140 and the
generator's forward and backward on 8 images ~95).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import torch
from torch import Tensor

from enhancelib.config import ParameterError
from enhancelib.losses.perceptual import UEGAN_FIDELITY_WEIGHTS, PerceptualLoss
from enhancelib.losses.reconstruction import DISTANCES, MultiScaleReconstructionLoss
from enhancelib.losses.relativistic import RaHingeDiscriminatorLoss, RaHingeGeneratorLoss
from enhancelib.models.uegan import UEGAN_VARIANTS, UEGANGenerator
from enhancelib.nn.attention import GlobalAttention
from enhancelib.nn.blocks import init_orthogonal_
from enhancelib.nn.discriminator import uegan_discriminator
from enhancelib.nn.image_pool import ImagePool
from enhancelib.recipes.adversarial import pooled_discriminator_step
from enhancelib.recipes.base import Batch, Recipe, RecipeOptions, option

__all__ = ["UEGANOptions", "UEGANRecipe", "UEGAN_PAPER_STEPS", "uegan_generator"]

#: 150 epochs x (2,250 FiveK training images // batch 10).
UEGAN_PAPER_STEPS = 150 * (2250 // 10)


@dataclass(frozen=True)
class UEGANOptions(RecipeOptions):
    """UEGAN's options: eq. 9's weights, the ablations of Tables III and IV, report 003's variants."""

    quality_weight: float = option(0.1, ge=0)
    """lambda_qua of eq. 9: 0.1 in the public code; the paper's text says 0.05 (Sec. IV-B; Fig. 10 sweeps 0.05-0.4)."""
    fidelity_weight: float = option(1.0, ge=0)
    """lambda_fid of eq. 9: 1 (paper, Sec. IV-B, and public code); above 0 it needs a VGG backbone."""
    identity_weight: float = option(0.1, ge=0)
    """lambda_idt of eq. 9: 0.1 (paper, Sec. IV-B, and public code); 0 is Table III's "without identity loss"."""
    identity_distance: str = option("l1", choices=sorted(DISTANCES))
    """Distance of the identity loss (eq. 8): L1 (paper, public code); "charbonnier" is report 003's variant."""
    variant: str = option("full", choices=sorted(UEGAN_VARIANTS))
    """Generator of Table IV: "full" is GAM + MM (paper, public code); the others are the table's rows."""
    se: bool = option(False)
    """Report 003's squeeze-excitation block after the bottleneck GAM (paper 003); not in paper 001 or its code."""
    gam_form: str = option("code", choices=GlobalAttention.FORMS)
    """The GAM as the public code builds it; "paper" builds eqs. 2-4 as printed (ours, chapter 01's exercise)."""
    use_input_as_fake: bool = option(True)
    """The raw low-quality inputs as extra fakes for D (eq. 5, public code)."""
    pool_size: int = option(50, ge=0)
    """Past fakes in D's image pool (public code: 50; 0 uses the current fakes)."""
    width: int = option(32, ge=8)
    """Base width of G and D (public code: 32)."""
    lr_g: float = option(1e-4, gt=0)
    """Adam learning rate of G: 1e-4 (paper, Sec. IV-B, and public code)."""
    lr_d: float = option(4e-4, gt=0)
    """Adam learning rate of D: 4e-4 (public code; the paper gives one rate, 1e-4)."""
    generator_init_gain: float | None = option(0.02, gt=0)
    """Gain of G's orthogonal initialisation: 0.02 (public code); None is PyTorch's default initialisation
    (ours: chapter 01 measures what the small gain does)."""


def uegan_generator(options: UEGANOptions, backbone: str = "auto") -> UEGANGenerator:
    """UEGAN's generator alone from the recipe's options (the registry's builder; ``backbone`` is unused).

    Its weights are channels-last, the layout it trains and was evaluated in (a convolution's float rounding
    depends on the layout, so outputs are bit-identical to the recorded ones only in it).
    """
    generator = UEGANGenerator(options.width, options.variant, squeeze_excitation=options.se,
                               gam_form=options.gam_form, init_gain=options.generator_init_gain)
    return generator.to(memory_format=UEGANRecipe.memory_format)


class UEGANRecipe(Recipe):
    """UEGAN: one generator, one multi-scale discriminator, quality + fidelity + identity losses."""

    name: ClassVar[str] = "uegan"
    needs_pairs: ClassVar[bool] = False
    uses_backbone: ClassVar[bool] = True
    options_type: ClassVar[type[RecipeOptions]] = UEGANOptions
    options: UEGANOptions
    lr_decay_start: ClassVar[float | None] = 0.5
    paper_overrides: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "gpu": {"batch_size": 10, "crop": 512, "train_size": 256, "max_steps": UEGAN_PAPER_STEPS},
    }
    betas = (0.5, 0.999)
    weight_decay = 1e-4
    init_gain = 0.02
    memory_format = torch.channels_last
    """Layout of the networks and batches in training (channels-last is the convolution library's own)."""

    # ----------------------------------------------------------------- build
    def build(self) -> None:
        o = self.options
        if o.fidelity_weight > 0 and self.backbone is None:
            raise ParameterError(
                "UEGAN's fidelity loss needs a VGG backbone: pass backbone=enhancelib.nn.vgg.load_vgg() "
                "(or set fidelity_weight=0)."
            )
        self.G = uegan_generator(o)
        self.D = init_orthogonal_(uegan_discriminator(o.width), self.init_gain)
        self.G.to(memory_format=self.memory_format)
        self.D.to(memory_format=self.memory_format)
        self.networks = {"generator": self.G, "discriminator": self.D}
        # fused: one kernel for the whole update instead of a loop over tensors (same arithmetic)
        fused = self.device.type in ("cpu", "cuda")
        self.optimizers = {
            "generator": torch.optim.Adam(self.G.parameters(), lr=o.lr_g, betas=self.betas,
                                          weight_decay=self.weight_decay, fused=fused),
            "discriminator": torch.optim.Adam(self.D.parameters(), lr=o.lr_d, betas=self.betas,
                                              weight_decay=self.weight_decay, fused=fused),
        }
        self.pool = ImagePool(o.pool_size)
        self.d_loss = RaHingeDiscriminatorLoss()
        self.g_quality = RaHingeGeneratorLoss()
        self.fidelity = (
            PerceptualLoss(self.backbone, UEGAN_FIDELITY_WEIGHTS, "mse", instance_norm=True)
            if self.backbone is not None else None
        )
        self.identity = MultiScaleReconstructionLoss(o.identity_distance, (1.0, 0.5, 0.25))

    def generator(self) -> UEGANGenerator:
        return self.G

    # ------------------------------------------------------------------ step
    def _images(self, batch: Batch, key: str) -> Tensor:
        if key not in batch:
            raise ValueError(f"UEGAN batches need a {key!r} tensor (B x 3 x H x W in [0, 1]); got keys {sorted(batch)}")
        x = batch[key].to(self.device, non_blocking=True)
        self.G.check_input(x)
        return x.contiguous(memory_format=self.memory_format)

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        o = self.options
        low01, high01 = self._images(batch, "low"), self._images(batch, "high")
        if low01.shape[1:] != high01.shape[1:]:
            raise ValueError(f"low {tuple(low01.shape)} and high {tuple(high01.shape)} crops must have the same size")
        x_l, x_h = low01 * 2 - 1, high01 * 2 - 1  # the public code's [-1, 1]
        n_low = x_l.shape[0]
        use_identity = o.identity_weight > 0

        # x_g = G(x_l) and, for the identity loss, G(x_h): one pass over both
        with self.autocast():
            out = self.G.forward_signed(torch.cat([x_l, x_h]) if use_identity else x_l)
        x_g = out[:n_low]

        # ---- discriminator step, eq. 5 (pool of past fakes; raw inputs as extra fakes)
        d_loss = pooled_discriminator_step(self, self.D, self.pool, self.d_loss, x_h, x_g, x_l,
                                           o.use_input_as_fake)

        # ---- generator step, eq. 9
        self.D.requires_grad_(False)  # no weight gradients for D in this step
        with self.autocast():
            with torch.no_grad():
                real = self.D(x_h)
            # eq. 6: quality loss on the current fake
            quality = self.g_quality(real, self.D(x_g))
            g_loss = o.quality_weight * quality
            logs = {"d_loss": d_loss.detach(), "g_quality": quality.detach()}
            if o.fidelity_weight > 0 and self.fidelity is not None:
                # eq. 7: VGG feature distance between G(x_l) and x_l, on [0, 1] images
                fidelity = self.fidelity((x_g + 1) / 2, low01)
                g_loss = g_loss + o.fidelity_weight * fidelity
                logs["g_fidelity"] = fidelity.detach()
            if use_identity:
                # eq. 8: G should leave high-quality photos unchanged (3 scales, in [-1, 1])
                identity = self.identity(out[n_low:], x_h)
                g_loss = g_loss + o.identity_weight * identity
                logs["g_identity"] = identity.detach()
        self.optimise("generator", g_loss)
        self.D.requires_grad_(True)
        logs["g_loss"] = g_loss.detach()
        return {k: float(v) for k, v in logs.items()}

    # ------------------------------------------------------------ checkpoint
    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["image_pool"] = self.pool.state_dict()
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        if "image_pool" in state:
            self.pool.load_state_dict(state["image_pool"], self.device)
