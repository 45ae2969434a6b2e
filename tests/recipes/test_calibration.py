"""Batch-norm calibration: statistics come from the photos, weights and the input model stay put."""
import pytest
import torch
from torch import nn

from enhancelib.recipes.calibration import batch_norm_layers, calibrate_batch_norm


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 3, 1))


def test_running_stats_become_the_average_of_per_photo_statistics():
    net = _net()
    photos = [torch.rand(3, 10, 14) * s for s in (0.5, 1.0, 2.0)]
    calibrated = calibrate_batch_norm(net, photos)
    features = [net[0](p[None]) for p in photos]
    expected_mean = torch.stack([f.mean(dim=(0, 2, 3)) for f in features]).mean(0)
    expected_var = torch.stack([f.var(dim=(0, 2, 3), unbiased=True) for f in features]).mean(0)
    bn = calibrated[1]
    torch.testing.assert_close(bn.running_mean, expected_mean, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(bn.running_var, expected_var, rtol=1e-5, atol=1e-6)
    assert not calibrated.training and not bn.training


def test_one_photo_makes_eval_output_equal_to_batch_statistics_output():
    net = _net()
    photo = torch.rand(3, 64, 64)
    calibrated = calibrate_batch_norm(net, [photo])
    reference = _net().train()  # same weights (same seed), normalises with the photo's own statistics
    with torch.no_grad():
        # running_var is the unbiased variance, training mode divides by n: they differ by n / (n - 1)
        torch.testing.assert_close(calibrated(photo[None]), reference(photo[None]), rtol=2e-3, atol=2e-3)
        assert not torch.allclose(net.eval()(photo[None]), reference(photo[None]), atol=2e-3)


def test_input_model_weights_and_buffers_are_untouched():
    net = _net().eval()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    calibrated = calibrate_batch_norm(net, [torch.randint(0, 256, (3, 8, 8), dtype=torch.uint8)])
    for key, value in net.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert calibrated is not net
    assert torch.equal(calibrated[0].weight, net[0].weight)
    assert not torch.equal(calibrated[1].running_mean, net[1].running_mean)


def test_model_without_batch_norm_is_returned_as_is():
    net = nn.Sequential(nn.Conv2d(3, 3, 1), nn.InstanceNorm2d(3))
    assert batch_norm_layers(net) == []
    assert calibrate_batch_norm(net, [torch.rand(3, 4, 4)]) is net


def test_bad_input_is_reported():
    with pytest.raises(ValueError, match="at least one image"):
        calibrate_batch_norm(_net(), [])
    with pytest.raises(ValueError, match="3 x H x W"):
        calibrate_batch_norm(_net(), [torch.rand(1, 8, 8)])


def test_training_photos_come_from_the_training_pools():
    from enhancelib.data import load_data
    from enhancelib.recipes.calibration import training_photos
    from enhancelib.train.spec import RunSpec

    spec = RunSpec(recipe="glenet_paired", preset="smoke", seed=0, options={})
    data = load_data("benchmark", "smoke")
    low, high = training_photos(spec, "low", count=3), training_photos(spec, "high", count=2)
    assert len(low) == 3 and len(high) == 2
    assert all(torch.equal(a, b) for a, b in zip(low, data.train.low[:3]))
    assert all(torch.equal(a, b) for a, b in zip(high, data.train.high[:2]))
    with pytest.raises(ValueError, match="pool"):
        training_photos(spec, "test")


def test_folded_conv_blocks_are_calibrated_too():
    # ConvNormAct folds its batch norm into the convolution in eval mode; calibration runs the
    # norm in training mode inside an eval-mode block, and the statistics must still be collected
    from enhancelib.nn.inverted_residual import ConvNormAct

    torch.manual_seed(0)
    block = ConvNormAct(3, 8, 3).eval()
    photo = torch.rand(3, 48, 48)
    calibrated = calibrate_batch_norm(block, [photo])
    assert calibrated.norm.running_mean.abs().sum() > 0
    reference = ConvNormAct(3, 8, 3)
    reference.load_state_dict(block.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(calibrated(photo[None]), reference.train()(photo[None]), rtol=5e-3, atol=5e-3)
