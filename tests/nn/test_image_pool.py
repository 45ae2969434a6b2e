"""The pool of past fakes."""
import torch

from enhancelib.nn.image_pool import ImagePool


def test_pool_returns_past_fakes_once_full():
    torch.manual_seed(0)
    pool = ImagePool(4)
    first = torch.arange(4.0).view(4, 1, 1, 1).expand(4, 3, 2, 2).clone()
    assert torch.equal(pool.query(first), first)  # filling: returned as is
    assert len(pool) == 4
    returned_old = 0
    for step in range(20):
        new = torch.full((4, 3, 2, 2), 100.0 + step)
        out = pool.query(new)
        assert out.shape == new.shape
        returned_old += int((out[:, 0, 0, 0] < 100 + step).sum())
    # about half of the returned images come from the history
    assert 20 < returned_old < 60
    assert len(pool) == 4


def test_pool_detaches_and_size_zero_passes_through():
    x = torch.rand(2, 3, 4, 4, requires_grad=True)
    assert not ImagePool(3).query(x).requires_grad
    assert torch.equal(ImagePool(0).query(x), x.detach())


def test_pool_state_round_trip():
    pool = ImagePool(3)
    pool.query(torch.rand(2, 3, 4, 4))
    other = ImagePool(1)
    other.load_state_dict(pool.state_dict())
    assert other.size == 3 and len(other) == 2
    assert torch.equal(other.images[1], pool.images[1])
