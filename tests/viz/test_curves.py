import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from enhancelib.nn.curves import apply_curves  # noqa: E402
from enhancelib.viz.curves import (  # noqa: E402
    intensity_levels,
    plot_curves,
    plot_transfer,
    transfer_histogram,
    transfer_stats,
)

torch.set_num_threads(1)


def _image(seed: int = 0, size: tuple[int, int] = (16, 20)) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (torch.randint(0, 256, (3, *size), generator=g).float() / 255)


def test_a_curve_mapping_is_recovered_exactly_with_no_spread():
    x = _image()
    curves = torch.rand(1, 3, 256, generator=torch.Generator().manual_seed(1))
    y = apply_curves(x[None], curves)[0]
    stats = transfer_stats(x, y)
    seen = stats.counts > 0
    assert np.allclose(stats.curves[seen], curves[0].numpy()[seen], atol=1e-6)
    assert np.all(stats.spread < 1e-6)
    assert math.isinf(stats.best_curve_psnr)


def test_one_to_many_mapping_has_spread_and_the_psnr_no_curve_beats():
    x = _image(size=(32, 32))
    ramp = torch.linspace(-0.1, 0.1, 32).view(1, 1, 32)          # a left-right light gradient
    y = (x + ramp).clamp(0, 1)
    stats = transfer_stats(x, y)
    assert np.all(stats.spread > 0.02)
    # applying the best curves gives exactly the reported PSNR ...
    best = apply_curves(x[None].double(), torch.from_numpy(stats.curves)[None])[0]
    mse = float(((best - y.double()) ** 2).mean())
    assert stats.best_curve_psnr == pytest.approx(10 * math.log10(1 / mse), abs=1e-9)
    # ... and any other curve (the identity, a perturbed best curve) does worse
    for other in (torch.linspace(0, 1, 256).expand(1, 3, 256).double(),
                  torch.from_numpy(stats.curves)[None] + 0.01):
        out = apply_curves(x[None].double(), other)[0]
        assert float(((out - y.double()) ** 2).mean()) > mse


def test_histogram_counts_every_pixel_at_its_levels():
    x = torch.zeros(3, 2, 2)
    y = torch.ones(3, 2, 2)
    x[0, 0, 0], y[0, 0, 0] = 1.0, 0.0
    hist = transfer_histogram(x, y)
    assert hist.shape == (3, 256, 256)
    assert hist.sum() == 12
    assert hist[0, 0, 255] == 3 and hist[0, 255, 0] == 1
    assert hist[1, 0, 255] == 4
    assert intensity_levels(torch.full((3, 1, 1), 0.5)).ravel().tolist() == [128, 128, 128]


def test_bad_inputs_are_rejected_with_a_clear_message():
    with pytest.raises(ValueError, match="same shape"):
        transfer_stats(_image(size=(4, 4)), _image(size=(4, 5)))
    with pytest.raises(ValueError, match="divide uint8"):
        transfer_stats(torch.zeros(3, 4, 4, dtype=torch.uint8), torch.zeros(3, 4, 4, dtype=torch.uint8))
    with pytest.raises(ValueError, match="C x H x W"):
        transfer_histogram(torch.zeros(4, 4), torch.zeros(4, 4))


def test_plots_draw_the_given_curves():
    x = _image()
    y = (x * 0.8).clamp(0, 1)
    stats = transfer_stats(x, y)
    fig = plot_transfer(x, y, {"best": stats.curves, "GEN": torch.rand(1, 3, 256)})
    assert len(fig.axes) == 5                                  # input, target, R, G, B
    lines = [line for line in fig.axes[2].lines if line.get_label() == "best"]
    assert np.allclose(lines[0].get_ydata(), stats.curves[0])
    plt.close(fig)
    fig = plot_curves({"a": stats.curves, "b": stats.curves}, {"a": stats.curves}, ncols=2)
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 3 + 3 + 1   # curves, reference, diagonal
    plt.close(fig)
    with pytest.raises(ValueError, match="channels"):
        plot_transfer(x, y, {"bad": np.zeros((2, 256))})
