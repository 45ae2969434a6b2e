"""BNCAGAN's generator and discriminator (paper 004, Sec. 2, Figs. 1-2), as the public code uses them.

Generator (base width ``w = 32``; images in [-1, 1] inside, [0, 1] at the API):

* encoder (UEGAN's, stopped at 1/8): 7x7 conv ``3 -> w``, three 3x3
  stride-2 convs ``w -> 2w -> 4w -> 8w``, reflection padding, LeakyReLU(0.2),
  no normalisation; shared by both domains;
* auxiliary attention classifier (AAC, eq. 2,
  :class:`~enhancelib.nn.aac.AuxiliaryAttentionClassifier`) on the 8w-channel
  features: channel attention, two domain logits, the BNM's gamma and beta.
  One AAC *per domain* (its attention has no parameters, so only the heads
  differ);
* BNR module (:class:`~enhancelib.nn.bnr.BiDirectionalNormResidual`): one
  residual block with bi-directional normalisation (eq. 3) applied six times
  with shared weights, branches concatenated, 1x1 conv, added;
* **conditioning in training** (Fig. 1a): the low image's features are
  normalised with the *high* image's gamma/beta (from the high-domain AAC)
  and the high image's with the *low* image's (:meth:`BNCAGANGenerator.forward_pair`);
* decoder: 1x1 conv and bilinear x2 (``align_corners=True``), concatenation
  with the encoder stage of the same size, 3x3 conv + ILN (rho init 0) +
  LeakyReLU(0.2), twice (at 1/4 and 1/2); the last stage is only the 1x1
  conv and x2, multiplied by (channel mean + channel max of the first
  encoder stage); output head as UEGAN (3x3 conv, 7x7 conv, tanh, added to
  the input, clamped).

The public generator declares 10,850,339 parameters; 7,932,800 of them
never reach a loss (a fifth encoder stage, three more decoder stages, two
more upsampling 1x1 convs, a squeeze-excitation-like block, two extra logit
heads, a 1x1 projection, and two 256 -> 64 projections, one of which the
forward pass computes but no loss uses).  We build only what is used: **2,917,539 parameters** at
``w = 32``, the public model's used count.
As in UEGAN's module, each decoder stage applies its 1x1 conv *before* the
upsampling (same function, a quarter of the work).  Orthogonal init with
gain 0.02 (public code), so the generator starts as the identity.

**Test-time conditioning.**  With one low-quality image there is no
high-quality partner.  The public code then conditions the low image on its
*own* gamma/beta from the low-domain AAC — a head that in training only
produced the conditioning of the *high → low* direction.  Options:

``"own"``
    the public code's choice (the image's own low-domain statistics);
``"average"`` (default)
    a running average of the high-domain gamma/beta seen in training,
    stored in the state dict: the low branch is trained with high-quality
    gamma/beta, so at test time it gets their typical value.  It needs
    nothing but the low image and is deterministic per image;
reference image
    ``forward(low, reference=high)`` uses a chosen high-quality photo's
    gamma/beta (style control; used by the tests to check the wiring).

We pick ``"average"``: it keeps test-time inputs of the BNR in the
distribution its low branch was trained on, which ``"own"`` does not.
The average is exponential (decay 0.99 per step) and stored as a decayed
*sum* and a decayed *weight*; the ratio is the average, so the engine's EMA
of the generator (which lerps both buffers) still yields a proper average.
Before any training step has recorded one, ``"average"`` falls back to
``"own"``.

**What the public initialisation does to the BNR.**  Orthogonal init with
gain 0.02 on every convolution and linear layer makes the encoder's last
features ~1e-7, the channel softmax divides them by C, and three more
0.02-gain linears give gamma/beta ~1e-15.  The BNR's weights then receive
gradients below 1e-38 (zero or subnormal; see
``tests/models/test_bncagan.py``), far under Adam's ``eps = 1e-8``: they
cannot learn, and Adam's coupled weight decay (1e-4, public code) becomes
their whole gradient and shrinks them geometrically — on 64 x 64 crops the
mean |weight| of the BNR's first convolution fell from 3.3e-4 to 1.4e-10 in
60 steps, the AAC's first MLP layer from 1.0e-3 to 6.8e-6.  We reproduce
the code's initialisation; whether the BNR wakes up later, as the encoder
grows, is a question for the trained runs.

Discriminator: UEGAN's five spectral-normalised stride-2 stages with tanh
PatchGAN heads after the stages of width w, 4w and 16w, plus a fourth head
on the 4w-channel stage through the colour attention module (CAM,
:class:`~enhancelib.nn.color_attention.ColorAttention`) and a 7x7
prediction conv.  4,624,655 parameters at ``w = 32``.

Ablations (Table 2): ``use_aac=False`` (no channel attention and no domain
logits; gamma/beta still come from the MLP, on the un-attended features),
``use_bnm=False`` (instance normalisation in the BNR, no gamma/beta),
``use_cam=False`` (the discriminator without its colour head).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from enhancelib.nn.aac import AACOutput, AuxiliaryAttentionClassifier
from enhancelib.nn.adaptive_norm import InstanceLayerNorm
from enhancelib.nn.blocks import PaddedConv, conv_lrelu, init_orthogonal_, pad_to_multiple
from enhancelib.nn.bnr import BiDirectionalNormResidual
from enhancelib.nn.color_attention import ColorAttention
from enhancelib.nn.discriminator import MultiScaleDiscriminator
from enhancelib.nn.enhancer import EnhancerNetwork

__all__ = ["BNCAGANDiscriminator", "BNCAGANGenerator", "PairOutput", "TEST_CONDITIONING"]

#: how the generator conditions a lone low-quality image (see the module docstring)
TEST_CONDITIONING = ("average", "own")


@dataclass
class PairOutput:
    """:meth:`BNCAGANGenerator.forward_pair` results, images in [-1, 1]."""

    low_to_high: Tensor
    """``G(x_l)``: low images conditioned on the high images' gamma/beta."""
    high_to_low: Tensor
    """``G(x_h)``: high images conditioned on the low images' gamma/beta."""
    low_logits: Tensor | None
    """Low-domain AAC logits of the low images, N x 2 (None without AAC)."""
    high_logits: Tensor | None
    """High-domain AAC logits of the high images, N x 2."""


