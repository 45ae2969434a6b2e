"""GleNet: global and local enhancement networks (paper 002).

* :class:`GEN` (Table 1, Fig. 2): a small EfficientNet-like encoder looks at
  the image resized to 256 x 256 and predicts three 256-entry intensity
  curves (eq. 1), applied to the image at its *full* resolution as a table
  look-up (:func:`enhancelib.nn.curves.apply_curves`).
* :class:`LEN` (Table 2): a full-resolution U-Net of inverted residual blocks
  that predicts a residual added to GEN's output (eq. 2).
* :class:`GleNet`: GEN followed by LEN ("GEN & LEN").
* :class:`GleCritic`: the WGAN-GP critic of the unpaired scheme (Sec. 3.2:
  "the same as the generator except the last layer, which produces a scalar").
* :class:`PixelwiseBaseline`: the encoder-decoder of Fig. 5 that predicts
  pixels instead of curves.

Where the public code (TensorFlow, generators only) and the paper differ, we
follow the public code:

* GEN's first 5x5 convolution has stride 1 in the code (Table 1 implies
  stride 2: 128 x 128 after stage 1, an 8 x 8 pool); ``stem_stride`` selects.
* All convolutions and the final dense layer have no bias; weights are
  He-normal initialised (the code also puts an L2 penalty of 5e-5 on them;
  the recipes apply it as weight decay).
* The code reshapes the 768 outputs to ``256 x 3`` (interleaved channels);
  we use the paper's concatenation ``w = w_r || w_g || w_b``, a mere
  permutation of the dense layer's outputs.

The critic has no public code: it follows the paper's Table 1 geometry
(stride-2 stage 1), see :class:`GleCritic`.  Activations are kept
channels-last inside the networks (depthwise convolutions are several times
faster so on CPU); inputs and outputs are ordinary NCHW tensors.

One deliberate change: LEN's last convolution starts at zero (``zero_init``),
so GEN & LEN starts as GEN; the unpaired scheme evaluates the enhancer while
LEN has not been trained yet (stage 1).  The public code He-initialises it.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from enhancelib.nn.curves import CURVE_MODES, apply_curves
from enhancelib.nn.enhancer import EnhancerNetwork
from enhancelib.nn.inverted_residual import ConvNormAct, InvertedResidual

__all__ = ["GEN", "LEN", "GleNet", "GleCritic", "PixelwiseBaseline", "GleEncoder", "check_image"]

CURVE_LEVELS = 256
ENCODER_WIDTHS = (16, 24, 40, 80, 112)
HEAD_WIDTH = 768


def check_image(x: Tensor, who: str) -> None:
    """Fail clearly unless ``x`` is an N x 3 x H x W float tensor."""
    if x.dim() != 4 or x.shape[1] != 3 or not x.is_floating_point():
        raise ValueError(f"{who} expects float N x 3 x H x W images in [0, 1], got {x.dtype} {tuple(x.shape)}")


def he_normal_(module: nn.Module) -> None:
    """He-normal (fan-in) initialisation of every conv / linear weight, as Keras' ``he_normal``."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            fan_in = m.weight[0].numel()
            std = math.sqrt(2.0 / fan_in) / 0.87962566103423978  # Keras' truncation correction
            nn.init.trunc_normal_(m.weight, std=std, a=-2 * std, b=2 * std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def conv_norm_swish(cin: int, cout: int, kernel: int, stride: int = 1, norm: str = "batch") -> ConvNormAct:
    return ConvNormAct(cin, cout, kernel, stride, norm=norm)


class GleEncoder(nn.Module):
    """GEN's body (Table 1, stages 1-6 before pooling), shared by GEN, the critic and the baseline.

    Resize to ``input_size`` (bilinear, as ``tf.image.resize``), 5x5 conv -> 16,
    four inverted residual blocks (kernel 5, stride 2, expansion 6, SE 0.25,
    no skip) -> 24, 40, 80, 112, then 1x1 conv -> 768, norm, swish.
    """

    def __init__(self, input_size: int = 256, stem_stride: int = 1, norm: str = "batch",
                 antialias: bool = False) -> None:
        super().__init__()
        if input_size < 32 or input_size % 16:
            raise ValueError(f"input_size must be a multiple of 16 and at least 32, got {input_size}")
        self.input_size = input_size
        self.antialias = antialias
        self.stem = conv_norm_swish(3, ENCODER_WIDTHS[0], 5, stem_stride, norm)
        self.blocks = nn.ModuleList(
            InvertedResidual(cin, cout, kernel_size=5, stride=2, expansion=6, se_ratio=0.25, skip=False, norm=norm)
            for cin, cout in zip(ENCODER_WIDTHS[:-1], ENCODER_WIDTHS[1:])
        )
        self.head = conv_norm_swish(ENCODER_WIDTHS[-1], HEAD_WIDTH, 1, norm=norm)

    def resize(self, x: Tensor) -> Tensor:
        if x.shape[-2:] == (self.input_size, self.input_size):
            return x
        return F.interpolate(x, size=(self.input_size, self.input_size), mode="bilinear",
                             align_corners=False, antialias=self.antialias)

    def forward(self, x: Tensor, return_skips: bool = False) -> Tensor | tuple[Tensor, list[Tensor]]:
        # channels-last activations: depthwise convolutions are several times faster so on CPU
        h = self.stem(self.resize(x).contiguous(memory_format=torch.channels_last))
        skips = [h]
        for block in self.blocks:
            h = block(h)
            skips.append(h)
        h = self.head(h)
        return (h, skips) if return_skips else h


class GEN(nn.Module):
    """Global enhancement network: image -> three 256-entry curves -> curves applied at full resolution.

    ``curves(x)`` returns the ``N x 3 x 256`` curves in [0, 1] (GAP, dense
    768 without bias, sigmoid); ``forward(x)`` returns the enhanced image,
    same size as ``x``.  ``curve_mode``: ``"nearest"`` (public code) or
    ``"linear"``; see :mod:`enhancelib.nn.curves`.  With He-initialised
    weights the curves start near 0.5 everywhere (a flat grey output) with
    independent noise on every entry; ``identity_init=True`` starts them at
    w_k = (k + 1/2) / 256 instead: within half a grey level (1/512) of the identity k / 255,
    and exactly the identity once the output is rounded to 8 bits.
    """

    def __init__(self, input_size: int = 256, stem_stride: int = 1, curve_mode: str = "nearest",
                 antialias: bool = False, identity_init: bool = False) -> None:
        super().__init__()
        if curve_mode not in CURVE_MODES:
            raise ValueError(f"Unknown curve_mode {curve_mode!r}; choose one of {CURVE_MODES}")
        self.curve_mode = curve_mode
        self.encoder = GleEncoder(input_size, stem_stride, "batch", antialias)
        self.to_curves = nn.Linear(HEAD_WIDTH, 3 * CURVE_LEVELS, bias=False)
        he_normal_(self)
        # identity_init (not in the paper or code): a fixed logit offset b_k = logit((k + 1/2) / 256)
        # (finite at both ends, unlike logit(k / 255)) and a zero curve head, so the curves start within
        # 1/512 of the identity and at the identity after 8-bit rounding. The public start is near 0.5
        # (a flat grey image) plus, from the He-initialised head, independent noise on every one of
        # the 256 entries (logit std ~1): jagged curves that a CPU-length run cannot smooth away.
        ramp = torch.linspace(0.5, CURVE_LEVELS - 0.5, CURVE_LEVELS) / CURVE_LEVELS
        offset = torch.logit(ramp).repeat(3) if identity_init else torch.zeros(3 * CURVE_LEVELS)
        self.register_buffer("curve_offset", offset)
        if identity_init:
            nn.init.zeros_(self.to_curves.weight)

    def curves(self, x: Tensor) -> Tensor:
        check_image(x, "GEN")
        h = self.encoder(x).mean(dim=(2, 3))
        # the curves are the output image's values: keep them in float32 under mixed precision
        # (bfloat16 would round an entry near 1 to steps of 1/256, one grey level)
        with torch.autocast(x.device.type, enabled=False):
            # w = w_r || w_g || w_b = sigmoid(W GAP(f) + b),  w_c in [0, 1]^256  (b = 0 unless identity_init)
            return (self.to_curves(h.float()) + self.curve_offset).sigmoid().view(-1, 3, CURVE_LEVELS)

    def forward(self, x: Tensor) -> Tensor:
        # I~_c(p) = v_p^T w_c   (eq. 1), at the input's full resolution
        return apply_curves(x, self.curves(x), self.curve_mode)


class LEN(nn.Module):
    """Local enhancement network (Table 2): ``forward(g) = g + residual(g)`` (eq. 2).

    A U-Net at full resolution: 5x5 conv -> 16; inverted residual blocks
    16->24 (/2), 24->40 (/4), 40->80 (/8), 80->40; bilinear x2 + concat with
    the 40-channel stage, block -> 24; x2 + concat with the 24-channel stage,
    block -> 16; x2 + concat with the 16-channel stage; 5x5 conv -> 3.
    Inputs are padded (replicate) to a multiple of 8 and cropped back.
    """

    MULTIPLE = 8

    def __init__(self, zero_init: bool = True) -> None:
        super().__init__()

        def block(in_channels: int, out_channels: int, stride: int) -> InvertedResidual:
            return InvertedResidual(in_channels, out_channels, kernel_size=5, stride=stride, expansion=6,
                                    se_ratio=0.25, skip=False)

        self.stem = conv_norm_swish(3, 16, 5)
        self.down = nn.ModuleList([block(16, 24, stride=2), block(24, 40, stride=2), block(40, 80, stride=2)])
        self.bottleneck = block(80, 40, stride=1)
        self.up = nn.ModuleList([block(80, 24, stride=1), block(48, 16, stride=1)])
        self.out = nn.Conv2d(32, 3, 5, padding=2, bias=False)
        he_normal_(self)
        if zero_init:
            nn.init.zeros_(self.out.weight)

    def residual(self, g: Tensor) -> Tensor:
        """The residual image Delta I~_local for a global-enhanced image ``g``."""
        check_image(g, "LEN")
        h, w = g.shape[-2:]
        pad_h, pad_w = (-h) % self.MULTIPLE, (-w) % self.MULTIPLE
        x = F.pad(g, (0, pad_w, 0, pad_h), mode="replicate") if pad_h or pad_w else g
        x1 = self.stem(x.contiguous(memory_format=torch.channels_last))
        x2 = self.down[0](x1)
        x3 = self.down[1](x2)
        y = self.bottleneck(self.down[2](x3))
        for block, skip in zip(self.up, (x3, x2)):
            y = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)
            y = block(torch.cat([skip, y], dim=1))
        y = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)
        y = self.out(torch.cat([x1, y], dim=1))
        return y[..., :h, :w].contiguous()

    def forward(self, g: Tensor) -> Tensor:
        # I~ = I~_global + Delta I~_local   (eq. 2)
        return g + self.residual(g)


