"""Training recipe of BNCAGAN (paper 004): UEGAN's one-path GAN with bi-directional conditioning.

One step, as in the public code (``trainer.py``):

1. the generator runs on the unpaired batch pair: ``G(x_l)`` with the low
   features normalised by the high images' gamma/beta, and ``G(x_h)`` with
   the high features normalised by the low images' (one batched pass, see
   :meth:`~enhancelib.models.bncagan.BNCAGANGenerator.forward_pair`);
2. discriminator step, eq. 4: real high-quality photos against a pool of 50
   past ``G(x_l)`` and, as in UEGAN, the raw low-quality inputs as a second
   fake (``use_input_as_fake``); RaHinge per head (four heads with CAM),
   halved, summed;
3. generator step, eq. 9:
   ``0.1 L_adv (eq. 5) + 1.0 L_per (eq. 6) + 0.1 L_idt (eq. 7) + 0.1 L_cla (eq. 8)``
   (the paper's and the code's weights), then rho of every (adaptive)
   instance-layer normalisation is clipped to [0, 1] (eq. 3).

Losses (public code):

* ``L_per``: UEGAN's fidelity loss in both directions, MSE between
  instance-normalised VGG relu1_1..relu5_1 features (weights 1/64, 1/64,
  1/32, 1/32, 1) of ``G(x_l)`` and ``x_l`` **plus** of ``G(x_h)`` and ``x_h``;
* ``L_idt``: **across domains**, as eq. 7 writes it: the 3-scale L1 (weights
  1, 1/2, 1/4, in [-1, 1]) between ``G(x_l)`` and ``x_h`` plus between
  ``G(x_h)`` and ``x_l``.  With unpaired batches ``x_h`` is another photo,
  so the term pulls ``G(x_l)`` towards the *colours and brightness* of
  high-quality photos at the coarser scales and, at full scale, towards a
  blurred average.  Note: the public data loader zips the two training
  folders' file lists index by index; on FiveK (the same photos under the
  same names in both folders) and a name-ordered listing, each pair is a
  photo and its own retouched version, which would make this term a paired
  L1 supervision.  Our batches are unpaired (``needs_pairs = False``);
* ``L_cla``: :class:`~enhancelib.losses.classification.AuxiliaryClassificationLoss`
  on the AAC logits (high images: target 1, low: target 0; see that module
  for the code's swapped labels, equivalent with its per-domain heads).

Options: ``cla_weight`` / ``identity_weight`` (0 removes the term: Table 2
"w/o L_cla", "w/o L_idt"); ``use_aac``, ``use_bnm``, ``use_cam`` (Table 2
"w/o AAC" — also removes the domain logits, hence L_cla —, "w/o BNM",
"w/o CAM"); ``test_conditioning`` (``"average"`` default, ``"own"`` as the
public code; see :mod:`enhancelib.models.bncagan`).

Optimisation (public code): Adam, lr 1e-4 (G) and 4e-4 (D), betas
(0.5, 0.999), weight decay 1e-4; orthogonal init, gain 0.02; constant for
75 of 150 epochs, then linear decay to 0 (``lr_decay_start = 0.5``, applied
by the engine).  Paper schedule on the ``gpu`` preset: 150 epochs of the
2,250 FiveK training images at batch 8 with ``drop_last`` (281 steps per
epoch): ``max_steps = 42,150``, decay after step 21,075; random 512 crops
resized to 256 (the code's loader).

Speed (same losses and updates as the code, fewer passes): the generator
runs once on ``[x_l, x_h]`` (the code runs the two branches one after the
other); the discriminator scores ``[x_h, pool fakes, x_l]`` in one pass; in
the generator step its weights are frozen and the real photos are scored
without autograd; both perceptual terms go through VGG in one batch, as do
both identity terms (each is a mean over equal batches, so twice the
batched mean is their sum); Adam is the fused implementation.

Subnormal numbers: with the public initialisation (orthogonal, gain 0.02,
every convolution and linear layer) the AAC's gamma/beta start near 1e-15
and the gradients inside the BNR module near 1e-40, below float32's normal
range, where x86 arithmetic takes a slow path: a training step at batch 4
of 128 x 128 took about 10x longer (the BNR's convolution backward passes).
Such gradients move no weight (Adam divides by ``sqrt(v) + 1e-8``; the
weight decay term alone is larger), so on the CPU :meth:`BNCAGANRecipe.build`
turns on flush-to-zero (``torch.set_flush_denormal(True)``, process-wide).
The flag reaches only the calling thread and threads created after it: it
has its full effect when set before the first parallel torch operation of
the process (``scripts/bench_bncagan.py`` does so).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import torch
from torch import Tensor

from enhancelib.config import ParameterError
from enhancelib.losses.classification import AuxiliaryClassificationLoss
from enhancelib.losses.perceptual import UEGAN_FIDELITY_WEIGHTS, PerceptualLoss
from enhancelib.losses.reconstruction import MultiScaleReconstructionLoss
from enhancelib.losses.relativistic import RaHingeDiscriminatorLoss, RaHingeGeneratorLoss
from enhancelib.models.bncagan import TEST_CONDITIONING, BNCAGANDiscriminator, BNCAGANGenerator
from enhancelib.nn.adaptive_norm import BiDirectionalNorm, InstanceLayerNorm, clip_rho_
from enhancelib.nn.image_pool import ImagePool
from enhancelib.recipes.adversarial import pooled_discriminator_step
from enhancelib.recipes.base import Batch, Recipe, RecipeOptions, option

__all__ = ["BNCAGANOptions", "BNCAGANRecipe", "BNCAGAN_PAPER_STEPS", "bncagan_generator"]

#: 150 epochs x (2,250 FiveK training images // batch 8).
BNCAGAN_PAPER_STEPS = 150 * (2250 // 8)


@dataclass(frozen=True)
class BNCAGANOptions(RecipeOptions):
    """BNCAGAN's options: eq. 9's weights, Table 2's ablations, test-time conditioning, optimisation."""

    adv_weight: float = option(0.1, ge=0)
    """lambda_adv of eq. 9: 0.1 (paper, Sec. 4, and public code)."""
    perceptual_weight: float = option(1.0, ge=0)
    """lambda_per of eq. 9: 1 (paper, Sec. 4, and public code); above 0 it needs a VGG backbone."""
    identity_weight: float = option(0.1, ge=0)
    """lambda_idt of eq. 9: 0.1 (paper, Sec. 4, and public code); 0 is Table 2's "w/o L_idt"."""
    cla_weight: float = option(0.1, ge=0)
    """lambda_cla of eq. 9: 0.1 (paper, Sec. 4, and public code); 0 is Table 2's "w/o L_cla"."""
    use_aac: bool = option(True)
    """The auxiliary attention classifier (paper, public code); False is Table 2's "w/o AAC" (and drops L_cla)."""
    use_bnm: bool = option(True)
    """The bi-directional normalisation module (paper, public code); False is Table 2's "w/o BNM"."""
    use_cam: bool = option(True)
    """The discriminator's colour attention module (paper, public code); False is Table 2's "w/o CAM"."""
    test_conditioning: str = option("average", choices=TEST_CONDITIONING)
    """Where the BNR's gamma/beta come from at test time: "average" (ours, chapter 04's decision);
    "own" is the public code's."""
    use_input_as_fake: bool = option(True)
    """The raw low-quality inputs as extra fakes for D (eq. 4, public code, as UEGAN)."""
    pool_size: int = option(50, ge=0)
    """Past fakes in D's image pool (public code: 50; 0 uses the current fakes)."""
    width: int = option(32, ge=1)
    """Base width of G and D (public code: 32)."""
    lr_g: float = option(1e-4, gt=0)
    """Adam learning rate of G: 1e-4 (paper, Sec. 4, and public code)."""
    lr_d: float = option(4e-4, gt=0)
    """Adam learning rate of D: 4e-4 (public code; the paper gives one rate, 1e-4)."""