class BNCAGANGenerator(EnhancerNetwork):
    """BNCAGAN generator; ``forward`` maps images in [0, 1] (H, W multiples of 8, >= 16) to [0, 1]."""

    multiple: int = 8
    """H and W must be multiples of this (three stride-2 stages)."""
    min_side: int = 16
    """The normalisations need at least 2 x 2 positions at 1/8 resolution."""
    high_gamma_sum: Tensor
    high_beta_sum: Tensor
    high_weight: Tensor

    def __init__(
        self,
        width: int = 32,
        use_aac: bool = True,
        use_bnm: bool = True,
        test_conditioning: str = "average",
        repeats: int = 6,
        conditioning_decay: float = 0.99,
        init_gain: float | None = 0.02,
        padding_mode: str = "reflect",
    ) -> None:
        super().__init__()
        if test_conditioning not in TEST_CONDITIONING:
            raise ValueError(f"test_conditioning must be one of {TEST_CONDITIONING}, got {test_conditioning!r}")
        if width < 1:
            raise ValueError(f"BNCAGAN width must be >= 1, got {width}")
        if not 0.0 <= conditioning_decay < 1.0:
            raise ValueError(f"conditioning_decay must be in [0, 1), got {conditioning_decay}")
        self.width, self.use_aac, self.use_bnm = width, use_aac, use_bnm
        self.test_conditioning = test_conditioning
        self.conditioning_decay = conditioning_decay
        w = width
        c = 8 * w
        self.encoder = nn.ModuleList([
            conv_lrelu(3, w, 7, padding_mode=padding_mode),
            conv_lrelu(w, 2 * w, 3, stride=2, padding_mode=padding_mode),
            conv_lrelu(2 * w, 4 * w, 3, stride=2, padding_mode=padding_mode),
            conv_lrelu(4 * w, c, 3, stride=2, padding_mode=padding_mode),
        ])
        self.aac = nn.ModuleDict({
            domain: AuxiliaryAttentionClassifier(c, attention=use_aac, classifier=use_aac, affine=use_bnm)
            for domain in ("low", "high")
        })
        self.bnr = BiDirectionalNormResidual(c, repeats, conditional=use_bnm, padding_mode=padding_mode)
        # decoder: 1x1 convs 8w -> 4w -> 2w -> w; 3x3 conv + ILN + LeakyReLU after the first two
        self.reduce = nn.ModuleList([nn.Conv2d(c_in, c_in // 2, 1) for c_in in (c, 4 * w, 2 * w)])
        self.decoder = nn.ModuleList([
            nn.Sequential(PaddedConv(2 * c_out, c_out, 3, padding_mode=padding_mode),
                          InstanceLayerNorm(c_out), nn.LeakyReLU(0.2, inplace=True))
            for c_out in (4 * w, 2 * w)
        ])
        self.head = nn.Sequential(
            PaddedConv(w, w, 3, padding_mode=padding_mode),
            PaddedConv(w, 3, 7, padding_mode=padding_mode),
            nn.Tanh(),
        )
        # running high-domain gamma/beta for test time: decayed sums and their decayed weight
        self.register_buffer("high_gamma_sum", torch.zeros(c))
        self.register_buffer("high_beta_sum", torch.zeros(c))
        self.register_buffer("high_weight", torch.zeros(()))
        if init_gain is not None:
            init_orthogonal_(self, init_gain)

    # ----------------------------------------------------------------- checks
    def check_input(self, x: Tensor, name: str = "x") -> None:
        """Raise a clear error unless ``x`` is N x 3 x H x W float with H, W multiples of 8 and >= 16."""
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(f"BNCAGANGenerator expects N x 3 x H x W images for {name}, got shape {tuple(x.shape)}")
        if not x.is_floating_point():
            raise ValueError(f"BNCAGANGenerator expects float images in [0, 1] for {name}, got dtype {x.dtype}")
        h, w = x.shape[-2:]
        if h % self.multiple or w % self.multiple or min(h, w) < self.min_side:
            raise ValueError(
                f"BNCAGANGenerator needs H and W that are multiples of {self.multiple} and at least "
                f"{self.min_side}, got {h}x{w} for {name}: pad the image first (BNCAGANGenerator.enhance and "
                "enhancelib.nn.blocks.pad_to_multiple do this) or crop it."
            )

    # ------------------------------------------------------------- the parts
    def _encode(self, x: Tensor) -> list[Tensor]:
        skips, h = [], x
        for stage in self.encoder:
            h = stage(h)
            skips.append(h)
        return skips

    def _decode(self, x: Tensor, skips: list[Tensor], features: Tensor,
                gamma: Tensor | None, beta: Tensor | None) -> Tensor:
        # BNR: six shared residual blocks normalised with (gamma, beta), eq. 3
        y = self.bnr(features, gamma, beta)
        for reduce, decode, skip in zip(self.reduce, self.decoder, (skips[2], skips[1])):
            # 1x1 conv then bilinear x2 (the code's order is the reverse; same function)
            y = F.interpolate(reduce(y), scale_factor=2, mode="bilinear", align_corners=True)
            y = decode(torch.cat([y, skip], dim=1))
        y = F.interpolate(self.reduce[2](y), scale_factor=2, mode="bilinear", align_corners=True)
        first = skips[0]
        # last stage x (channel mean + channel max of the first encoder stage)
        y = y * (first.mean(dim=1, keepdim=True) + first.amax(dim=1, keepdim=True))
        # output = clamp(x + tanh(head(y)), -1, 1)
        return torch.clamp(x + self.head(y), -1.0, 1.0)

    @torch.no_grad()
    def _record_high_conditioning(self, high: AACOutput) -> None:
        if high.gamma is None or high.beta is None:
            return
        d = self.conditioning_decay
        # S <- d S + mean_batch(gamma_h), W <- d W + 1; average = S / W
        self.high_gamma_sum.mul_(d).add_(high.gamma.float().mean(dim=0))
        self.high_beta_sum.mul_(d).add_(high.beta.float().mean(dim=0))
        self.high_weight.mul_(d).add_(1.0)

    def average_high_conditioning(self) -> tuple[Tensor, Tensor] | None:
        """The running average of high-domain (gamma, beta), 1 x C each; None before any training step."""
        if float(self.high_weight) <= 0:
            return None
        return (self.high_gamma_sum / self.high_weight)[None], (self.high_beta_sum / self.high_weight)[None]

    def domain_conditioning(self, x: Tensor, domain: str) -> tuple[Tensor, Tensor]:
        """(gamma, beta), N x C, that ``domain``'s AAC computes for images ``x`` in [-1, 1]."""
        if domain not in self.aac:
            raise ValueError(f"domain must be 'low' or 'high', got {domain!r}")
        if not self.use_bnm:
            raise ValueError("This generator was built without BNM (use_bnm=False): it has no gamma/beta")
        out = self.aac[domain](self._encode(x)[-1])
        assert out.gamma is not None and out.beta is not None
        return out.gamma, out.beta

    def translate(self, x: Tensor, gamma: Tensor | None, beta: Tensor | None) -> Tensor:
        """Images in [-1, 1] through the generator with the BNR normalised by the given (gamma, beta)."""
        skips = self._encode(x)
        features = self.aac["low"](skips[-1]).features  # the attention is the same in both AACs
        return self._decode(x, skips, features, gamma, beta)

    # ---------------------------------------------------------------- forward
    def forward_pair(self, low: Tensor, high: Tensor) -> PairOutput:
        """Training pass on unpaired batches in [-1, 1]: ``G(x_l)`` and ``G(x_h)``, cross-conditioned.

        Sample ``i`` of ``low`` is normalised with the gamma/beta of sample ``i``
        of ``high`` and vice versa; both batches run through one encoder and
        one decoder pass.  In training mode the high gamma/beta also update
        the running average used at test time.
        """
        self.check_input(low, "low")
        self.check_input(high, "high")
        if low.shape != high.shape:
            raise ValueError(f"forward_pair needs low and high batches of the same shape (sample i of one "
                             f"conditions sample i of the other), got {tuple(low.shape)} and {tuple(high.shape)}")
        n = low.shape[0]
        x = torch.cat([low, high])
        skips = self._encode(x)
        out_low, out_high = self.aac["low"](skips[-1][:n]), self.aac["high"](skips[-1][n:])
        features = torch.cat([out_low.features, out_high.features])
        gamma = beta = None
        if self.use_bnm:
            assert out_low.gamma is not None and out_high.gamma is not None
            assert out_low.beta is not None and out_high.beta is not None
            # bi-directional conditioning: low features with high (gamma, beta), high features with low ones
            gamma = torch.cat([out_high.gamma, out_low.gamma])
            beta = torch.cat([out_high.beta, out_low.beta])
            if self.training:
                self._record_high_conditioning(out_high)
        y = self._decode(x, skips, features, gamma, beta)
        return PairOutput(y[:n], y[n:], out_low.logits, out_high.logits)

    def forward_signed(self, x: Tensor, reference: Tensor | None = None) -> Tensor:
        """Enhance images in [-1, 1] (test time); ``reference``: high-quality images in [-1, 1] whose
        gamma/beta condition the BNR (1 or N of them), else :attr:`test_conditioning` decides."""
        self.check_input(x)
        n = x.shape[0]
        if reference is not None:
            self.check_input(reference, "reference")
            if reference.shape[0] not in (1, n):
                raise ValueError(f"reference must hold 1 or {n} images, got {reference.shape[0]}")
        skips = self._encode(x)
        own = self.aac["low"](skips[-1])
        gamma, beta = own.gamma, own.beta  # "own": the public code's test-time conditioning
        if self.use_bnm and reference is not None:
            gamma, beta = self.domain_conditioning(reference, "high")
        elif self.use_bnm and self.test_conditioning == "average":
            assert gamma is not None and beta is not None
            weight = self.high_weight.clamp(min=1e-12)
            recorded = self.high_weight > 0
            # average = S / W once statistics were recorded, the image's own before that
            gamma = torch.where(recorded, (self.high_gamma_sum / weight).to(gamma.dtype), gamma)
            beta = torch.where(recorded, (self.high_beta_sum / weight).to(beta.dtype), beta)
        if gamma is not None and beta is not None:
            gamma, beta = gamma.expand(n, -1), beta.expand(n, -1)
        return self._decode(x, skips, own.features, gamma, beta)

    def forward(self, x: Tensor, reference: Tensor | None = None) -> Tensor:
        """Enhance images in [0, 1]; returns [0, 1] (``reference``: optional high-quality images in [0, 1])."""
        self.check_input(x)
        ref = None if reference is None else reference * 2 - 1
        return (self.forward_signed(x * 2 - 1, ref) + 1) / 2

    def enhance(self, x01: Tensor) -> Tensor:
        """Enhance images of any size in [0, 1]: reflection-pad to multiples of 8, run, crop back, clamp.

        Only the low image is needed: the BNR is conditioned as :attr:`test_conditioning` says.
        """
        if x01.dim() != 4 or x01.shape[1] != 3:
            raise ValueError(f"enhance expects N x 3 x H x W images in [0, 1], got shape {tuple(x01.shape)}")
        padded, (h, w) = pad_to_multiple(x01, self.multiple, self.min_side)
        return self(padded)[..., :h, :w].clamp(0, 1)


class BNCAGANDiscriminator(MultiScaleDiscriminator):
    """UEGAN's multi-scale discriminator with heads at widths w, 4w, 16w and a CAM head at 4w.

    Returns four score maps ``[w head, 4w head, 16w head, CAM head]`` (three
    without CAM), the order of the public code's list.
    """

    def __init__(self, width: int = 32, use_cam: bool = True, init_gain: float | None = 0.02,
                 padding_mode: str = "reflect") -> None:
        super().__init__(widths=tuple(width * m for m in (1, 2, 4, 8, 16)), kernels=(7, 7, 7, 5, 5),
                         heads=(0, 2, 4), padding_mode=padding_mode)
        self.use_cam = use_cam
        self.color_stage = 2
        self.color_head = nn.Sequential(
            ColorAttention(4 * width),
            PaddedConv(3, 1, 7, bias=False, padding_mode=padding_mode),
            nn.Tanh(),
        ) if use_cam else None
        if init_gain is not None:
            init_orthogonal_(self, init_gain)

    def forward(self, x: Tensor) -> list[Tensor]:
        if x.dim() != 4:
            raise ValueError(f"The discriminator expects N x C x H x W images, got shape {tuple(x.shape)}")
        outputs, color = [], None
        h = x
        for index, stage in enumerate(self.stages):
            h = stage(h)
            if index in self.heads:
                outputs.append(self.predictors[str(index)](h))
            if self.color_head is not None and index == self.color_stage:
                color = self.color_head(h)
        return outputs + ([color] if color is not None else [])
