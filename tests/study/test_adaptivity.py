"""Exposure changes in stops, and the summary that tells adaptive from global corrections."""
import math

import matplotlib
import pytest
import torch

from enhancelib.study.adaptivity import adaptivity_summary, exposure_change, exposure_changes, mean_luma
from enhancelib.viz import plot_exposure_changes

matplotlib.use("Agg")


def grey(level):
    return torch.full((3, 8, 8), level)


def test_one_stop_is_a_doubling_of_mean_luma():
    assert mean_luma(grey(0.25)) == pytest.approx(0.25)
    assert exposure_change(grey(0.2), grey(0.4)) == pytest.approx(1.0)
    assert exposure_change(grey(0.4), grey(0.1)) == pytest.approx(-2.0)
    assert math.isfinite(exposure_change(grey(0.0), grey(0.5)))      # black input: floored, not inf
    with pytest.raises(ValueError, match="3 x H x W"):
        mean_luma(torch.zeros(4, 8, 8))


def test_summary_separates_a_per_photo_correction_from_a_global_one():
    # inputs off by -1, 0 and +1 stop from their targets
    pairs = {f"p{i}": (grey(0.3 * 2.0 ** e), grey(0.3)) for i, e in enumerate((-1.0, 0.0, 1.0))}
    targets = {id(low): high for low, high in pairs.values()}
    methods = {"oracle": lambda x: targets[id(x)], "global +0.5": lambda x: x * 2 ** 0.5}
    changes = exposure_changes(pairs, methods)
    assert len(changes) == 6 and set(changes["method"]) == set(methods)
    table = adaptivity_summary(changes, order=["oracle", "global +0.5"])
    assert table.loc["oracle", "slope"] == pytest.approx(1.0)
    assert table.loc["oracle", "mean |error| (stops)"] == pytest.approx(0.0, abs=1e-6)
    assert table.loc["global +0.5", "slope"] == pytest.approx(0.0, abs=1e-6)
    assert table.loc["global +0.5", "sd applied"] == pytest.approx(0.0, abs=1e-6)
    assert table.loc["global +0.5", "mean applied (stops)"] == pytest.approx(0.5)
    fig = plot_exposure_changes(changes)
    assert len(fig.axes) == 2
    fig = plot_exposure_changes(changes, ncols=1)          # one method per row
    assert fig.axes[0].get_position().y0 > fig.axes[1].get_position().y0


def test_no_pairs_is_an_error():
    with pytest.raises(ValueError, match="at least one"):
        exposure_changes({}, {"m": lambda x: x})


def test_gain_by_need_splits_photos_and_averages_over_runs():
    import numpy as np
    import pandas as pd

    from enhancelib.study.adaptivity import gain_by_need
    from enhancelib.viz import plot_gain_by_need

    needed = pd.Series({"a": 1.0, "b": 0.5, "c": 0.0, "d": -0.3})
    rows = [{"method": "input", "seed": 0, "name": n, "psnr": 20.0} for n in needed.index]
    # run 0 gains 2 dB on a and b and loses 4 on c and d; run 1 gains 4 and loses 2
    for seed, (up, down) in enumerate(((2.0, -4.0), (4.0, -2.0))):
        rows += [{"method": "gan", "seed": seed, "name": n, "psnr": 20.0 + (up if needed[n] > 0.05 else down)}
                 for n in needed.index]
    table = gain_by_need(pd.DataFrame(rows), needed, ["gan", "absent"])
    assert list(table.index) == ["gan"] and table.loc["gan", "runs"] == 2
    assert table.loc["gan", "need brightening (2): gain"] == pytest.approx(3.0)
    assert table.loc["gan", "need no brightening (2): gain"] == pytest.approx(-3.0)
    assert table.loc["gan", "need brightening (2): sd"] == pytest.approx(np.std([2.0, 4.0], ddof=1))
    assert plot_gain_by_need(table, title="t").axes
    with pytest.raises(ValueError, match="reference"):
        gain_by_need(pd.DataFrame(rows), needed, ["gan"], reference="nothing")
