"""Reading photos from disk and moving them between numpy and torch.

Every photo enters the project through :func:`load_rgb`, which returns an
8-bit ``H x W x 3`` sRGB array whatever the file holds:

* the EXIF orientation tag is applied (a portrait shot from a phone is upright);
* grayscale (``L``, ``LA``, ``1``) is repeated over three channels; palette
  images (``P``) are expanded;
* transparency (``RGBA``, ``LA``, ``P`` with a transparent colour) is
  **composited on white**, the way a page shows the image; dropping the
  alpha channel instead would reveal whatever colour the encoder left under
  transparent pixels (often black or garbage);
* CMYK (e.g. print JPEGs) and files with an embedded ICC profile are
  converted to sRGB (with the embedded profile when Little CMS is available):
  a photo in Display P3 or Adobe RGB keeps its colours instead of looking
  washed out;
* 16-bit data (``I;16`` grayscale PNG/TIFF) is scaled to 8 bit by
  ``round(v / 257)`` (65535 -> 255; the package's one rounding rule,
  :func:`enhancelib.data.conversion.quantise`), not clipped; 16-bit RGB PNG/TIFF are
  reduced by Pillow to their high byte, which is within one 8-bit level of
  the exact scaling.

:func:`load_photo` returns the same pixels together with what an enhanced
copy should keep (:class:`Photo`): the file's format, its EXIF block made
ready for an output (orientation reset, thumbnail dropped), the colour space
the pixels were converted from and the bits per channel the file stored.

Files that cannot be read raise :class:`ImageError` (a ``ValueError``) whose
message names the file, the problem and the fix. Images with more than
``max_pixels`` pixels are refused before they are decoded (a guard against
"decompression bombs"); pass a larger ``max_pixels`` to read them.

Tensors follow the package convention: float ``3 x H x W`` in ``[0, 1]``
(:func:`to_tensor`); they become 8-bit images again with
:func:`enhancelib.data.conversion.to_uint8`.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch
import torch.nn.functional as F
from PIL import ExifTags, Image, ImageCms, ImageOps, UnidentifiedImageError

from enhancelib.data.conversion import quantise, to_uint8

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "IMAGE_SUFFIXES",
    "ImageError",
    "Photo",
    "SRGB_ICC",
    "list_images",
    "load_photo",
    "load_rgb",
    "resize_long_side",
    "to_tensor",
]

DEFAULT_MAX_PIXELS = 100_000_000
"""Largest image (width x height) :func:`load_rgb` decodes unless told otherwise."""

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp", ".ppm", ".pgm", ".gif"}
)
"""File name endings :func:`list_images` treats as images (case-insensitive)."""

_SRGB_PROFILE = ImageCms.createProfile("sRGB")

SRGB_ICC: bytes = ImageCms.ImageCmsProfile(_SRGB_PROFILE).tobytes()
"""An sRGB ICC profile (Little CMS's own) to embed in images written by the package."""

_SRGB_COLORANTS = [getattr(ImageCms.ImageCmsProfile(_SRGB_PROFILE).profile, f"{channel}_colorant")[0]
                   for channel in ("red", "green", "blue")]
_SRGB_COLORANT_TOLERANCE = 0.002
"""How far (in D50 XYZ) a profile's primaries may be from sRGB's and still count as sRGB."""

Array = TypeVar("Array", np.ndarray, torch.Tensor)


class ImageError(ValueError):
    """A file that is not a readable image, or an image that cannot be used."""


# ---------------------------------------------------------------- reading
@dataclass(frozen=True)
class Photo:
    """A photo as :func:`load_photo` reads it: sRGB pixels and what an enhanced copy should keep."""

    pixels: np.ndarray
    """``uint8`` ``H x W x 3`` sRGB, upright (EXIF orientation applied)."""
    format: str | None
    """Pillow's name of the file format (``"JPEG"``, ``"PNG"``, ``"TIFF"``, ...)."""
    exif: bytes | None
    """The file's EXIF block for an output: orientation 1, no embedded thumbnail; ``None`` if it had none."""
    converted_from: str | None
    """The embedded colour profile the pixels were converted to sRGB from, when it is not sRGB."""
    bits: int
    """Bits per channel the file stored (8, or 16 for 16-bit PNG/TIFF); the pixels are always 8-bit."""


def load_rgb(path: str | Path, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read an image file as ``uint8`` ``H x W x 3`` sRGB (see the module docstring).

    ``max_pixels=None`` lifts the size limit entirely (only for files you trust).
    """
    return load_photo(path, max_pixels).pixels


def load_photo(path: str | Path, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> Photo:
    """Read an image file as :func:`load_rgb` does, with its metadata (:class:`Photo`)."""
    path = Path(path)
    if not path.is_file():
        raise ImageError(
            f"{path}: no such file. Check the path (it is relative to "
            f"{Path.cwd()}) or pass an absolute one."
        )
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ImageError(f"{path}: cannot be read ({err}). Check its permissions.") from err
    previous_limit = Image.MAX_IMAGE_PIXELS
    try:
        # Pillow's own bomb check is replaced by ours, which says how to lift it.
        Image.MAX_IMAGE_PIXELS = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            width, height = image.size
            if max_pixels is not None and width * height > max_pixels:
                raise ImageError(
                    f"{path}: the image is {width} x {height} = {width * height} pixels, above "
                    f"the limit of {max_pixels} pixels ({max_pixels / 1e6:g} megapixels) that "
                    "guards against decompression bombs. If you trust the file, call "
                    f"load_rgb(path, max_pixels={width * height}) (or None for no limit), "
                    "or shrink the image first."
                )
            file_format, bits = image.format, _bits_per_channel(image)
            image.load()
            try:
                image = ImageOps.exif_transpose(image)
            except Exception:  # a malformed EXIF block: keep the stored orientation
                pass
            photo = Photo(pixels=_to_rgb_array(image), format=file_format, exif=_exif_for_output(image),
                          converted_from=_foreign_profile_name(image), bits=bits)
    except ImageError:
        raise
    except UnidentifiedImageError as err:
        raise ImageError(
            f"{path}: not an image file Pillow can read (JPEG, PNG, TIFF, WebP, BMP, ...). "
            "Remove it from the folder or convert it to one of these formats."
        ) from err
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise ImageError(
            f"{path}: the image is corrupt or truncated ({err}). Re-export or re-download it, "
            "or remove it from the folder."
        ) from err
    finally:
        Image.MAX_IMAGE_PIXELS = previous_limit
    return photo


def _bits_per_channel(image: Image.Image) -> int:
    """16 for 16-bit PNG/TIFF data (read before decoding, from the decoder's raw mode), else 8."""
    if image.mode.startswith("I;16") or image.mode == "I":
        return 16
    rawmodes = [str(tile.args) for tile in getattr(image, "tile", [])]
    return 16 if any(";16" in rawmode for rawmode in rawmodes) else 8


def _exif_for_output(image: Image.Image) -> bytes | None:
    """The EXIF block to copy into an enhanced copy of ``image`` (already upright), or ``None``.

    The orientation tag is reset to 1 (the pixels are already turned), the
    embedded thumbnail (IFD1, which would show the unenhanced photo) is not
    written, and the Exif IFD's pixel dimensions follow the upright image. A
    block Pillow cannot parse or write is dropped rather than failing the photo.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)   # Pillow's "Corrupt EXIF data": the block is dropped
            exif = image.getexif()
            if not len(exif):
                return None
            exif[ExifTags.Base.Orientation] = 1
            for tag in (ExifTags.Base.JpegIFOffset, ExifTags.Base.JpegIFByteCount):   # a thumbnail kept in IFD0
                if tag in exif:
                    del exif[tag]
            details = exif.get_ifd(ExifTags.IFD.Exif)
            for tag, size in ((ExifTags.Base.ExifImageWidth, image.width),
                              (ExifTags.Base.ExifImageHeight, image.height)):
                if tag in details:
                    details[tag] = size
            return exif.tobytes()   # IFD0 with its Exif and GPS IFDs; IFD1 (the thumbnail) is never written
    except Exception:  # noqa: BLE001 - malformed EXIF comes in many forms
        return None


def _foreign_profile_name(image: Image.Image) -> str | None:
    """The name of ``image``'s embedded ICC profile when it is not an sRGB one, else ``None``."""
    icc = image.info.get("icc_profile")
    if not icc:
        return None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        name = ImageCms.getProfileDescription(profile).strip() or "an unnamed ICC profile"
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None
    if "srgb" in name.lower() or _has_srgb_primaries(profile):
        return None
    return name


def _has_srgb_primaries(profile: ImageCms.ImageCmsProfile) -> bool:
    """True for an RGB matrix profile whose primaries are sRGB's (a small sRGB profile under another name)."""
    try:
        colorants = [getattr(profile.profile, f"{channel}_colorant")[0] for channel in ("red", "green", "blue")]
        return all(abs(a - b) <= _SRGB_COLORANT_TOLERANCE
                   for ours, srgb in zip(colorants, _SRGB_COLORANTS) for a, b in zip(ours, srgb))
    except (AttributeError, TypeError, IndexError):  # not an RGB matrix profile
        return False


def _to_rgb_array(image: Image.Image) -> np.ndarray:
    """Any Pillow mode -> uint8 H x W x 3 sRGB."""
    mode = image.mode
    if mode.startswith("I") or mode == "F":
        values = np.asarray(image).astype(np.float64)
        if mode == "F":
            # Float images: [0, 1] if they fit there, otherwise 8-bit values.
            full_scale = 1.0 if values.max(initial=0.0) <= 1.0 else 255.0
        else:
            # I;16* and I (what Pillow gives for 16-bit PNG/TIFF): 0..65535.
            full_scale = 65535.0
        gray = quantise(values / full_scale, what="a one-channel image")
        return np.repeat(gray[:, :, None], 3, axis=2)
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode in ("LA", "La", "PA", "RGBa") or (mode in ("L", "RGB") and "transparency" in image.info):
        image = image.convert("RGBA")
    if image.mode == "RGBA":
        # Alpha composited on white: out = alpha * colour + (1 - alpha) * 1.
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image)
    image = _icc_to_srgb(image)
    return np.asarray(image.convert("RGB"), dtype=np.uint8).copy()


def _icc_to_srgb(image: Image.Image) -> Image.Image:
    """Convert with the embedded ICC profile when there is one (CMYK, Adobe RGB, P3...)."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, source, _SRGB_PROFILE, outputMode="RGB")
        assert converted is not None  # None only when converting in place
        return converted
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile: fall back to Pillow's plain conversion


# ------------------------------------------------------------- conversion
def to_tensor(image: np.ndarray) -> torch.Tensor:
    """``uint8`` ``H x W x 3`` -> float32 ``3 x H x W`` in ``[0, 1]``."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        got = f"{type(image).__name__} {getattr(image, 'dtype', '')} {getattr(image, 'shape', '')}"
        raise ImageError(f"to_tensor expects a uint8 H x W x 3 array (from load_rgb); got {got}.")
    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))).float().div_(255.0)


