"""The NIMA aesthetic-score network used by the papers' public evaluation code.

NIMA (Talebi and Milanfar, 2018) predicts a distribution over the scores
1..10 with an ImageNet backbone and a 10-way softmax head; the reported number
is the distribution's mean. The public evaluation code uses a MobileNetV2
variant whose layout differs from torchvision's (plain ReLU in the stem and the
last 1 x 1 convolution; the first inverted-residual block keeps its 1 x 1
expansion; a fixed 7 x 7 average pool), so it is rebuilt here with the same
parameter names. That lets a user-supplied NIMA state dict in that layout
(keys ``base_model.0.*`` and ``head.2.*``) load unchanged. No weights ship
with this project.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["NimaMobileNetV2"]

# (expansion t, output channels c, repeats n, first stride s) of MobileNetV2
_INVERTED_RESIDUAL_SETTING = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                              (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


def _conv_bn_relu(c_in: int, c_out: int, kernel: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class _InvertedResidual(nn.Module):
    """1x1 expansion -> 3x3 depthwise -> 1x1 linear projection; identity skip when shapes allow."""

    def __init__(self, c_in: int, c_out: int, stride: int, expansion: int) -> None:
        super().__init__()
        hidden = c_in * expansion
        self.use_skip = stride == 1 and c_in == c_out
        self.conv = nn.Sequential(
            nn.Conv2d(c_in, hidden, 1, 1, 0, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), nn.BatchNorm2d(hidden),
            nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, c_out, 1, 1, 0, bias=False), nn.BatchNorm2d(c_out),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv(x) if self.use_skip else self.conv(x)


class NimaMobileNetV2(nn.Module):
    """MobileNetV2 features (224 x 224 input) + ReLU, dropout, linear 1280 -> 10, softmax."""

    input_size = 224

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = [_conv_bn_relu(3, 32, 3, 2)]
        c_in = 32
        for t, c, n, s in _INVERTED_RESIDUAL_SETTING:
            for i in range(n):
                layers.append(_InvertedResidual(c_in, c, s if i == 0 else 1, t))
                c_in = c
        layers += [_conv_bn_relu(c_in, 1280, 1, 1), nn.AvgPool2d(self.input_size // 32)]
        self.base_model = nn.Sequential(nn.Sequential(*layers))
        self.head = nn.Sequential(nn.ReLU(inplace=True), nn.Dropout(p=0.75), nn.Linear(1280, 10),
                                  nn.Softmax(dim=1))

    def forward(self, x: Tensor) -> Tensor:
        """Score distribution ``N x 10`` (probabilities of the scores 1..10)."""
        return self.head(self.base_model(x).flatten(1))

    @staticmethod
    def mean_score(distribution: Tensor) -> Tensor:
        """NIMA's reported score: sum_k k p_k over k = 1..10."""
        scores = torch.arange(1, 11, dtype=distribution.dtype, device=distribution.device)
        # mu = sum_{k=1}^{10} k p_k
        return (distribution * scores).sum(dim=1)
