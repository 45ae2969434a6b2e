"""Training recipe of QAGAN (paper 000): a bidirectional GAN whose degrader has quality attention.

One step:

1. translations: ``I~_H = G_H(E(I_L))`` (enhance) and
   ``I~_L = G_L(E(I_H), E(I_L))`` (degrade the high-quality photo in the
   style of the batch's low-quality one);
2. cycles: ``I^_H = G_H(E(I~_L))`` and ``I^_L = G_L(E(I~_H), E(I_L^ref))``;
3. generator step on eq. 9, ``L_adv^H + L_adv^L + lambda_cc * L_cc``:
   RaHinge (eqs. 6-7) against ``D_H`` and ``D_L``, VGG-feature cycle loss
   (eq. 8, :class:`~enhancelib.losses.cycle.CycleConsistencyLoss`);
4. discriminator step: RaHinge for ``D_H`` (real high vs ``I~_H``) and
   ``D_L`` (real low vs ``I~_L``).

The enhancer is ``E + G_H`` and needs only the low image (see
:mod:`enhancelib.models.qagan`, decision 1).

Decisions (the paper gives no code)
-----------------------------------
* **Low-quality reference in the backward cycle** (``cycle_reference``):
  ``G_L`` needs a low-quality image to take style and features from.  In the
  forward translation it is the batch's low image at the same index (the
  pairing is arbitrary: the data are unpaired).  In the backward cycle
  ``I_L -> I~_H -> I^_L`` we use ``I_L`` itself (``"own"``, default): it is
  the natural low-quality image of that cycle (Fig. 2 feeds ``I_L`` to
  ``G_L``), and it lets ``G_L`` take the low-quality tone from the reference
  rather than forcing ``G_H`` to hide it in ``I~_H`` (the steganography of
  plain CycleGANs), which is the paper's argument for letting the generator
  "access both domains".  ``"shuffled"`` uses another low image of the batch
  (rolled by one), so the cycle must recover ``I_L``'s content from
  ``I~_H`` alone.
* **Adversarial scale.**  :mod:`enhancelib.losses.relativistic` halves each
  scale's RaHinge (UEGAN's code); eqs. 6-7 do not, so both losses are
  multiplied by 2: each scale contributes exactly eq. 6/7, summed over
  scales.
* **Discriminators** ``D_H``, ``D_L``: "multi-scale", scoring "the final layer
  but also ... an intermediate layer" (Sec. 3.2).  We use four spectral-
  normalised stride-2 4x4 convolutions (64, 128, 256, 512 channels,
  LeakyReLU 0.2) with a PatchGAN head after the third (intermediate) and the
  fourth (final) stage, raw scores (no tanh: the hinge already bounds the
  loss).  Widths scale with ``d_width``.
* **Cost knob** ``decoder_width`` (ours): multiplies both decoders' widths
  (see :mod:`enhancelib.models.qagan`, decision 2); 1 is the paper's mirror.
* **Optimisation**: Adam, lr 1e-4 for generators and discriminators, betas
  (0.5, 0.999), no weight decay; the generator step comes first (as in
  CycleGAN), then the discriminator step on the same (detached) fakes, no
  image pool (the paper mentions none); constant for 75 of 150 epochs, then
  linear decay to 0 (``lr_decay_start = 0.5``, applied by the engine).
* **Paper schedule on the gpu preset**: 150 epochs of the 2,250 FiveK
  training images per domain at batch 12 (187 full batches per epoch):
  ``max_steps = 28,050``.  Crops 256 resized to 128; test at 512.
* **Identity term** ``identity_weight`` (ours, default 0: the paper's
  eq. 9): adds CycleGAN's identity loss for the enhancer,
  ``||G_H(I_H) - I_H||_1``, so that a photo already of high quality passes
  unchanged.
* **Ablations the paper did not run**: ``use_spatial_attention=False``
  (QAM = AdaIN only), ``use_stat_transfer=False`` (QAM = attention only),
  ``use_qam=False`` (``G_L`` decodes ``f_H`` alone: a CycleGAN-like
  degrader that never sees the low domain).  ``lambda_cc``: 2 (FiveK,
  default) or 10 (the paper's Flickr data).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import torch
from torch import Tensor, nn

from enhancelib.config import ParameterError
from enhancelib.losses.color import IdentityLoss
from enhancelib.losses.cycle import CycleConsistencyLoss
from enhancelib.losses.relativistic import RaHingeDiscriminatorLoss, RaHingeGeneratorLoss
from enhancelib.models.qagan import QAGAN, QAGANEnhancer
from enhancelib.nn import vgg
from enhancelib.nn.discriminator import MultiScaleDiscriminator
from enhancelib.recipes.base import Batch, Recipe, RecipeOptions, option

__all__ = ["QAGANOptions", "QAGANRecipe", "QAGAN_PAPER_STEPS", "qagan_discriminator", "qagan_generator"]

#: 150 epochs x (2,250 FiveK training images // batch 12).
QAGAN_PAPER_STEPS = 150 * (2250 // 12)

#: RaHinge of eqs. 6-7 per scale = 2 x the halved per-scale loss of enhancelib.losses.relativistic.
_UNHALVE = 2.0


def qagan_discriminator(width: int = 64) -> MultiScaleDiscriminator:
    """Four stride-2 4x4 spectral-normalised stages, heads after the intermediate (3rd) and final (4th)."""
    return MultiScaleDiscriminator(
        widths=(width, width * 2, width * 4, width * 8), kernels=(4, 4, 4, 4), heads=(2, 3),
        spectral_norm=True, output_activation="none",
    )


@dataclass(frozen=True)
class QAGANOptions(RecipeOptions):
    """QAGAN's options: eq. 9's weight, ablations of the QAM (none run by the paper), decisions of ours."""

    lambda_cc: float = option(2.0, ge=0)
    """lambda_cc of eq. 9: 2 for MIT-Adobe FiveK (paper, Sec. 4.2; 10 for its Flickr data)."""
    identity_weight: float = option(0.0, ge=0)
    """CycleGAN's identity term for the enhancer, ||G_H(I_H) - I_H||_1 (ours; 0 is the paper's eq. 9)."""
    use_qam: bool = option(True)
    """G_L combines f_H and f_L with two QAMs (paper, Sec. 3.2); False decodes f_H alone (ours, an ablation)."""
    use_spatial_attention: bool = option(True)
    """The QAM's non-local attention (paper, eqs. 1-2); False leaves the AdaIN transfer alone (ours, an ablation)."""
    use_stat_transfer: bool = option(True)
    """The QAM's AdaIN-style transfer of f_L's statistics (paper, eq. 5); False leaves the attention alone
    (ours, an ablation)."""
    query_domain: str = option("high", choices=("high", "low"))
    """Queries from f_H, softmax over f_L's positions (ours: the consistent reading of eqs. 1-2); "low" is the
    literal index reading (see :mod:`enhancelib.nn.quality_attention`)."""
    attention_temperature: float = option(1.0, gt=0)
    """Divides the attention scores: 1, no scaling, as eq. 1 (paper); sqrt(C/8) is the Transformer's scaling."""
    cycle_reference: str = option("own", choices=("own", "shuffled"))
    """The low-quality reference of the backward cycle: I_L itself (ours, following Fig. 2); "shuffled" uses
    another low image of the batch."""
    residual_output: bool = option(True)
    """G_H adds tanh of its last convolution to the input (ours: the paper does not say); False outputs a
    sigmoid image."""
    decoder_width: float = option(1.0, gt=0)
    """Multiplies the decoders' widths (ours); 1 is the VGG mirror that every recorded run uses."""
    d_width: int = option(64, ge=4)
    """Width of D_H's and D_L's first stage (ours: the paper says only "multi-scale")."""
    lr: float = option(1e-4, gt=0)
    """Adam learning rate of generators and discriminators: 1e-4 (paper, Sec. 4.2)."""


