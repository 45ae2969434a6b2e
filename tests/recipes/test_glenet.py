"""GleNet's paired recipes on the smoke preset (GEN & LEN, GEN, the pixel-wise baseline) and what both schemes share."""
import pytest
import torch

from enhancelib.config import ParameterError, resolve_preset
from enhancelib.recipes import get_recipe
from enhancelib.recipes.glenet import GleNetPairedRecipe, PixelwisePairedRecipe
from enhancelib.recipes.glenet_unpaired import GleNetUnpairedOptions, GleNetUnpairedRecipe
from tests.recipes.glenet_fixtures import batch, changed, check_enhance, make, snapshot

torch.set_num_threads(1)


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


def test_registry_paper_settings_and_bad_options(backbone):
    assert get_recipe("glenet_unpaired") is GleNetUnpairedRecipe and get_recipe("pixelwise_paired") is PixelwisePairedRecipe
    assert resolve_preset("gpu", paper_overrides=GleNetPairedRecipe.paper_overrides).batch_size == 16
    gpu = resolve_preset("gpu", paper_overrides=GleNetUnpairedRecipe.paper_overrides)
    assert (gpu.batch_size, gpu.max_steps) == (8, 30_000)
    assert GleNetUnpairedRecipe.options_type is GleNetUnpairedOptions
    assert GleNetUnpairedOptions().stage1_fraction == pytest.approx(1 / 6)
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
