"""QAGAN's generators: a frozen VGG encoder ``E`` and two decoders (paper 000, Sec. 3.2, Figs. 2 and 4).

* ``G_H`` (:class:`UNetDecoder`) is the **enhancer**: with ``E`` it forms a
  U-Net mapping a low-quality image to a high-quality one, with skip
  connections from ``E``'s relu1_1 ... relu4_1 features and relu5_1 as its
  bottleneck.
* ``G_L`` (:class:`QualityDecoder`) is the **degrader**: it maps a
  high-quality image to a low-quality one.  Two quality attention modules
  (:class:`~enhancelib.nn.quality_attention.QualityAttention`) combine the
  high-quality image's features ``f_H`` with a low-quality image's features
  ``f_L`` at relu5_1 and at relu4_1; the relu5_1 result is upsampled and
  fused with the relu4_1 one, and a VGG-mirroring decoder (no skips) turns
  the fused features into the image.

No public code exists; this follows the paper.  The discriminators and the
losses are in :mod:`enhancelib.nn.discriminator`,
:mod:`enhancelib.losses.relativistic` and :mod:`enhancelib.losses.cycle`.

Decisions
---------
1. **The enhancer at test time is E + G_H, and it gets only the low image.**
   The paper's Sec. 3 says "E and G_H form a U-Net dedicated to translating
   the low-quality image into a high-quality version", Fig. 4 says E + G_L
   "perform image quality degradation", Sec. 3.1 that QAM helps "translate the
   high-quality image to the low-quality version", and that this "naturally
   leads to better performance in low-quality to high-quality translation".
   (One sentence of Sec. 3.2 says G_L converts low-quality images into
   high-quality ones; it contradicts the four others and Fig. 2's caption,
   and we read it as a slip.)  So the QAM, which needs both domains, lives
   only in the training-time degrader; the enhancer needs no reference image
   and carries none.  Tested: ``enhance`` does not change when ``G_L``'s
   weights do, and :meth:`QAGAN.enhancer` holds no QAM parameter.
2. **Decoder layout.**  Each decoder stage mirrors a VGG block: nearest
   upsampling x2 (to the skip's size, so any image size works), concatenation
   with the skip (G_H only), a 3x3 convolution to the width of the block
   below (512 -> 256 -> 128 -> 64 -> 64), a second 3x3 convolution, ReLU
   after both, reflection padding, no normalisation (as the AdaIN decoder the
   paper builds on).  G_L's two QAM outputs are fused by concatenation, and
   its first stage takes the 1024 fused channels where G_H's takes the
   concatenated skip.  G_L has no skip connections: Fig. 4 feeds it only the
   relu5_1 and relu4_1 pairs.  ``decoder_width`` (ours, not the paper's)
   multiplies the decoders' own widths, not the encoder's: 1 is the VGG
   mirror, 0.5 has ~60 % fewer decoder parameters; a training step is
   dominated by its six encoder passes, so it saves less time than that
   (``scripts/bench_qagan.py`` prints both).
3. **Outputs.**  The paper does not say.  G_H adds ``tanh`` of its last
   convolution to the input image and clamps to [0, 1]; that convolution
   starts at zero, so the enhancer starts as the identity (tested), a strong
   prior at short training budgets (``residual_output=False``: a sigmoid
   image instead).  G_L has no path from its input image but the QAM, so it
   outputs ``sigmoid`` of its last convolution.
4. **Padding.**  :meth:`QAGANEnhancer.forward` pads the image by reflection
   to a multiple of 16 and crops back, so test images see exact 2x stages
   as the training crops do.
5. **Attention memory.**  The QAMs attend in chunks of ``attention_chunk``
   query positions (default 4096: one chunk up to relu4_1 of a 512 x 512
   image, so training is unaffected; same result either way).  Measured on
   the relu4_1 QAM of a 1024 x 768 image (12,288 positions, a 576 MiB
   matrix): peak process memory 1.8 GB unchunked, 0.7 GB in chunks of 512
   (PyTorch itself takes about 0.5 GB), at the same speed.
"""
from __future__ import annotations

from typing import Literal, Mapping, overload

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from enhancelib.nn.blocks import PaddedConv, pad_to_multiple
from enhancelib.nn.enhancer import EnhancerNetwork
from enhancelib.nn.quality_attention import QualityAttention
from enhancelib.nn.vgg import VGG_LAYERS, VGGFeatures

__all__ = ["QAGAN", "QAGANEnhancer", "QualityDecoder", "UNetDecoder"]

Features = Mapping[str, Tensor]