def qagan_generator(options: QAGANOptions, backbone: str = "auto") -> QAGANEnhancer:
    """E + G_H alone from the recipe's options (the registry's builder): the enhancer, without G_L.

    E is a frozen VGG (``backbone``: :func:`enhancelib.nn.vgg.load_vgg`'s source), part of the generator.
    """
    return QAGANEnhancer(vgg.load_vgg(backbone), options.residual_output, float(options.decoder_width))


class QAGANRecipe(Recipe):
    """QAGAN: E + G_H (enhancer), E + G_L with two QAMs (degrader), D_H and D_L, RaHinge + VGG cycle loss."""

    name: ClassVar[str] = "qagan"
    needs_pairs: ClassVar[bool] = False
    uses_backbone: ClassVar[bool] = True
    options_type: ClassVar[type[RecipeOptions]] = QAGANOptions
    options: QAGANOptions
    lr_decay_start: ClassVar[float | None] = 0.5
    paper_overrides: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "gpu": {"batch_size": 12, "crop": 256, "train_size": 128, "max_steps": QAGAN_PAPER_STEPS},
    }
    betas = (0.5, 0.999)

    # ----------------------------------------------------------------- build
    def build(self) -> None:
        o = self.options
        if self.backbone is None:
            raise ParameterError(
                "QAGAN's encoder E is a frozen VGG: pass backbone=enhancelib.nn.vgg.load_vgg() "
                "(load_vgg('random') only for tests of shapes)."
            )
        self.model = QAGAN(
            self.backbone, use_qam=o.use_qam, use_spatial_attention=o.use_spatial_attention,
            use_stat_transfer=o.use_stat_transfer, query_domain=o.query_domain,
            residual_output=o.residual_output, attention_temperature=float(o.attention_temperature),
            decoder_width=float(o.decoder_width),
        )
        self.d_high = qagan_discriminator(o.d_width)
        self.d_low = qagan_discriminator(o.d_width)
        self.networks = {"qagan": self.model, "d_high": self.d_high, "d_low": self.d_low}
        generators = [p for p in self.model.parameters() if p.requires_grad]  # G_H and G_L; E is frozen
        discriminators = list(self.d_high.parameters()) + list(self.d_low.parameters())
        self.optimizers = {
            "generators": torch.optim.Adam(generators, lr=o.lr, betas=self.betas),
            "discriminators": torch.optim.Adam(discriminators, lr=o.lr, betas=self.betas),
        }
        self.d_loss = RaHingeDiscriminatorLoss()
        self.g_adv = RaHingeGeneratorLoss()
        self.cycle = CycleConsistencyLoss(self.backbone)
        self.identity = IdentityLoss()

    def generator(self) -> QAGANEnhancer:
        """E + G_H: the enhancer (the only network used at test time)."""
        return self.model.enhancer

    # ------------------------------------------------------------------ step
    def _images(self, batch: Batch, key: str) -> Tensor:
        if key not in batch:
            raise ValueError(f"QAGAN batches need a {key!r} tensor (B x 3 x H x W in [0, 1]); got keys {sorted(batch)}")
        x = batch[key].to(self.device, non_blocking=True)
        if x.dim() != 4 or x.shape[1] != 3 or min(x.shape[-2:]) < 16:
            raise ValueError(f"QAGAN needs {key!r} images N x 3 x H x W with H, W >= 16, got {tuple(x.shape)}")
        return x

    def _discriminate(self, net: nn.Module, real: Tensor, fake: Tensor) -> tuple[list[Tensor], list[Tensor]]:
        """Score real and fake images in one pass (one spectral-norm power iteration)."""
        scores = net(torch.cat([real, fake]))
        parts = [s.split([real.shape[0], fake.shape[0]]) for s in scores]
        return [p[0] for p in parts], [p[1] for p in parts]

    def generator_terms(self, low: Tensor, high: Tensor) -> tuple[dict[str, tuple[float, Tensor]], Tensor, Tensor]:
        """The terms of eq. 9 by name, ``(weight, value)``, and the two translations ``(I~_H, I~_L)``.

        Call with the discriminators frozen (``train_step`` does); used as is by
        :func:`enhancelib.study.term_gradients.term_gradient_norms`.
        """
        o, model = self.options, self.model
        f_low, f_high = model.encode(low), model.encode(high)
        # I~_H = G_H(E(I_L))
        fake_high = model.enhance(low, f_low)
        # I~_L = G_L(E(I_H), E(I_L))
        fake_low = model.degrade(high, high_features=f_high, low_features=f_low)
        # I^_H = G_H(E(I~_L)),  I^_L = G_L(E(I~_H), E(I_L^ref))
        rec_high = model.enhance(fake_low)
        ref = f_low if o.cycle_reference == "own" else {k: v.roll(1, 0) for k, v in f_low.items()}
        rec_low = model.degrade(fake_high, high_features=model.encode(fake_high), low_features=ref)
        with torch.no_grad():
            real_h, real_l = self.d_high(high), self.d_low(low)
        terms: dict[str, tuple[float, Tensor]] = {
            # eqs. 6-7, generator side: fakes should look more real than the average real
            "g_adv_high": (1.0, _UNHALVE * self.g_adv(real_h, self.d_high(fake_high))),
            "g_adv_low": (1.0, _UNHALVE * self.g_adv(real_l, self.d_low(fake_low))),
            # eq. 8: both cycles, VGG relu1_1..relu5_1
            "g_cycle": (float(o.lambda_cc), self.cycle(high, rec_high, f_high) + self.cycle(low, rec_low, f_low)),
        }
        if o.identity_weight > 0:
            # ours, CycleGAN's identity term: + lambda_idt ||G_H(I_H) - I_H||_1
            terms["g_identity"] = (float(o.identity_weight), self.identity(model.enhance(high, f_high), high))
        return terms, fake_high, fake_low

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        low, high = self._images(batch, "low"), self._images(batch, "high")
        if low.shape[1:] != high.shape[1:]:
            raise ValueError(f"low {tuple(low.shape)} and high {tuple(high.shape)} crops must have the same size")

        # ---- generator step, eq. 9 (+ the identity term when its weight is set)
        self.d_high.requires_grad_(False)
        self.d_low.requires_grad_(False)
        with self.autocast():
            terms, fake_high, fake_low = self.generator_terms(low, high)
            # eq. 9: L_total = L_adv^H + L_adv^L + lambda_cc * L_cc
            g_loss = sum(weight * value for weight, value in terms.values())
        assert isinstance(g_loss, Tensor)
        self.optimise("generators", g_loss)

        # ---- discriminator step, eqs. 6-7 (discriminator side)
        self.d_high.requires_grad_(True)
        self.d_low.requires_grad_(True)
        with self.autocast():
            d_h = _UNHALVE * self.d_loss(*self._discriminate(self.d_high, high, fake_high.detach()))
            d_l = _UNHALVE * self.d_loss(*self._discriminate(self.d_low, low, fake_low.detach()))
            d_loss = d_h + d_l
        self.optimise("discriminators", d_loss)
        logs = {"g_loss": g_loss, **{name: value for name, (_, value) in terms.items()}, "d_high": d_h, "d_low": d_l}
        return {k: float(v.detach()) for k, v in logs.items()}