def bncagan_generator(options: BNCAGANOptions, backbone: str = "auto") -> BNCAGANGenerator:
    """BNCAGAN's generator alone from the recipe's options (the registry's builder; ``backbone`` is unused)."""
    return BNCAGANGenerator(options.width, use_aac=options.use_aac, use_bnm=options.use_bnm,
                            test_conditioning=options.test_conditioning, init_gain=BNCAGANRecipe.init_gain)


class BNCAGANRecipe(Recipe):
    """BNCAGAN: one cross-conditioned generator, one multi-scale discriminator with colour attention."""

    name: ClassVar[str] = "bncagan"
    needs_pairs: ClassVar[bool] = False
    uses_backbone: ClassVar[bool] = True
    options_type: ClassVar[type[RecipeOptions]] = BNCAGANOptions
    options: BNCAGANOptions
    lr_decay_start: ClassVar[float | None] = 0.5
    paper_overrides: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "gpu": {"batch_size": 8, "crop": 512, "train_size": 256, "max_steps": BNCAGAN_PAPER_STEPS},
    }
    betas = (0.5, 0.999)
    weight_decay = 1e-4
    init_gain = 0.02

    # ----------------------------------------------------------------- build
    def build(self) -> None:
        o = self.options
        if o.perceptual_weight > 0 and self.backbone is None:
            raise ParameterError(
                "BNCAGAN's perceptual loss needs a VGG backbone: pass backbone=enhancelib.nn.vgg.load_vgg() "
                "(or set perceptual_weight=0)."
            )
        if self.device.type == "cpu":
            # subnormal numbers (< 1e-38) are ~100x slower on x86; see the module docstring
            torch.set_flush_denormal(True)
        self.G = bncagan_generator(o)
        self.D = BNCAGANDiscriminator(o.width, use_cam=o.use_cam, init_gain=self.init_gain)
        self.networks = {"generator": self.G, "discriminator": self.D}
        # fused: one kernel for the whole update instead of a loop over tensors (same arithmetic)
        fused = self.device.type in ("cpu", "cuda")
        self.optimizers = {
            name: torch.optim.Adam(net.parameters(), lr=lr, betas=self.betas,
                                   weight_decay=self.weight_decay, fused=fused)
            for name, net, lr in (("generator", self.G, o.lr_g), ("discriminator", self.D, o.lr_d))
        }
        self.pool = ImagePool(o.pool_size)
        self.d_loss = RaHingeDiscriminatorLoss()
        self.g_adversarial = RaHingeGeneratorLoss()
        self.perceptual = (
            PerceptualLoss(self.backbone, UEGAN_FIDELITY_WEIGHTS, "mse", instance_norm=True)
            if self.backbone is not None else None
        )
        self.identity = MultiScaleReconstructionLoss("l1", (1.0, 0.5, 0.25))
        self.classification = AuxiliaryClassificationLoss()

    def generator(self) -> BNCAGANGenerator:
        return self.G

    # ------------------------------------------------------------------ step
    def _images(self, batch: Batch, key: str) -> Tensor:
        if key not in batch:
            raise ValueError(f"BNCAGAN batches need a {key!r} tensor (B x 3 x H x W in [0, 1]); "
                             f"got keys {sorted(batch)}")
        x = batch[key].to(self.device, non_blocking=True)
        self.G.check_input(x, key)
        return x

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        o = self.options
        low01, high01 = self._images(batch, "low"), self._images(batch, "high")
        if low01.shape != high01.shape:
            raise ValueError(f"low {tuple(low01.shape)} and high {tuple(high01.shape)} batches must have the same "
                             "shape: BNCAGAN conditions low sample i on high sample i and vice versa")
        x_l, x_h = low01 * 2 - 1, high01 * 2 - 1  # the public code's [-1, 1]

        # G(x_l) conditioned on x_h's gamma/beta, G(x_h) on x_l's: one pass
        with self.autocast():
            out = self.G.forward_pair(x_l, x_h)
        x_g, x_hg = out.low_to_high, out.high_to_low

        # ---- discriminator step, eq. 4 (pool of past fakes; raw inputs as extra fakes)
        d_loss = pooled_discriminator_step(self, self.D, self.pool, self.d_loss, x_h, x_g, x_l,
                                           o.use_input_as_fake)

        # ---- generator step, eq. 9
        self.D.requires_grad_(False)  # no weight gradients for D in this step
        with self.autocast():
            with torch.no_grad():
                real = self.D(x_h)
            # eq. 5: RaHinge on the current fake
            adversarial = self.g_adversarial(real, self.D(x_g))
            g_loss = o.adv_weight * adversarial
            logs = {"d_loss": d_loss.detach(), "g_adv": adversarial.detach()}
            if o.perceptual_weight > 0 and self.perceptual is not None:
                # eq. 6: phi(G(x_l)) vs phi(x_l) + phi(G(x_h)) vs phi(x_h), one VGG batch (2 x mean = sum)
                perceptual = 2 * self.perceptual((torch.cat([x_g, x_hg]) + 1) / 2, torch.cat([low01, high01]))
                g_loss = g_loss + o.perceptual_weight * perceptual
                logs["g_perceptual"] = perceptual.detach()
            if o.identity_weight > 0:
                # eq. 7: ||x_h - G(x_l)||_1 + ||x_l - G(x_h)||_1, 3 scales, in [-1, 1], one batch (2 x mean = sum)
                identity = 2 * self.identity(torch.cat([x_g, x_hg]), torch.cat([x_h, x_l]))
                g_loss = g_loss + o.identity_weight * identity
                logs["g_identity"] = identity.detach()
            if o.cla_weight > 0 and out.high_logits is not None and out.low_logits is not None:
                # eq. 8: -(E log C(x_h) + E log(1 - C(x_l)))
                cla = self.classification(out.high_logits, out.low_logits)
                g_loss = g_loss + o.cla_weight * cla
                logs["g_cla"] = cla.detach()
        self.optimise("generator", g_loss)
        # eq. 3: rho <- clip_[0, 1](rho) after every generator step
        clip_rho_(self.G)
        self.D.requires_grad_(True)
        logs["g_loss"] = g_loss.detach()
        # the mean rho of every BNM/ILN layer, so that the log shows the IN/LN mix over training
        for name, module in self.G.named_modules():
            if isinstance(module, (BiDirectionalNorm, InstanceLayerNorm)):
                logs[f"rho {name}"] = module.rho.detach().mean()
        return {k: float(v) for k, v in logs.items()}

    def after_step(self, step: int) -> None:
        """Clip every rho of the generator to [0, 1] (eq. 3; also done inside :meth:`train_step`)."""
        clip_rho_(self.G)

    # ------------------------------------------------------------ checkpoint
    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["image_pool"] = self.pool.state_dict()
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        if "image_pool" in state:
            self.pool.load_state_dict(state["image_pool"], self.device)
