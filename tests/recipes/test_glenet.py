"""GleNet's recipes on the smoke preset: paired, pixel-wise baseline, unpaired two-stage scheme."""
import pytest
import torch

from enhancelib.config import ParameterError, resolve_preset
from enhancelib.nn.vgg import load_vgg
from enhancelib.recipes import get_recipe
from enhancelib.recipes.glenet import GleNetPairedRecipe, GleNetUnpairedRecipe, PixelwisePairedRecipe, VGGConvTaps

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def backbone():
    with pytest.warns(UserWarning, match="RANDOM"):
        return load_vgg("random")


def make(cls, backbone, **options):
    torch.manual_seed(0)
    preset = resolve_preset("smoke", paper_overrides=cls.paper_overrides)
    return cls(preset, torch.device("cpu"), {"net_size": 32, **options}, backbone)


def batch(size=32):
    low = torch.rand(2, 3, size, size) * 0.5
    return {"low": low, "high": torch.rand(2, 3, size, size), "low_target": (low * 1.6).clamp(0, 1)}


def snapshot(module):
    return [p.detach().clone() for p in module.parameters()]


def changed(before, module):
    return any(not torch.equal(a, b) for a, b in zip(before, module.parameters()))


def check_enhance(recipe):
    recipe.train(False)
    x = torch.rand(1, 3, 50, 70)
    y = recipe.enhance(x)
    assert y.shape == x.shape and 0 <= y.min() and y.max() <= 1


@pytest.mark.parametrize("cls,options", [(GleNetPairedRecipe, {}), (GleNetPairedRecipe, {"use_len": False}),
                                         (GleNetPairedRecipe, {"curve_mode": "linear", "identity_init": True}), (PixelwisePairedRecipe, {})])
def test_paired_two_steps(backbone, cls, options):
    recipe = make(cls, backbone, **options)
    before = snapshot(recipe.generator())
    for step in range(2):
        logs = recipe.train_step(batch(), step)
        assert all(torch.isfinite(torch.tensor(v)) for v in logs.values())
    assert {"g_color", "g_perceptual", "g_loss"} <= set(logs)
    assert changed(before, recipe.generator())
    check_enhance(recipe)


@pytest.mark.parametrize("options", [{}, {"scheme": "cycle"}, {"scheme": "wgan_only"},
                                     {"scheme": "wgan_only", "use_len": False}, {"use_len": False, "identity_init": True}])
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
        assert changed(local, recipe.local) == (recipe.options["scheme"] == "wgan_only")
    scheme = recipe.options["scheme"]
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


def test_vgg_taps_are_the_2nd_4th_6th_convolutions(backbone):
    taps = VGGConvTaps(backbone)
    feats = taps(torch.rand(1, 3, 32, 32), ["relu1_2", "relu2_2", "relu3_2"])
    assert [f.shape[1] for f in feats.values()] == [64, 128, 256]
    assert [f.shape[-1] for f in feats.values()] == [32, 16, 8]
    assert all(f.min() >= 0 for f in feats.values())  # after the ReLU
    # relu1_2 is conv1_2(relu1_1): check against the backbone's own relu1_1
    conv12 = backbone.features[2]
    expect = torch.relu(conv12(backbone(torch.rand(1, 3, 8, 8).fill_(0.3), ["relu1_1"])["relu1_1"]
                               * backbone.feature_scale)) / backbone.feature_scale
    assert torch.allclose(taps(torch.full((1, 3, 8, 8), 0.3), ["relu1_2"])["relu1_2"], expect, atol=1e-5)


def test_registry_paper_settings_and_bad_options(backbone):
    assert get_recipe("glenet_unpaired") is GleNetUnpairedRecipe and get_recipe("pixelwise_paired") is PixelwisePairedRecipe
    assert resolve_preset("gpu", paper_overrides=GleNetPairedRecipe.paper_overrides).batch_size == 16
    gpu = resolve_preset("gpu", paper_overrides=GleNetUnpairedRecipe.paper_overrides)
    assert (gpu.batch_size, gpu.max_steps) == (8, 30_000)
    assert GleNetUnpairedRecipe.default_options["stage1_fraction"] == pytest.approx(1 / 6)
    recipe = make(GleNetPairedRecipe, backbone)
    groups = recipe.optimizers["enhancer"].param_groups
    assert groups[0]["lr"] == 1e-4 and groups[0]["weight_decay"] == pytest.approx(1e-4) and groups[1]["weight_decay"] == 0
    with pytest.raises(ParameterError, match="scheme"):
        make(GleNetUnpairedRecipe, backbone, scheme="cyclegan")
    with pytest.raises(ParameterError, match="net_size"):
        make(GleNetPairedRecipe, backbone, net_size=40)
    with pytest.raises(ParameterError, match="backbone"):
        make(GleNetPairedRecipe, None)
    assert make(GleNetPairedRecipe, None, perceptual_weight=0.0).perceptual is None
    with pytest.raises(ValueError, match="low_target"):
        recipe.train_step({"low": torch.rand(1, 3, 32, 32)}, 0)


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


@pytest.mark.parametrize("cls", [GleNetPairedRecipe, GleNetUnpairedRecipe])
def test_evaluation_recalibrates_batch_norm_on_training_photos(backbone, cls):
    recipe = make(cls, backbone)
    recipe.train_step(batch(), 0)
    net = recipe.generator().eval()
    photos = [torch.randint(0, 256, (3, 40, 56), dtype=torch.uint8) for _ in range(3)]
    before = {k: v.clone() for k, v in net.state_dict().items()}
    evaluated = recipe.prepare_for_evaluation(net, photos)
    assert evaluated is not net
    assert all(torch.equal(v, before[k]) for k, v in net.state_dict().items())  # the trained net is untouched
    stats = [k for k in before if k.endswith("running_mean")]
    assert stats and any(not torch.equal(evaluated.state_dict()[k], before[k]) for k in stats)
    params = [k for k, _ in net.named_parameters()]
    assert all(torch.equal(evaluated.state_dict()[k], before[k]) for k in params)
    assert make(cls, backbone, calibrate_bn=False).prepare_for_evaluation(net, photos) is net
    with pytest.raises(ParameterError, match="calibrate_bn"):
        make(cls, backbone, calibrate_bn="yes")
