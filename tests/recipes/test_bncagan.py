"""BNCAGAN's training recipe on the smoke preset."""
import pytest
import torch

from enhancelib.config import ParameterError, resolve_preset
from enhancelib.nn.adaptive_norm import BiDirectionalNorm, InstanceLayerNorm
from enhancelib.nn.vgg import load_vgg
from enhancelib.recipes import get_recipe
from enhancelib.recipes.bncagan import BNCAGAN_PAPER_STEPS, BNCAGANRecipe

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def backbone():
    with pytest.warns(UserWarning, match="RANDOM"):
        return load_vgg("random")


def make(backbone, **options):
    torch.manual_seed(0)
    preset = resolve_preset("smoke", paper_overrides=BNCAGANRecipe.paper_overrides)
    return BNCAGANRecipe(preset, torch.device("cpu"), {"width": 4, **options}, backbone)


def batch(size=32, n=2):
    return {"low": torch.rand(n, 3, size, size) * 0.5, "high": torch.rand(n, 3, size, size)}


def rhos(net):
    return torch.cat([m.rho.detach().flatten() for m in net.modules()
                      if isinstance(m, (BiDirectionalNorm, InstanceLayerNorm))])


@pytest.mark.parametrize("options", [{}, {"use_aac": False, "use_cam": False},
                                     {"use_bnm": False, "identity_weight": 0.0, "cla_weight": 0.0,
                                      "use_input_as_fake": False, "pool_size": 0}])
def test_two_steps_train_both_networks(backbone, options):
    recipe = make(backbone, **options)
    g0 = [p.detach().clone() for p in recipe.G.parameters()]
    d0 = [p.detach().clone() for p in recipe.D.parameters()]
    for step in range(2):
        logs = recipe.train_step(batch(), step)
        assert all(torch.isfinite(torch.tensor(v)) for v in logs.values())
    o = recipe.options
    assert ("g_identity" in logs) == (o.identity_weight > 0)
    assert ("g_cla" in logs) == (o.cla_weight > 0 and o.use_aac)
    assert any(not torch.equal(a, b) for a, b in zip(g0, recipe.G.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(d0, recipe.D.parameters()))
    assert all(p.requires_grad for p in recipe.D.parameters())


def test_rho_stays_in_the_unit_interval(backbone):
    # lr 1: Adam moves every rho by about 1 in one step, far outside [0, 1] without the clipping
    recipe = make(backbone, lr_g=1.0)
    before = rhos(recipe.G)
    logs = recipe.train_step(batch(), 0)
    after = rhos(recipe.G)
    assert after.min() >= 0 and after.max() <= 1
    # the step logs each layer's mean rho, after the clip
    logged = {k: v for k, v in logs.items() if k.startswith("rho ")}
    layers = [m for m in recipe.G.modules() if isinstance(m, (BiDirectionalNorm, InstanceLayerNorm))]
    assert len(logged) == len(layers) > 0
    assert all(0.0 <= v <= 1.0 for v in logged.values())
    assert sorted(logged.values()) == pytest.approx(sorted(float(m.rho.detach().mean()) for m in layers))
    assert ((after == 0) | (after == 1)).sum() > after.numel() // 4  # clipped, not merely small moves
    assert not torch.equal(before, after)
    # after_step clips too (e.g. after someone edited the weights)
    for m in recipe.G.modules():
        if isinstance(m, BiDirectionalNorm):
            m.rho.data.fill_(1.7)
    recipe.after_step(1)
    assert rhos(recipe.G).max() <= 1


def test_discriminator_loss_at_init_counts_heads_and_fakes(backbone):
    # D ~ 0 at init: each RaHinge pair is (1 + 1) / 2 = 1; 4 heads (3 + CAM) x 2 fakes (generated, raw input)
    assert make(backbone).train_step(batch(), 0)["d_loss"] == pytest.approx(8.0, abs=0.1)
    assert make(backbone, use_cam=False).train_step(batch(), 0)["d_loss"] == pytest.approx(6.0, abs=0.1)
    assert make(backbone, use_input_as_fake=False).train_step(batch(), 0)["d_loss"] == pytest.approx(4.0, abs=0.1)


def test_enhance_any_size_with_the_low_image_only(backbone):
    recipe = make(backbone)
    x = torch.rand(1, 3, 50, 70)
    y = recipe.enhance(x)
    assert y.shape == x.shape and 0 <= y.min() and y.max() <= 1
    assert (y - x).abs().max() < 1e-5  # identity at init (orthogonal gain 0.02)
    recipe.train_step(batch(), 0)
    assert recipe.G.average_high_conditioning() is not None  # recorded in training, used by enhance
    y = recipe.enhance(x)
    assert y.shape == x.shape and torch.isfinite(y).all()


def test_checkpoint_keeps_pool_and_conditioning_average(backbone):
    recipe = make(backbone)
    recipe.train_step(batch(), 0)
    other = make(backbone)
    other.load_state_dict(recipe.state_dict())
    assert len(other.pool) == 2 and torch.equal(other.pool.images[0], recipe.pool.images[0])
    assert torch.equal(other.G.high_gamma_sum, recipe.G.high_gamma_sum)
    x = torch.rand(1, 3, 24, 24)
    assert torch.equal(other.enhance(x), recipe.enhance(x))


def test_options_and_paper_settings(backbone):
    assert get_recipe("bncagan") is BNCAGANRecipe
    assert BNCAGANRecipe.paper_overrides["gpu"]["max_steps"] == BNCAGAN_PAPER_STEPS == 42_150
    assert resolve_preset("gpu", paper_overrides=BNCAGANRecipe.paper_overrides).batch_size == 8
    recipe = make(backbone)
    assert recipe.optimizers["generator"].param_groups[0]["lr"] == 1e-4
    assert recipe.optimizers["discriminator"].param_groups[0]["lr"] == 4e-4
    with pytest.raises(ParameterError, match="test_conditioning"):
        make(backbone, test_conditioning="reference")
    with pytest.raises(ParameterError, match="use_cam"):
        make(backbone, use_cam="no")
    with pytest.raises(ParameterError, match="cla_weight"):
        make(backbone, cla_weight=-1)
    with pytest.raises(ValueError, match="no option"):
        make(backbone, lambda_cla=0.1)
    with pytest.raises(ValueError, match="multiples of 8"):
        recipe.train_step(batch(36), 0)
    with pytest.raises(ValueError, match="same shape"):
        recipe.train_step({"low": torch.rand(2, 3, 32, 32), "high": torch.rand(1, 3, 32, 32)}, 0)
