"""Enhancing real photos at full resolution with a trained model.

A model is given by name (a chapter's recorded main model, see
:data:`enhancelib.PRETRAINED`), by a run folder (``config.json`` +
``generator.pt``) or by a ``generator.pt`` file, which records its recipe and
options. Photos keep their full resolution: curve models (GleNet's GEN) are
resolution-free by construction; fully convolutional generators run on the
whole image when it is at most ``tile`` pixels on its long side, and
otherwise on overlapping tiles blended with linear ramps, so memory stays
bounded whatever the photo's size. (UEGAN's and BNCAGAN's global attention
then sees each tile's statistics rather than the whole photo's; the overlap
and the blending hide the seams.)

What an enhanced photo keeps (:func:`save_enhanced`): its format follows the
input's unless asked otherwise (JPEG in, JPEG out at :data:`JPEG_QUALITY`
without chroma subsampling; every other format is written as PNG), the EXIF
block is copied (orientation reset, since the pixels are already upright, and
the embedded thumbnail of the unenhanced photo dropped), and the output is
tagged with an sRGB ICC profile, the colour space the networks work in.

A model is an :class:`Enhancer`: the generator alone, built from the run's
saved options by the function its recipe's module registers
(:data:`enhancelib.recipes.GENERATORS`), with the saved weights loaded. No
recipe, discriminator, loss or optimiser is built, and no VGG unless the
generator contains one (QAGAN's encoder). The generator pads, maps and clamps
by itself (its ``enhance``), exactly as training evaluated it.

Model files that cannot be used raise :class:`ModelFileError`, one line that
names the file, what was expected and what to pass instead.
"""
from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np
import torch
from torch import Tensor

from enhancelib.config import ParameterError
from enhancelib.nn.enhancer import EnhancerNetwork
from enhancelib.nn.state import float_state, mismatch_details

if TYPE_CHECKING:  # pragma: no cover
    from enhancelib.data.images import Photo
    from enhancelib.recipes import RecipeOptions

__all__ = ["JPEG_QUALITY", "Enhancer", "ModelFileError", "load_enhancer", "load_generator_file",
           "load_run_enhancer", "enhance_tensor", "output_suffix", "plan_outputs", "save_enhanced", "EnhanceReport"]

JPEG_QUALITY = 95
"""Default quality of JPEG outputs (with 4:4:4 chroma, i.e. no subsampling): visually lossless."""

_JPEG_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".jfif"})
_TORCH_LEGACY_MAGIC = bytes.fromhex("6cfc9c46f9206aa85019")
"""The magic number PyTorch's legacy (non-zip) format pickles first."""


class ModelFileError(ParameterError):
    """A model file (or run folder) that ``enhance`` and :func:`enhancelib.pretrained` cannot use."""


class Enhancer:
    """A trained generator as a function: ``enhancer(x)``, x ``N x 3 x H x W`` in [0, 1], returns the enhanced
    batch in [0, 1], float32 on the CPU.

    The generator does the padding, the mapping to its own range and the
    clamping itself (its ``enhance(x01)``); the enhancer moves the batch to
    the generator's device and runs it without autograd. The loaders
    (:func:`load_enhancer`, :func:`load_run_enhancer`,
    :func:`load_generator_file`, :func:`enhancelib.pretrained`) build one from
    saved weights; ``Enhancer(network, recipe)`` wraps any generator that has
    an ``enhance`` method.
    """

    def __init__(self, network: EnhancerNetwork, recipe: str, options: RecipeOptions | None = None,
                 device: str | torch.device = "cpu", source: Path | None = None) -> None:
        self.device = torch.device(device)
        self.network = network.to(self.device).eval()
        """The generator (in eval mode)."""
        self.recipe = recipe
        """The name of the recipe that trained it."""
        self.options = options
        """The recipe's options the generator was built from."""
        self.source = source
        """The run folder or generator file it was read from (None for a network built here)."""

    def __call__(self, x: Tensor) -> Tensor:
        with torch.inference_mode():
            return self.network.enhance(x.to(self.device)).float().cpu()

    def __repr__(self) -> str:
        return f"Enhancer({self.recipe!r} from {self.source})"


