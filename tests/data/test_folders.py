"""A user's own folders: unpaired training photos, optional test pairs, bad files reported."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from enhancelib.config import ParameterError
from enhancelib.data import ImageError, load_data

torch.set_num_threads(1)


def save_photo(path: Path, size=(100, 70), seed: int = 0, scale: float = 1.0) -> None:
    rng = np.random.default_rng(seed)
    base = (rng.integers(0, 255, size=(5, 5, 3)) * scale).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(base).resize(size, Image.BILINEAR).save(path)


@pytest.fixture()
def folders(tmp_path: Path) -> dict[str, Path]:
    for i in range(3):
        save_photo(tmp_path / "low" / f"l{i}.jpg", seed=i, scale=0.5)
        save_photo(tmp_path / "high" / "nested" / f"h{i}.png", seed=10 + i)
    for stem in ("p1", "p2"):
        save_photo(tmp_path / "test_in" / f"{stem}.jpg", seed=20, scale=0.5)
        save_photo(tmp_path / "test_gt" / f"{stem}.png", size=(200, 140), seed=20)
    return {name: tmp_path / name for name in ("low", "high", "test_in", "test_gt")}


def test_two_folders_and_test_pairs(folders: dict[str, Path]) -> None:
    data = load_data("folders", "smoke", low=folders["low"], high=folders["high"],
                     test_input=folders["test_in"], test_target=folders["test_gt"])
    assert data.source == "folders" and data.val is None
    assert (data.train.low_count, data.train.high_count) == (3, 3)
    assert [p.name for p in data.test] == ["p1", "p2"]
    pair = data.test[0]
    assert pair.input.shape == pair.target.shape == (3, 45, 64)  # target resized to the input's size
    assert data.description["skipped"] == []
    assert data.train.sample(2, torch.Generator().manual_seed(0))["high"].shape == (2, 3, 32, 32)
    only_train = load_data("folders", "smoke", low=folders["low"], high=folders["high"])
    assert only_train.test is None


def test_bad_files_are_skipped_and_reported(folders: dict[str, Path]) -> None:
    (folders["low"] / "notes.txt").write_text("not a photo")
    (folders["low"] / "fake.jpg").write_text("not a photo either")
    (folders["low"] / "broken.png").write_bytes((folders["high"] / "nested" / "h0.png").read_bytes()[:100])
    save_photo(folders["high"] / "tiny.png", size=(12, 9))           # needs x5 enlargement: skipped
    save_photo(folders["high"] / "small.png", size=(40, 30))         # short side 30 < crop 48: enlarged x1.6
    data = load_data("folders", "smoke", low=folders["low"], high=folders["high"])
    skipped = "\n".join(data.description["skipped"])
    for name in ("notes.txt", "fake.jpg", "broken.png", "tiny.png"):
        assert name in skipped
    assert "small.png" not in skipped and "too small" in skipped
    assert data.train.low_count == 3 and data.train.high_count == 4
    small = data.train.high[data.train.high_names.index("small.png")]
    assert min(small.shape[-2:]) == 48


def test_empty_folders_and_unmatched_pairs_are_errors(folders: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ImageError, match="empty: holds no image files"):
        load_data("folders", "smoke", low=tmp_path / "empty", high=folders["high"])
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.jpg").write_text("text")
    with pytest.raises(ImageError, match="No usable photo in the low folder"):
        load_data("folders", "smoke", low=tmp_path / "junk", high=folders["high"])
    save_photo(folders["test_gt"] / "p3.png")
    with pytest.raises(ImageError, match=r"do not match by name.*\['p3'\]"):
        load_data("folders", "smoke", low=folders["low"], high=folders["high"],
                  test_input=folders["test_in"], test_target=folders["test_gt"])
    with pytest.raises(ParameterError, match="both test_input= and test_target="):
        load_data("folders", "smoke", low=folders["low"], high=folders["high"], test_input=folders["test_in"])


def test_folders_refuse_paired_recipes(folders: dict[str, Path]) -> None:
    with pytest.raises(ParameterError, match="no clean version"):
        load_data("folders", "smoke", paired=True, low=folders["low"], high=folders["high"])
