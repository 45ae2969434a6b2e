"""The built-in benchmark: the committed split and parameters, their regeneration, and loading."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

from enhancelib.config import resolve_preset
from enhancelib.data import load_data
from enhancelib.data.benchmark import (
    DEGRADATION_CSV,
    PART_SIZES,
    PARTS,
    SPLITS_CSV,
    degraded_pair,
    make_degradation,
    make_split,
    read_degradation,
    read_manifest,
    read_split,
    write_degradation,
    write_split,
)
from enhancelib.data.degrade import degrade
from enhancelib.data.transforms import undo_orientation

torch.set_num_threads(1)


def psnr_uint8(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / mse))


@pytest.fixture(scope="module")
def smoke_paired():
    return load_data("benchmark", "smoke", paired=True)


def test_committed_split_has_the_right_disjoint_parts() -> None:
    split = read_split()
    manifest = read_manifest()
    assert set(split) == {row["file"] for row in manifest}       # every photo in exactly one part
    assert Counter(split.values()) == Counter(PART_SIZES)
    assert PART_SIZES == {"train_low": 72, "train_high": 72, "val": 10, "test": 30}


def test_every_part_mixes_the_source_packages() -> None:
    split = read_split()
    package = {row["file"]: row["source_package"] for row in read_manifest()}
    overall = Counter(package.values())
    for part in PARTS:
        members = [name for name, p in split.items() if p == part]
        mix = Counter(package[name] for name in members)
        assert len(mix) >= 3, (part, mix)
        for pkg, count in overall.items():  # within 2 photos of the proportional share
            assert abs(mix[pkg] - count * len(members) / len(package)) <= 2, (part, pkg, mix)


def test_regenerating_gives_the_committed_files(tmp_path: Path) -> None:
    manifest = read_manifest()
    split = make_split(manifest)
    params = make_degradation([row["file"] for row in manifest])
    assert split == read_split()
    assert params == read_degradation()
    write_split(tmp_path / "splits.csv", split)
    write_degradation(tmp_path / "degradation.csv", params)
    assert (tmp_path / "splits.csv").read_bytes() == SPLITS_CSV.read_bytes()
    assert (tmp_path / "degradation.csv").read_bytes() == DEGRADATION_CSV.read_bytes()
    assert make_split(manifest, seed=1) != split  # the seed matters


def test_test_split_inputs_score_like_fivek_inputs() -> None:
    """FiveK's raw inputs score 17.2-17.4 dB against expert C; ours must be in 16-20 dB."""
    split, params = read_split(), read_degradation()
    values = []
    for name in sorted(n for n, p in split.items() if p == "test"):
        low, clean = degraded_pair(name, 512, params[name])
        assert max(low.shape[-2:]) <= 512
        values.append(psnr_uint8(low.numpy(), clean.numpy()))
    assert 16.0 <= np.mean(values) <= 20.0, np.mean(values)
    assert np.std(values) > 1.0  # realistic variety, not one fixed degradation


def test_benchmark_bundle_at_smoke_sizes(smoke_paired) -> None:
    data = smoke_paired
    preset = resolve_preset("smoke")
    assert data.source == "benchmark"
    assert (data.train.low_count, data.train.high_count) == (72, 72)
    assert len(data.val) == 10 and len(data.test) == 30
    assert set(data.train.low_names).isdisjoint(data.train.high_names)
    pair = data.test[0]
    assert pair.input.shape == pair.target.shape and pair.input.shape[0] == 3
    assert max(pair.input.shape[-2:]) == preset.eval_long_side
    assert pair.input.dtype == torch.float32 and 0 <= pair.input.min() and pair.input.max() <= 1
    assert not torch.allclose(pair.input, pair.target, atol=0.02)
    assert [p.name for p in data.test] == data.test.names and data.test[-1].name == data.test.names[-1]
    assert all(max(t.shape[-2:]) == preset.load_long_side for t in data.train.low + data.train.high)
    assert data.description["counts"] == dict(PART_SIZES)
    assert len(data.description["splits_sha256"]) == 64


def test_paired_crops_are_aligned_with_the_recorded_degradation(smoke_paired) -> None:
    train = smoke_paired.train
    params = read_degradation()
    plan = train.draw_plan(6, torch.Generator().manual_seed(11))
    batch = train.sample(6, torch.Generator().manual_seed(11))
    assert set(batch) == {"low", "high", "low_target"}
    for i, (index, aug) in enumerate(zip(plan.low_indices, plan.low_augmentations)):
        name = train.low_names[index]
        height, width = train.low[index].shape[-2:]
        region = aug.region(height, width)
        clean = undo_orientation(batch["low_target"][i], aug)
        low = undo_orientation(batch["low"][i], aug)
        redone = degrade(clean, params[name], region=region)
        error = (redone - low).abs().mean().item()
        assert error < 0.01, (name, error)
        other = params[train.low_names[(index + 1) % train.low_count]]
        assert (degrade(clean, other, region=region) - low).abs().mean().item() > 5 * error


def test_unpaired_bundle_has_no_low_target() -> None:
    data = load_data("benchmark", "smoke")
    assert not data.train.paired
    assert set(data.train.sample(2, torch.Generator().manual_seed(0))) == {"low", "high"}