# ---------------------------------------------------------------- models
def _expected() -> str:
    from enhancelib import PRETRAINED

    return (f"a generator.pt written by enhancelib (training writes one into its run folder), a run folder, "
            f"or one of the recorded models {', '.join(sorted(PRETRAINED))}")


def load_enhancer(model: str, device: str = "cpu") -> Enhancer:
    """An :class:`Enhancer` from a name, a run folder or a generator.pt file."""
    from enhancelib import PRETRAINED, pretrained

    if model in PRETRAINED:
        return pretrained(model, device)
    path = Path(model)
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"{path} is not a run folder (no config.json).")
        return load_run_enhancer(path, device)
    if path.is_file():
        return load_generator_file(path, device)
    raise ParameterError(
        f"Unknown model {model!r}: give one of {sorted(PRETRAINED)}, a run folder, or a generator.pt file."
    )


def load_run_enhancer(path: str | Path, device: str = "cpu", fix: str | None = None) -> Enhancer:
    """The enhancer of the run folder ``path``: its ``config.json``'s recipe, options and VGG backbone, and
    the weights of its ``generator.pt`` (checked as :func:`load_generator_file` checks a file) or, where the run
    kept none, the averaged generator of its finished ``checkpoint.pt``.

    ``fix`` replaces the advice given when the folder's ``generator.pt`` cannot be used.
    """
    path = Path(path)
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"{path} is not a run folder (no config.json).")
    config = json.loads((path / "config.json").read_text())
    weights = path / "generator.pt"
    if weights.is_file():
        state = _read_generator_state(weights, fix)["state_dict"]
    elif (path / "checkpoint.pt").is_file():
        weights = path / "checkpoint.pt"
        state = _checkpoint_average(weights)
    else:
        raise FileNotFoundError(
            f"{path} keeps no generator weights (only main models do); "
            f"retrain it with: python -m enhancelib reproduce {path}"
        )
    return _build_enhancer(config["recipe"], config["options"], state, device, config.get("backbone", "auto"),
                           source=path, weights=weights, fix=fix)


def load_generator_file(path: Path, device: str = "cpu") -> Enhancer:
    """The enhancer saved in a ``generator.pt`` file (weights + recipe name + options)."""
    from enhancelib.recipes import GENERATORS

    state = _read_generator_state(path)
    if state["recipe"] not in GENERATORS:
        raise ModelFileError(
            f"{path} holds a generator of the recipe {state['recipe']!r}, which this version of enhancelib "
            f"does not have (recipes: {', '.join(sorted(GENERATORS))}): expected {_expected()}; pass one of those "
            "instead, or update enhancelib."
        )
    return _build_enhancer(state["recipe"], state["options"], state["state_dict"], device, "auto",
                           source=path, weights=path)


def _build_enhancer(recipe: str, options: Mapping[str, Any], state_dict: Mapping[str, Tensor], device: str,
                    backbone: str, source: Path, weights: Path, fix: str | None = None) -> Enhancer:
    """The generator of ``recipe`` alone, built from ``options``, with ``state_dict`` loaded (from ``weights``)."""
    from enhancelib.recipes import build_generator, get_recipe
    from enhancelib.runtime import configure

    configure()   # the process settings the records were scored with (flush-to-zero: no slow subnormal path)
    parsed = get_recipe(recipe).options_type.parse(options, recipe)
    network = build_generator(recipe, parsed, backbone)
    loaded = float_state(state_dict)
    details = mismatch_details(loaded, network)
    if details:
        raise ModelFileError(_mismatch_message(weights, details, fix))
    network.load_state_dict(loaded)
    return Enhancer(network, recipe, parsed, device, source)


def _checkpoint_average(path: Path) -> Mapping[str, Tensor]:
    """The averaged (EMA) generator of a finished run's training checkpoint."""
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - unpickling and archive errors come in many types
        raise ModelFileError(f"{path} cannot be read (damaged or truncated): expected {_expected()}.") from None
    state = checkpoint.get("ema") if isinstance(checkpoint, Mapping) else None
    if not state:
        raise FileNotFoundError(f"{path.parent} has no averaged generator in its checkpoint.")
    return state


