"""plot_eval and plot_dense_evaluations: metric curves with labelled reference lines."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from enhancelib.viz.figures import plot_dense_evaluations, plot_eval  # noqa: E402


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


def test_dense_evaluations_star_the_chosen_evaluation_in_its_runs_colour():
    dense = {"dense": pd.DataFrame({"step": [50, 100, 150], "val_psnr": [18.0, 20.0, 19.0],
                                    "test_psnr": [17.0, 19.5, 18.0]})}
    seeds = {"seed0": pd.DataFrame({"step": [250, 500], "test_psnr": [18.5, 18.9]})}
    chosen = pd.DataFrame({"selected_step": [100.0], "selected_test_psnr": [19.5]}, index=["dense"])
    fig = plot_dense_evaluations(dense, chosen, 18.7, others=seeds, title="t")
    left, right = fig.axes
    lines = {line.get_label(): line for line in left.get_lines()}
    assert {"seed0", "dense"} <= set(lines)
    star = [line for line in left.get_lines() if line.get_marker() == "*"]
    assert len(star) == 1 and list(star[0].get_xdata()) == [100.0] and list(star[0].get_ydata()) == [19.5]
    assert star[0].get_color() == lines["dense"].get_color()
    points = right.collections[0].get_offsets()
    assert points.tolist() == [[18.0, 17.0], [20.0, 19.5], [19.0, 18.0]]
    assert left.get_title() == "t"
    plt.close(fig)
