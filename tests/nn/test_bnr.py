"""BNR module: one residual block with BNM applied six times with shared weights."""
import pytest
import torch

from enhancelib.nn.bnr import BiDirectionalNormResidual, BNRBlock

torch.set_num_threads(1)


def test_six_applications_of_one_block():
    torch.manual_seed(0)
    bnr = BiDirectionalNormResidual(8, repeats=6)
    block_params = sum(p.numel() for p in bnr.block.parameters())
    assert block_params == 2 * 8 * 8 * 9 + 2 * 8  # two bias-free 3x3 convs, two rho vectors
    assert sum(p.numel() for p in bnr.parameters()) == block_params + 6 * 8 * 8
    calls = []
    bnr.block.register_forward_hook(lambda *args: calls.append(1))
    u, gamma, beta = torch.randn(2, 8, 6, 6), torch.randn(2, 8), torch.randn(2, 8)
    y = bnr(u, gamma, beta)
    assert len(calls) == 6 and y.shape == u.shape
    # the same output written out: chain the one block, fuse its six branches
    h, branches = u, []
    for _ in range(6):
        h, r = bnr.block(h, gamma, beta)
        branches.append(r)
    assert torch.allclose(y, bnr.fuse(torch.cat(branches, 1)) + u)


def test_shared_weights_receive_gradient_from_every_application():
    torch.manual_seed(0)
    bnr = BiDirectionalNormResidual(4, repeats=6)
    u, gamma, beta = torch.randn(1, 4, 5, 5), torch.randn(1, 4), torch.randn(1, 4)
    # only the 6th branch reaches the loss: its gradient must still reach the block's weights
    last = torch.zeros(4, 6 * 4, 1, 1)
    last[:, 20:] = torch.eye(4)[:, :, None, None]
    bnr.fuse.weight.data.copy_(last)
    bnr(u, gamma, beta).square().sum().backward()
    assert bnr.block.conv1.conv.weight.grad.abs().sum() > 0


def test_conditioning_matters_only_with_bnm():
    torch.manual_seed(0)
    u = torch.randn(2, 8, 6, 6)
    g1, g2, b = torch.randn(2, 8), torch.randn(2, 8), torch.randn(2, 8)
    bnr = BiDirectionalNormResidual(8)
    assert (bnr(u, g1, b) - bnr(u, g2, b)).abs().max() > 1e-3
    plain = BiDirectionalNormResidual(8, conditional=False)
    assert torch.equal(plain(u), plain(u, g1, b))
    assert not any("rho" in n for n, _ in plain.named_parameters())
    with pytest.raises(ValueError, match="gamma and beta"):
        BNRBlock(8)(u)
