"""plot_eval: metric curves with labelled reference lines."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from enhancelib.viz.figures import plot_eval  # noqa: E402


def test_reference_labels_keep_clear_of_the_axes_top_where_the_title_sits():
    logs = {"run": pd.DataFrame({"step": [0, 25, 50], "test_psnr": [16.0, 17.0, 16.5]})}
    ax = plot_eval(logs, "test_psnr", baselines={"input": 18.7, "floor": 15.0})
    ax.figure.canvas.draw()
    inside = ax.get_window_extent()
    labels = {text.get_text(): text for text in ax.texts}
    assert set(labels) == {"input", "floor"}
    for text in labels.values():
        box = text.get_window_extent()
        # the line above every curve sits at the top margin: a label above it would touch the title
        assert inside.y0 + 3 <= box.y0 and box.y1 <= inside.y1 - 3, f"{text.get_text()} touches the axes' edge"
    assert [line.get_label() for line in ax.get_lines()][0] == "run"
    plt.close(ax.figure)