def _read_generator_state(path: Path, fix: str | None = None) -> dict[str, Any]:
    """The payload of a generator file; :class:`ModelFileError` when ``path`` is not one."""
    fix = fix or "pass one of those instead"
    if not _is_torch_file(path):
        raise ModelFileError(f"{path} is not a PyTorch file{_looks_like(path)}: expected {_expected()}; {fix}.")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - unpickling and archive errors come in many types
        raise ModelFileError(
            f"{path} is a PyTorch file that cannot be read as weights (it is damaged, or it holds Python "
            f"objects such as a whole pickled model, which are not loaded since that could run code): "
            f"expected {_expected()}; {fix}."
        ) from None
    if isinstance(state, Mapping) and {"config", "ema", "step"} <= set(state):
        raise ModelFileError(
            f"{path} is a training checkpoint, not a generator file: expected {_expected()}; pass the run "
            f"folder that holds it once training has finished ({path.parent})."
        )
    if not (isinstance(state, Mapping) and isinstance(state.get("recipe"), str)
            and isinstance(state.get("options"), Mapping) and isinstance(state.get("state_dict"), Mapping)):
        raise ModelFileError(
            f"{path} is a PyTorch file but not a generator of this project (it lacks the weights' recipe "
            f"and options): expected {_expected()}; {fix}."
        )
    return dict(state)


def _is_torch_file(path: Path) -> bool:
    """True for PyTorch's zip format (a ``data.pkl`` inside) and its legacy pickle format."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return any(name.endswith("data.pkl") for name in archive.namelist())
        with open(path, "rb") as handle:
            head = handle.read(16)
    except (OSError, zipfile.BadZipFile):
        return False
    return head.startswith(b"\x80") and _TORCH_LEGACY_MAGIC in head


def _looks_like(path: Path) -> str:
    """`` (it looks like ...)`` for the kinds of files people pass by mistake, else ``""``."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(64)
    except OSError:
        return ""
    kinds = [(head == b"", "it is empty"),
             (head.startswith(b"version https://git-lfs"), "it is a Git LFS pointer: run `git lfs pull`"),
             (head.startswith(b"\xff\xd8\xff"), "it is a JPEG image"),
             (head.startswith(b"\x89PNG"), "it is a PNG image"),
             (head.startswith(b"\x89HDF"), "it is an HDF5 (Keras) file"),
             (head[8:10] == b'{"', "it looks like a safetensors file"),
             (zipfile.is_zipfile(path), "it is a zip archive without PyTorch data"),
             (head.startswith(b"PK\x03\x04"), "it looks like a truncated PyTorch file: copy or download it again")]
    for matched, words in kinds:
        if matched:
            return f" ({words})"
    return ""


def _mismatch_message(path: Path, details: str, fix: str | None = None) -> str:
    return (f"{path} holds weights of another architecture than the generator its recorded recipe and options "
            f"build ({details}): expected {_expected()}, written by this version of enhancelib; "
            f"{fix or 'pass one of those instead, or retrain the model with this version'}.")


def _ramp(length: int, overlap: int, first: bool, last: bool) -> Tensor:
    weight = torch.ones(length)
    if overlap > 0:
        ramp = torch.linspace(0, 1, overlap + 2)[1:-1]
        if not first:
            weight[:overlap] = ramp
        if not last:
            weight[-overlap:] = ramp.flip(0)
    return weight


def _starts(size: int, tile: int, overlap: int) -> list[int]:
    if size <= tile:
        return [0]
    step = tile - overlap
    starts = list(range(0, size - tile, step)) + [size - tile]
    return sorted(set(starts))


