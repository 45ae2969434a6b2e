"""The slider widget's state: everything the static page needs, validated up front."""
import base64
import io
import json

import numpy as np
import pytest
import torch
import traitlets
from PIL import Image

from enhancelib.viz.slider import BeforeAfter, compare, compare_methods

torch.set_num_threads(1)


def _photo(width: int = 96, height: int = 64, shade: float = 0.5) -> torch.Tensor:
    ramp = torch.linspace(0, 1, width).expand(height, width)
    return torch.stack([ramp * shade, ramp.flip(1) * shade, torch.full((height, width), shade)])


def _size(src: str) -> tuple[int, int]:
    return Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).size


def test_state_is_self_contained_and_small():
    photo = (np.random.default_rng(0).random((432, 768, 3)) * 255).astype(np.uint8)
    smooth = np.asarray(Image.fromarray(photo).resize((24, 14)).resize((768, 432), Image.Resampling.BICUBIC))
    widget = compare(input=smooth, output=smooth[:, ::-1].copy())
    state = widget.get_state()
    json.dumps(state["images"])  # embeddable as JSON in the page
    assert all(item["src"].startswith("data:image/jpeg;base64,") for item in state["images"])
    assert (state["width"], state["height"]) == (640, 360)  # long side capped at 640
    assert all(_size(item["src"]) == (640, 360) for item in state["images"])
    assert max(len(item["src"]) for item in state["images"]) < 120_000
    assert "export default" in widget._esm and "eb-ba-frame" in widget._esm


def test_images_are_stored_at_the_first_images_size():
    widget = BeforeAfter({"a": _photo(96, 64), "b": _photo(192, 128), "c": _photo(94, 64)})
    assert (widget.width, widget.height) == (96, 64)
    assert {_size(item["src"]) for item in widget.images} == {(96, 64)}


def test_different_scenes_are_refused():
    with pytest.raises(ValueError, match="aspect ratios must match"):
        BeforeAfter({"wide": _photo(96, 64), "tall": _photo(64, 96)})


def test_compare_defaults_and_target():
    widget = compare(_photo(shade=0.3), _photo(shade=0.6), _photo(shade=0.9))
    assert widget.labels == ["input", "output", "target"]
    assert (widget.left, widget.right, widget.position) == ("input", "output", 0.5)
    custom = compare(_photo(), _photo(), labels=("raw", "UEGAN"), position=0.25)
    assert (custom.left, custom.right, custom.position) == ("raw", "UEGAN", 0.25)


def test_compare_methods_starts_with_input_against_first_method():
    widget = compare_methods(_photo(), {"UEGAN": _photo(), "GleNet": _photo()}, target=_photo())
    assert widget.labels == ["input", "UEGAN", "GleNet", "target"]
    assert (widget.left, widget.right) == ("input", "UEGAN")
    with pytest.raises(ValueError, match="clash"):
        compare_methods(_photo(), {"input": _photo()})
    with pytest.raises(ValueError, match="empty"):
        compare_methods(_photo(), {})


def test_live_traits_are_validated():
    widget = compare(_photo(), _photo(), _photo())
    widget.left = "target"
    assert widget.left == "target"
    with pytest.raises(traitlets.TraitError, match="not one of the images"):
        widget.right = "UEGAN"
    with pytest.raises(traitlets.TraitError, match=r"\[0, 1\]"):
        widget.position = 1.5


def test_bad_arguments_fail_clearly():
    with pytest.raises(ValueError, match="at least two"):
        BeforeAfter({"only": _photo()})
    with pytest.raises(TypeError, match="mapping"):
        BeforeAfter([_photo(), _photo()])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="one name per image"):
        compare(_photo(), _photo(), _photo(), labels=("a", "b"))
