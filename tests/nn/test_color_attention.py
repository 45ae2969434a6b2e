"""Colour attention module (CAM) of BNCAGAN's discriminator."""
import torch

from enhancelib.nn.color_attention import ColorAttention

torch.set_num_threads(1)


def test_attention_is_3x3_and_row_stochastic():
    torch.manual_seed(0)
    cam = ColorAttention(16)
    x = torch.randn(4, 16, 6, 5)
    a = cam.attention(cam.to_color(x))
    assert a.shape == (4, 3, 3)
    assert a.min() >= 0 and torch.allclose(a.sum(dim=-1), torch.ones(4, 3))
    assert cam(x).shape == (4, 3, 6, 5)


def test_starts_as_the_plain_projection_and_gamma_mixes_colours():
    torch.manual_seed(0)
    cam = ColorAttention(8)
    x = torch.randn(2, 8, 4, 4)
    assert torch.equal(cam(x), cam.to_color(x))  # gamma = 0 at init
    cam.gamma.data.fill_(0.5)
    colors = cam.to_color(x)
    mixed = torch.einsum("nij,njhw->nihw", cam.attention(colors), cam.value(colors))
    assert torch.allclose(cam(x), colors + 0.5 * mixed, atol=1e-6)


def test_same_numbers_as_the_public_formulation():
    """The code: softmax over the first axis of K Q^T, then its transpose times V."""
    torch.manual_seed(0)
    cam = ColorAttention(8)
    cam.gamma.data.fill_(1.0)
    x = torch.randn(2, 8, 5, 5) * 0.3
    c = cam.to_color(x)
    n = c.shape[0]
    f = cam.query(c).view(n, 3, -1).permute(0, 2, 1)
    g = cam.key(c).view(n, 3, -1)
    attention = torch.softmax(torch.bmm(g, f), dim=1)
    out = torch.bmm(attention.permute(0, 2, 1), cam.value(c).view(n, 3, -1)).view_as(c)
    assert torch.allclose(cam(x), out + c, atol=1e-6)
