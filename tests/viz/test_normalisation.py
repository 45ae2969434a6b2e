import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from enhancelib.nn.adaptive_norm import BiDirectionalNorm, InstanceLayerNorm  # noqa: E402
from enhancelib.viz.normalisation import plot_channel_masks, plot_matrices, plot_rho, rho_values  # noqa: E402

torch.set_num_threads(1)


def test_rho_values_lists_every_mixed_normalisation_in_module_order():
    net = nn.Sequential(nn.Conv2d(3, 4, 1), BiDirectionalNorm(4), nn.Sequential(InstanceLayerNorm(5)))
    rhos = rho_values(net)
    assert list(rhos) == ["1", "2.0"]
    assert np.allclose(rhos["1"], 0.9) and rhos["1"].shape == (4,)
    assert np.allclose(rhos["2.0"], 0.0) and rhos["2.0"].shape == (5,)
    assert rho_values(nn.Conv2d(3, 3, 1)) == {}


def test_plots_draw_one_panel_or_series_per_entry():
    fig = plot_rho({"a": np.array([0.1, 0.9]), "b": torch.tensor([0.5])}, title="t")
    assert len(fig.axes) == 1 and len(fig.axes[0].collections) == 2
    plt.close(fig)
    fig = plot_matrices({"real": np.eye(3), "fake": torch.full((3, 3), 1 / 3)}, labels=("R", "G", "B"))
    assert len(fig.axes) == 2 and len(fig.axes[0].texts) == 9
    plt.close(fig)
    fig = plot_channel_masks({"low": torch.softmax(torch.randn(8), 0), "high": np.full(8, 1 / 8)})
    lines = fig.axes[0].get_lines()
    assert len(lines) == 3  # two masks and the uniform reference
    assert np.allclose(lines[1].get_ydata(), 1.0)
    plt.close(fig)


def test_empty_or_malformed_inputs_fail_clearly():
    with pytest.raises(ValueError, match="no instance-layer"):
        plot_rho({})
    with pytest.raises(ValueError, match="2-D"):
        plot_matrices({"x": np.ones(3)})
    with pytest.raises(ValueError, match="empty"):
        plot_channel_masks({})
