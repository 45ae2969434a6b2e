"""GleNet's networks: GEN curves, LEN residual (eq. 2), critic, pixel-wise baseline."""
import pytest
import torch

from enhancelib.models.glenet import GEN, LEN, GleCritic, GleNet, PixelwiseBaseline
from enhancelib.nn.curves import apply_curves

torch.set_num_threads(1)


def count(module):
    return sum(p.numel() for p in module.parameters())


def test_parameter_counts_match_the_paper():
    assert abs(count(GEN()) - 0.87e6) < 0.005e6   # paper / public code: 0.87 M
    assert abs(count(LEN()) - 0.27e6) < 0.005e6   # 0.27 M


def test_gen_curves_are_in_0_1_and_applied_at_full_resolution():
    torch.manual_seed(0)
    gen = GEN(input_size=64).eval()
    x = torch.rand(2, 3, 45, 71)
    curves = gen.curves(x)
    assert curves.shape == (2, 3, 256) and curves.min() >= 0 and curves.max() <= 1
    out = gen(x)
    assert out.shape == x.shape
    assert torch.equal(out, apply_curves(x, curves))
    # a global operator: equal input values map to equal outputs within a channel
    y = gen(torch.full((1, 3, 9, 9), 0.5))
    assert torch.all(y == y[..., :1, :1])


def test_gen_at_paper_size_sees_the_image_resized_to_256():
    gen = GEN().eval()
    seen = {}
    gen.encoder.stem.register_forward_hook(lambda m, i, o: seen.update(shape=i[0].shape))
    gen(torch.rand(1, 3, 100, 130))
    assert seen["shape"] == (1, 3, 256, 256)


def test_gen_trains_through_the_curves():
    gen = GEN(input_size=32)
    loss = (gen(torch.rand(2, 3, 20, 20)) - 1).abs().mean()
    loss.backward()
    assert gen.to_curves.weight.grad.abs().sum() > 0 and gen.encoder.stem.conv.weight.grad.abs().sum() > 0


def test_len_adds_a_residual_and_handles_any_size():
    torch.manual_seed(0)
    local = LEN().eval()
    g = torch.rand(1, 3, 37, 51)
    assert torch.equal(local(g), g)  # zero-initialised last layer: GEN & LEN starts as GEN
    torch.nn.init.normal_(local.out.weight, std=0.05)
    res = local.residual(g)
    assert res.shape == g.shape and res.abs().max() > 0
    assert torch.allclose(local(g), g + res)  # eq. 2


def test_glenet_composes_gen_and_len():
    gen, local = GEN(input_size=32).eval(), LEN(zero_init=False).eval()
    x = torch.rand(1, 3, 24, 40)
    assert torch.allclose(GleNet(gen, local)(x), local(gen(x)))
    assert torch.equal(GleNet(gen, None)(x), gen(x))


def test_critic_scores_and_is_differentiable_twice():
    critic = GleCritic(input_size=32)
    x = torch.rand(3, 3, 40, 40, requires_grad=True)
    scores = critic(x)
    assert scores.shape == (3,)
    (g,) = torch.autograd.grad(scores.sum(), x, create_graph=True)
    g.norm().backward()  # the gradient penalty needs double backward
    assert critic.score.weight.grad is not None


def test_pixelwise_baseline_predicts_pixels_at_input_size():
    net = PixelwiseBaseline(input_size=64).eval()
    x = torch.rand(2, 3, 50, 70)
    y = net(x)
    assert y.shape == x.shape and 0 <= y.min() and y.max() <= 1
    assert len(net.decoder) == 6  # Fig. 5: six up-sample blocks
    net.train()
    net(x).mean().backward()
    assert all(block.conv.weight.grad.abs().sum() > 0 for block in net.decoder)
    assert net.encoder.stem.conv.weight.grad.abs().sum() > 0


def test_bad_input_fails_clearly():
    with pytest.raises(ValueError, match="N x 3 x H x W"):
        GEN(input_size=32)(torch.rand(3, 20, 20))
    with pytest.raises(ValueError, match="multiple of 16"):
        GEN(input_size=100)


def test_identity_init_starts_near_the_identity_public_init_near_grey():
    torch.manual_seed(0)
    x = torch.rand(1, 3, 40, 40)
    with torch.no_grad():
        grey = GEN(input_size=32).eval()(x)
        ident = GEN(input_size=32, identity_init=True).eval()(x)
    assert (grey - 0.5).abs().max() < 0.05
    assert (ident - x).abs().max() < 0.05


def test_identity_init_curves_are_exactly_the_identity_in_any_mode():
    # the zero curve head removes the per-entry noise of the He-initialised head (jagged curves)
    torch.manual_seed(0)
    x = torch.rand(2, 3, 40, 40)
    for train_mode in (True, False):
        gen = GEN(input_size=32, identity_init=True).train(train_mode)
        with torch.no_grad():
            curves = gen.curves(x)
        levels = (torch.arange(256) + 0.5) / 256
        torch.testing.assert_close(curves, levels.expand_as(curves), rtol=0, atol=1e-6)
    public = GEN(input_size=32).train()
    with torch.no_grad():
        assert public.curves(x).diff(n=2, dim=-1).abs().mean() > 0.01   # the public start is jagged


def test_curve_head_runs_in_float32_under_bfloat16_autocast():
    # the curves are the output image: a bfloat16 head would round the logits by up to 0.4 %
    torch.manual_seed(0)
    gen = GEN(input_size=32).eval()
    x = torch.rand(2, 3, 40, 48)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        features = gen.encoder(x).mean(dim=(2, 3))   # the encoder itself runs in bfloat16
        curves = gen.curves(x)
        rounded_head = gen.to_curves(features)
    assert features.dtype is torch.bfloat16 and rounded_head.dtype is torch.bfloat16
    with torch.no_grad():
        float_head = gen.to_curves(features.float())
        expected = (float_head + gen.curve_offset).sigmoid().view(2, 3, -1)
    assert curves.dtype is torch.float32
    torch.testing.assert_close(curves, expected, rtol=0, atol=1e-6)
    # what the float32 head avoids: bfloat16 keeps about 3 significant digits
    assert not torch.allclose(rounded_head.float(), float_head, rtol=1e-4, atol=0)


def test_layer_norm_critic_scores_each_image_alone_batch_norm_does_not():
    torch.manual_seed(0)
    images = torch.rand(4, 3, 32, 32)
    for norm, alone in (("layer", True), ("batch", False)):
        critic = GleCritic(input_size=32, norm=norm).train()
        with torch.no_grad():
            together = critic(images)[:2]
            pair = critic(images[:2])  # the same two images without the other two in the batch
        assert torch.allclose(together, pair, atol=1e-5) is alone, norm
