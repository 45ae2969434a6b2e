"""BNCAGAN's generator (cross-domain conditioning, test-time conditioning) and discriminator."""
import pytest
import torch

from enhancelib.models.bncagan import BNCAGANDiscriminator, BNCAGANGenerator

torch.set_num_threads(1)

count = lambda net: sum(p.numel() for p in net.parameters())  # noqa: E731


def test_parameter_counts_are_the_public_models_used_parts():
    # public generator: 10.85 M declared, 2,917,539 used in training (all of ours)
    assert count(BNCAGANGenerator()) == 2_917_539
    assert count(BNCAGANGenerator(use_aac=False)) == 2_917_539 - 4 * 256  # no logit heads
    # no BNM: no gamma/beta MLPs (two domains x four 256 x 256 linears), no rho
    assert count(BNCAGANGenerator(use_bnm=False)) == 2_917_539 - 2 * 4 * 256 * 256 - 2 * 256
    assert count(BNCAGANDiscriminator()) == 4_624_655
    assert count(BNCAGANDiscriminator(use_cam=False)) == 4_624_655 - (128 * 3 + 3 * 9 + 1 + 3 * 49)


def small(**kw):
    torch.manual_seed(0)
    net = BNCAGANGenerator(width=4, init_gain=None, **kw)
    # the attended features are ~u / C: larger head weights make the conditioning visible in the output
    for m in net.aac.modules():
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.normal_(m.weight, std=1.0)
    return net


def images(n=2, h=16, w=24, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, h, w, generator=g) * 2 - 1


def test_shapes_range_and_identity_at_the_public_init():
    x = torch.rand(2, 3, 16, 24)
    y = small()(x)
    assert y.shape == x.shape and 0 <= y.min() and y.max() <= 1
    torch.manual_seed(0)
    assert (BNCAGANGenerator(width=8)(x) - x).abs().max() < 1e-5  # orthogonal gain 0.02


def test_training_conditions_each_domain_on_the_other():
    net = small().eval()
    a, b, c = images(seed=1), images(seed=2), images(seed=3)
    with torch.no_grad():
        ab = net.forward_pair(a, b)
        # low a is normalised with the HIGH head's gamma/beta of b, high b with the LOW head's of a
        assert torch.allclose(ab.low_to_high, net.translate(a, *net.domain_conditioning(b, "high")), atol=1e-5)
        assert torch.allclose(ab.high_to_low, net.translate(b, *net.domain_conditioning(a, "low")), atol=1e-5)
        # swapping the domains swaps the conditioning
        ba = net.forward_pair(b, a)
        assert torch.allclose(ba.low_to_high, net.translate(b, *net.domain_conditioning(a, "high")), atol=1e-5)
        assert torch.allclose(ba.high_to_low, net.translate(a, *net.domain_conditioning(b, "low")), atol=1e-5)
        # and the partner matters
        assert (net.forward_pair(a, c).low_to_high - ab.low_to_high).abs().max() > 1e-4
    assert ab.low_logits.shape == (2, 2) and ab.high_logits.shape == (2, 2)


def test_public_init_starves_the_bnr_of_gradient():
    """Orthogonal gain 0.02 everywhere: gamma ~1e-15, so the BNR's weights get (sub)normal-range-zero gradients."""
    torch.manual_seed(0)
    net = BNCAGANGenerator(width=8)
    x, h = images(h=32, w=32, seed=1), images(h=32, w=32, seed=2)
    assert net.aac["high"](net._encode(h)[-1]).gamma.abs().max() < 1e-12
    out = net.forward_pair(x, h)
    ((out.low_to_high - h).abs().mean() + (out.high_to_low - x).abs().mean()).backward()
    bnr_grad = max(p.grad.abs().max() for p in net.bnr.block.parameters())
    head_grad = net.head[1].conv.weight.grad.abs().max()
    assert bnr_grad < 1e-30 < 1e-12 < head_grad  # far below Adam's eps (1e-8): these weights cannot learn


def test_heads_are_per_domain():
    net = small()
    low, high = net.domain_conditioning(images(), "low"), net.domain_conditioning(images(), "high")
    assert (low[0] - high[0]).abs().max() > 1e-4  # same image, different heads
    with pytest.raises(ValueError, match="domain"):
        net.domain_conditioning(images(), "mid")


def test_test_time_conditioning_options():
    a, b = images(seed=1), images(seed=2)
    net = small()
    with torch.no_grad():
        own = net.translate(a, *net.domain_conditioning(a, "low"))
        # nothing recorded yet: "average" falls back to the image's own statistics
        assert torch.allclose(net.forward_signed(a), own, atol=1e-5)
        net.train()
        for _ in range(3):
            net.forward_pair(a, b)
        net.eval()
        gamma_b, beta_b = net.domain_conditioning(b, "high")
        average = net.average_high_conditioning()
        # a bias-corrected average: three identical batches give exactly their mean
        assert torch.allclose(average[0], gamma_b.mean(0, keepdim=True), atol=1e-5)
        assert torch.allclose(net.forward_signed(a), net.translate(a, *average), atol=1e-5)
        assert (net.forward_signed(a) - own).abs().max() > 1e-4
        # a reference image, one for the batch
        assert torch.allclose(net.forward_signed(a, b[:1]), net.translate(a, gamma_b[:1], beta_b[:1]), atol=1e-5)
        # the public code's choice
        net.test_conditioning = "own"
        assert torch.allclose(net.forward_signed(a), own, atol=1e-5)
    state = net.state_dict()
    assert {"high_gamma_sum", "high_beta_sum", "high_weight"} <= set(state)
    fresh = small()
    fresh.load_state_dict(state)
    assert torch.equal(fresh.high_weight, net.high_weight)


def test_eval_mode_records_nothing():
    net = small().eval()
    with torch.no_grad():
        net.forward_pair(images(), images(seed=5))
    assert net.average_high_conditioning() is None


@pytest.mark.parametrize("kw", [{"use_aac": False}, {"use_bnm": False}, {"use_aac": False, "use_bnm": False}])
def test_ablations_run(kw):
    net = small(**kw)
    out = net.forward_pair(images(), images(seed=5))
    assert out.low_to_high.shape == (2, 3, 16, 24)
    assert (out.low_logits is None) == (not net.use_aac)
    assert net(torch.rand(1, 3, 16, 16), reference=torch.rand(1, 3, 16, 16)).shape == (1, 3, 16, 16)


def test_bad_inputs_fail_clearly():
    net = small()
    with pytest.raises(ValueError, match="multiples of 8"):
        net(torch.rand(1, 3, 20, 24))
    with pytest.raises(ValueError, match="same shape"):
        net.forward_pair(images(n=2), images(n=1))
    with pytest.raises(ValueError, match="test_conditioning"):
        BNCAGANGenerator(test_conditioning="reference")


def test_discriminator_heads():
    torch.manual_seed(0)
    d = BNCAGANDiscriminator(width=8)
    outs = d(torch.rand(2, 3, 64, 96) * 2 - 1)
    # heads after stages 1, 3, 5 and the CAM head on stage 3
    assert [o.shape for o in outs] == [(2, 1, 32, 48), (2, 1, 8, 12), (2, 1, 2, 3), (2, 1, 8, 12)]
    assert all(o.abs().max() <= 1 for o in outs)
    assert len(BNCAGANDiscriminator(width=8, use_cam=False)(torch.rand(1, 3, 32, 32))) == 3
