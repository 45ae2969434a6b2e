"""Before/after comparison slider for notebooks and the static book.

Drag the line to reveal one image over the other.  With more than two
images, two drop-down menus choose which pair is compared (input against any
method, one method against another, a method against the target).

All interaction lives in the widget's own JavaScript (``slider.js``): no
Python callback is involved, so the widget works in JupyterLab *and* in the
built HTML book with no kernel and no internet (the page embeds the widget
state, pictures included).  Pictures are stored as JPEG data URLs with their
long side capped, which keeps pages small.

>>> compare(input=low, output=enhanced, target=high)               # doctest: +SKIP
>>> compare_methods(low, {"UEGAN": a, "GleNet": b}, target=high)    # doctest: +SKIP
>>> BeforeAfter({"before": low, "after": enhanced}, position=0.3)  # doctest: +SKIP

Images are float tensors ``3 x H x W`` in [0, 1], ``uint8`` arrays or PIL
images (see :mod:`enhancelib.viz.encode`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import anywidget
import traitlets
from PIL import Image

from enhancelib.data.conversion import ImageLike
from enhancelib.viz.encode import fit_long_side, jpeg_data_url, to_pil

__all__ = ["BeforeAfter", "compare", "compare_methods"]

_HERE = Path(__file__).parent
_ASPECT_TOLERANCE = 0.03
"""Images of one comparison may differ in aspect ratio by this fraction (crops to a multiple of 16)."""


def _encode_all(images: Mapping[str, ImageLike], max_side: int, quality: int) -> tuple[list[dict[str, str]], int, int]:
    """Encode every image at the size of the first one (after capping its long side)."""
    if len(images) < 2:
        raise ValueError(f"A comparison needs at least two images, got {len(images)}: {list(images)}.")
    pictures = {}
    for label, image in images.items():
        if not isinstance(label, str) or not label:
            raise TypeError(f"Image labels must be non-empty strings, got {label!r}.")
        pictures[label] = to_pil(image, name=f"image {label!r}")
    first_label, first = next(iter(pictures.items()))
    reference = fit_long_side(first, max_side)
    aspect = first.width / first.height
    encoded = []
    for label, picture in pictures.items():
        other = picture.width / picture.height
        if abs(other / aspect - 1) > _ASPECT_TOLERANCE:
            raise ValueError(
                f"Image {label!r} is {picture.width}x{picture.height} but {first_label!r} is "
                f"{first.width}x{first.height}: a slider compares views of the same scene, so their "
                "aspect ratios must match (crop or resize them alike first)."
            )
        if picture.size != reference.size:
            picture = picture.resize(reference.size, Image.Resampling.BICUBIC)
        encoded.append({"label": label, "src": jpeg_data_url(picture, quality)})
    return encoded, reference.width, reference.height


class BeforeAfter(anywidget.AnyWidget):
    """Compare images of one scene by dragging a split line.

    Parameters
    ----------
    images:
        Label -> image, at least two, all of the same scene (same aspect
        ratio; they are shown at the size of the first one).
    left, right:
        Labels shown left and right of the line; default: the first two.
    position:
        Initial split, the fraction of the width showing ``left`` (0..1).
    title:
        Optional caption shown above the pictures.
    max_side:
        Long side, in pixels, of the pictures stored in the page.
    quality:
        JPEG quality of the stored pictures.

    ``left``, ``right`` and ``position`` are live traits: set them from
    Python, or let the reader change them in the page.
    """

    _esm = (_HERE / "slider.js").read_text(encoding="utf-8")
    _css = (_HERE / "slider.css").read_text(encoding="utf-8")

    images = traitlets.List(traitlets.Dict(), help="[{label, src}] with JPEG data URLs").tag(sync=True)
    left = traitlets.Unicode(help="label shown left of the line").tag(sync=True)
    right = traitlets.Unicode(help="label shown right of the line").tag(sync=True)
    position = traitlets.Float(0.5, help="split, fraction of the width showing `left`").tag(sync=True)
    width = traitlets.Int(help="pixel width of the stored pictures").tag(sync=True)
    height = traitlets.Int(help="pixel height of the stored pictures").tag(sync=True)
    title = traitlets.Unicode("", help="caption above the pictures").tag(sync=True)

    def __init__(
        self,
        images: Mapping[str, ImageLike],
        *,
        left: str | None = None,
        right: str | None = None,
        position: float = 0.5,
        title: str = "",
        max_side: int = 640,
        quality: int = 85,
        **kwargs: Any,
    ) -> None:
        if not isinstance(images, Mapping):
            raise TypeError(
                f"images must be a mapping label -> image, got {type(images).__name__}; "
                "e.g. BeforeAfter({'input': x, 'output': y})."
            )
        encoded, width, height = _encode_all(images, max_side, quality)
        labels = [item["label"] for item in encoded]
        super().__init__(
            images=encoded,
            width=width,
            height=height,
            title=title,
            left=labels[0] if left is None else left,
            right=labels[1] if right is None else right,
            position=position,
            **kwargs,
        )

    @property
    def labels(self) -> list[str]:
        """Labels of the images, in the order given."""
        return [item["label"] for item in self.images]

    @traitlets.validate("left", "right")
    def _known_label(self, proposal: traitlets.Bunch) -> str:
        value = proposal["value"]
        labels = self.labels
        if labels and value not in labels:
            raise traitlets.TraitError(f"{value!r} is not one of the images {labels}.")
        return value

    @traitlets.validate("position")
    def _fraction(self, proposal: traitlets.Bunch) -> float:
        value = float(proposal["value"])
        if not 0.0 <= value <= 1.0:
            raise traitlets.TraitError(f"position is a fraction of the width in [0, 1], got {value}.")
        return value


def compare(
    input: ImageLike,
    output: ImageLike,
    target: ImageLike | None = None,
    *,
    labels: Sequence[str] = ("input", "output", "target"),
    **kwargs: Any,
) -> BeforeAfter:
    """Slider between a network's ``input`` and ``output`` (and optionally the ``target``).

    ``labels`` names the three images; with a target, the menus let the
    reader compare output against target too.  Other keyword arguments go to
    :class:`BeforeAfter`.
    """
    if len(labels) < (3 if target is not None else 2):
        raise ValueError(f"labels needs one name per image (input, output[, target]), got {list(labels)}.")
    if len(set(labels)) != len(labels):
        raise ValueError(f"labels must be distinct, got {list(labels)}.")
    images: dict[str, ImageLike] = {labels[0]: input, labels[1]: output}
    if target is not None:
        images[labels[2]] = target
    return BeforeAfter(images, left=labels[0], right=labels[1], **kwargs)


def compare_methods(
    input: ImageLike,
    outputs: Mapping[str, ImageLike],
    target: ImageLike | None = None,
    *,
    input_label: str = "input",
    target_label: str = "target",
    **kwargs: Any,
) -> BeforeAfter:
    """One slider for several methods on the same photo.

    Starts as input (left) against the first method (right); two menus let
    the reader put any two of input, methods and target side by side.
    """
    if not outputs:
        raise ValueError("outputs is empty: pass {method name: enhanced image, ...}.")
    clashes = {input_label, target_label} & set(outputs)
    if clashes:
        raise ValueError(
            f"Method name(s) {sorted(clashes)} clash with input_label/target_label; rename them."
        )
    images: dict[str, ImageLike] = {input_label: input, **outputs}
    if target is not None:
        images[target_label] = target
    first_method = next(iter(outputs))
    return BeforeAfter(images, left=input_label, right=first_method, **kwargs)
