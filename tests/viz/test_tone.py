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
