import pytest
import torch
from torch import nn

from enhancelib.viz.weights import silent_modules, weight_magnitudes


def _net() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.LeakyReLU(0.2), nn.Conv2d(4, 4, 1), nn.Conv2d(4, 2, 1, bias=False))


def test_weight_magnitudes_lists_every_parameter_with_its_module():
    table = weight_magnitudes(_net())
    assert list(table.index) == ["0.weight", "0.bias", "2.weight", "2.bias", "3.weight"]
    assert table.loc["0.weight", "module"] == "0" and table.loc["0.weight", "shape"] == "4x3x3x3"
    assert (table["max |w|"] >= table["mean |w|"]).all() and (table["mean |w|"] > 0).all()


def test_silent_modules_finds_a_layer_whose_weight_and_bias_vanished():
    net = _net()
    assert silent_modules(net) == []
    with torch.no_grad():
        net[2].weight.mul_(1e-9)
        net[2].bias.zero_()
    assert silent_modules(net) == ["2"]
    # a silent layer outputs the same thing for every input
    x, y = torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8)
    assert torch.allclose(net[:3](x), net[:3](y), atol=1e-6)
    # one live tensor (the bias) keeps the module off the list
    with torch.no_grad():
        net[2].bias.fill_(0.1)
    assert silent_modules(net) == []


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="tolerance"):
        silent_modules(_net(), tolerance=-1)
    with pytest.raises(ValueError, match="no floating-point parameters"):
        weight_magnitudes(nn.ReLU())
