"""Small RGB ICC profiles for tests: Display P3 and Adobe RGB (1998), built from their published primaries.

Pillow's Little CMS bindings create only sRGB, Lab and XYZ profiles, so the
test photos in other colour spaces carry a minimal version 2 matrix/TRC
display profile written here: a header, a description, the D50 white point,
the three colorants (the primaries' XYZ, Bradford-adapted from D65 to D50 as
ICC requires) and the tone curves. Little CMS reads it like any camera's
profile. ``srgb_from(...)`` gives the expected sRGB value of a pixel with
plain matrix arithmetic, independent of Little CMS.
"""
from __future__ import annotations

import struct

import numpy as np

D65_XY = (0.3127, 0.3290)
D50_XYZ = np.array([0.9642, 1.0, 0.8249])
BRADFORD = np.array([[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]])

DISPLAY_P3 = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))
ADOBE_RGB = ((0.640, 0.330), (0.210, 0.710), (0.150, 0.060))
SRGB = ((0.640, 0.330), (0.300, 0.600), (0.150, 0.060))


def _xyz(xy: tuple[float, float]) -> np.ndarray:
    x, y = xy
    return np.array([x / y, 1.0, (1 - x - y) / y])


def rgb_to_xyz(primaries: tuple[tuple[float, float], ...], white: tuple[float, float] = D65_XY) -> np.ndarray:
    """The 3 x 3 matrix from linear RGB to XYZ (white -> Y = 1) for the given chromaticities."""
    columns = np.stack([_xyz(p) for p in primaries], axis=1)
    scale = np.linalg.solve(columns, _xyz(white))
    return columns * scale


def _to_d50(matrix: np.ndarray) -> np.ndarray:
    source, target = BRADFORD @ _xyz(D65_XY), BRADFORD @ D50_XYZ
    adapt = np.linalg.inv(BRADFORD) @ np.diag(target / source) @ BRADFORD
    return adapt @ matrix


def srgb_decode(values: np.ndarray) -> np.ndarray:
    return np.where(values <= 0.04045, values / 12.92, ((values + 0.055) / 1.055) ** 2.4)


def srgb_encode(values: np.ndarray) -> np.ndarray:
    values = np.clip(values, 0.0, 1.0)
    return np.where(values <= 0.0031308, values * 12.92, 1.055 * values ** (1 / 2.4) - 0.055)


def srgb_from(pixel: tuple[int, int, int], primaries: tuple[tuple[float, float], ...],
              gamma: float | None = None) -> np.ndarray:
    """The 8-bit sRGB value of an 8-bit ``pixel`` stored in the colour space ``primaries`` (D65 white).

    ``gamma=None`` means the sRGB tone curve (Display P3's); a number a pure power law (Adobe RGB's 2.2).
    """
    encoded = np.asarray(pixel, dtype=float) / 255.0
    linear = srgb_decode(encoded) if gamma is None else encoded ** gamma
    xyz = rgb_to_xyz(primaries) @ linear
    return srgb_encode(np.linalg.solve(rgb_to_xyz(SRGB), xyz)) * 255.0


def _s15(value: float) -> bytes:
    return struct.pack(">i", int(round(value * 65536)))


def _xyz_tag(xyz: np.ndarray) -> bytes:
    return b"XYZ " + bytes(4) + b"".join(_s15(v) for v in xyz)


def _desc_tag(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    return (b"desc" + bytes(4) + struct.pack(">I", len(ascii_text)) + ascii_text
            + struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + bytes(67))


def _curve_tag(gamma: float | None) -> bytes:
    if gamma is not None:
        return b"curv" + bytes(4) + struct.pack(">IH", 1, int(round(gamma * 256)))
    table = np.round(srgb_decode(np.linspace(0.0, 1.0, 1024)) * 65535).astype(">u2")
    return b"curv" + bytes(4) + struct.pack(">I", table.size) + table.tobytes()


def rgb_profile(name: str, primaries: tuple[tuple[float, float], ...], gamma: float | None = None) -> bytes:
    """A version 2 RGB display profile (matrix + tone curves) as ICC bytes."""
    colorants = _to_d50(rgb_to_xyz(primaries))
    curve = _curve_tag(gamma)
    tags = [(b"desc", _desc_tag(name)), (b"cprt", b"text" + bytes(4) + b"No copyright, test data\0"),
            (b"wtpt", _xyz_tag(D50_XYZ)), (b"rXYZ", _xyz_tag(colorants[:, 0])),
            (b"gXYZ", _xyz_tag(colorants[:, 1])), (b"bXYZ", _xyz_tag(colorants[:, 2])),
            (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve)]
    offset = 128 + 4 + 12 * len(tags)
    table, body = struct.pack(">I", len(tags)), b""
    for signature, data in tags:
        padded = data + bytes(-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += padded
    size = offset + len(body)
    header = (struct.pack(">I", size) + b"lcms" + bytes([2, 0x10, 0, 0]) + b"mntr" + b"RGB " + b"XYZ "
              + struct.pack(">6H", 2024, 1, 1, 0, 0, 0) + b"acsp" + bytes(24) + struct.pack(">I", 0)
              + b"".join(_s15(v) for v in D50_XYZ) + b"test" + bytes(44))
    assert len(header) == 128
    return header + table + body


def display_p3() -> bytes:
    """Display P3: DCI-P3 primaries, D65 white, the sRGB tone curve."""
    return rgb_profile("Display P3", DISPLAY_P3)


def adobe_rgb() -> bytes:
    """Adobe RGB (1998): wider greens, D65 white, gamma 563/256."""
    return rgb_profile("Adobe RGB (1998)", ADOBE_RGB, gamma=563 / 256)
