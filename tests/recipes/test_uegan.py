"""UEGAN's training recipe on the smoke preset."""
import pytest
import torch

from enhancelib.config import ParameterError, resolve_preset
from enhancelib.nn.vgg import load_vgg
from enhancelib.recipes.uegan import UEGAN_PAPER_STEPS, UEGANRecipe

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def backbone():
    with pytest.warns(UserWarning, match="RANDOM"):
        return load_vgg("random")


def make(backbone, **options):
    torch.manual_seed(0)
    preset = resolve_preset("smoke", paper_overrides=UEGANRecipe.paper_overrides)
    return UEGANRecipe(preset, torch.device("cpu"), {"width": 8, **options}, backbone)


def batch(size=32):
    return {"low": torch.rand(2, 3, size, size) * 0.5, "high": torch.rand(2, 3, size, size)}


@pytest.mark.parametrize("options", [{}, {"identity_distance": "charbonnier", "se": True, "variant": "no_gam"},
                                     {"identity_weight": 0.0, "use_input_as_fake": False, "pool_size": 0}])
def test_two_steps_train_both_networks(backbone, options):
    recipe = make(backbone, **options)
    g0 = [p.detach().clone() for p in recipe.G.parameters()]
    d0 = [p.detach().clone() for p in recipe.D.parameters()]
    for step in range(2):
        logs = recipe.train_step(batch(), step)
        assert all(torch.isfinite(torch.tensor(v)) for v in logs.values())
    assert ("g_identity" in logs) == (recipe.options.identity_weight > 0)
    assert any(not torch.equal(a, b) for a, b in zip(g0, recipe.G.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(d0, recipe.D.parameters()))
    assert all(p.requires_grad for p in recipe.D.parameters())


def test_discriminator_loss_at_init_counts_heads_and_fakes(backbone):
    # D ~ 0 at init: each RaHinge pair is (1 + 1) / 2 = 1; 5 heads x 2 fakes (generated, raw input)
    assert make(backbone).train_step(batch(), 0)["d_loss"] == pytest.approx(10.0, abs=0.1)
    assert make(backbone, use_input_as_fake=False).train_step(batch(), 0)["d_loss"] == pytest.approx(5.0, abs=0.1)


def test_enhance_any_size(backbone):
    recipe = make(backbone)
    x = torch.rand(1, 3, 50, 70)
    y = recipe.enhance(x)
    assert y.shape == x.shape and 0 <= y.min() and y.max() <= 1
    assert (y - x).abs().max() < 1e-5  # identity at init (orthogonal gain 0.02)


def test_checkpoint_keeps_the_image_pool(backbone):
    recipe = make(backbone)
    recipe.train_step(batch(), 0)
    state = recipe.state_dict()
    other = make(backbone)
    other.load_state_dict(state)
    assert len(other.pool) == 2 and torch.equal(other.pool.images[0], recipe.pool.images[0])


def test_options_and_paper_settings(backbone):
    assert UEGANRecipe.paper_overrides["gpu"]["max_steps"] == UEGAN_PAPER_STEPS == 33_750
    assert resolve_preset("gpu", paper_overrides=UEGANRecipe.paper_overrides).batch_size == 10
    recipe = make(backbone)
    assert recipe.optimizers["generator"].param_groups[0]["lr"] == 1e-4
    assert recipe.optimizers["discriminator"].param_groups[0]["lr"] == 4e-4
    with pytest.raises(ParameterError, match="variant"):
        make(backbone, variant="full_gam")
    with pytest.raises(ParameterError, match="identity_distance"):
        make(backbone, identity_distance="l3")
    with pytest.raises(ValueError, match="no option"):
        make(backbone, lambda_adv=0.1)
    with pytest.raises(ValueError, match="multiples of 16"):
        make(backbone).train_step(batch(40), 0)


def test_generator_init_gain_option(backbone):
    def deepest_weight(recipe):
        return float(recipe.G.encoder[-1][0].conv.weight.detach().abs().max())

    public = make(backbone)                                  # orthogonal, gain 0.02
    default = make(backbone, generator_init_gain=None)       # PyTorch's own initialisation
    assert deepest_weight(public) < 0.01 < deepest_weight(default)
    for recipe in (public, default):                         # the discriminator keeps gain 0.02 in both
        assert max(float(p.detach().abs().max()) for p in recipe.D.parameters()) < 0.05
    with pytest.raises(ParameterError, match="generator_init_gain"):
        make(backbone, generator_init_gain=-1)