def resize_long_side(image: Array, long_side: int, upscale: bool = False) -> Array:
    """Resize so that the long side is ``long_side``, keeping the aspect ratio.

    Accepts ``uint8`` ``H x W x 3`` arrays and float ``(N x) 3 x H x W``
    tensors and returns the same kind. Downsampling is antialiased (a
    bilinear filter widened to the scale factor, i.e. area-like averaging,
    no ringing); upsampling is bilinear. Images already small enough are
    returned unchanged unless ``upscale`` is true.
    """
    if long_side < 1:
        raise ValueError(f"long_side must be a positive number of pixels, got {long_side}.")
    if isinstance(image, np.ndarray):
        tensor = to_tensor(image)
        return to_uint8(resize_long_side(tensor, long_side, upscale))
    height, width = image.shape[-2:]
    current = max(height, width)
    if current == long_side or (current < long_side and not upscale):
        return image
    scale = long_side / current
    size = (max(1, round(height * scale)), max(1, round(width * scale)))
    batch = image if image.ndim == 4 else image.unsqueeze(0)
    resized = F.interpolate(batch.float(), size=size, mode="bilinear", align_corners=False,
                            antialias=scale < 1)
    resized = resized.clamp_(0.0, 1.0).to(image.dtype)
    return resized if image.ndim == 4 else resized.squeeze(0)


# ---------------------------------------------------------------- folders
def list_images(folder: str | Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """All image files under ``folder`` (recursively, sorted) and the files skipped.

    Skipped files are ``(path, reason)`` pairs: files whose name does not end
    in one of :data:`IMAGE_SUFFIXES` (hidden files such as ``.DS_Store``
    included). Whether an image file is actually readable is found out when it
    is loaded. Raises :class:`ImageError` if the folder does not exist, is not
    a folder, or holds no image file.
    """
    folder = Path(folder)
    if not folder.exists():
        raise ImageError(f"{folder}: no such folder. Check the path (relative to {Path.cwd()}).")
    if not folder.is_dir():
        raise ImageError(f"{folder}: is a file, not a folder. Pass the folder that holds the photos.")
    images: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith("."):
            images.append(path)
        else:
            skipped.append((path, f"not an image file name (allowed endings: {sorted(IMAGE_SUFFIXES)})"))
    if not images:
        extra = f" ({len(skipped)} other files were found)" if skipped else ""
        raise ImageError(
            f"{folder}: holds no image files{extra}. Put .jpg/.png/.tif photos in it "
            "(sub-folders are searched too)."
        )
    return images, skipped
