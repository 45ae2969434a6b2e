"""The benchmark's three test sets are made from the same test photos, as documented."""
from __future__ import annotations

import pytest
import torch

from enhancelib.config import resolve_preset
from enhancelib.data.benchmark import load_benchmark, read_split
from enhancelib.data.test_sets import TEST_SETS, load_test_sets


@pytest.fixture(scope="module")
def sets():
    return load_test_sets(long_side=64)


def test_the_three_sets_share_the_test_photos_and_their_targets(sets):
    photos = sorted(n for n, part in read_split().items() if part == "test")
    assert list(sets) == list(TEST_SETS)
    for pairs in sets.values():
        assert pairs.names == photos
    for a, b, c in zip(sets["test"], sets["flat"], sets["identity"]):
        assert torch.equal(a.target, b.target) and torch.equal(a.target, c.target)


def test_identity_inputs_are_the_targets_and_flat_inputs_are_not(sets):
    assert all(torch.equal(p.input, p.target) for p in sets["identity"])
    assert all(not torch.equal(p.input, p.target) for p in sets["flat"])
    assert all(not torch.equal(a.input, b.input) for a, b in zip(sets["test"], sets["flat"]))


def test_the_test_set_is_the_engines_test_split():
    preset = resolve_preset("smoke")
    engine = load_benchmark(preset).test
    ours = load_test_sets(preset.eval_long_side, ("test",))["test"]
    assert engine.names == ours.names
    assert all(torch.equal(a.input, b.input) and torch.equal(a.target, b.target) for a, b in zip(engine, ours))


def test_unknown_set_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown test set"):
        load_test_sets(names=("blurry",))
