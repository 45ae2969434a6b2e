"""Images become small JPEG data URLs; bad images fail with a message that says what to do."""
import base64
import io
import re

import numpy as np
import pytest
import torch
from PIL import Image

from enhancelib.viz.encode import fit_long_side, to_data_url, to_pil


def _decode(url: str) -> Image.Image:
    header, payload = url.split(",", 1)
    assert header == "data:image/jpeg;base64"
    return Image.open(io.BytesIO(base64.b64decode(payload)))


def test_tensor_colours_survive_encoding():
    image = torch.zeros(3, 40, 60)
    image[0, :, :30] = 1.0          # left half red
    image[2, :, 30:] = 0.5          # right half mid blue
    decoded = np.asarray(_decode(to_data_url(image)).convert("RGB")).astype(int)
    assert decoded.shape == (40, 60, 3)
    assert np.abs(decoded[20, 10] - [255, 0, 0]).max() < 20
    assert np.abs(decoded[20, 50] - [0, 0, 128]).max() < 20


def test_batch_of_one_uint8_array_and_pil_are_accepted():
    tensor = torch.rand(1, 3, 8, 12)
    array = (np.random.default_rng(0).random((8, 12, 3)) * 255).astype(np.uint8)
    for image in (tensor, array, Image.fromarray(array), array[:, :, 0]):
        assert to_pil(image).size == (12, 8)


def test_long_side_is_capped_and_never_enlarged():
    big = Image.new("RGB", (1000, 500))
    assert fit_long_side(big, 640).size == (640, 320)
    small = Image.new("RGB", (100, 50))
    assert fit_long_side(small, 640).size == (100, 50)
    assert _decode(to_data_url(big, max_side=200)).size == (200, 100)


@pytest.mark.parametrize(
    "image, error, words",
    [
        (torch.rand(3, 8, 8) * 2 - 1, ValueError, "(x + 1) / 2"),
        (torch.rand(2, 3, 8, 8), ValueError, "batch[0]"),
        (torch.randint(0, 255, (3, 8, 8), dtype=torch.uint8), TypeError, "divide"),
        (np.zeros((3, 8, 8), dtype=np.uint8), ValueError, "transpose(1, 2, 0)"),
        (np.full((8, 8, 3), np.nan, dtype=np.float32), ValueError, "NaN"),
        ("photo.jpg", TypeError, "PIL image"),
    ],
)
def test_bad_images_fail_with_a_fix(image, error, words):
    with pytest.raises(error, match=re.escape(words)):
        to_pil(image, name="output")


def test_quality_is_checked():
    with pytest.raises(ValueError, match="quality"):
        to_data_url(Image.new("RGB", (4, 4)), quality=0)
