"""Inverted residual ("MBConv") block with squeeze-and-excitation.

The block of MobileNetV2/V3 and EfficientNet, as GleNet (paper 002, Tables 1
and 2) uses it for its global and local enhancement networks:

1. expansion: 1x1 convolution ``C_in -> e * C_in``, normalisation, swish;
2. depthwise ``k x k`` convolution with stride ``s``, normalisation, swish;
3. squeeze-and-excitation: global average pool, 1x1 convolution down to
   ``max(1, int(C_in * r))`` channels, swish, 1x1 convolution back, sigmoid,
   channel-wise rescaling (``r`` = 0.25; the squeezed width is measured on
   the block's *input* channels, as in EfficientNet and GleNet's public code);
4. projection: 1x1 convolution ``-> C_out``, normalisation, no activation;
5. optional identity skip when ``stride == 1`` and ``C_in == C_out``.

All convolutions are bias-free (the normalisation carries the bias), as in
GleNet's public code.  Batch normalisation uses Keras' ``eps = 1e-3`` (the
public code is Keras) but PyTorch's running-average momentum 0.1, not Keras'
0.99 (PyTorch ``momentum=0.01``): with the few hundred steps of a CPU-budget
run, Keras' slow average still carries a fifth of its initial values after
150 steps, and a GEN trained that long was measured 4x worse in eval mode
than in train mode (L1 0.076 vs 0.019); with 0.1 the two agree.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["NORMS", "make_norm", "ConvNormAct", "SqueezeExcite", "InvertedResidual"]

NORMS: tuple[str, ...] = ("batch", "layer", "none")

#: Keras' BatchNormalization epsilon; PyTorch's default running-average momentum (see above).
KERAS_BN_EPS = 1e-3
BN_MOMENTUM = 0.1


def make_norm(kind: str, channels: int) -> nn.Module:
    """Normalisation layer by name.

    ``"batch"``: BatchNorm2d (Keras' epsilon, PyTorch's momentum); ``"layer"``: a layer norm
    over (C, H, W) per sample (GroupNorm with one group, affine), the choice
    WGAN-GP recommends for critics; ``"none"``: identity.
    """
    if kind == "batch":
        return nn.BatchNorm2d(channels, eps=KERAS_BN_EPS, momentum=BN_MOMENTUM)
    if kind == "layer":
        return nn.GroupNorm(1, channels, eps=KERAS_BN_EPS)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"Unknown normalisation {kind!r}; choose one of {NORMS}")


class ConvNormAct(nn.Module):
    """Bias-free convolution, normalisation, optional swish.

    In eval mode a batch norm is folded into the convolution
    (``w' = w * gamma / sqrt(var + eps)``, ``b' = beta - mean * gamma / sqrt(var + eps)``)
    and the swish runs in place when no gradient is recorded: the same
    function with two fewer passes over the (large) feature map.  A 1x1
    convolution of channels-last input runs as a matrix product.
    """

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1,
                 norm: str = "batch", act: bool = True) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, padding=kernel // 2, groups=groups, bias=False)
        self.norm = make_norm(norm, cout)
        self.act = act

    def _folded(self) -> tuple[Tensor, Tensor]:
        bn = self.norm
        assert isinstance(bn, nn.BatchNorm2d) and bn.running_var is not None and bn.running_mean is not None
        scale = torch.rsqrt(bn.running_var + bn.eps)
        if bn.weight is not None:
            scale = scale * bn.weight
        shift = -bn.running_mean * scale
        if bn.bias is not None:
            shift = shift + bn.bias
        return self.conv.weight * scale.view(-1, 1, 1, 1), shift

    def _conv(self, x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        c = self.conv
        if c.kernel_size == (1, 1) and c.stride == (1, 1) and c.groups == 1 \
                and x.is_contiguous(memory_format=torch.channels_last):
            # a 1x1 convolution of channels-last data is a matrix product over the channel axis
            # (PyTorch's CPU convolution would copy it to NCHW first)
            return F.linear(x.permute(0, 2, 3, 1), weight.flatten(1), bias).permute(0, 3, 1, 2)
        return F.conv2d(x, weight, bias, c.stride, c.padding, c.dilation, c.groups)

    def forward(self, x: Tensor) -> Tensor:
        # fold only when the norm itself uses running statistics (its own mode, not the block's:
        # batch-norm calibration runs the norms in training mode inside an eval-mode network)
        if isinstance(self.norm, nn.BatchNorm2d) and not self.norm.training and self.norm.track_running_stats:
            y = self._conv(x, *self._folded())
        else:
            y = self.norm(self._conv(x, self.conv.weight, None))
        if not self.act:
            return y
        return F.silu(y, inplace=not (torch.is_grad_enabled() and y.requires_grad))


class SqueezeExcite(nn.Module):
    """Channel attention: ``x * sigmoid(W2 swish(W1 mean_hw(x)))``."""

    def __init__(self, channels: int, squeezed: int) -> None:
        super().__init__()
        if squeezed < 1:
            raise ValueError(f"SqueezeExcite needs at least one squeezed channel, got {squeezed}")
        self.reduce = nn.Conv2d(channels, squeezed, 1, bias=False)
        self.expand = nn.Conv2d(squeezed, channels, 1, bias=False)
        self.act = nn.SiLU()

    def forward(self, x: Tensor) -> Tensor:
        # s = sigmoid(W2 swish(W1 GAP(x)))
        scale = self.expand(self.act(self.reduce(x.mean(dim=(2, 3), keepdim=True)))).sigmoid()
        return x * scale


class InvertedResidual(nn.Module):
    """MBConv block: expand (1x1) -> depthwise (k x k, stride) -> SE -> project (1x1).

    Parameters
    ----------
    in_channels, out_channels:
        Widths of the block's input and output.
    kernel_size:
        Side of the depthwise kernel (odd).
    stride:
        Stride of the depthwise convolution (1 or 2).
    expansion:
        Width multiplier of the hidden layer (1: no expansion convolution).
    se_ratio:
        Squeezed width as a fraction of ``in_channels`` (0: no squeeze-excite).
    skip:
        Add the input to the output; needs ``stride == 1`` and equal widths.
        GleNet's blocks have no skip.
    norm:
        ``"batch"`` (default), ``"layer"`` or ``"none"``; see :func:`make_norm`.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 5,
        stride: int = 1,
        expansion: int = 6,
        se_ratio: float = 0.25,
        skip: bool = False,
        norm: str = "batch",
    ) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got {stride}")
        if expansion < 1:
            raise ValueError(f"expansion must be >= 1, got {expansion}")
        if not 0.0 <= se_ratio <= 1.0:
            raise ValueError(f"se_ratio must lie in [0, 1], got {se_ratio}")
        if skip and (stride != 1 or in_channels != out_channels):
            raise ValueError(
                "An identity skip needs stride 1 and in_channels == out_channels; got "
                f"stride {stride}, {in_channels} -> {out_channels}. Pass skip=False."
            )
        hidden = in_channels * expansion
        self.skip = skip
        self.expand: nn.Module = nn.Identity()
        if expansion != 1:
            self.expand = ConvNormAct(in_channels, hidden, 1, norm=norm)
        self.depthwise = ConvNormAct(hidden, hidden, kernel_size, stride, groups=hidden, norm=norm)
        self.excite: nn.Module = nn.Identity()
        if se_ratio > 0:
            self.excite = SqueezeExcite(hidden, max(1, int(in_channels * se_ratio)))
        self.project = ConvNormAct(hidden, out_channels, 1, norm=norm, act=False)

    def forward(self, x: Tensor) -> Tensor:
        y = self.project(self.excite(self.depthwise(self.expand(x))))
        return x + y if self.skip else y
