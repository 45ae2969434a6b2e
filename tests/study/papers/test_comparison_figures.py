"""Chapter 05's figures (enhancelib.study.papers.comparison_figures): the numbers they draw, checked by hand."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from enhancelib.study.papers.comparison_figures import (per_photo_gains, plot_per_photo,  # noqa: E402
                                                        plot_quality_cost, quality_cost_frame)
from tests.study.papers.test_comparison import synthetic  # noqa: E402


def cost() -> pd.DataFrame:
    return pd.DataFrame({"method": ["uegan", "glenet_paired", "autocontrast", "bncagan"],
                         "ms_512": [1000.0, 500.0, 12.5, 800.0]})


def test_quality_cost_frame_joins_time_and_seed_statistics():
    frame = quality_cost_frame(synthetic(), cost())
    assert list(frame.index) == ["UEGAN", "GleNet paired (GEN & LEN)", "autocontrast"]   # BNCAGAN has no score
    means = [15.0, 14.125, 14.5]                                                         # UEGAN's seeds
    assert frame.loc["UEGAN", "psnr"] == pytest.approx(np.mean(means))
    assert frame.loc["UEGAN", "seed sd"] == pytest.approx(np.std(means, ddof=1))
    assert frame.loc["autocontrast", "seed sd"] == 0.0                                   # one run: no error bar
    assert frame["kind"].tolist() == ["unpaired", "paired upper bound", "classical operator"]


def test_plot_quality_cost_draws_one_point_per_method_and_the_input_line():
    fig = plot_quality_cost(synthetic(), cost())
    ax = fig.axes[0]
    points = np.concatenate([c.get_offsets() for c in ax.collections if len(c.get_offsets())
                             and c.get_offsets().shape[1] == 2 and c.get_label() != "_nolegend_"])
    assert sorted(points[:, 0]) == [12.5, 500.0, 1000.0]
    assert ax.get_xscale() == "log"
    assert [line.get_ydata()[0] for line in ax.lines if line.get_label() == "input"] == [13.0]   # the input's mean
    plt.close(fig)


def test_per_photo_gains_are_seed_averaged_differences_from_the_input():
    frame = per_photo_gains(synthetic())
    uegan = frame[frame["method"] == "UEGAN"].set_index("name")["PSNR gain (dB)"]
    assert uegan.to_dict() == pytest.approx({"a.jpg": 35 / 3 - 10, "b.jpg": 40 / 3 - 12, "c.jpg": 47 / 3 - 14,
                                             "d.jpg": 17.5 - 16})
    assert list(dict.fromkeys(frame["method"])) == ["input", "autocontrast", "clahe", "UEGAN",
                                                    "GleNet paired (GEN & LEN)"]
    fig = plot_per_photo(synthetic())
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == list(dict.fromkeys(frame["method"]))
    plt.close(fig)
