"""An EXIF block like a camera's, embedded thumbnail included, for tests of what enhanced copies keep."""
from __future__ import annotations

import io
import struct

from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

Base, IFD = ExifTags.Base, ExifTags.IFD

CAMERA = {Base.Make: "Fujifilm", Base.Model: "X-T30", Base.DateTime: "2024:06:01 18:30:00",
          Base.Software: "Digital Camera X-T30 Ver1.20", Base.Artist: "A. Photographer"}
"""IFD0 fields a photographer keeps."""
SHOT = {Base.DateTimeOriginal: "2024:06:01 18:29:59", Base.ExposureTime: IFDRational(1, 250),
        Base.FNumber: IFDRational(28, 10), Base.ISOSpeedRatings: 400, Base.LensModel: "XF35mmF1.4 R"}
"""Exif IFD fields a photographer keeps."""
PLACE = {1: "N", 2: (IFDRational(48, 1), IFDRational(51, 1), IFDRational(30, 1))}
"""GPS IFD fields (latitude reference and latitude)."""


def camera_exif(width: int, height: int, orientation: int) -> bytes:
    """EXIF bytes for a ``width`` x ``height`` stored photo shown turned by ``orientation``, with a thumbnail."""
    exif = Image.Exif()
    for tag, value in CAMERA.items():
        exif[tag] = value
    exif[Base.Orientation] = orientation
    details = exif.get_ifd(IFD.Exif)
    details.update(SHOT)
    details[Base.ExifImageWidth], details[Base.ExifImageHeight] = width, height
    exif.get_ifd(IFD.GPSInfo).update(PLACE)
    return _with_thumbnail(exif.tobytes(), _thumbnail())


def _thumbnail() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _with_thumbnail(block: bytes, thumbnail: bytes) -> bytes:
    """Append IFD1 (compression 6, JPEGInterchangeFormat and its length) and the thumbnail to an EXIF block."""
    prefix, tiff = block[:6], bytearray(block[6:])
    order = "<" if tiff[:2] == b"II" else ">"
    ifd0 = struct.unpack(order + "I", tiff[4:8])[0]
    count = struct.unpack(order + "H", tiff[ifd0:ifd0 + 2])[0]
    next_pointer = ifd0 + 2 + 12 * count
    tiff += bytes(len(tiff) % 2)
    ifd1 = len(tiff)
    data = ifd1 + 2 + 3 * 12 + 4
    entries = [struct.pack(order + "HHI", 0x0103, 3, 1) + struct.pack(order + "H", 6) + bytes(2),
               struct.pack(order + "HHII", Base.JpegIFOffset, 4, 1, data),
               struct.pack(order + "HHII", Base.JpegIFByteCount, 4, 1, len(thumbnail))]
    tiff[next_pointer:next_pointer + 4] = struct.pack(order + "I", ifd1)
    tiff += struct.pack(order + "H", len(entries)) + b"".join(entries) + struct.pack(order + "I", 0) + thumbnail
    return prefix + bytes(tiff)
