"""One quantisation rule for every float-to-8-bit conversion, and the images it accepts."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from enhancelib.data.conversion import LUMA_601, LUMA_709, quantise, to_uint8


def test_the_rule_rounds_half_up_after_clipping() -> None:
    values = torch.tensor([-0.5, 0.0, 0.49 / 255, 0.51 / 255, 254.5 / 255 + 1e-9, 1.0, 1.7], dtype=torch.float64)
    assert quantise(values).tolist() == [0, 0, 0, 1, 255, 255, 255]
    # q(x) = floor(255 clamp(x, 0, 1) + 0.5)
    x = torch.rand(4, 5, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 1.2 - 0.1
    expected = torch.floor(x.clamp(0, 1) * 255 + 0.5).to(torch.uint8)
    assert torch.equal(quantise(x), expected)


def test_a_value_is_quantised_the_same_way_whatever_its_float_type() -> None:
    x = torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(1))
    as_tensor = quantise(x)
    assert as_tensor.dtype == torch.uint8 and as_tensor.shape == x.shape
    assert torch.equal(quantise(x.double()), as_tensor)
    assert np.array_equal(quantise(x.numpy()), as_tensor.numpy())
    # 255 x is exact in float64 for a float32 x, so float32 arithmetic's near-ties do not decide the level
    exact = torch.floor(x.double() * 255 + 0.5).to(torch.uint8)
    assert torch.equal(as_tensor, exact)


def test_uint8_passes_through_and_the_callers_tensor_is_not_changed() -> None:
    levels = torch.randint(0, 256, (3, 4, 5), dtype=torch.uint8)
    assert quantise(levels) is levels
    array = levels.numpy()
    assert quantise(array) is array
    x = torch.full((3, 2, 2), 1.5, dtype=torch.float64)
    quantise(x)
    assert float(x.max()) == 1.5


def test_to_uint8_gives_hwc_arrays_from_tensors_arrays_and_pil_images() -> None:
    image = torch.rand(1, 3, 6, 8, generator=torch.Generator().manual_seed(2))
    array = to_uint8(image)
    assert array.dtype == np.uint8 and array.shape == (6, 8, 3)
    assert np.array_equal(array, quantise(image[0]).permute(1, 2, 0).numpy())
    assert to_uint8(array) is array
    assert np.array_equal(to_uint8(Image.fromarray(array)), array)


@pytest.mark.parametrize(
    "image, error, words",
    [
        (torch.rand(2, 3, 8, 8), ValueError, "3 x H x W"),
        (torch.zeros(3, 8, 8, dtype=torch.uint8), TypeError, "divide integer images by 255"),
        (torch.full((3, 8, 8), float("nan")), ValueError, "NaN"),
        (np.zeros((8, 8, 3), np.float32), TypeError, "uint8"),
        (np.zeros((8, 8), np.uint8), ValueError, "H x W x 3"),
        ("photo.jpg", TypeError, "PIL image"),
    ],
)
def test_bad_images_fail_with_a_fix(image: object, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        to_uint8(image, what="output")  # type: ignore[arg-type]


def test_the_two_luma_standards_each_sum_to_one() -> None:
    assert LUMA_601 == (0.299, 0.587, 0.114) and LUMA_709 == (0.2126, 0.7152, 0.0722)
    assert sum(LUMA_601) == pytest.approx(1.0) and sum(LUMA_709) == pytest.approx(1.0)