def _conv_relu(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(PaddedConv(in_channels, out_channels, 3), nn.ReLU(inplace=True))


def _stage(in_channels: int, out_channels: int) -> nn.Sequential:
    """Two 3x3 convolutions with ReLU: one mirrored VGG block."""
    return nn.Sequential(_conv_relu(in_channels, out_channels), _conv_relu(out_channels, out_channels))


def _up(x: Tensor, size: tuple[int, int] | torch.Size) -> Tensor:
    return F.interpolate(x, size=tuple(size), mode="nearest")


def _widths(encoder: VGGFeatures) -> dict[str, int]:
    missing = [name for name in VGG_LAYERS if name not in encoder.taps]
    if missing:
        raise ValueError(f"QAGAN's encoder must compute {list(VGG_LAYERS)}; it lacks {missing} (load it with upto='relu5_1')")
    return encoder.channels(VGG_LAYERS)


def _scaled(widths: Mapping[str, int], scale: float) -> tuple[int, int, int]:
    """Decoder widths at the relu3_1, relu2_1, relu1_1 levels (VGG's, times ``scale``)."""
    if scale <= 0:
        raise ValueError(f"decoder width scale must be positive, got {scale}")
    d3, d2, d1 = (max(4, round(widths[name] * scale)) for name in ("relu3_1", "relu2_1", "relu1_1"))
    return d3, d2, d1


class UNetDecoder(nn.Module):
    """G_H: decodes relu5_1 back to an image, concatenating relu4_1 ... relu1_1 on the way."""

    def __init__(self, widths: Mapping[str, int], residual_output: bool = True, width_scale: float = 1.0) -> None:
        super().__init__()
        c1, c2, c3, c4, c5 = (widths[name] for name in VGG_LAYERS)
        d3, d2, d1 = _scaled(widths, width_scale)
        self.residual_output = residual_output
        # stage k: up(previous) (+) relu{k}_1  ->  width of block k-1
        self.stage4 = _stage(c5 + c4, d3)
        self.stage3 = _stage(d3 + c3, d2)
        self.stage2 = _stage(d2 + c2, d1)
        self.stage1 = _stage(d1 + c1, d1)
        self.head = PaddedConv(d1, 3, 3)
        if residual_output:
            assert self.head.conv.bias is not None  # PaddedConv has a bias by default
            nn.init.zeros_(self.head.conv.weight)
            nn.init.zeros_(self.head.conv.bias)

    def forward(self, image: Tensor, features: Features) -> Tensor:
        f1, f2, f3, f4, f5 = (features[name] for name in VGG_LAYERS)
        h = self.stage4(torch.cat([_up(f5, f4.shape[-2:]), f4], 1))
        h = self.stage3(torch.cat([_up(h, f3.shape[-2:]), f3], 1))
        h = self.stage2(torch.cat([_up(h, f2.shape[-2:]), f2], 1))
        h = self.stage1(torch.cat([_up(h, f1.shape[-2:]), f1], 1))
        if self.residual_output:
            # I~_H = clamp(I_L + tanh(head), 0, 1)
            return (image + torch.tanh(self.head(h))).clamp(0, 1)
        return torch.sigmoid(self.head(h))


class QualityDecoder(nn.Module):
    """G_L: QAM at relu5_1 and relu4_1, fusion after upsampling, VGG-mirroring decoder (Fig. 4)."""

    def __init__(
        self,
        widths: Mapping[str, int],
        use_qam: bool = True,
        spatial_attention: bool = True,
        stat_transfer: bool = True,
        query_domain: str = "high",
        chunk_size: int | None = None,
        temperature: float = 1.0,
        width_scale: float = 1.0,
    ) -> None:
        super().__init__()
        c4, c5 = widths["relu4_1"], widths["relu5_1"]
        d3, d2, d1 = _scaled(widths, width_scale)
        self.use_qam = use_qam
        if use_qam:

            def qam(channels: int) -> QualityAttention:
                return QualityAttention(channels, spatial_attention=spatial_attention, stat_transfer=stat_transfer,
                                        query_domain=query_domain, chunk_size=chunk_size, temperature=temperature)

            self.qam5 = qam(c5)
            self.qam4 = qam(c4)
        self.stage4 = _stage(c5 + c4, d3)  # fuses up(QAM_5) (+) QAM_4
        self.stage3 = _stage(d3, d2)
        self.stage2 = _stage(d2, d1)
        self.stage1 = _stage(d1, d1)
        self.head = PaddedConv(d1, 3, 3)

    def forward(self, f_high: Features, f_low: Features, size: tuple[int, int] | torch.Size,
                return_attention: bool = False) -> tuple[Tensor, dict[str, Tensor]]:
        """The degraded image (N x 3 x size) and, if asked, the attention per QAM level."""
        h5, h4 = f_high["relu5_1"], f_high["relu4_1"]
        attention: dict[str, Tensor] = {}
        if self.use_qam:
            h5, a5 = self.qam5(h5, f_low["relu5_1"], return_attention=True) if return_attention else (
                self.qam5(h5, f_low["relu5_1"]), None)
            h4, a4 = self.qam4(h4, f_low["relu4_1"], return_attention=True) if return_attention else (
                self.qam4(h4, f_low["relu4_1"]), None)
            attention = {k: a for k, a in (("relu5_1", a5), ("relu4_1", a4)) if a is not None}
        height, width = size
        # fuse the two levels after upsampling the relu5_1 one
        h = self.stage4(torch.cat([_up(h5, h4.shape[-2:]), h4], 1))
        h = self.stage3(_up(h, (height // 4, width // 4)))
        h = self.stage2(_up(h, (height // 2, width // 2)))
        h = self.stage1(_up(h, (height, width)))
        return torch.sigmoid(self.head(h)), attention


class QAGANEnhancer(EnhancerNetwork):
    """E + G_H: the test-time enhancer.  ``forward(low)`` with ``low`` N x 3 x H x W in [0, 1]."""

    def __init__(self, encoder: VGGFeatures, residual_output: bool = True, width_scale: float = 1.0) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = UNetDecoder(_widths(encoder), residual_output, width_scale)

    def forward(self, low: Tensor, features: Features | None = None) -> Tensor:
        """Enhanced image; ``features`` = ``encoder(low)`` when the caller already has them."""
        if low.dim() != 4 or low.shape[1] != 3:
            raise ValueError(f"The QAGAN enhancer expects N x 3 x H x W images in [0, 1], got {tuple(low.shape)}")
        if features is not None:
            return self.decoder(low, features)
        padded, (h, w) = pad_to_multiple(low, 16, min_size=16)
        return self.decoder(padded, self.encoder(padded))[..., :h, :w]

    def enhance(self, x01: Tensor) -> Tensor:
        """Enhance images of any size in [0, 1] (:meth:`forward` pads to a multiple of 16), clamped to [0, 1]."""
        return self(x01).clamp(0, 1)


class QAGAN(nn.Module):
    """Both generators around one frozen encoder.

    ``enhancer`` (E + G_H) is what a trained QAGAN is used for; ``g_low``
    (G_L) exists for training and for looking at the attention.
    """

    def __init__(
        self,
        encoder: VGGFeatures,
        use_qam: bool = True,
        use_spatial_attention: bool = True,
        use_stat_transfer: bool = True,
        query_domain: str = "high",
        residual_output: bool = True,
        attention_chunk: int | None = 4096,
        attention_temperature: float = 1.0,
        decoder_width: float = 1.0,
    ) -> None:
        super().__init__()
        self.enhancer = QAGANEnhancer(encoder, residual_output, decoder_width)
        self.g_low = QualityDecoder(_widths(encoder), use_qam, use_spatial_attention, use_stat_transfer,
                                    query_domain, attention_chunk, attention_temperature, decoder_width)

    @property
    def encoder(self) -> VGGFeatures:
        return self.enhancer.encoder

    def encode(self, image: Tensor) -> dict[str, Tensor]:
        """E: relu1_1 ... relu5_1 features of an image in [0, 1] (gradients reach the image, not E)."""
        return self.encoder(image, layers=VGG_LAYERS)

    def enhance(self, low: Tensor, features: Features | None = None) -> Tensor:
        """I~_H = G_H(E(I_L)): needs nothing but the low image."""
        return self.enhancer(low, features)

    @overload
    def degrade(self, high: Tensor, low_reference: Tensor | None = None, *, high_features: Features | None = None,
                low_features: Features | None = None, return_attention: Literal[False] = False) -> Tensor: ...

    @overload
    def degrade(self, high: Tensor, low_reference: Tensor | None = None, *, high_features: Features | None = None,
                low_features: Features | None = None, return_attention: Literal[True]
                ) -> tuple[Tensor, dict[str, Tensor]]: ...

    @overload
    def degrade(self, high: Tensor, low_reference: Tensor | None = None, *, high_features: Features | None = None,
                low_features: Features | None = None, return_attention: bool = False
                ) -> Tensor | tuple[Tensor, dict[str, Tensor]]: ...

    def degrade(self, high: Tensor, low_reference: Tensor | None = None, *, high_features: Features | None = None,
                low_features: Features | None = None, return_attention: bool = False
                ) -> Tensor | tuple[Tensor, dict[str, Tensor]]:
        """I~_L = G_L(E(I_H), E(I_L^ref)): degrade ``high`` in the style of a low-quality reference.

        The reference may have another size than ``high``; pass either the
        image or its features.  With ``return_attention`` also returns the
        attention per level, N x S_H x S_L (row: a position of ``high``).
        """
        if low_features is None:
            if low_reference is None:
                raise ValueError("degrade needs a low-quality reference: pass low_reference or low_features")
            low_features = self.encode(low_reference)
        if high_features is None:
            padded, (h, w) = pad_to_multiple(high, 16, min_size=16)
            out, attention = self.g_low(self.encode(padded), low_features, padded.shape[-2:], return_attention)
            out = out[..., :h, :w]
        else:
            out, attention = self.g_low(high_features, low_features, high.shape[-2:], return_attention)
        return (out, attention) if return_attention else out