def enhance_tensor(enhance: Callable[[Tensor], Tensor], image: Tensor, tile: int = 1024,
                   overlap: int = 64) -> Tensor:
    """Enhance a 3 x H x W image in [0, 1], in blended tiles when it is larger than ``tile``."""
    _, height, width = image.shape
    if max(height, width) <= tile:
        return enhance(image[None])[0]
    overlap = min(overlap, tile // 4)
    out = torch.zeros_like(image)
    total = torch.zeros(1, height, width)
    ys, xs = _starts(height, tile, overlap), _starts(width, tile, overlap)
    for y in ys:
        for x in xs:
            patch = image[:, y:y + tile, x:x + tile]
            result = enhance(patch[None])[0]
            h, w = patch.shape[1:]
            weight = (_ramp(h, overlap, y == ys[0], y == ys[-1])[:, None]
                      * _ramp(w, overlap, x == xs[0], x == xs[-1])[None, :])
            out[:, y:y + h, x:x + w] += result * weight
            total[:, y:y + h, x:x + w] += weight
    return out / total


@dataclass
class EnhanceReport:
    written: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def output_suffix(source: Path, suffix: str | None = None) -> str:
    """The output file ending for ``source``: ``suffix`` if given, else ``.jpg`` for JPEG inputs and ``.png``."""
    if suffix is not None:
        return suffix
    return ".jpg" if source.suffix.lower() in _JPEG_SUFFIXES else ".png"


def plan_outputs(inputs: list[Path], out_dir: Path,
                 suffix: str | None = ".png") -> tuple[list[tuple[Path, Path]], list[tuple[Path, str]]]:
    """Map every input file (folders expanded) to its output path; refuse overwriting inputs.

    ``suffix=None`` makes each output follow its input (:func:`output_suffix`).
    Returns the (input, output) pairs and the skipped non-image files.
    """
    from enhancelib.data.images import list_images

    out_dir = out_dir.resolve()
    pairs: list[tuple[Path, Path]] = []
    skipped: list[tuple[Path, str]] = []
    for item in inputs:
        if item.is_dir():
            root = item.resolve()
            if out_dir == root or root in out_dir.parents:
                raise ValueError(
                    f"The output folder {out_dir} is inside the input folder {root}: a later run would "
                    "enhance its own outputs. Choose an output folder outside the inputs."
                )
            files, bad = list_images(item)
            skipped += bad
            pairs += [(f, out_dir / f.resolve().relative_to(root).with_suffix(output_suffix(f, suffix)))
                      for f in files]
        elif item.is_file():
            pairs.append((item, out_dir / (item.stem + output_suffix(item, suffix))))
        else:
            raise FileNotFoundError(f"Input {item} does not exist.")
    inputs_resolved = {p.resolve() for p, _ in pairs}
    for _, target in pairs:
        if target.resolve() in inputs_resolved:
            raise ValueError(f"Writing {target} would overwrite an input; choose another output folder.")
    seen: set[Path] = set()
    for _, target in pairs:
        if target in seen:
            raise ValueError(f"Two inputs would both be written to {target}; enhance them into separate folders.")
        seen.add(target)
    return pairs, skipped


# ---------------------------------------------------------------- writing
def save_enhanced(pixels: np.ndarray, target: Path, photo: "Photo | None" = None,
                  jpeg_quality: int = JPEG_QUALITY) -> bool:
    """Write ``uint8`` ``H x W x 3`` sRGB ``pixels`` to ``target`` (JPEG for .jpg/.jpeg, else PNG).

    The output carries an sRGB ICC profile and, when ``photo`` (the input as
    :func:`enhancelib.data.images.load_photo` read it) had one, its EXIF block.
    JPEGs are written at ``jpeg_quality`` with full-resolution chroma (4:4:4).
    Returns False when the input's EXIF could not be kept (a block over the
    64 kB a JPEG segment holds), True otherwise.
    """
    from PIL import Image

    from enhancelib.data.images import SRGB_ICC

    options: dict[str, Any] = {"icc_profile": SRGB_ICC}
    if photo is not None and photo.exif:
        options["exif"] = photo.exif
    if target.suffix.lower() in _JPEG_SUFFIXES:
        options.update(format="JPEG", quality=jpeg_quality, subsampling=0)
    else:
        options.update(format="PNG")
    image = Image.fromarray(pixels)
    try:
        image.save(target, **options)
    except ValueError as error:      # an EXIF block larger than a JPEG segment (64 kB): keep the photo
        if "exif" not in options or "EXIF" not in str(error):
            raise
        image.save(target, **{k: v for k, v in options.items() if k != "exif"})
        return False
    return True
