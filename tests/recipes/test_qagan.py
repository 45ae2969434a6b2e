"""QAGAN's training recipe on the smoke preset."""
from __future__ import annotations

import pytest
import torch

from enhancelib.config import ParameterError, resolve_preset
from enhancelib.nn.vgg import VGGFeatures, load_vgg
from enhancelib.recipes import get_recipe
from enhancelib.recipes.qagan import QAGAN_PAPER_STEPS, QAGANRecipe

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def backbone() -> VGGFeatures:
    with pytest.warns(UserWarning, match="RANDOM"):
        return load_vgg("random")


def make(backbone: VGGFeatures, **options: object) -> QAGANRecipe:
    torch.manual_seed(0)
    preset = resolve_preset("smoke", paper_overrides=QAGANRecipe.paper_overrides)
    return QAGANRecipe(preset, torch.device("cpu"), {"d_width": 8, **options}, backbone)


def batch(size: int = 32) -> dict[str, torch.Tensor]:
    return {"low": torch.rand(2, 3, size, size) * 0.5, "high": torch.rand(2, 3, size, size)}


def _snapshot(net: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in net.parameters() if p.requires_grad]


def _changed(before: list[torch.Tensor], net: torch.nn.Module) -> bool:
    return any(not torch.equal(a, b) for a, b in zip(before, (p for p in net.parameters() if p.requires_grad)))


@pytest.mark.parametrize("options", [
    {},
    {"use_spatial_attention": False, "cycle_reference": "shuffled"},
    {"use_stat_transfer": False, "query_domain": "low", "attention_temperature": 8.0},
    {"use_qam": False, "residual_output": False, "decoder_width": 0.25},
])
def test_two_steps_train_every_network_but_the_encoder(backbone: VGGFeatures, options: dict[str, object]) -> None:
    recipe = make(backbone, **options)
    g_high, g_low = recipe.model.enhancer.decoder, recipe.model.g_low
    before = {name: _snapshot(net) for name, net in
              (("g_high", g_high), ("g_low", g_low), ("d_high", recipe.d_high), ("d_low", recipe.d_low))}
    encoder = [p.detach().clone() for p in backbone.parameters()]
    for step in range(2):
        logs = recipe.train_step(batch(), step)
        assert set(logs) == {"g_loss", "g_adv_high", "g_adv_low", "g_cycle", "d_high", "d_low"}
        assert all(torch.isfinite(torch.tensor(v)) for v in logs.values()), logs
    for name, net in (("g_high", g_high), ("g_low", g_low), ("d_high", recipe.d_high), ("d_low", recipe.d_low)):
        assert _changed(before[name], net), name
    assert all(torch.equal(a, b) for a, b in zip(encoder, backbone.parameters()))
    assert all(p.requires_grad for p in recipe.d_high.parameters())


def test_generator_is_the_enhancer_and_enhance_any_size(backbone: VGGFeatures) -> None:
    recipe = make(backbone)
    assert recipe.generator() is recipe.model.enhancer
    x = torch.rand(1, 3, 50, 70)
    y = recipe.enhance(x)
    assert y.shape == x.shape and 0 <= y.min() and y.max() <= 1
    torch.testing.assert_close(y, x)  # E + G_H starts as the identity
    recipe.train_step(batch(), 0)
    y = recipe.enhance(x)
    assert y.shape == x.shape and 0 <= y.min() and y.max() <= 1 and not torch.equal(y, x)


def test_losses_at_init(backbone: VGGFeatures) -> None:
    # at init G_H is the identity, D's raw scores are ~0: each direction's RaHinge
    # (eq. 6/7, two scales, not halved) is ~ 2 x 2 = 4 for both D and G
    logs = make(backbone).train_step(batch(), 0)
    for key in ("d_high", "d_low", "g_adv_high", "g_adv_low"):
        assert logs[key] == pytest.approx(4.0, abs=0.2), key
    assert logs["g_loss"] == pytest.approx(logs["g_adv_high"] + logs["g_adv_low"] + 2.0 * logs["g_cycle"], rel=1e-5)


def test_checkpoint_round_trip(backbone: VGGFeatures) -> None:
    recipe = make(backbone)
    recipe.train_step(batch(), 0)
    other = make(backbone)
    other.load_state_dict(recipe.state_dict())
    x = torch.rand(1, 3, 32, 32)
    torch.testing.assert_close(other.enhance(x), recipe.enhance(x))


def test_options_and_paper_settings(backbone: VGGFeatures) -> None:
    assert get_recipe("qagan") is QAGANRecipe
    assert QAGANRecipe.paper_overrides["gpu"]["max_steps"] == QAGAN_PAPER_STEPS == 28_050
    gpu = resolve_preset("gpu", paper_overrides=QAGANRecipe.paper_overrides)
    assert (gpu.batch_size, gpu.crop, gpu.train_size) == (12, 256, 128)
    recipe = make(backbone)
    for opt in recipe.optimizers.values():
        assert opt.param_groups[0]["lr"] == 1e-4 and opt.param_groups[0]["betas"] == (0.5, 0.999)
    trained = {id(p) for p in recipe.optimizers["generators"].param_groups[0]["params"]}
    assert not any(id(p) in trained for p in backbone.parameters())
    assert recipe.options.lambda_cc == 2.0
    with pytest.raises(ParameterError, match="cycle_reference"):
        make(backbone, cycle_reference="other")
    with pytest.raises(ParameterError, match="use_qam"):
        make(backbone, use_qam="yes")
    with pytest.raises(ValueError, match="no option"):
        make(backbone, lambda_adv=0.1)
    with pytest.raises(ParameterError, match="backbone"):
        QAGANRecipe(resolve_preset("smoke"), torch.device("cpu"), {}, None)
    with pytest.raises(ValueError, match="same size"):
        make(backbone).train_step({"low": torch.rand(2, 3, 32, 32), "high": torch.rand(2, 3, 48, 48)}, 0)


def test_identity_option_adds_cyclegan_identity_term(backbone: VGGFeatures) -> None:
    # ours, off by default: + identity_weight * ||G_H(I_H) - I_H||_1
    with pytest.raises(ParameterError, match="identity_weight"):
        make(backbone, identity_weight=-1.0)
    data = batch()
    recipe = make(backbone, identity_weight=5.0)
    first = recipe.train_step(data, 0)
    # G_H starts as the identity, so the term starts at 0 and the loss is eq. 9's
    assert first["g_identity"] == pytest.approx(0.0, abs=1e-6)
    assert first["g_loss"] == pytest.approx(first["g_adv_high"] + first["g_adv_low"] + 2.0 * first["g_cycle"], rel=1e-5)
    second = recipe.train_step(data, 1)
    assert second["g_identity"] > 0
    assert second["g_loss"] == pytest.approx(second["g_adv_high"] + second["g_adv_low"] + 2.0 * second["g_cycle"]
                                             + 5.0 * second["g_identity"], rel=1e-5)
    assert "g_identity" not in make(backbone).train_step(data, 0)
