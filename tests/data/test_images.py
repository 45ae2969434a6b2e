"""Reading every kind of file a user may have, and the numpy <-> torch conversions."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import ExifTags, Image

from enhancelib.data.conversion import to_uint8
from enhancelib.data.images import (SRGB_ICC, ImageError, list_images, load_photo, load_rgb, resize_long_side,
                                    to_tensor)
from tests.data.camera_exif import CAMERA, PLACE, SHOT, camera_exif
from tests.data.icc_profiles import ADOBE_RGB, DISPLAY_P3, SRGB, adobe_rgb, display_p3, rgb_profile, srgb_from


def write_png16_rgb(path: Path, array: np.ndarray) -> None:
    """A 16-bit-per-channel RGB PNG (Pillow cannot write these)."""
    height, width, _ = array.shape
    raw = b"".join(b"\x00" + array[y].astype(">u2").tobytes() for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
                     + chunk(b"IEND", b""))


def gradient(height: int = 12, width: int = 16) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 15, y * 20, (x + y) * 8], axis=2).clip(0, 255).astype(np.uint8)


def test_rgb_png_round_trips_exactly(tmp_path: Path) -> None:
    image = gradient()
    Image.fromarray(image).save(tmp_path / "a.png")
    loaded = load_rgb(tmp_path / "a.png")
    assert loaded.dtype == np.uint8 and loaded.shape == (12, 16, 3)
    np.testing.assert_array_equal(loaded, image)


def test_corrupt_jpeg_names_the_file_and_the_problem(tmp_path: Path) -> None:
    buffer = tmp_path / "good.jpg"
    Image.fromarray(gradient(64, 64)).save(buffer, quality=90)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(buffer.read_bytes()[:300])
    with pytest.raises(ImageError, match="broken.jpg.*(corrupt|truncated|not an image)"):
        load_rgb(broken)


def test_text_file_named_jpg_is_not_an_image(tmp_path: Path) -> None:
    fake = tmp_path / "notes.jpg"
    fake.write_text("these are my holiday notes, not a photo")
    with pytest.raises(ImageError, match="notes.jpg.*not an image file.*Remove it"):
        load_rgb(fake)
    assert issubclass(ImageError, ValueError)


def test_missing_file_and_folder_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="no such file"):
        load_rgb(tmp_path / "nothing.png")
    with pytest.raises(ImageError, match="no such file"):
        load_rgb(tmp_path)


def test_grayscale_becomes_three_equal_channels(tmp_path: Path) -> None:
    gray = np.arange(0, 240, 2, dtype=np.uint8).reshape(10, 12)
    Image.fromarray(gray, mode="L").save(tmp_path / "g.png")
    loaded = load_rgb(tmp_path / "g.png")
    assert loaded.shape == (10, 12, 3)
    for channel in range(3):
        np.testing.assert_array_equal(loaded[..., channel], gray)


def test_rgba_is_composited_on_white(tmp_path: Path) -> None:
    rgba = np.zeros((2, 3, 4), dtype=np.uint8)
    rgba[..., 0] = 200  # red everywhere
    rgba[0, :, 3] = 0   # first row fully transparent
    rgba[1, 0, 3] = 255  # opaque
    rgba[1, 1, 3] = 128  # half transparent
    rgba[1, 2, 3] = 255
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "t.png")
    loaded = load_rgb(tmp_path / "t.png").astype(int)
    np.testing.assert_array_equal(loaded[0], np.full((3, 3), 255))       # transparent -> white
    np.testing.assert_array_equal(loaded[1, 0], [200, 0, 0])              # opaque -> unchanged
    expected_half = np.array([200, 0, 0]) * 128 / 255 + 255 * (1 - 128 / 255)
    np.testing.assert_allclose(loaded[1, 1], expected_half, atol=1.5)     # blended


def test_palette_with_transparency_and_la(tmp_path: Path) -> None:
    palette = Image.new("P", (4, 4), 0)
    palette.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    palette.putpixel((1, 1), 1)
    palette.info["transparency"] = 0
    palette.save(tmp_path / "p.png", transparency=0)
    loaded = load_rgb(tmp_path / "p.png")
    assert tuple(loaded[0, 0]) == (255, 255, 255)   # transparent palette entry -> white
    assert tuple(loaded[1, 1]) == (255, 0, 0)
    Image.new("LA", (3, 3), (40, 255)).save(tmp_path / "la.png")
    assert tuple(load_rgb(tmp_path / "la.png")[0, 0]) == (40, 40, 40)


def test_16_bit_grayscale_is_scaled_not_clipped(tmp_path: Path) -> None:
    values = np.array([[0, 257 * 10, 257 * 128, 65535]], dtype=np.uint16)
    for suffix in (".png", ".tif"):
        path = tmp_path / f"g16{suffix}"
        Image.fromarray(values).save(path)
        loaded = load_rgb(path)
        np.testing.assert_array_equal(loaded[0, :, 0], [0, 10, 128, 255])


def test_16_bit_rgb_png_is_within_one_level_of_exact(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    values = rng.integers(0, 65536, size=(5, 7, 3), dtype=np.uint16)
    write_png16_rgb(tmp_path / "c16.png", values)
    loaded = load_rgb(tmp_path / "c16.png").astype(int)
    exact = np.round(values / 257.0)
    assert np.abs(loaded - exact).max() <= 1


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path) -> None:
    Image.new("CMYK", (8, 6), (0, 0, 0, 0)).save(tmp_path / "white.jpg")
    Image.new("CMYK", (8, 6), (0, 255, 255, 0)).save(tmp_path / "red.jpg")
    white = load_rgb(tmp_path / "white.jpg")
    red = load_rgb(tmp_path / "red.jpg").astype(int)
    assert white.shape == (6, 8, 3) and white.min() >= 250
    assert red[..., 0].mean() > 200 and red[..., 1].mean() < 60 and red[..., 2].mean() < 60


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    image = np.zeros((10, 20, 3), dtype=np.uint8)
    image[:, :10] = 255  # left half white
    exif = Image.Exif()
    exif[274] = 6  # "rotate 90 CW to display"
    Image.fromarray(image).save(tmp_path / "o.jpg", exif=exif, quality=95)
    loaded = load_rgb(tmp_path / "o.jpg")
    assert loaded.shape == (20, 10, 3)
    # after a clockwise turn the white left half is on top
    assert loaded[:8].mean() > 200 and loaded[12:].mean() < 50


def test_size_limit_says_how_to_raise_it(tmp_path: Path) -> None:
    Image.fromarray(gradient(40, 50)).save(tmp_path / "big.png")
    with pytest.raises(ImageError, match=r"big.png.*2000.*decompression bombs.*max_pixels=2000"):
        load_rgb(tmp_path / "big.png", max_pixels=1000)
    assert load_rgb(tmp_path / "big.png", max_pixels=2000).shape == (40, 50, 3)
    assert load_rgb(tmp_path / "big.png", max_pixels=None).shape == (40, 50, 3)


def test_tiny_image_loads(tmp_path: Path) -> None:
    Image.new("RGB", (1, 1), (1, 2, 3)).save(tmp_path / "dot.png")
    assert load_rgb(tmp_path / "dot.png").tolist() == [[[1, 2, 3]]]


def test_tensor_conversions_round_and_clamp() -> None:
    image = gradient()
    tensor = to_tensor(image)
    assert tensor.shape == (3, 12, 16) and tensor.dtype == torch.float32
    assert 0.0 <= tensor.min() and tensor.max() <= 1.0
    np.testing.assert_array_equal(to_uint8(tensor), image)
    odd = torch.tensor([-0.5, 0.3 / 255, 0.6 / 255, 1.7]).view(1, 1, 4).expand(3, 1, 4)
    assert to_uint8(odd)[0, :, 0].tolist() == [0, 0, 1, 255]
    with pytest.raises(ImageError, match="uint8 H x W x 3"):
        to_tensor(image.astype(np.float32))
    with pytest.raises(ValueError, match="3 x H x W"):
        to_uint8(torch.stack([tensor, tensor]))


def test_resize_long_side_antialiases_and_keeps_aspect() -> None:
    checker = (np.indices((64, 96)).sum(axis=0) % 2 * 255).astype(np.uint8)
    image = np.repeat(checker[..., None], 3, axis=2)
    small = resize_long_side(image, 24)
    assert small.shape == (16, 24, 3)
    # a 1-pixel checkerboard must average to grey, not alias to black/white stripes
    assert abs(small.astype(float).mean() - 127.5) < 3 and small.std() < 10
    tensor = to_tensor(image)
    assert resize_long_side(tensor, 48).shape == (3, 32, 48)
    assert resize_long_side(tensor[None], 48).shape == (1, 3, 32, 48)
    assert resize_long_side(tensor, 200) is tensor  # never enlarged by default
    assert resize_long_side(tensor, 192, upscale=True).shape == (3, 128, 192)


def test_list_images_recurses_sorts_and_reports_skipped(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("b.jpg", "a.PNG", "sub/c.tif"):
        Image.fromarray(gradient()).save(tmp_path / name)
    (tmp_path / "readme.txt").write_text("hello")
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    images, skipped = list_images(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in images] == ["a.PNG", "b.jpg", "sub/c.tif"]
    assert sorted(p.name for p, _ in skipped) == [".DS_Store", "readme.txt"]
    assert all("not an image" in reason for _, reason in skipped)


def test_list_images_errors_for_missing_empty_and_imageless_folders(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="no such folder"):
        list_images(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ImageError, match="holds no image files"):
        list_images(tmp_path / "empty")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("x")
    with pytest.raises(ImageError, match=r"holds no image files \(1 other files"):
        list_images(tmp_path / "docs")
    (tmp_path / "file.png").write_bytes(b"")
    with pytest.raises(ImageError, match="is a file, not a folder"):
        list_images(tmp_path / "file.png")


# ------------------------------------------------------- what a photo carries
@pytest.mark.parametrize("profile, primaries, gamma, name", [
    (display_p3, DISPLAY_P3, None, "Display P3"),
    (adobe_rgb, ADOBE_RGB, 563 / 256, "Adobe RGB (1998)"),
])
def test_wide_gamut_photos_are_converted_to_srgb(tmp_path: Path, profile, primaries, gamma, name) -> None:
    colours = [(200, 100, 50), (40, 180, 90), (128, 128, 128)]
    pixels = np.array([colours], dtype=np.uint8).repeat(4, axis=0)
    Image.fromarray(pixels).save(tmp_path / "wide.png", icc_profile=profile())
    photo = load_photo(tmp_path / "wide.png")
    assert photo.converted_from == name and photo.format == "PNG" and photo.bits == 8
    for column, colour in enumerate(colours):
        expected = srgb_from(colour, primaries, gamma)   # matrix arithmetic, independent of Little CMS
        assert np.abs(photo.pixels[0, column] - expected).max() <= 1.5, (colour, photo.pixels[0, column], expected)
    assert tuple(photo.pixels[0, 0]) != colours[0]     # the numbers did change: P3's red is redder than sRGB's


def test_srgb_and_untagged_photos_are_not_reported_as_converted(tmp_path: Path) -> None:
    Image.fromarray(gradient()).save(tmp_path / "tagged.png", icc_profile=SRGB_ICC)
    Image.fromarray(gradient()).save(tmp_path / "c2.png", icc_profile=rgb_profile("c2", SRGB))  # sRGB, other name
    Image.fromarray(gradient()).save(tmp_path / "plain.png")
    for name in ("tagged.png", "c2.png", "plain.png"):
        photo = load_photo(tmp_path / name)
        assert photo.converted_from is None and photo.exif is None
        np.testing.assert_allclose(photo.pixels, gradient(), atol=1)


def test_16_bit_files_say_so_and_load_as_8_bit(tmp_path: Path) -> None:
    write_png16_rgb(tmp_path / "c16.png", np.full((3, 4, 3), 257 * 200, dtype=np.uint16))
    Image.fromarray(np.full((3, 4), 257 * 50, dtype=np.uint16)).save(tmp_path / "g16.tif")
    Image.fromarray(gradient()).save(tmp_path / "c8.png")
    assert [load_photo(tmp_path / n).bits for n in ("c16.png", "g16.tif", "c8.png")] == [16, 16, 8]
    assert load_photo(tmp_path / "c16.png").pixels.dtype == np.uint8
    assert load_photo(tmp_path / "c16.png").pixels.max() == 200 and load_photo(tmp_path / "g16.tif").pixels.max() == 50


def test_exif_is_kept_for_the_output_upright_and_without_thumbnail(tmp_path: Path) -> None:
    Image.fromarray(gradient(70, 90)).save(tmp_path / "cam.jpg", exif=camera_exif(90, 70, orientation=6))
    assert Image.open(tmp_path / "cam.jpg").getexif().get_ifd(ExifTags.IFD.IFD1)   # the input has a thumbnail
    photo = load_photo(tmp_path / "cam.jpg")
    assert photo.pixels.shape == (90, 70, 3) and photo.format == "JPEG"
    kept = Image.Exif()
    kept.load(photo.exif)
    assert kept[ExifTags.Base.Orientation] == 1
    assert all(kept[tag] == value for tag, value in CAMERA.items())
    details = kept.get_ifd(ExifTags.IFD.Exif)
    assert all(details[tag] == value for tag, value in SHOT.items())
    assert (details[ExifTags.Base.ExifImageWidth], details[ExifTags.Base.ExifImageHeight]) == (70, 90)
    assert kept.get_ifd(ExifTags.IFD.GPSInfo) == PLACE
    assert not kept.get_ifd(ExifTags.IFD.IFD1) and ExifTags.Base.JpegIFOffset not in kept


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_a_malformed_exif_block_is_dropped_not_fatal(tmp_path: Path) -> None:
    Image.fromarray(gradient()).save(tmp_path / "odd.jpg", exif=b"Exif\x00\x00II*\x00\xff\xff\xff\x7f")
    photo = load_photo(tmp_path / "odd.jpg")
    assert photo.exif is None and photo.pixels.shape == (12, 16, 3)
