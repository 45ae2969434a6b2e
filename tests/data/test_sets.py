"""TrainSet sampling (reproducible, resumable, right shapes) and PairedSet behaviour."""
from __future__ import annotations

import pytest
import torch

from enhancelib.data.sets import PairedImage, PairedSet, TrainSet
from enhancelib.data.transforms import Augmentation, apply_augmentation, draw_augmentation, undo_orientation

torch.set_num_threads(1)


def images(count: int, seed: int, sizes=((40, 60), (50, 30), (64, 64))) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return [torch.rand(3, *sizes[i % len(sizes)], generator=gen) for i in range(count)]


def make_set(paired: bool = False, crop: int = 32, train_size: int = 16) -> TrainSet:
    low = images(5, 0)
    target = [img.flip(0) for img in low] if paired else None  # any image of the same size
    return TrainSet(low, images(4, 1), crop=crop, train_size=train_size, low_target=target)


def test_sample_shapes_ranges_and_keys() -> None:
    batch = make_set(paired=True).sample(3, torch.Generator().manual_seed(0))
    assert set(batch) == {"low", "high", "low_target"}
    for tensor in batch.values():
        assert tensor.shape == (3, 3, 16, 16) and tensor.dtype == torch.float32
        assert tensor.min() >= 0 and tensor.max() <= 1
    assert set(make_set().sample(2, torch.Generator().manual_seed(0))) == {"low", "high"}


def test_same_seed_same_batch_and_resumable() -> None:
    train = make_set()
    a = train.sample(4, torch.Generator().manual_seed(5))
    b = train.sample(4, torch.Generator().manual_seed(5))
    assert all(torch.equal(a[k], b[k]) for k in a)
    c = train.sample(4, torch.Generator().manual_seed(6))
    assert not torch.equal(a["low"], c["low"])
    # resuming from a saved generator state continues the same sequence
    gen = torch.Generator().manual_seed(9)
    train.sample(4, gen)
    state = gen.get_state()
    expected = train.sample(4, gen)
    resumed = torch.Generator()
    resumed.set_state(state)
    again = train.sample(4, resumed)
    assert all(torch.equal(expected[k], again[k]) for k in expected)


def test_sampling_uses_only_the_given_generator() -> None:
    train = make_set()
    torch.manual_seed(0)
    a = train.sample(3, torch.Generator().manual_seed(1))
    torch.manual_seed(123)
    b = train.sample(3, torch.Generator().manual_seed(1))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_low_and_high_are_drawn_independently_and_cover_the_pools() -> None:
    train = make_set()
    plan = train.draw_plan(200, torch.Generator().manual_seed(0))
    assert set(plan.low_indices) == set(range(5)) and set(plan.high_indices) == set(range(4))
    assert plan.low_indices[:50] != plan.high_indices[:50]
    orientations = {(a.hflip, a.vflip, a.rot90) for a in plan.low_augmentations}
    assert len(orientations) == 16


def test_paired_crops_share_crop_and_orientation() -> None:
    low = images(3, 2)
    train = TrainSet(low, images(2, 3), crop=24, train_size=24, low_target=[x * 0.5 for x in low])
    batch = train.sample(8, torch.Generator().manual_seed(4))
    # low_target was made as low * 0.5 pixel by pixel, so aligned crops keep that relation
    assert torch.allclose(batch["low_target"], batch["low"] * 0.5, atol=2 / 255)


def test_crop_is_clipped_to_small_images_and_resized() -> None:
    aug = draw_augmentation(20, 50, 32, torch.Generator().manual_seed(0))
    assert aug.side == 20 and aug.top == 0 and 0 <= aug.left <= 30
    patch = apply_augmentation(torch.rand(3, 20, 50), aug, 16)
    assert patch.shape == (3, 16, 16)
    train = TrainSet([torch.rand(3, 10, 12)], [torch.rand(3, 12, 10)], crop=32, train_size=16)
    assert train.sample(2, torch.Generator().manual_seed(0))["low"].shape == (2, 3, 16, 16)


def test_augmentation_crops_orients_and_undoes() -> None:
    image = torch.rand(3, 30, 40)
    aug = Augmentation(top=3, left=5, side=20, hflip=True, vflip=False, rot90=1)
    patch = apply_augmentation(image, aug, 20)
    assert torch.allclose(undo_orientation(patch, aug), image[:, 3:23, 5:25])
    assert torch.allclose(patch, torch.rot90(image[:, 3:23, 5:25].flip(-1), 1, dims=(-2, -1)))
    as_uint8 = (image * 255).round().to(torch.uint8)
    assert torch.allclose(apply_augmentation(as_uint8, aug, 20), patch, atol=1 / 255)
    assert aug.region(30, 40) == (0.1, 0.125, 23 / 30, 25 / 40)


def test_bad_construction_is_explained() -> None:
    with pytest.raises(ValueError, match="needs low- and high-quality photos"):
        TrainSet([], images(1, 0), crop=8, train_size=8)
    with pytest.raises(ValueError, match="target is"):
        TrainSet(images(1, 0), images(1, 0), crop=8, train_size=8, low_target=[torch.rand(3, 5, 5)])
    with pytest.raises(ValueError, match="batch_size"):
        make_set().sample(0, torch.Generator())


def test_paired_set_is_a_sequence_of_float_pairs() -> None:
    inputs, targets = images(3, 0), images(3, 1)
    pairs = PairedSet(["a", "b", "c"], inputs, targets)
    assert len(pairs) == 3 and isinstance(pairs[0], PairedImage)
    assert [p.name for p in pairs] == ["a", "b", "c"] and pairs[-1].name == "c"
    assert [p.name for p in pairs[1:]] == ["b", "c"]
    assert torch.allclose(pairs[1].input, inputs[1], atol=0.5 / 255 + 1e-6)  # stored as 8 bit
    assert pairs[1].target.dtype == torch.float32
    with pytest.raises(IndexError):
        pairs[3]
    with pytest.raises(ValueError, match="same size"):
        PairedSet(["x"], [torch.rand(3, 4, 4)], [torch.rand(3, 4, 5)])
