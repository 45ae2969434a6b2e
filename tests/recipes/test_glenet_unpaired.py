"""GleNet's two-stage unpaired recipe on the smoke preset: stage 1 (GANs), stage 2 (LEN on pseudo pairs)."""
import pytest
import torch

from enhancelib.recipes.glenet_unpaired import GleNetUnpairedRecipe
from tests.recipes.glenet_fixtures import batch, changed, check_enhance, make, snapshot

torch.set_num_threads(1)


@pytest.mark.parametrize("options", [{}, {"scheme": "cycle"}, {"scheme": "wgan_only"},
                                     {"scheme": "wgan_only", "use_len": False}, {"use_len": False, "identity_init": True},
                                     {"critic_norm": "layer"}])
def test_unpaired_stage1_two_steps(backbone, options):
    recipe = make(GleNetUnpairedRecipe, backbone, **options)
    assert recipe.stage == 1
    gen, critic = snapshot(recipe.G_e), snapshot(recipe.D_e)
    local = snapshot(recipe.local) if recipe.local is not None else None
    logs = {}
    for step in range(2):
        step_logs = recipe.train_step(batch(), step)
        assert all(torch.isfinite(torch.tensor(v)) for v in step_logs.values())
        logs.update(step_logs)
    assert changed(gen, recipe.G_e) and changed(critic, recipe.D_e)
    assert all(p.requires_grad for p in recipe.D_e.parameters())
    if local is not None:  # LEN learns in stage 1 only in the end-to-end "wgan_only" scheme
        assert changed(local, recipe.local) == (recipe.options.scheme == "wgan_only")
    scheme = recipe.options.scheme
    assert ("g_e_cycle" in logs) == (scheme != "wgan_only") and ("d_d_gp" in logs) == (scheme != "wgan_only")
    assert recipe.identity_weight == (0.0 if scheme == "wgan_only" else 5.0)
    check_enhance(recipe)


def test_unpaired_generators_update_every_n_critic_steps(backbone):
    recipe = make(GleNetUnpairedRecipe, backbone, n_critic=3)
    assert "g_loss" in recipe.train_step(batch(), 0)
    gen = snapshot(recipe.G_e)
    logs = recipe.train_step(batch(), 1)
    assert "g_loss" not in logs and "d_e_gp" in logs and not changed(gen, recipe.G_e)


def test_unpaired_stage2_trains_len_on_pseudo_pairs_only(backbone):
    recipe = make(GleNetUnpairedRecipe, backbone, stage1_fraction=0.5)
    recipe.progress = 0.6
    assert recipe.stage == 2
    frozen = snapshot(recipe.G_e) + snapshot(recipe.G_d) + snapshot(recipe.D_e)
    local = snapshot(recipe.local)
    for step in range(2):
        logs = recipe.train_step({"high": torch.rand(2, 3, 32, 32), "low": torch.rand(2, 3, 32, 32)}, step)
    assert set(logs) == {"len_color", "len_perceptual", "len_loss"}
    assert changed(local, recipe.local)
    assert all(torch.equal(a, b) for a, b in zip(frozen, snapshot(recipe.G_e) + snapshot(recipe.G_d)
                                                 + snapshot(recipe.D_e)))
    check_enhance(recipe)


def test_critic_sees_real_and_fake_in_one_batch(backbone):
    # A batch-normalised critic scoring each batch alone hardly sees a global darkening:
    # conv(0.8 x) = 0.8 conv(x), and the first batch norm divides the 0.8 away (up to its eps).
    recipe = make(GleNetUnpairedRecipe, backbone)
    critic, real = recipe.D_e.train(), torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        alone = (critic(real) - critic(real * 0.8)).abs().max()
        real_scores, fake_scores = recipe._score_pair(critic, real, real * 0.8)
    together = (real_scores - fake_scores).abs().max()
    assert alone < 0.05 and together > 10 * alone


def test_hq_identity_option_adds_cyclegan_identity_term(backbone):
    # ours, off by default: + hq_identity_weight * ||G_e(I_HQ) - I_HQ||_1 in the enhancer's loss
    data = batch()
    plain = make(GleNetUnpairedRecipe, backbone).train_step(data, 0)
    assert "g_e_hq_identity" not in plain
    logs = make(GleNetUnpairedRecipe, backbone, hq_identity_weight=5.0).train_step(data, 0)
    assert logs["g_e_hq_identity"] > 0  # GEN at its public start paints photos grey
    assert logs["g_loss"] == pytest.approx(plain["g_loss"] + 5.0 * logs["g_e_hq_identity"], rel=1e-4)
    with pytest.raises(Exception, match="hq_identity_weight"):
        make(GleNetUnpairedRecipe, backbone, hq_identity_weight=-1.0)