class GleNet(EnhancerNetwork):
    """GEN & LEN: ``LEN(GEN(x))``; with ``local=None`` it is GEN alone."""

    def __init__(self, gen: GEN | None = None, local: LEN | None = None) -> None:
        super().__init__()
        self.gen = gen if gen is not None else GEN()
        self.local = local

    def forward(self, x: Tensor) -> Tensor:
        g = self.gen(x)
        return self.local(g) if self.local is not None else g

    def enhance(self, x01: Tensor) -> Tensor:
        """Enhance images of any size in [0, 1] (curves at full resolution; LEN pads itself), clamped to [0, 1]."""
        return self(x01).clamp(0, 1)


class GleCritic(nn.Module):
    """WGAN-GP critic: GEN's body, global average pool, linear -> one unbounded score per image.

    The paper uses the generator's architecture (batch norm included);
    ``norm="layer"`` is the per-sample alternative WGAN-GP recommends.  No
    critic code was released, so its geometry follows the paper's Table 1:
    stage 1 has stride 2 (128 x 128 for a 256 input).  This also makes the
    gradient penalty's double backward four times cheaper than with the public
    GEN's stride-1 stem (``stem_stride=1``).
    """

    def __init__(self, input_size: int = 256, stem_stride: int = 2, norm: str = "batch") -> None:
        super().__init__()
        self.encoder = GleEncoder(input_size, stem_stride, norm)
        self.score = nn.Linear(HEAD_WIDTH, 1)
        he_normal_(self)

    def forward(self, x: Tensor) -> Tensor:
        check_image(x, "GleCritic")
        return self.score(self.encoder(x).mean(dim=(2, 3))).squeeze(1)


