"""MIT-Adobe FiveK loader on a tiny fake tree (same layout, a handful of small photos)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from enhancelib.config import ParameterError
from enhancelib.data import ImageError, load_data
from enhancelib.data.fivek import find_fivek_folders, fivek_split

torch.set_num_threads(1)
SIZES = dict(n_low=4, n_high=3, n_test=2)


def photo(seed: int, size=(120, 80)) -> Image.Image:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, size=(4, 6, 3), dtype=np.uint8)
    return Image.fromarray(base).resize(size, Image.BILINEAR)


def fake_fivek(root: Path, count: int = 10, input_dir: str = "input", target_dir: str = "expertC") -> Path:
    (root / input_dir).mkdir(parents=True)
    (root / target_dir).mkdir(parents=True)
    for i in range(1, count + 1):
        name = f"a{i:04d}"
        dark = np.asarray(photo(i)).astype(float) * 0.4
        Image.fromarray(dark.astype(np.uint8)).save(root / input_dir / f"{name}.tif")
        photo(i).save(root / target_dir / f"{name}.jpg", quality=95)
    return root


def test_split_follows_the_papers_protocol() -> None:
    names = [f"a{i:04d}" for i in range(10, 0, -1)]  # unsorted on purpose
    parts = fivek_split(names, n_low=4, n_high=3, n_test=2, n_val=1)
    assert parts["train_low"] == ["a0001", "a0002", "a0003", "a0004"]
    assert parts["train_high"] == ["a0005", "a0006", "a0007"]
    assert parts["val"] == ["a0008"]
    assert parts["test"] == ["a0009", "a0010"]
    assert fivek_split(names, 4, 3, 2)["val"] == []
    with pytest.raises(ParameterError, match="needs 11 photos.*10 were found"):
        fivek_split(names, 5, 4, 2)
    assert len(fivek_split([f"{i:05d}" for i in range(5000)])["test"]) == 500


def test_load_fivek_fake_tree(tmp_path: Path) -> None:
    root = fake_fivek(tmp_path / "fivek")
    (root / "input" / "Thumbs.db").write_bytes(b"junk")
    data = load_data("fivek", "smoke", root=root, **SIZES)
    assert data.source == "fivek"
    assert data.train.low_names == ["a0001.tif", "a0002.tif", "a0003.tif", "a0004.tif"]
    assert data.train.high_names == ["a0005.jpg", "a0006.jpg", "a0007.jpg"]
    assert data.val is None and [p.name for p in data.test] == ["a0009", "a0010"]
    pair = data.test[0]
    assert pair.input.shape == pair.target.shape == (3, 43, 64)  # 120 x 80 at eval long side 64
    assert pair.input.mean() < 0.6 * pair.target.mean()          # input = the dark version
    assert any("Thumbs.db" in s for s in data.description["skipped"])
    assert data.description["counts"] == {"train_low": 4, "train_high": 3, "val": 0, "test": 2}
    batch = data.train.sample(2, torch.Generator().manual_seed(0))
    assert batch["low"].shape == (2, 3, 32, 32)


def test_paired_fivek_gives_expert_c_of_the_low_photos(tmp_path: Path) -> None:
    root = fake_fivek(tmp_path / "fivek")
    data = load_data("fivek", "smoke", paired=True, root=root, n_val=1, **SIZES)
    assert len(data.val) == 1 and data.val[0].name == "a0008"
    batch = data.train.sample(3, torch.Generator().manual_seed(1))
    # the fake inputs are 0.4 x their targets: aligned crops keep the ratio
    ratio = batch["low"].mean((1, 2, 3)) / batch["low_target"].mean((1, 2, 3))
    assert torch.allclose(ratio, torch.full_like(ratio, 0.4), atol=0.03)


def test_other_folder_names(tmp_path: Path) -> None:
    root = fake_fivek(tmp_path / "f", input_dir="raw", target_dir="expert_c")
    assert [p.name for p in find_fivek_folders(root)] == ["raw", "expert_c"]
    root2 = fake_fivek(tmp_path / "g", input_dir="A", target_dir="C_retouched")
    with pytest.raises(ImageError, match="No FiveK input folder.*input_dir="):
        find_fivek_folders(root2)
    data = load_data("fivek", "smoke", root=root2, input_dir="A", target_dir="C_retouched", **SIZES)
    assert data.description["input_dir"] == "A"


def test_missing_folders_and_mismatched_names(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="is not a folder"):
        load_data("fivek", "smoke", root=tmp_path / "absent")
    root = fake_fivek(tmp_path / "fivek")
    with pytest.raises(ImageError, match="expertD.*does not exist.*target_dir="):
        load_data("fivek", "smoke", root=root, target_dir="expertD")
    (root / "expertC" / "a0003.jpg").rename(root / "expertC" / "b0003.jpg")
    with pytest.raises(ImageError, match=r"do not match by name.*\['a0003'\].*\['b0003'\]"):
        load_data("fivek", "smoke", root=root, **SIZES)
    with pytest.raises(ParameterError, match="takes no argument.*'expert'"):
        load_data("fivek", "smoke", root=root, expert="C")
