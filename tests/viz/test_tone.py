"""The haze figure: one panel per set, a point per method, the targets and references marked."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402

from enhancelib.viz.tone import plot_haze  # noqa: E402


def test_one_panel_per_set_with_every_method_and_the_targets():
    index = pd.MultiIndex.from_product([["input", "milky"], ["test", "flat"]], names=["method", "set"])
    summary = pd.DataFrame({"black": [0.05, 0.06, 0.2, 0.25], "contrast": [0.17, 0.13, 0.12, 0.1]}, index=index)
    fig = plot_haze(summary, {"black": 0.09, "contrast": 0.19}, sets=("test", "flat"), highlight=["milky"],
                    references={"HQ training photos": {"black": 0.13, "contrast": 0.19}})
    assert len(fig.axes) == 2
    texts = {t.get_text() for t in fig.axes[1].texts}
    assert {"input", "milky", "targets", "HQ training photos"} <= texts


def test_run_haze_draws_a_dot_per_run_and_a_mean_bar_per_group():
    from enhancelib.viz.tone import plot_run_haze

    per_run = pd.DataFrame({"group": ["1x", "1x", "3x"], "run": ["a", "b", "c"], "haze": [0.10, 0.06, 0.01]})
    fig = plot_run_haze(per_run, input_haze=0.02)
    ax = fig.axes[0]
    dots = [c.get_offsets() for c in ax.collections]
    assert [len(d) for d in dots] == [2, 1]
    assert dots[0][:, 0].tolist() == [0.10, 0.06] and set(dots[0][:, 1]) == {0} and set(dots[1][:, 1]) == {1}
    bars = [line for line in ax.lines if abs(line.get_ydata()[1] - line.get_ydata()[0] - 0.6) < 1e-9]
    assert [round(float(line.get_xdata()[0]), 6) for line in bars] == [0.08, 0.01]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1x", "3x"]
