"""enhancelib.study.papers.glenet_figures: GleNet's figures and the choices they make."""
from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from enhancelib.models.glenet import GEN, LEN, GleNet  # noqa: E402
from enhancelib.paths import RUNS_DIR  # noqa: E402
from enhancelib.study.papers.glenet_figures import (fig9_images, plot_curve_grid, plot_degrader_curves,  # noqa: E402
                                                    plot_fig5, plot_len_spread, plot_paired_losses, plot_sample,
                                                    plot_transfer_of, plot_unpaired_losses, slider_photos,
                                                    spread_picks, stage2_start)
from enhancelib.study.papers.glenet_tables import NetworkOutputs  # noqa: E402
from enhancelib.train.runs import load_run  # noqa: E402
from enhancelib.viz.curves import transfer_stats  # noqa: E402


def _run(name):
    path = RUNS_DIR / "glenet" / name
    if not (path / "metrics.json").is_file():
        pytest.skip(f"glenet/{name} is not recorded")
    return load_run(path)


def test_stage2_starts_at_the_first_row_with_len_losses():
    log = pd.DataFrame({"step": [10, 20, 30], "len_loss": [np.nan, 0.5, 0.4]})
    assert stage2_start(log) == 20
    assert stage2_start(log.drop(columns="len_loss")) is None
    run = _run("unpaired-seed0")
    assert stage2_start(run.train_log) == int(run.train_log.loc[run.train_log["len_loss"].notna(), "step"].iloc[0])


def test_the_loss_figures_mark_stage_two():
    fig = plot_unpaired_losses(_run("unpaired-seed0"), smooth=10)
    start = stage2_start(_run("unpaired-seed0").train_log)
    assert all(any(list(line.get_xdata()) == [start, start] for line in ax.lines) for ax in fig.axes)
    assert [ax.get_title() for ax in plot_paired_losses(_run("paired-gen-len"), 20).axes][:2] == ["g_color", "g_perceptual"]
    plt.close("all")


def test_fig5_draws_each_run_in_three_panels():
    logs = {label: _run(name).eval_log for label, name in (("GEN", "paired-gen"), ("pixel-wise", "paired-pixelwise"))}
    fig = plot_fig5(logs, 18.7, 0.87)
    assert len(fig.axes) == 3 and len(fig.axes[2].lines) == 3   # two runs and the input's line
    plt.close(fig)


def test_spread_picks_span_the_range_and_sliders_take_top_median_bottom():
    stats = {n: SimpleNamespace(spread=np.array([v])) for n, v in zip("abcde", [5, 1, 3, 2, 4])}
    ordered, picks = spread_picks(stats, 3)
    assert ordered == ["b", "d", "c", "e", "a"] and picks == ["b", "c", "a"]
    gains = pd.Series({"x": 1.0, "y": -2.0, "z": 5.0, "w": 0.5})
    assert slider_photos(gains, 3) == ["z", "x", "y"] and slider_photos(gains, 1) == ["z"]


def test_transfer_figures_of_a_tiny_network():
    torch.manual_seed(0)
    outputs = NetworkOutputs({"tiny": GleNet(GEN(64, identity_init=True), LEN()).eval()})
    low, high = torch.randint(0, 256, (3, 20, 24)).float() / 255, torch.rand(3, 20, 24)
    pairs, stats = {"p": (low, high)}, {"p": transfer_stats(low, high)}
    fig = plot_transfer_of("p", pairs["p"], stats["p"], outputs)
    assert "best-curve ceiling" in fig._suptitle.get_text()
    assert "best curves (no GEN weights" in plot_curve_grid(["p"], pairs, stats, outputs, None)._suptitle.get_text()
    assert "tiny" in plot_curve_grid(["p"], pairs, stats, outputs, "tiny")._suptitle.get_text()
    assert "GEN & LEN output" in plot_len_spread("p", low, outputs, "tiny")._suptitle.get_text()
    degrader = GEN(64, identity_init=True).eval()
    assert len(plot_degrader_curves(degrader, pairs).axes) >= 1
    grid = fig9_images(degrader, degrader, [(high, low)], [high])
    assert list(grid) == ["(a) G_d(I_HQ) 1", "(b) real I_LQ 1", "(c) G_e of (a) 1", "(d) G_e(I_LQ) 1"]
    assert torch.allclose(grid["(a) G_d(I_HQ) 1"], low, atol=0.5 / 255 + 1e-6)     # identity start: G_d(low) = low
    assert torch.allclose(grid["(c) G_e of (a) 1"], low, atol=1 / 255 + 1e-6)
    without = fig9_images(degrader, None, [(high, low)], [high])
    assert torch.equal(without["(a') benchmark degradation of I_HQ 1"], high)
    plt.close("all")


def test_plot_sample_shows_a_stored_sample():
    run = _run("wgan-only-len-seed0")
    fig = plot_sample(run, "x")
    assert (fig is None) == (not run.samples)
    assert plot_sample(SimpleNamespace(samples=[]), "x") is None
    plt.close("all")
