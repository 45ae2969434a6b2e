"""UEGAN's joint global and local generator (paper 001, Sec. III-B-1, Figs. 2-3).

A U-Net in the public code's shape (base width ``w = 32``, reflection
padding, LeakyReLU(0.2), no normalisation in the convolutions):

* encoder: 7x7 conv ``3 -> w``, then four 3x3 stride-2 convs
  ``w -> 2w -> 4w -> 8w -> 16w`` (so H and W must be multiples of 16);
* a global attention module (GAM, :class:`~enhancelib.nn.attention.GlobalAttention`,
  eqs. 2-4) on the bottleneck **and** on each of the four skip connections
  (the paper's Fig. 2 is not explicit about the skips; the code does this);
* decoder stages: bilinear x2 (``align_corners=True``) and a 1x1 conv halving
  the channels, concatenation with the GAM-processed skip, 3x3 conv;
* modulation module (MM): the last decoder features are multiplied
  element-wise by the first encoder stage's features;
* output head: 3x3 conv ``w -> w`` (no activation), 7x7 conv ``w -> 3``,
  tanh, **added to the input** and clamped to [-1, 1] (eq. 1,
  :math:`x_g = F(x_l)`, is thus learnt as a residual).

Images are in [-1, 1] inside (as in the code) and in [0, 1] at the API:
:meth:`UEGANGenerator.forward` takes and returns [0, 1];
:meth:`UEGANGenerator.forward_signed` works in [-1, 1].

Where this differs from the public code (same function, cheaper order):
the 1x1 conv of each decoder stage is applied *before* the bilinear
upsampling (both are linear and bilinear weights sum to one, so the result
is identical up to rounding, on a quarter of the pixels), and each GAM's
fusion conv is split into its feature and broadcast halves (see
:mod:`enhancelib.nn.attention`).  Weight names and shapes, hence parameter
counts (4.16 M at ``w = 32``), are those of the code.

Ablations (``variant``):

``"full"``
    UEGAN as above.
``"no_mm"``
    Table IV "GAM + U-Net": no modulation; the first encoder features are
    *concatenated* to the last decoder features (head input ``2w``).
``"pixel_mm"``
    Table IV "GAM + MM-P", modulation at the pixel level.  The paper: "the
    generator learns a modulation layer that multiplies the input image
    with the features of the last layer".  Our reading: the feature-level
    multiplication is removed and the head's 3-channel tanh output ``m``
    (the last layer) becomes a per-pixel, per-channel modulation of the
    input image, kept in the residual form shared by every variant:
    ``out = clamp(x + m * x)`` in [-1, 1].  A multiplicative map in [-1, 1]
    cannot move mid-grey (x = 0) and barely moves near-grey pixels, which
    fits the paper's finding that this variant does not improve on the
    input (17.41 dB vs 17.42 dB for the raw input).
``"no_gam"``
    Table IV "UEGAN w/o GAM": every GAM (bottleneck and skips) removed.
``"no_gam_no_mm"``
    Table IV "UEGAN w/o GAM and MM": both removed, the MM replaced by the
    same concatenation as ``"no_mm"`` (so the four ablations form a 2 x 2
    design).

``squeeze_excitation=True`` adds the squeeze-excitation block (ratio 4) of
the reproduction report (paper 003) after the bottleneck GAM.

``gam_form``: ``"code"`` (default) is the public code's GAM, whose
instance normalisation cancels its global branch, so that every GAM acts as
a 1x1 convolution + instance normalisation; ``"paper"`` is eqs. 2-4 as
printed (channel means, no normalisation), where the branch is alive.  See
:class:`~enhancelib.nn.attention.GlobalAttention`.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from enhancelib.nn.attention import GlobalAttention, SqueezeExcitation
from enhancelib.nn.blocks import PaddedConv, conv_lrelu, init_orthogonal_, pad_to_multiple
from enhancelib.nn.enhancer import EnhancerNetwork

__all__ = ["UEGANGenerator", "UEGAN_VARIANTS"]

#: variant -> (uses GAM, how the first encoder stage meets the last decoder stage)
UEGAN_VARIANTS: dict[str, tuple[bool, str]] = {
    "full": (True, "feature"),
    "no_mm": (True, "concat"),
    "pixel_mm": (True, "pixel"),
    "no_gam": (False, "feature"),
    "no_gam_no_mm": (False, "concat"),
}


class UEGANGenerator(EnhancerNetwork):
    """UEGAN generator; ``forward`` maps images in [0, 1] (N x 3 x H x W, H, W multiples of 16) to [0, 1]."""

    multiple: int = 16
    """H and W must be multiples of this (four stride-2 stages)."""
    min_side: int = 32
    """The bottleneck needs at least 2x2 positions for the GAM's standard deviation."""

    def __init__(
        self,
        width: int = 32,
        variant: str = "full",
        squeeze_excitation: bool = False,
        gam_form: str = "code",
        init_gain: float | None = 0.02,
        padding_mode: str = "reflect",
    ) -> None:
        super().__init__()
        if variant not in UEGAN_VARIANTS:
            raise ValueError(f"Unknown UEGAN variant {variant!r}; choose one of {sorted(UEGAN_VARIANTS)}")
        if width < 8:
            raise ValueError(f"UEGAN width must be >= 8 (the GAM divides channels by 8), got {width}")
        self.width = width
        self.variant = variant
        use_gam, self.modulation = UEGAN_VARIANTS[variant]
        w = width
        enc_widths = (w, 2 * w, 4 * w, 8 * w, 16 * w)

        def attention(channels: int) -> nn.Module:
            return GlobalAttention(channels, reduction=8, form=gam_form) if use_gam else nn.Identity()

        # encoder: 7x7 conv, then four 3x3 stride-2 convs
        self.encoder = nn.ModuleList(
            [conv_lrelu(3, w, 7, padding_mode=padding_mode)]
            + [conv_lrelu(c_in, c_out, 3, stride=2, padding_mode=padding_mode)
               for c_in, c_out in zip(enc_widths[:-1], enc_widths[1:])]
        )
        self.bottleneck_attention = attention(16 * w)
        self.squeeze_excitation = SqueezeExcitation(16 * w, ratio=4) if squeeze_excitation else nn.Identity()
        # decoder, coarse to fine: 1x1 conv + x2 upsampling, concat with the attended skip, 3x3 conv
        dec_in = enc_widths[::-1]          # 16w, 8w, 4w, 2w
        dec_out = enc_widths[::-1][1:]     # 8w, 4w, 2w, w
        self.skip_attention = nn.ModuleList([attention(c) for c in dec_out])
        self.reduce = nn.ModuleList([nn.Conv2d(c_in, c_out, 1) for c_in, c_out in zip(dec_in, dec_out)])
        self.decoder = nn.ModuleList(
            [conv_lrelu(2 * c_out, c_out, 3, padding_mode=padding_mode) for c_out in dec_out]
        )
        head_in = 2 * w if self.modulation == "concat" else w
        self.head = nn.Sequential(
            PaddedConv(head_in, w, 3, padding_mode=padding_mode),
            PaddedConv(w, 3, 7, padding_mode=padding_mode),
            nn.Tanh(),
        )
        if init_gain is not None:
            init_orthogonal_(self, init_gain)

    def check_input(self, x: Tensor) -> None:
        """Raise a clear error unless ``x`` is N x 3 x H x W with H, W multiples of 16 and >= 32."""
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(f"UEGANGenerator expects N x 3 x H x W images, got shape {tuple(x.shape)}")
        if not x.is_floating_point():
            raise ValueError(f"UEGANGenerator expects float images in [0, 1], got dtype {x.dtype}")
        h, w = x.shape[-2:]
        if h % self.multiple or w % self.multiple or min(h, w) < self.min_side:
            raise ValueError(
                f"UEGANGenerator needs H and W that are multiples of {self.multiple} and at least "
                f"{self.min_side}, got {h}x{w}: pad the image first (UEGANGenerator.enhance and "
                "enhancelib.nn.blocks.pad_to_multiple do this) or crop it."
            )

    def forward(self, x: Tensor) -> Tensor:
        """Enhance images in [0, 1]; returns [0, 1]."""
        self.check_input(x)
        return (self.forward_signed(x * 2 - 1) + 1) / 2

    def enhance(self, x01: Tensor) -> Tensor:
        """Enhance images of any size in [0, 1]: reflection-pad to multiples of 16, run, crop back, clamp."""
        if x01.dim() != 4 or x01.shape[1] != 3:
            raise ValueError(f"enhance expects N x 3 x H x W images in [0, 1], got shape {tuple(x01.shape)}")
        padded, (h, w) = pad_to_multiple(x01, self.multiple, self.min_side)
        return self(padded)[..., :h, :w].clamp(0, 1)

    def forward_signed(self, x: Tensor) -> Tensor:
        """The network on images in [-1, 1] (the public code's space); returns [-1, 1]."""
        self.check_input(x)
        skips = []
        h = x
        for stage in self.encoder:
            h = stage(h)
            skips.append(h)
        first = skips[0]
        # GAM on the bottleneck (eqs. 2-4), then the optional SE block of report 003
        y = self.squeeze_excitation(self.bottleneck_attention(skips.pop()))
        for reduce, attend, decode, skip in zip(self.reduce, self.skip_attention, self.decoder, reversed(skips)):
            # 1x1 conv then bilinear x2 (the code's order is the reverse; same function)
            y = F.interpolate(reduce(y), scale_factor=2, mode="bilinear", align_corners=True)
            y = decode(torch.cat([y, attend(skip)], dim=1))
        if self.modulation == "feature":
            # modulation module: last decoder features x first encoder features, element-wise
            y = y * first
        elif self.modulation == "concat":
            y = torch.cat([y, first], dim=1)
        residual = self.head(y)
        if self.modulation == "pixel":
            # pixel-level MM: the last layer's output modulates the input image
            residual = residual * x
        # x_g = clamp(x_l + tanh(head), -1, 1)
        return torch.clamp(x + residual, -1.0, 1.0)