class PixelwiseBaseline(EnhancerNetwork):
    """Fig. 5's baseline: GEN's encoder plus a decoder of six up-sample blocks predicting pixels.

    The paper gives the details only in its supplementary material; our
    reading: the input is resized to ``input_size``; the encoder is GEN's
    (with the paper's stride-2 stem by default, so its features lie at 1/2 ...
    1/32 of 256) followed by the pooled 768-d code; six blocks each upsample
    bilinearly to the next skip's size, concatenate it (the 112, 80, 40, 24,
    16-channel stages, then the input image), and apply a 3x3 conv, batch norm
    and swish; a 3x3 conv and a sigmoid give the image, resized back to the
    input's size.
    """

    def __init__(self, input_size: int = 256, stem_stride: int = 2) -> None:
        super().__init__()
        self.encoder = GleEncoder(input_size, stem_stride)
        ins = (HEAD_WIDTH,) + ENCODER_WIDTHS[::-1]          # 768, 112, 80, 40, 24, 16
        skips = ENCODER_WIDTHS[::-1] + (3,)                 # 112, 80, 40, 24, 16, image
        outs = ENCODER_WIDTHS[::-1] + (ENCODER_WIDTHS[0],)  # 112, 80, 40, 24, 16, 16
        self.decoder = nn.ModuleList(conv_norm_swish(i + s, o, 3) for i, s, o in zip(ins, skips, outs))
        self.out = nn.Conv2d(outs[-1], 3, 3, padding=1)
        he_normal_(self)

    def forward(self, x: Tensor) -> Tensor:
        check_image(x, "PixelwiseBaseline")
        small = self.encoder.resize(x)
        code, skips = self.encoder(small, return_skips=True)
        y = code.mean(dim=(2, 3), keepdim=True)
        for block, skip in zip(self.decoder, skips[::-1] + [small]):
            y = F.interpolate(y, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            y = block(torch.cat([y, skip], dim=1))
        y = torch.sigmoid(self.out(y))
        if y.shape[-2:] != x.shape[-2:]:
            y = F.interpolate(y, size=x.shape[-2:], mode="bilinear", align_corners=False)
        return y

    def enhance(self, x01: Tensor) -> Tensor:
        """Enhance images of any size in [0, 1] (resized inside), clamped to [0, 1]."""
        return self(x01).clamp(0, 1)
